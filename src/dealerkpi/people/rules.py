"""Who may keep the store's routines: training records, the daily checklist, the meeting notes; and who keeps the
store's staff: leavings (see ``org.rules``). Each is asked about a store."""

from __future__ import annotations

import rules

from dealerkpi.org.models import Role
from dealerkpi.org.roles import LEADERS, STORE_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, role_in, works_in

KEEP_STAFF = STORE_MANAGEMENT | {Role.HR}  # record leavings for their store
leads_the_store = works_in(LEADERS)  # the store's supervisors and managers
sees_the_staff = role_in(KEEP_STAFF) | head_office | everything  # the staff page and attrition, for stores in scope

rules.add_perm("people.add_training", leads_the_store)
rules.add_perm("people.add_certification", works_in(LEADERS | {Role.HR}))
rules.add_perm("people.change_checklist", leads_the_store)
rules.add_perm("people.change_meeting_notes", leads_the_store)
# Attendance: supervisors record their team's days, managers the store's (visible_to narrows whose); the store's
# managers set its rules
rules.add_perm("people.record_attendance", leads_the_store)
rules.add_perm("people.set_attendance_rules", works_in(STORE_MANAGEMENT))
rules.add_perm("people.view_staff", sees_the_staff)
rules.add_perm("people.record_departure", works_in(KEEP_STAFF))
# New salespeople: the onboarding checklist and the probation
rules.add_perm("people.view_newcomers", role_in(LEADERS | {Role.HR}) | head_office | everything)
rules.add_perm("people.start_onboarding", works_in(LEADERS | {Role.HR}))
rules.add_perm("people.tick_onboarding", leads_the_store)
rules.add_perm("people.review_probation", leads_the_store)
rules.add_perm("people.decide_probation", works_in(STORE_MANAGEMENT))
# Recruiting: candidates' personal data is for HR and the store's management (the hiring managers) only
rules.add_perm("people.view_recruiting", role_in(KEEP_STAFF))
rules.add_perm("people.recruit", works_in(KEEP_STAFF))

"""Who may do what at the sales desk's A-cards, follow-ups, visits, test drives, lost sales and grades, and with
complaints (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.crm.models import Complaint
from dealerkpi.org.roles import LEADERS, SALES_FORCE, SALES_MANAGEMENT, STORE_MANAGEMENT
from dealerkpi.org.rules import acts_for, at_the_desk, object_predicate, reach_in, role_in, sells, works_in

leads_others = at_the_desk & reach_in(Reach.TEAM, Reach.STORE)  # supervisors and the store's staff
decides = sells & role_in(LEADERS)  # lost sales and reassignments are the supervisor's or the manager's decision
manages_store = works_in(STORE_MANAGEMENT)


@object_predicate
def handles(viewer: Viewer, complaint: Complaint | None) -> bool:
    """The staff member the complaint is assigned to."""
    return complaint is not None and viewer.staff_id is not None and complaint.handler_id == viewer.staff_id


# The desk: everyone at it reads it; HR and finance change nothing on it.
rules.add_perm("crm.view_desk", at_the_desk)
rules.add_perm("crm.add_lead", sells)
rules.add_perm("crm.change_lead", acts_for("owner_id"))  # follow-ups, lost-sale requests
rules.add_perm("crm.add_visit", sells)
rules.add_perm("crm.change_visit", acts_for("consultant_id"))
rules.add_perm("crm.add_testdrive", sells)
rules.add_perm("crm.change_testdrive", acts_for("consultant_id"))
rules.add_perm("crm.view_followup_quality", leads_others)
rules.add_perm("crm.decide_lost_sale", decides)
rules.add_perm("crm.reassign_lead", decides)
rules.add_perm("crm.change_grade", at_the_desk & role_in(SALES_MANAGEMENT))
# The duty roster of the floor: the supervisors and the sales management of the store.
rules.add_perm("crm.manage_floor", at_the_desk & reach_in(Reach.TEAM, Reach.STORE) & role_in(LEADERS))

# Finding cards by a customer's number (PIPL): by the whole number, for all who enter sales (HR and finance have no
# use for customers' numbers); by a part of it for the sales force, only among the customers they own, whose numbers
# they see in full (``core.scope.sees_phone``): a part of a masked number would recover it digit by digit.
rules.add_perm("crm.search_by_phone", sells)
rules.add_perm("crm.search_by_part_of_phone", sells & role_in(SALES_FORCE))

# Complaints: the store's managers and GM record and assign them (of a store); the handler moves them on.
rules.add_perm("crm.add_complaint", manages_store)
rules.add_perm("crm.assign_complaint", manages_store)
rules.add_perm("crm.change_complaint", manages_store | handles)
# The manufacturer's satisfaction surveys: the store's GM and managers enter them (of a store).
rules.add_perm("crm.add_survey_result", manages_store)

"""Who may keep the store's routines: training records, the daily checklist, the meeting notes (see
``org.rules``). Each is asked about a store."""

from __future__ import annotations

import rules

from dealerkpi.org.roles import LEADERS
from dealerkpi.org.rules import works_in

leads_the_store = works_in(LEADERS)  # the store's supervisors and managers

rules.add_perm("people.add_training", leads_the_store)
rules.add_perm("people.change_checklist", leads_the_store)
rules.add_perm("people.change_meeting_notes", leads_the_store)

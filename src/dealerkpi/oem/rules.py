"""Who may read and enter the manufacturer's assessment of a store (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.org.models import Role
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, reach_in, reaches_store, role_in, works_in

# The policy page and the projected rebate: the store's management and finance; head office for its stores.
rules.add_perm("oem.view_policy", (reach_in(Reach.STORE) & role_in(STORE_MANAGEMENT | {Role.FINANCE}))
               | head_office | everything)
# The manufacturer's targets and scores of a store (a Store): its management, head office within its reach.
rules.add_perm("oem.enter_assessment", everything | (head_office & reaches_store)
               | (reach_in(Reach.STORE) & works_in(STORE_MANAGEMENT)))
# A new version of a brand's policy for the whole group: the group's head office.
rules.add_perm("oem.publish_policy", everything | (head_office & reach_in(Reach.GROUP)))

"""Who may import follow-ups and deliveries (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, reach_in, role_in

# Sales managers, deputies and GMs (into their store), head office (its stores), superusers; nobody else.
rules.add_perm("imports.import_data", everything | head_office | (reach_in(Reach.STORE) & role_in(STORE_MANAGEMENT)))

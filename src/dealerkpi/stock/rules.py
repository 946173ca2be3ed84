"""Who may do what with stock: move a vehicle to or from a secondary dealer (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import reach_in, works_in

rules.add_perm("stock.transfer_vehicle", reach_in(Reach.STORE) & works_in(STORE_MANAGEMENT))  # of their store

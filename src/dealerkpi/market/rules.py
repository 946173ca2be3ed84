"""Who may record market intelligence (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.org.rules import works_in

rules.add_perm("market.add_competitor_price", works_in())  # any member of the store's staff, for their store

"""Who may open the figures pages (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.crm.rules import leads_others
from dealerkpi.org.rules import reach_in

# The store management's report: store-wide roles (sales managers, deputies, GM, HR, finance), head office,
# superusers. Consultants and supervisors have their statements, earnings to date and the team board.
rules.add_perm("reports.view_monthly_analysis", reach_in(Reach.STORE, Reach.REGION, Reach.GROUP, Reach.EVERYTHING))
rules.add_perm("reports.view_team_board", leads_others)  # supervisors and the store's staff

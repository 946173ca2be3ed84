"""Who may open the figures pages (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.crm.rules import leads_others
from dealerkpi.org.models import Role
from dealerkpi.org.roles import LEADERS, SALES_MANAGEMENT, STORE_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, reach_in, role_in, works_in
from dealerkpi.people.rules import sees_the_staff

# The store management's report: store-wide roles (sales managers, deputies, GM, HR, finance), head office,
# superusers. Consultants and supervisors have their statements, earnings to date and the team board.
rules.add_perm("reports.view_monthly_analysis", reach_in(Reach.STORE, Reach.REGION, Reach.GROUP, Reach.EVERYTHING))
rules.add_perm("reports.view_team_board", leads_others)  # supervisors and the store's staff

# The daily report (日报): the store's sales managers send it, its general manager comments on it; both read it, as
# does head office for its stores. Which stores: data scope (the store must be one the viewer reaches).
rules.add_perm("reports.view_daily_report", role_in(STORE_MANAGEMENT) | head_office | everything)
rules.add_perm("reports.send_daily_report", works_in(SALES_MANAGEMENT))
rules.add_perm("reports.comment_daily_report", works_in({Role.GENERAL_MANAGER}))
rules.add_perm("reports.view_attrition", sees_the_staff)  # the store's management, HR, head office
# The attendance sheet: supervisors (their team: data scope), the store's management, HR, head office
rules.add_perm("reports.view_attendance_sheet", role_in(LEADERS | {Role.HR}) | head_office | everything)

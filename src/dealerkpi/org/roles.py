"""The sets of roles that rules and pages name, each defined once. A rule says which set may act
(``org.rules``, each app's ``rules.py``); it never spells a set out again."""

from dealerkpi.org.models import READ_ONLY_ON_SALES, STORE_WIDE_ROLES, Role

SALES_MANAGEMENT = frozenset({Role.SALES_MANAGER, Role.DEPUTY_MANAGER})  # run the sales department
STORE_MANAGEMENT = SALES_MANAGEMENT | {Role.GENERAL_MANAGER}  # run the store
LEADERS = STORE_MANAGEMENT | {Role.SUPERVISOR}  # lead people on the floor: decide requests, see the team board
SALES_FORCE = frozenset({Role.CONSULTANT, Role.SUPERVISOR})  # sell; split store targets; leave as attrition
PAYROLL_READERS = STORE_MANAGEMENT | {Role.HR, Role.FINANCE}
PAYROLL_OFFICE = frozenset({Role.HR, Role.FINANCE})  # lock an approved bonus run for payroll
RATERS = SALES_MANAGEMENT | {Role.SUPERVISOR}  # rate people by hand in a bonus run
DESK_ROLES = frozenset(Role.values) - READ_ONLY_ON_SALES - {Role.HEAD_OFFICE}  # enter the store's sales records

__all__ = ["DESK_ROLES", "LEADERS", "PAYROLL_OFFICE", "PAYROLL_READERS", "RATERS", "READ_ONLY_ON_SALES", "SALES_FORCE",
           "SALES_MANAGEMENT", "STORE_MANAGEMENT", "STORE_WIDE_ROLES"]

"""Staff and teams from a file (an HR list): each row a person of a store with their role, effective-dated as the
org models are: the staff record, the role held in the store from ``role_from`` (else the hire date) to the leave
date, and, with a team, the membership over the same days (the team made when the store has none of that name).
The employee number names the person: a number the system has is left as it is."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.org.models import Role, RoleAssignment, Staff, Team, TeamMembership

from .columns import STAFF_COLUMNS
from .engine import chunks
from .records import RecordImport, Values

STORE_ROLES = frozenset(Role) - {Role.HEAD_OFFICE}


class StaffImport(RecordImport):
    columns = STAFF_COLUMNS

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.teams: dict[tuple[int, str], Team] = {}

    def resolve(self, rows: list[Values]) -> None:
        names = sorted({row["team"] for row in rows if row.get("team")})
        known = Team.objects.filter(store_id__in=sorted(self.stores.values()), name__in=names)
        self.teams = {(team.store_id, team.name): team for team in known}

    def key(self, values: Values) -> Hashable | None:
        return values["employee_no"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks(keys):
            found.update(Staff.objects.filter(employee_no__in=chunk).values_list("employee_no", flat=True))
        return found

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        role, hired, left = values["role"], values["hire_date"], values["leave_date"]
        since = values["role_from"] or hired
        dated = self._dates(number, hired, since, left)
        if role not in STORE_ROLES:
            self.error(number, "role", role, _("Head office staff are entered in the master data, not imported."))
            return False
        if store_id is None or not dated:
            return False
        person = self.make(Staff(group_id=self.groups[store_id], store_id=store_id, employee_no=values["employee_no"],
                                 name=values["name"], role=role, hire_date=hired, leave_date=left,
                                 base_salary=values["base_salary"]))
        self.make(RoleAssignment(staff=person, role=role, store_id=store_id, valid_from=since, valid_to=left))
        if values["team"]:
            self.make(TeamMembership(staff=person, team=self._team(store_id, values["team"]), valid_from=since,
                                     valid_to=left, is_leader=bool(values["team_leader"])))
        return True

    def _dates(self, number: int, hired: Any, since: Any, left: Any) -> bool:
        if since < hired:
            self.error(number, "role_from", since, _("The role cannot start before the hire date."))
            return False
        if left is not None and left < since:
            self.error(number, "leave_date", left, _("The leave date is before the role's first day."))
            return False
        return True

    def _team(self, store_id: int, name: str) -> Team:
        team = self.teams.get((store_id, name))
        if team is None:
            team = self.teams[(store_id, name)] = self.make(Team(store_id=store_id, name=name))
        return team

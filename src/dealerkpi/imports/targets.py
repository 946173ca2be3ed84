"""Targets from a file, one per row: a store's month and metric, for the store, one of its teams (``team``) or
one of its people (``employee_no``), as the targets pages set them (audited). The store, month, metric and team or
person name the target: one the store has with the same value is left as it is; one it has with another value is
refused (it is changed on the targets page, where its split is checked). The split rule of the targets page holds
(``targets.services.save_split``): the consultants' and supervisors' targets of an additive metric in a month, those
the store has and the file's, add up to no more than the store's target (the store's, or the file's). The split of
a month's store target to its people from a wide sheet stays on the targets page
(``targets.services.import_split``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from dealerkpi.org.models import Staff, Team
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.targets.models import Target, metric_problem
from dealerkpi.targets.services import SHARES, is_additive, over_allocation_message

from .columns import TARGET_COLUMNS
from .engine import chunks
from .reading import Table
from .records import People, RecordImport, Values

Key = tuple[str, Any, str, str | None, str | None]  # store code, month, metric, team name, employee number


class TargetImport(RecordImport):
    columns = TARGET_COLUMNS
    part_rows = None  # the split rule adds up the file's shares: a targets file is read whole (it is small)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.teams: dict[tuple[int, str], int] = {}
        self.people = People(set())
        self.there: dict[Key, Decimal] = {}
        self.asked: dict[Any, Decimal] = {}  # the file's value of each target
        self.sales_force: set[int] = set()  # the file's people whose targets are shares of the store's
        self.shares: dict[tuple[str, Any, str], Decimal] = defaultdict(Decimal)  # allocated, with the file's
        self.last_share: dict[tuple[str, Any, str], int] = {}  # the row of the file's last share of a split

    def resolve(self, rows: list[Values]) -> None:
        self.asked = {self.key(row): row["value"] for row in rows}
        store_ids = sorted(self.stores.values())
        names = sorted({row["team"] for row in rows if row["team"]})
        self.teams = {(store_id, name): pk for pk, store_id, name in Team.objects.filter(
            store_id__in=store_ids, name__in=names).values_list("pk", "store_id", "name")}
        self.people = People({row["employee_no"] for row in rows if row["employee_no"]})
        for chunk in chunks(set(self.people.ids.values())):
            self.sales_force.update(Staff.objects.filter(pk__in=chunk, role__in=SALES_FORCE).values_list("pk",
                                                                                                     flat=True))
        allocated = Target.objects.filter(SHARES, store_id__in=store_ids, month__in=sorted(
            {row["month"] for row in rows})).values_list("store__code", "month", "metric").annotate(Sum("value"))
        self.shares.update(((code, month, metric), total) for code, month, metric, total in allocated)

    def run(self, table: Table) -> None:
        super().run(table)
        self._splits()

    def key(self, values: Values) -> Hashable | None:
        return (values["store"], values["month"], values["metric"], values["team"] or None,
                values["employee_no"] or None)

    def existing(self, keys: set[Any]) -> set[Any]:
        months = sorted({key[1] for key in keys})
        found = Target.objects.filter(store_id__in=sorted(self.stores.values()), month__in=months).values_list(
            "store__code", "month", "metric", "team__name", "staff__employee_no", "value")
        self.there = {tuple(rest): value for *rest, value in found}  # type: ignore[misc]
        return {key for key in keys if self.there.get(key) == self.asked[key]}

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        problem = metric_problem(values["metric"])
        if problem is not None:
            self.error(number, "metric", values["metric"], problem)
        there = self.there.get(self.key(values))  # type: ignore[arg-type]
        if there is not None:
            self.error(number, "value", values["value"], _(
                "The target is %(value)s already; change it on the targets page.") % {"value": there})
        if store_id is None or problem is not None or there is not None:
            return False
        team_id, staff_id = self._level(number, values, store_id)
        if team_id is False or staff_id is False:
            return False
        self.make(Target(store_id=store_id, month=values["month"], metric=values["metric"], team_id=team_id,
                         staff_id=staff_id, value=values["value"]))
        if staff_id in self.sales_force:
            split = (values["store"], values["month"], values["metric"])
            self.shares[split] += values["value"]
            self.last_share[split] = number
        return True

    def _splits(self) -> None:
        """The file's shares of a store's target, with those the store has, above the store's target: refused on
        the split's last row in the file, with the targets page's message."""
        for split, number in self.last_share.items():
            store_target = self.there.get((*split, None, None), self.asked.get((*split, None, None)))
            total = self.shares[split]
            if is_additive(split[2]) and store_target is not None and total > store_target:
                self.error(number, "value", "", over_allocation_message(split[2], total, store_target))

    def _level(self, number: int, values: Values, store_id: int) -> tuple[Any, Any]:
        """(team id, staff id): None where the level is not that one, False when the row is wrong."""
        if values["team"] and values["employee_no"]:
            self.error(number, "team", values["team"], _("A target is the store's, a team's or a person's: fill in "
                                                         "the team or the employee number, not both."))
            return False, False
        if values["team"]:
            team_id = self.teams.get((store_id, values["team"]))
            if team_id is None:
                self.error(number, "team", values["team"], _("Store %(store)s has no team of this name.") % {
                    "store": values["store"]})
                return False, None
            return team_id, None
        if values["employee_no"]:
            staff_id = self.people.of_store(self, number, "employee_no", values, store_id)
            return (None, False) if staff_id is None else (None, staff_id)
        return None, None

"""What every metric module shares: the per-person results of one query ("a table"), the grouping by person
and team of the day, exact Decimal clean-up, and the records behind a figure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import Aggregate, DecimalField, Expression, F, OuterRef, QuerySet

from dealerkpi.core.money import HUNDRED, ZERO

from .period import team_of_day, team_of_day_join

Key = tuple[int, int | None]  # (staff id, team id of the day or None)
StoreKey = tuple[int, int, int | None]  # (store id of the records, staff id, team id of the day or None)
ONE = Decimal(1)
RATE_PLACES = Decimal("0.0001")
# Sums of share (2 places) x amount (2 places) are exact at 4 places; SQLite computes them in floating point,
# so its result is rounded back to 4 places before it is used.
SUM_FIELD = DecimalField(max_digits=30, decimal_places=4)


@dataclass
class Table:
    """What one source computed.

    rows: additive parts by (store of the records, person, team of the day); stores: per-store values;
    teams: per-team values, and the store of each team; leaders: the teams each person leads at the period's
    end. The store in each key lets one computation over many stores give each store its own figures.
    """

    rows: dict[StoreKey, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    stores: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    teams: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    team_store: dict[int, int] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=dict)
    _by_store: dict[int, dict[Key, dict[str, Decimal]]] | None = field(default=None, init=False, repr=False)

    def add(self, key: StoreKey, name: str, value: Decimal) -> None:
        self.rows[key][name] = self.rows[key].get(name, ZERO) + value
        self._by_store = None

    def by_store(self) -> dict[int, dict[Key, dict[str, Decimal]]]:
        """The rows indexed by store, built once: a batch of stores reads each store's rows without a scan."""
        if self._by_store is None:
            index: dict[int, dict[Key, dict[str, Decimal]]] = defaultdict(dict)
            for (store, staff, team), parts in self.rows.items():
                index[store][(staff, team)] = parts
            self._by_store = index
        return self._by_store

    def rows_in(self, store_ids: frozenset[int]) -> dict[Key, dict[str, Decimal]]:
        """The additive parts of the records of these stores by (person, team of the day)."""
        index = self.by_store()
        if len(store_ids) == 1:
            return index.get(next(iter(store_ids)), {})
        found: dict[Key, dict[str, Decimal]] = defaultdict(dict)
        for store in store_ids:
            for key, parts in index.get(store, {}).items():
                for name, value in parts.items():
                    found[key][name] = found[key].get(name, ZERO) + value
        return found

    def totals(self, store_ids: frozenset[int]) -> dict[int, dict[str, Decimal]]:
        """The additive parts of the records of these stores summed over each person's teams."""
        found: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for (staff, _), parts in self.rows_in(store_ids).items():
            for name, value in parts.items():
                found[staff][name] = found[staff].get(name, ZERO) + value
        return found

    def people_in(self, store_ids: frozenset[int]) -> set[int]:
        """Everyone with records in these stores."""
        index = self.by_store()
        return {staff for store in store_ids for staff, _ in index.get(store, {})}

    def teams_led(self, staff_id: int, store_ids: frozenset[int]) -> list[int]:
        return [team for team in self.leaders.get(staff_id, []) if self.team_store.get(team) in store_ids]


@dataclass(frozen=True)
class RecordSet:
    """Records behind a figure, and the browse page (web/browse.py slug) that lists them."""

    slug: str
    records: QuerySet
    label: str = ""


@dataclass(frozen=True)
class Behind:
    """The record sets behind one person's figure; the first is the main one (its slug and records are
    `slug` and `records`), the others the rest of a ratio (denominator...) or its parts."""

    sets: tuple[RecordSet, ...]

    @property
    def slug(self) -> str:
        return self.sets[0].slug

    @property
    def records(self) -> QuerySet:
        return self.sets[0].records

    def __iter__(self) -> Iterator[RecordSet]:
        return iter(self.sets)

    def __len__(self) -> int:
        return len(self.sets)

    def __getitem__(self, index: int) -> RecordSet:
        return self.sets[index]


def tidy(value: Decimal | int | float | None) -> Decimal:
    """An exact Decimal without trailing zeros or exponent (1029.140000 -> 1029.14, 3.00 -> 3)."""
    if not value:  # none, or a zero of any form: the commonest figure of all
        return ZERO
    if type(value) is int:  # a count: exact as it is
        return Decimal(value)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return number.quantize(ONE)
    return number.normalize()


def two_places(value: Decimal | int | float | None) -> Decimal:
    """A database sum of two-place values (scores, yuan) back to two places, exact: SQLite adds them in floating
    point."""
    return tidy(tidy(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def shared(value: Decimal | int | float | None) -> Decimal:
    """A database sum of share (percent) x amount, turned into the amount credited: exact, divided by 100."""
    if value is None:
        return ZERO
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return tidy(number.quantize(RATE_PLACES, rounding=ROUND_HALF_UP) / HUNDRED)


def ratio(numerator: Decimal | None, denominator: Decimal | None, scale: Decimal = HUNDRED) -> Decimal | None:
    """numerator / denominator x scale to 4 places half-up; None when the denominator is empty or not positive."""
    if denominator is None or denominator <= ZERO:
        return None
    return tidy((((numerator or ZERO) * scale) / denominator).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))


def grouped(
    queryset: QuerySet,
    staff: str,
    day: Expression | None,
    aggregates: Mapping[str, Aggregate],
    convert: Mapping[str, object] | None = None,
) -> dict[StoreKey, dict[str, Decimal]]:
    """One query: `aggregates` per store of the records, person (the `staff` lookup) and team of `day` (None:
    no team split).

    `day` is an expression over the queryset's rows (e.g. local_day("at"), F("due_on")).
    Values come back as exact Decimals; `convert` names a function per aggregate (default: tidy).
    """
    queryset = queryset.order_by().annotate(metric_staff=F(staff))
    if day is None:
        rows: Iterable[dict] = queryset.values("store_id", "metric_staff").annotate(**aggregates)
    elif any(getattr(aggregate, "distinct", False) for aggregate in aggregates.values()):
        # a distinct count is not a sum of the counts of each day: the team is looked up on every record
        queryset = queryset.annotate(metric_day=day).annotate(metric_team=team_of_day(staff, OuterRef("metric_day")))
        rows = queryset.values("store_id", "metric_staff", "metric_team").annotate(**aggregates)
    else:
        rows = _summed_by_team_of_day(queryset.annotate(metric_day=day), aggregates)
    found: dict[StoreKey, dict[str, Decimal]] = {}
    for row in rows:
        key = (row["store_id"], row["metric_staff"], row.get("metric_team"))
        if key[1] is None:
            continue
        found[key] = {
            name: (convert or {}).get(name, tidy)(row[name])  # type: ignore[operator]
            for name in aggregates
        }
    return found


def _summed_by_team_of_day(queryset: QuerySet, aggregates: Mapping[str, Aggregate]) -> list[dict]:
    """The aggregates summed per store, person and day by the database, then per team of the day through a join
    on the memberships (period.team_of_day_join): the team is looked up once per person-day, not once per record.
    The aggregates are sums and counts, so the day's sums add up to the team's."""
    inner = queryset.values("store_id", "metric_staff", "metric_day").annotate(**aggregates)
    sql, params = inner.query.sql_with_params()
    connection = connections[queryset.db]
    name = connection.ops.quote_name
    sums = ", ".join(f"SUM(a.{name(aggregate)}) AS {name(aggregate)}" for aggregate in aggregates)
    statement = (
        f"SELECT a.store_id, a.metric_staff, team_membership.team_id AS metric_team, {sums} FROM ({sql}) a "
        f"{team_of_day_join('a.metric_staff', 'a.metric_day')} "
        "GROUP BY a.store_id, a.metric_staff, team_membership.team_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def merge_rows(table: Table, rows: Mapping[StoreKey, Mapping[str, Decimal]]) -> Table:
    for key, parts in rows.items():
        for name, value in parts.items():
            table.add(key, name, value)
    return table

"""What every metric module shares: the per-person results of one query ("a table"), the grouping by person
and team of the day, exact Decimal clean-up, and the records behind a figure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Aggregate, DecimalField, Expression, F, OuterRef, QuerySet

from dealerkpi.core.money import HUNDRED, ZERO

from .period import team_of_day

Key = tuple[int, int | None]  # (staff id, team id of the day or None)
RATE_PLACES = Decimal("0.0001")
# Sums of share (2 places) x amount (2 places) are exact at 4 places; SQLite computes them in floating point,
# so its result is rounded back to 4 places before it is used.
SUM_FIELD = DecimalField(max_digits=30, decimal_places=4)


@dataclass
class Table:
    """What one source computed.

    rows: additive parts by (person, team of the day); people: per-person values; stores: per-store values;
    teams: per-team values; leaders: the teams each person leads at the period's end.
    """

    rows: dict[Key, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    people: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    stores: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    teams: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    leaders: dict[int, list[int]] = field(default_factory=dict)

    def add(self, key: Key, name: str, value: Decimal) -> None:
        self.rows[key][name] = self.rows[key].get(name, ZERO) + value

    def person_total(self, staff_id: int, name: str) -> Decimal:
        return sum((parts.get(name, ZERO) for (staff, _), parts in self.rows.items() if staff == staff_id), ZERO)

    def totals(self) -> dict[int, dict[str, Decimal]]:
        """The additive parts summed over each person's teams."""
        found: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for (staff, _), parts in self.rows.items():
            for name, value in parts.items():
                found[staff][name] = found[staff].get(name, ZERO) + value
        return found


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
    if value is None:
        return ZERO
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


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
) -> dict[Key, dict[str, Decimal]]:
    """One query: `aggregates` per person (the `staff` lookup) and team of `day` (None: no team split).

    `day` is an expression over the queryset's rows (e.g. local_day("at"), F("due_on")).
    Values come back as exact Decimals; `convert` names a function per aggregate (default: tidy).
    """
    queryset = queryset.order_by().annotate(metric_staff=F(staff))
    keys = ["metric_staff"]
    if day is not None:
        queryset = queryset.annotate(metric_day=day).annotate(metric_team=team_of_day(staff, OuterRef("metric_day")))
        keys.append("metric_team")
    found: dict[Key, dict[str, Decimal]] = {}
    for row in queryset.values(*keys).annotate(**aggregates):
        key = (row["metric_staff"], row.get("metric_team"))
        if key[0] is None:
            continue
        found[key] = {
            name: (convert or {}).get(name, tidy)(row[name])  # type: ignore[operator]
            for name in aggregates
        }
    return found


def merge_rows(table: Table, rows: Mapping[Key, Mapping[str, Decimal]]) -> Table:
    for key, parts in rows.items():
        for name, value in parts.items():
            table.add(key, name, value)
    return table

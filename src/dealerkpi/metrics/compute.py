"""compute(): the named metrics for everyone in a set of stores and a month, in a few queries per metric
family (never one per person), shaped as the engine's actuals: additive metrics one row per person and team
of the day, rates and scores once per person on the row of their team at the period's end."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DateField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from dealerkpi.core.money import ZERO
from dealerkpi.org.models import EffectiveDated, RoleAssignment, Staff, Store
from dealerkpi.plans.engine import Actuals, Period

from . import people
from .base import Behind, Key, Table, ratio
from .period import Crediting, Frame, team_of_day
from .registry import SOURCES, Definition, definition_of


@dataclass(frozen=True)
class Member:
    """A person with figures: employed in one of the stores during the period, or found in its records. Role,
    store and team are those of their last day in the period (the end, or their leave date)."""

    staff_id: int
    name: str
    role: str
    store_id: int | None
    team_id: int | None
    employed_in: int | None = None  # the store the person is on the books of, if employed during the period


@dataclass(frozen=True)
class Row:
    """One person's figures while in one team (team None: no team that day)."""

    staff_id: int
    team_id: int | None
    metrics: Mapping[str, Decimal]

    def actuals(self) -> Actuals:
        return Actuals(person=str(self.staff_id), team=str(self.team_id or ""), metrics=dict(self.metrics))


@dataclass(frozen=True)
class PeriodActuals:
    period: Period
    crediting: Crediting
    names: tuple[str, ...]
    rows: tuple[Row, ...]
    people: Mapping[int, Member] = field(default_factory=dict)

    def value(self, staff_id: int, name: str) -> Decimal | None:
        """The person's figure over all their rows; None when they have no value (e.g. empty denominator)."""
        values = [row.metrics[name] for row in self.rows if row.staff_id == staff_id and name in row.metrics]
        return sum(values, ZERO) if values else None

    def of(self, staff_id: int) -> dict[str, Decimal]:
        """Every figure of the person, summed over their teams."""
        found: dict[str, Decimal] = {}
        for row in self.rows:
            if row.staff_id == staff_id:
                for name, value in row.metrics.items():
                    found[name] = found.get(name, ZERO) + value
        return found

    def for_engine(self) -> tuple[Actuals, ...]:
        return tuple(row.actuals() for row in self.rows)


def people_in_scope(frame: Frame, also: Iterable[int] = ()) -> dict[int, Member]:
    """Everyone employed during the period whose store is in the frame, plus the ids in `also`. One query."""
    last_day = Case(
        When(leave_date__lt=frame.last_day, then=F("leave_date")),
        default=Value(frame.last_day),
        output_field=DateField(),
    )
    assignment = RoleAssignment.objects.filter(staff_id=OuterRef("pk")).filter(
        EffectiveDated.in_force_on(OuterRef("metric_day"))
    ).order_by("-valid_from", "-pk")
    during = Q(hire_date__lte=frame.last_day) & (Q(leave_date__isnull=True) | Q(leave_date__gte=frame.first_day))
    employed = Q(store_id__in=frame.store_ids) & during
    rows = (
        Staff.objects.filter(employed | Q(pk__in=sorted(set(also))))
        .annotate(metric_day=last_day)
        .annotate(
            end_team=team_of_day("pk", OuterRef("metric_day")),
            end_role=Coalesce(Subquery(assignment.values("role")[:1]), F("role")),
            end_store=Coalesce(Subquery(assignment.values("store_id")[:1]), F("store_id"), output_field=IntegerField()),
            employed_in=Case(When(during, then=F("store_id")), default=None, output_field=IntegerField()),
        )
        .order_by("pk")
        .values_list("pk", "name", "end_role", "end_store", "end_team", "employed_in")
    )
    return {pk: Member(pk, name, role, store, team, employed) for pk, name, role, store, team, employed in rows}


def _end_key(member: Member | None, staff_id: int) -> Key:
    return (staff_id, member.team_id if member else None)


def _store_value(table: Table, member: Member, store_ids: frozenset[int]) -> dict[str, Decimal]:
    """The values of the person's store at the period's end, if it is one of these stores."""
    return table.stores.get(member.store_id or 0, {}) if member.store_id in store_ids else {}


def _led_rate(table: Table, member: Member, store_ids: frozenset[int]) -> Decimal | None:
    """Leavers / average month-end headcount over 12 months, in percent, over what the person leads."""
    if member.role in people.LEADS_STORE:
        parts = [_store_value(table, member, store_ids)]
    elif member.role in people.LEADS_TEAMS:
        parts = [table.teams.get(team, {}) for team in table.teams_led(member.staff_id, store_ids)]
    else:
        return None
    leavers = sum((part.get("leavers", ZERO) for part in parts), ZERO)
    headcount_months = sum((part.get("headcount_months", ZERO) for part in parts), ZERO)
    return ratio(leavers * people.ATTRITION_WINDOW, headcount_months)


def _shape(
    wanted: Sequence[tuple[str, Definition, str]],
    tables: Mapping[str, Table],
    members: Mapping[int, Member],
    store_ids: frozenset[int],
) -> tuple[Row, ...]:
    """The figures of the records of these stores, for these members, as rows per person and team."""
    rows: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    everyone = set(members)
    for table in tables.values():
        everyone.update(table.people_in(store_ids))
    for name, definition, parameter in wanted:
        table = tables[definition.source]
        if definition.kind == "additive":
            part = definition.part.format(parameter)
            has = set()
            for key, parts in table.rows_in(store_ids).items():
                if part in parts:
                    rows[key][name] = parts[part]
                    has.add(key[0])
            for staff_id in everyone - has:
                rows[_end_key(members.get(staff_id), staff_id)][name] = ZERO
        elif definition.kind == "ratio":
            numerators = table.totals(store_ids)
            denominators = tables[definition.per_source or definition.source].totals(store_ids)
            for staff_id, parts in denominators.items():
                value = ratio(numerators.get(staff_id, {}).get(definition.part), parts.get(definition.per),
                              definition.scale)
                if value is not None:
                    rows[_end_key(members.get(staff_id), staff_id)][name] = value
        elif definition.kind == "store":
            for staff_id, member in members.items():
                value = _store_value(table, member, store_ids).get(name)
                if value is not None:
                    rows[_end_key(member, staff_id)][name] = value
        else:  # led
            for staff_id, member in members.items():
                value = _led_rate(table, member, store_ids)
                if value is not None:
                    rows[_end_key(member, staff_id)][name] = value
    return tuple(
        Row(staff_id, team_id, metrics)
        for (staff_id, team_id), metrics in sorted(rows.items(), key=lambda item: (item[0][0], item[0][1] or 0))
        if metrics
    )


def _tables(frame: Frame, wanted: Sequence[tuple[str, Definition, str]]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for _, definition, _ in wanted:
        for source in definition.sources:
            if source not in tables:
                tables[source] = SOURCES[source](frame)
    return tables


def compute(
    names: Iterable[str],
    stores: QuerySet[Store] | Sequence[int],
    period: Period,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> PeriodActuals:
    """The named metrics for everyone in the stores for the month, the stores' records taken together.

    `names` are catalogue names, parameterised ones written units_by_model:<model code> and
    units_by_margin_class:<code>. `as_of` (default: today) is the day before which an unanswered due date
    counts as missed. Raises UnknownMetric for a name that is not a metric.
    """
    frame = Frame.of(stores, period, crediting, as_of)
    wanted = [(name, *definition_of(name)) for name in dict.fromkeys(names)]
    tables = _tables(frame, wanted)
    everywhere = frozenset(frame.store_ids)
    found_in_records = {staff for table in tables.values() for staff in table.people_in(everywhere)}
    members = people_in_scope(frame, found_in_records)
    rows = _shape(wanted, tables, members, everywhere)
    return PeriodActuals(period, frame.crediting, tuple(name for name, _, _ in wanted), rows, members)


def compute_by_store(
    names: Iterable[str],
    stores: Sequence[int],
    period: Period,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> dict[int, PeriodActuals]:
    """compute() for each of the stores on its own, from one computation over all of them: the same queries
    as for one store, each grouped by store too, so a store's figures cost a thousandth of the queries when a
    thousand stores are computed together. Each store's result equals compute(names, [store], ...)."""
    frame = Frame.of(stores, period, crediting, as_of)
    wanted = [(name, *definition_of(name)) for name in dict.fromkeys(names)]
    tables = _tables(frame, wanted)
    everywhere = frozenset(frame.store_ids)
    everyone = people_in_scope(frame, {staff for table in tables.values() for staff in table.people_in(everywhere)})
    found: dict[int, PeriodActuals] = {}
    for store_id in frame.store_ids:
        here = frozenset((store_id,))
        in_records = {staff for table in tables.values() for staff in table.people_in(here)}
        members = {pk: m for pk, m in everyone.items() if m.employed_in == store_id or pk in in_records}
        rows = _shape(wanted, tables, members, here)
        found[store_id] = PeriodActuals(period, frame.crediting, tuple(name for name, _, _ in wanted), rows, members)
    return found


def records(
    name: str,
    stores: QuerySet[Store] | Sequence[int],
    period: Period,
    staff_id: int,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> Behind:
    """The records behind one person's figure: record sets, each with the browse page (slug) that lists them
    and a label (numerator, denominator, on time, missed...); `.slug` and `.records` are the main set's.
    Querysets: nothing is read until they are used."""
    definition, parameter = definition_of(name)
    return Behind(definition.records(Frame.of(stores, period, crediting, as_of), staff_id, parameter))

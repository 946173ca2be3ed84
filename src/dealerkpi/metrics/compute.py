"""compute(): the named metrics for everyone in a set of stores and a month, in a few queries per metric
family (never one per person), shaped as the engine's actuals: additive metrics one row per person and team
of the day, rates and scores once per person on the row of their team at the period's end."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from dealerkpi.core.money import ZERO
from dealerkpi.org.models import Store
from dealerkpi.plans.engine import Actuals, Period

from . import people
from .base import Behind, Key, Table, ratio, tidy
from .members import Member, people_in_scope
from .period import Crediting, Frame, Span
from .registry import SOURCES, Definition, definition_of


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

    def total(self, name: str, people: Iterable[int] | None = None) -> Decimal:
        """An additive figure summed over everyone's rows (people None) or over these people's."""
        wanted = None if people is None else set(people)
        return sum((row.metrics.get(name, ZERO) for row in self.rows if wanted is None or row.staff_id in wanted),
                   ZERO)

    def for_engine(self) -> tuple[Actuals, ...]:
        return tuple(row.actuals() for row in self.rows)


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
    return people.attrition_rate(parts)


def _shape(
    wanted: Sequence[tuple[str, Definition, str]],
    tables: Mapping[str, Table],
    members: Mapping[int, Member],
    store_ids: frozenset[int],
) -> tuple[Row, ...]:
    """The figures of the records of these stores, for these members, as rows per person and team."""
    rows: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    totals: dict[str, dict[int, dict[str, Decimal]]] = {}  # each source's, summed once for all its ratios
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
                    rows[key][name] = tidy(parts[part])  # once a figure: 9.5 + 0.5 is 10, not 10.0
                    has.add(key[0])
            for staff_id in everyone - has:
                rows[_end_key(members.get(staff_id), staff_id)][name] = ZERO
        elif definition.kind == "ratio":
            for source in definition.sources:
                if source not in totals:
                    totals[source] = tables[source].totals(store_ids)
            numerators = totals[definition.source]
            denominators = totals[definition.per_source or definition.source]
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
    when: Span,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> PeriodActuals:
    """The named metrics for everyone in the stores for the month (or the days), the stores' records together.

    `names` are catalogue names, parameterised ones written units_by_model:<model code> and
    units_by_margin_class:<code>, or page figures (registry.PAGE_FIGURES). `as_of` (default: today) is the day
    before which an unanswered due date counts as missed. Raises UnknownMetric for a name that is not a metric.
    """
    return compute_of(Frame.of(stores, when, crediting, as_of), names)


def compute_of(frame: Frame, names: Iterable[str]) -> PeriodActuals:
    """compute() of the frame (what it has read kept with it: ``Frame.read``)."""
    wanted = [(name, *definition_of(name)) for name in dict.fromkeys(names)]
    tables = _tables(frame, wanted)
    everywhere = frozenset(frame.store_ids)
    found_in_records = {staff for table in tables.values() for staff in table.people_in(everywhere)}
    members = people_in_scope(frame, found_in_records)
    rows = _shape(wanted, tables, members, everywhere)
    return PeriodActuals(frame.period, frame.crediting, tuple(name for name, _, _ in wanted), rows, members)


def compute_by_store(
    names: Iterable[str],
    stores: Sequence[int],
    when: Span,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> dict[int, PeriodActuals]:
    """compute() for each of the stores on its own, from one computation over all of them: the same queries
    as for one store, each grouped by store too, so a store's figures cost a thousandth of the queries when a
    thousand stores are computed together. Each store's result equals compute(names, [store], ...)."""
    return compute_by_store_of(Frame.of(stores, when, crediting, as_of), names)


def compute_by_store_of(frame: Frame, names: Iterable[str]) -> dict[int, PeriodActuals]:
    """compute_by_store() of the frame (what it has read kept with it: ``Frame.read``)."""
    wanted = [(name, *definition_of(name)) for name in dict.fromkeys(names)]
    tables = _tables(frame, wanted)
    everywhere = frozenset(frame.store_ids)
    everyone = people_in_scope(frame, {staff for table in tables.values() for staff in table.people_in(everywhere)})
    employed: dict[int | None, set[int]] = defaultdict(set)
    for pk, member in everyone.items():
        employed[member.employed_in].add(pk)
    found: dict[int, PeriodActuals] = {}
    for store_id in frame.store_ids:
        here = frozenset((store_id,))
        in_records = {staff for table in tables.values() for staff in table.people_in(here)}
        members = {pk: everyone[pk] for pk in sorted(employed[store_id] | (in_records & everyone.keys()))}
        rows = _shape(wanted, tables, members, here)
        names_wanted = tuple(name for name, _, _ in wanted)
        found[store_id] = PeriodActuals(frame.period, frame.crediting, names_wanted, rows, members)
    return found


def records(
    name: str,
    stores: QuerySet[Store] | Sequence[int],
    when: Span,
    staff_id: int,
    crediting: Crediting | str = Crediting.DELIVERED,
    *,
    as_of: datetime.date | None = None,
) -> Behind:
    """The records behind one person's figure: record sets, each with the browse page (slug) that lists them
    and a label (numerator, denominator, on time, missed...); `.slug` and `.records` are the main set's.
    Querysets: nothing is read until they are used."""
    definition, parameter = definition_of(name)
    return Behind(definition.records(Frame.of(stores, when, crediting, as_of), staff_id, parameter))

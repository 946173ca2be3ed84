"""Monthly targets for a generated group, for every metric the published plans read a target of (plans.py), at
every level they read it, for every month of the period:

- the store (team and person empty): what the store delivered, stretched a little (2% to 12%, drawn per store
  and month), in whole cars and hundreds of yuan; rates and scores: the median consultant's, stretched alike. A
  month is measured on itself when all its days were generated, else on the nearest month that was (the first
  and the current month are partial); with no such month (``--months 1``) its days are scaled up to a month;
- each consultant: a share of the store's figure (whole cars, whole yuan; the shares sum to it) by the days they
  work in the month and their record: the cars a month they delivered over the last three whole months, against
  the store's average, taken halfway to it (as a manager splits a target: more to whoever sells more, without
  setting the weakest a month they cannot make); a newcomer's days at half weight in the month they join and
  the next (they have no customers yet), with no record until they have had a month of their own; rates: the
  store's;
- each team: the sum of its consultants' shares (rates: the store's);
- a role whose "team" is the whole store (the sales manager): nothing more for its team targets, which are the
  store's rows; for what it reads of its own (the manager's year of cars), the store's figure;
- another role that reads its own target (none in the examples): an average consultant's full month.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from statistics import median

from dealerkpi import metrics
from dealerkpi.core.bulk import BulkWriter, Table
from dealerkpi.demo_data.draws import rng_for
from dealerkpi.demo_data.plans import TargetsRead
from dealerkpi.metrics import Member, PeriodActuals
from dealerkpi.org.models import STORE_WIDE_ROLES, Role, Staff, Store
from dealerkpi.plans.engine import Period
from dealerkpi.targets.models import Target

STRETCH = (1.02, 1.12)
NEWCOMER = Decimal("0.5")  # the weight of a consultant's days in the month they join and the next
RECORD, RECORD_MONTHS = "units_delivered", 3  # a consultant's record: their cars over the last 3 whole months
TEMPERED = Decimal("0.5")  # how far a share follows the record from the store's average
QUANTUM = {"units": Decimal(1), "count": Decimal(1), "hours": Decimal(1), "yuan": Decimal(100)}  # else 0.1
RATE_QUANTUM = Decimal("0.1")  # rates and scores: a tenth of a point
STORES_AT_A_TIME = 50  # stores whose months are measured together
Row = tuple[int, int | None, int | None, datetime.date, str, Decimal]  # store, team, staff, month, metric, value


@dataclass(frozen=True)
class Basis:
    """What a month's targets are drawn from: a month's figures, and the factor that makes them a whole month."""

    month: Period
    scale: Decimal = Decimal(1)


@dataclass(frozen=True)
class StoreMonth:
    """One store's month: the people employed there and the weight of each one's month (the share of its days they
    work, less for a newcomer), and the figures its targets are drawn from."""

    store_id: int
    month: Period
    people: Sequence[Member]
    weights: dict[int, Decimal]
    basis: PeriodActuals
    scale: Decimal

    def consultants(self) -> list[Member]:
        return [person for person in self.people if person.role == Role.CONSULTANT]


def write_targets(writer: BulkWriter, group_ids: Sequence[int], first: datetime.date, until: datetime.date,
                  seed: int, read: TargetsRead) -> None:
    """The targets of every store of the groups, for each month from ``first`` to ``until``."""
    table = writer.table(Target, ("id", "store_id", "team_id", "staff_id", "month", "metric", "value"))
    store_ids = list(Store.objects.filter(region__group_id__in=group_ids).order_by("pk").values_list("pk", flat=True))
    months = _months(first, until)
    bases = _bases(months, first, until)
    whole = [month for month in months if _whole(month, first, until)]
    names = sorted(read.metrics() | {RECORD})
    for start in range(0, len(store_ids), STORES_AT_A_TIME):
        batch = store_ids[start:start + STORES_AT_A_TIME]
        figures = {month: metrics.compute_by_store(names, batch, month, as_of=until) for month in months}
        employed = {pk: (hired, left) for pk, hired, left in
                    Staff.objects.filter(store_id__in=batch).values_list("pk", "hire_date", "leave_date")}
        for store_id in batch:
            for month in months:
                people = [p for p in figures[month][store_id].people.values() if p.employed_in == store_id]
                record = _record(store_id, [figures[m] for m in whole if m < month][-RECORD_MONTHS:], employed)
                weights = {p.staff_id: _weight(month, *employed[p.staff_id]) * record.get(p.staff_id, Decimal(1))
                           for p in people}
                basis = bases[month]
                here = StoreMonth(store_id, month, people, weights, figures[basis.month][store_id], basis.scale)
                _add_rows(table, here, read, _stretch(seed, store_id, month))
        writer.maybe_flush()


def _add_rows(table: Table, here: StoreMonth, read: TargetsRead, stretch: Decimal) -> None:
    store = _store_figures(here, read.metrics(), stretch)
    for row in _rows(here, store, read):
        table.add((table.new_id(), *row))


def _months(first: datetime.date, last: datetime.date) -> list[Period]:
    months, month = [], Period(first.year, first.month)
    while month.first_day <= last:
        months.append(month)
        month = Period(month.year + month.month // 12, month.month % 12 + 1)
    return months


def _whole(month: Period, first: datetime.date, until: datetime.date) -> bool:
    return first <= month.first_day and month.last_day <= until


def _bases(months: list[Period], first: datetime.date, until: datetime.date) -> dict[Period, Basis]:
    """Each month's basis: itself when whole, else the nearest whole month, else its own days scaled up."""
    whole = [n for n, month in enumerate(months) if _whole(month, first, until)]
    bases = {}
    for n, month in enumerate(months):
        if whole:
            bases[month] = Basis(months[min(whole, key=lambda w: (abs(w - n), w))])
        else:
            covered = (min(month.last_day, until) - max(month.first_day, first)).days + 1
            bases[month] = Basis(month, Decimal(month.last_day.day) / covered)
    return bases


def _weight(month: Period, hired: datetime.date, left: datetime.date | None) -> Decimal:
    """The share of the month's days someone employed from ``hired`` to ``left`` works; half of it in the month
    they join and the next."""
    return _days(month, hired, left) * NEWCOMER if _new(month, hired) else _days(month, hired, left)


def _days(month: Period, hired: datetime.date, left: datetime.date | None) -> Decimal:
    last = month.last_day if left is None else min(left, month.last_day)
    return Decimal(max((last - max(hired, month.first_day)).days + 1, 0)) / month.last_day.day


def _new(month: Period, hired: datetime.date) -> bool:
    return (month.year * 12 + month.month) - (hired.year * 12 + hired.month) <= 1


def _record(store_id: int, earlier: Sequence[Mapping[int, PeriodActuals]],
            employed: Mapping[int, tuple[datetime.date, datetime.date | None]]) -> dict[int, Decimal]:
    """Each consultant's record over the ``earlier`` months: their cars a month against the store's average,
    taken halfway to it (1.2 for someone who sold 40% more than the average); none for a newcomer's months."""
    cars: dict[int, Decimal] = defaultdict(Decimal)
    worked: dict[int, Decimal] = defaultdict(Decimal)
    for by_store in earlier:
        figures = by_store[store_id]
        for person in figures.people.values():
            if person.role != Role.CONSULTANT or person.employed_in != store_id:
                continue
            hired, left = employed[person.staff_id]
            if not _new(figures.period, hired):
                worked[person.staff_id] += _days(figures.period, hired, left)
                cars[person.staff_id] += figures.value(person.staff_id, RECORD) or Decimal(0)
    months, sold = sum(worked.values(), Decimal(0)), sum(cars.values(), Decimal(0))
    if not months or not sold:
        return {}
    average = sold / months
    return {staff_id: 1 - TEMPERED + TEMPERED * cars[staff_id] / worked[staff_id] / average
            for staff_id in worked if worked[staff_id]}


def _stretch(seed: int, store_id: int, month: Period) -> Decimal:
    return Decimal(str(round(rng_for(seed, "targets", store_id, month).uniform(*STRETCH), 3)))


def _additive(name: str) -> bool:
    return metrics.definition_of(name)[0].kind == "additive"


def _rounded(name: str, value: Decimal) -> Decimal:
    """A target as it is set: whole cars and counts, hundreds of yuan, rates to a tenth of a point (at most 100)."""
    unit = metrics.definition_of(name)[0].unit
    quantum = QUANTUM.get(unit, RATE_QUANTUM)
    rounded = (value / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum
    return min(rounded, Decimal(100)) if unit == "percent" else max(rounded, Decimal(0))


def _store_figures(here: StoreMonth, names: set[str], stretch: Decimal) -> dict[str, Decimal]:
    """The store's target of each metric: its basis total (rates: the median consultant's), stretched."""
    consultants = [p.staff_id for p in here.basis.people.values() if p.role == Role.CONSULTANT]
    figures = {}
    for name in sorted(names):
        if _additive(name):
            figures[name] = _rounded(name, here.basis.total(name) * here.scale * stretch)
            continue
        values = [value for staff_id in consultants if (value := here.basis.value(staff_id, name)) is not None]
        if values:
            figures[name] = _rounded(name, Decimal(median(values)) * stretch)
    return figures


def _rows(here: StoreMonth, store: dict[str, Decimal], read: TargetsRead) -> Iterator[Row]:
    """The store's row of each metric, then the consultants', the teams' and the other roles' that read them."""
    day = here.month.first_day
    for name, value in store.items():
        yield here.store_id, None, None, day, name, value
    by_team = set().union(*(names for role, names in read.team.items() if role not in STORE_WIDE_ROLES))
    consultants = here.consultants()
    split = _split(here, consultants, store, read.own.get(Role.CONSULTANT, frozenset()) | by_team)
    for person in consultants:
        for name, value in split[person.staff_id].items():
            yield here.store_id, None, person.staff_id, day, name, value
    for team_id, figures in _team_figures(consultants, split, store, by_team).items():
        for name, value in figures.items():
            yield here.store_id, team_id, None, day, name, value
    for person in here.people:
        for name, value in _own_figures(here, person, store, read).items():
            yield here.store_id, None, person.staff_id, day, name, value


def _split(here: StoreMonth, consultants: list[Member], store: dict[str, Decimal],
           names: set[str]) -> dict[int, dict[str, Decimal]]:
    """Each consultant's share of the store's figures by the weight of their month; rates as they are."""
    split: dict[int, dict[str, Decimal]] = defaultdict(dict)
    weights = [here.weights[person.staff_id] for person in consultants]
    for name in sorted(names & store.keys()):
        values = _shares(store[name], weights) if _additive(name) else [store[name]] * len(consultants)
        for person, value in zip(consultants, values, strict=True):
            split[person.staff_id][name] = value
    return split


def _shares(value: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``value`` in whole parts (cars, yuan) by ``weights``, summing exactly to it: one each when there are enough
    (nobody is set nothing), the rest in proportion: each part's whole units, then one each to the largest
    remainders, the first on a tie."""
    floor = 1 if value >= len(weights) else 0
    rest = value - floor * len(weights)
    total = sum(weights, Decimal(0))
    quotas = [rest * weight / total for weight in weights]
    parts = [quota.to_integral_value(rounding=ROUND_DOWN) for quota in quotas]
    left = int(rest - sum(parts, Decimal(0)))
    for i in sorted(range(len(parts)), key=lambda i: (parts[i] - quotas[i], i))[:left]:
        parts[i] += 1
    return [part + floor for part in parts]


def _team_figures(consultants: list[Member], split: dict[int, dict[str, Decimal]], store: dict[str, Decimal],
                  names: set[str]) -> dict[int, dict[str, Decimal]]:
    """Each team's figures: the sum of its consultants' shares; rates: the store's."""
    teams: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for person in consultants:
        if person.team_id is None:
            continue
        for name in sorted(names & store.keys()):
            team = teams[person.team_id]
            team[name] = team.get(name, Decimal(0)) + split[person.staff_id][name] if _additive(name) else store[name]
    return teams


def _own_figures(here: StoreMonth, person: Member, store: dict[str, Decimal], read: TargetsRead) -> dict[str, Decimal]:
    """The own targets of someone who is not a consultant: the store's figures for a store-wide role (what they
    answer for is the store), an average consultant's full month for another role."""
    names = read.own.get(person.role, frozenset()) & store.keys()
    if person.role in STORE_WIDE_ROLES:
        return {name: store[name] for name in sorted(names)}
    if person.role == Role.CONSULTANT:
        return {}
    full_months = sum((here.weights[p.staff_id] for p in here.consultants()), Decimal(0)) or Decimal(1)
    return {name: _rounded(name, store[name] / full_months) if _additive(name) else store[name]
            for name in sorted(names)}

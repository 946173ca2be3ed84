"""The month's sales plan of a store: the delivery targets of the store, its teams and its consultants, the funnel
needed to reach them worked back from the store's own conversion rates of recent months, and the month so far
day by day against the plan's pace.

    basis = conversion_basis(store, month, today)        # the months looked at, their totals and rates
    plan = sales_plan(store, month, today, viewer)         # lines (store, teams, people) with needs and actuals
    changes = plan_changes(store, month, deliveries)       # what saving a store delivery target would write
    save_plan(store, month, deliveries, user)              # writes them, audited, in one transaction

The funnel: first visits (with intent) -> test drives -> orders -> deliveries, each counted as the metrics library
counts it (docs/metrics.md). A stage's need is the next stage's need times the past count of the stage over the past
count of the next one, rounded up: to deliver 10 cars when 40 orders gave 36 deliveries needs ceil(10 x 40 / 36) = 12
orders. A rate without data (no past orders, or none of them delivered) leaves that stage and those before it
without a need, and the page says so.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, F, QuerySet, Sum, When
from django.utils.translation import gettext as _

from dealerkpi.core.money import ZERO
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.metrics import Days, Frame, compute
from dealerkpi.metrics.base import ratio, shared, tidy
from dealerkpi.metrics.funnel import VISIT_PARTS, test_drives_done, visits
from dealerkpi.metrics.period import local_day, shift
from dealerkpi.metrics.sales import deal_credits, placed_orders
from dealerkpi.org.models import Staff, Store, Team
from dealerkpi.plans.engine import Period
from dealerkpi.targets.models import Target
from dealerkpi.targets.services import (
    month_end,
    month_start,
    one_change_at_a_time,
    set_target,
    split_people,
    team_of_people,
)

STAGES = ("first_visits", "test_drives", "orders", "units_delivered")  # the funnel, first to last
SAVED_STAGES = ("first_visits", "units_delivered")  # the stages the metric catalogue has: they become targets
BASIS_MONTHS = 3
ONE = Decimal(1)
TENTH = Decimal("0.1")


def stage_labels() -> dict[str, str]:
    return {"first_visits": _("First visits"), "test_drives": _("Test drives"), "orders": _("Orders"),
            "units_delivered": _("Deliveries")}


# --- the conversion rates of recent months -----------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """One step of the funnel over the basis months: ``later`` counted per ``earlier`` counted."""

    earlier: str
    later: str
    earlier_count: Decimal
    later_count: Decimal

    @property
    def percent(self) -> Decimal | None:
        return ratio(self.later_count, self.earlier_count) if self.later_count > ZERO else None

    @property
    def missing(self) -> str:
        """Why the rate cannot be used, in the user's language; "" when it can."""
        labels = stage_labels()
        if self.earlier_count <= ZERO:
            return _("No %(earlier)s in the months looked at: %(later)s per %(earlier)s is unknown.") % {
                "earlier": labels[self.earlier].lower(), "later": labels[self.later].lower()}
        if self.later_count <= ZERO:
            return _("None of the %(earlier)s led to %(later)s in the months looked at: the rate is zero, so no "
                     "number of %(earlier)s reaches the target.") % {
                "earlier": labels[self.earlier].lower(), "later": labels[self.later].lower()}
        return ""


@dataclass(frozen=True)
class Basis:
    months: tuple[Period, ...]
    totals: Mapping[str, Decimal]
    rates: tuple[Rate, ...]

    @property
    def first_day(self) -> datetime.date:
        return self.months[0].first_day

    @property
    def last_day(self) -> datetime.date:
        return self.months[-1].last_day

    def needs(self, deliveries: Decimal | None) -> dict[str, Decimal | None]:
        """Each stage's need to deliver ``deliveries`` cars, worked back; None where a rate has no data."""
        found: dict[str, Decimal | None] = dict.fromkeys(STAGES)
        current = None if deliveries is None else tidy(deliveries)  # a saved target reads 10.00: 10
        found["units_delivered"] = current
        for rate in reversed(self.rates):
            if current is not None and not rate.missing:
                current = (current * rate.earlier_count / rate.later_count).to_integral_value(ROUND_CEILING)
            else:
                current = None
            found[rate.earlier] = current
        return found


def basis_months(month: datetime.date, today: datetime.date, count: int = BASIS_MONTHS) -> tuple[Period, ...]:
    """The ``count`` complete months before the plan's month (before this month, when planning ahead)."""
    latest = shift(Period(min(month, today).year, min(month, today).month), -1)
    return tuple(shift(latest, offset) for offset in range(1 - count, 1))


def conversion_basis(store: Store, month: datetime.date, today: datetime.date) -> Basis:
    """The store's funnel totals and rates over the basis months, from the metrics library."""
    months = basis_months(month, today)
    actuals = compute(STAGES, [store.pk], Days(months[0].first_day, months[-1].last_day))
    totals = {stage: tidy(actuals.total(stage)) for stage in STAGES}
    rates = tuple(Rate(earlier, later, totals[earlier], totals[later])
                  for earlier, later in zip(STAGES, STAGES[1:], strict=False))
    return Basis(months, totals, rates)


# --- what happens day by day -------------------------------------------------------------------------------

Daily = dict[str, dict[tuple[datetime.date, int], Decimal]]  # stage -> (day, staff id) -> count


def daily_actuals(store: Store, days: Days) -> Daily:
    """Each stage's count per day and person over ``days``, four grouped queries; the same records the metrics
    library counts (a delivery by credit share, an unwind taken off on its day)."""
    frame = Frame.of([store.pk], days)
    found: Daily = {stage: defaultdict(lambda: ZERO) for stage in STAGES}
    counted = (
        ("first_visits", visits(frame).filter(VISIT_PARTS["first_visits"]), "arrived_at", "consultant_id"),
        ("test_drives", test_drives_done(frame), "starts_at", "consultant_id"),
        ("orders", placed_orders(frame), "ordered_at", "consultant_id"),
    )
    for stage, queryset, moment, staff in counted:
        rows = queryset.order_by().annotate(plan_day=local_day(moment)).values("plan_day", staff).annotate(
            n=Count("pk"))
        for row in rows:
            if row[staff] is not None:
                found[stage][(row["plan_day"], row[staff])] += Decimal(row["n"])
    moment = Case(When(deal_sign__lt=0, then=F("deal_unwound_at")), default=F("deal_credited_at"))
    credits = deal_credits(frame).order_by().annotate(plan_day=local_day(moment)).values(
        "plan_day", "staff_id", "deal_sign").annotate(shares=Sum("share"))
    for row in credits:
        found["units_delivered"][(row["plan_day"], row["staff_id"])] += row["deal_sign"] * shared(row["shares"])
    return found


def totals_of(daily: Daily, people: Iterable[int] | None = None) -> dict[str, Decimal]:
    wanted = None if people is None else set(people)
    return {stage: tidy(sum((value for (_day, staff), value in daily[stage].items()
                             if wanted is None or staff in wanted), ZERO)) for stage in STAGES}


def by_day(daily: Daily, days: Days, people: Iterable[int] | None) -> dict[str, list[Decimal]]:
    """Each stage's count per day of ``days`` (from the first), over these people (None: everyone)."""
    wanted = None if people is None else set(people)
    count = (days.last - days.first).days + 1
    series = {stage: [ZERO] * count for stage in STAGES}
    for stage in STAGES:
        for (day, staff), value in daily[stage].items():
            if (wanted is None or staff in wanted) and days.first <= day <= days.last:
                series[stage][(day - days.first).days] += value
    return series


# --- the plan ----------------------------------------------------------------------------------------------


@dataclass
class PlanLine:
    """The store, a team or a person: the delivery target, the funnel it needs and the month so far."""

    kind: str  # store | team | person
    name: str
    key: int | None
    deliveries: Decimal | None
    needs: dict[str, Decimal | None]
    actual: dict[str, Decimal]
    people: tuple[int, ...] | None = None  # whose records count (None: the whole store's)

    def cells(self) -> list[tuple[str, Decimal | None, Decimal]]:
        return [(stage, self.needs[stage], self.actual[stage]) for stage in STAGES]


@dataclass(frozen=True)
class Week:
    first: datetime.date
    last: datetime.date
    plan: dict[str, Decimal | None]
    actual: dict[str, Decimal]

    def cells(self) -> list[tuple[Decimal | None, Decimal]]:
        return [(self.plan[stage], self.actual[stage]) for stage in STAGES]


@dataclass
class SalesPlan:
    store: Store
    month: datetime.date
    as_of: datetime.date | None  # the last day with actuals; None before the month starts
    basis: Basis
    lines: list[PlanLine]
    focus: PlanLine  # the line the chart and the weeks follow
    weeks: list[Week] = field(default_factory=list)
    pace: dict[str, list[Decimal | None]] = field(default_factory=dict)  # cumulative plan per day
    cumulative: dict[str, list[Decimal | None]] = field(default_factory=dict)  # cumulative actual per day

    @property
    def days(self) -> list[datetime.date]:
        count = (month_end(self.month) - self.month).days + 1
        return [self.month + datetime.timedelta(days=i) for i in range(count)]


Levels = tuple[Decimal | None, dict[int, Decimal], dict[int, Decimal]]  # the store's, the teams', the people's


def delivery_targets(store: Store, month: datetime.date) -> Levels:
    """The store's units_delivered target, the teams' and the people's, in one query."""
    rows = Target.objects.filter(store=store, month=month_start(month), metric="units_delivered").values_list(
        "team_id", "staff_id", "value")
    store_value, teams, people = None, {}, {}
    for team_id, staff_id, value in rows:
        if staff_id:
            people[staff_id] = value
        elif team_id:
            teams[team_id] = value
        else:
            store_value = value
    return store_value, teams, people


def plan_people(store: Store, month: datetime.date, viewer: Viewer) -> list[Staff]:
    """The store's consultants and supervisors of the month the viewer may see."""
    return list(visible_to(split_people(store, month), viewer).order_by("employee_no"))


def visible_teams(store: Store, viewer: Viewer) -> QuerySet[Team]:
    teams = store.teams.order_by("name")
    if viewer.reach in (Reach.EVERYTHING, Reach.GROUP, Reach.REGION, Reach.STORE):
        return teams
    return teams.filter(pk__in=list(viewer.team_ids or ())) if viewer.reach is Reach.TEAM else teams.none()


def sales_plan(store: Store, month: datetime.date, today: datetime.date, viewer: Viewer,
               deliveries: Decimal | None = None) -> SalesPlan:
    """The plan of the month as the viewer may see it; ``deliveries`` replaces the store's delivery target (a
    preview before saving)."""
    month = month_start(month)
    basis = conversion_basis(store, month, today)
    store_target, team_targets, person_targets = delivery_targets(store, month)
    if deliveries is not None:
        store_target = deliveries
    as_of = min(today, month_end(month)) if today >= month else None
    daily = daily_actuals(store, Days(month, as_of)) if as_of else {stage: {} for stage in STAGES}
    people = plan_people(store, month, viewer)
    team_of = team_of_people(store, month)
    lines: list[PlanLine] = []
    if viewer.reach in (Reach.EVERYTHING, Reach.GROUP, Reach.REGION, Reach.STORE):
        lines.append(PlanLine("store", store.name, store.pk, store_target, basis.needs(store_target),
                              totals_of(daily), None))
    for team in visible_teams(store, viewer):
        members = tuple(pk for pk, team_id in team_of.items() if team_id == team.pk)
        target = team_targets.get(team.pk)
        if target is None and any(pk in person_targets for pk in members):
            target = sum((person_targets.get(pk, ZERO) for pk in members), ZERO)
        lines.append(PlanLine("team", team.name, team.pk, target, basis.needs(target), totals_of(daily, members),
                              members))
    for person in people:
        target = person_targets.get(person.pk)
        lines.append(PlanLine("person", person.name, person.pk, target, basis.needs(target),
                              totals_of(daily, [person.pk]), (person.pk,)))
    focus = lines[0] if lines else PlanLine("person", "", None, None, basis.needs(None), totals_of(daily, []), ())
    plan = SalesPlan(store, month, as_of, basis, lines, focus)
    _pace(plan, daily)
    return plan


def _pace(plan: SalesPlan, daily: Daily) -> None:
    """The focus line's plan spread evenly over the days, its actuals day by day, and both per week."""
    days = plan.days
    count = Decimal(len(days))
    series = by_day(daily, Days(days[0], days[-1]), plan.focus.people)
    for stage in STAGES:
        need = plan.focus.needs[stage]
        plan.pace[stage] = [None if need is None else (need * (i + 1) / count).quantize(TENTH, ROUND_HALF_UP)
                            for i in range(len(days))]
        running, cumulative = ZERO, []
        for day, value in zip(days, series[stage], strict=True):
            running = tidy(running + value)
            cumulative.append(running if plan.as_of is not None and day <= plan.as_of else None)
        plan.cumulative[stage] = cumulative
    start = 0
    while start < len(days):
        end = min(start + 7 - days[start].weekday(), len(days))  # to the Sunday, or the month's end
        plan.weeks.append(Week(
            days[start], days[end - 1],
            {stage: _between(plan.pace[stage], start, end) for stage in STAGES},
            {stage: tidy(sum(series[stage][start:end], ZERO)) for stage in STAGES},
        ))
        start = end


def _between(pace: list[Decimal | None], start: int, end: int) -> Decimal | None:
    """The plan of days ``start`` to ``end`` (exclusive): the cumulative pace's rise, so the weeks add up to the
    month's need exactly."""
    last, before = pace[end - 1], (pace[start - 1] if start else ZERO)
    return None if last is None or before is None else last - before


# --- saving: the plan's figures become the month's targets -------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One target the save writes: who it is for (store, a team, a person), its metric, before and after."""

    level: str  # store | team | person
    name: str
    metric: str
    before: Decimal | None
    after: Decimal
    team: Team | None = None
    staff: Staff | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def shares_of(total: Decimal, weights: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """``total`` whole units in proportion to ``weights``: the whole parts, then one more each to the largest
    fractions (the lower key first on a tie), summing exactly to ``total``."""
    weight = sum(weights.values(), ZERO)
    if weight <= ZERO:
        return dict.fromkeys(weights, ZERO)
    exact = {key: total * value / weight for key, value in weights.items()}
    parts = {key: value.to_integral_value(ROUND_FLOOR) for key, value in exact.items()}
    left = int(total - sum(parts.values(), ZERO))
    for key in sorted(exact, key=lambda k: (parts[k] - exact[k], k))[:left]:
        parts[key] += ONE
    return parts


def plan_changes(store: Store, month: datetime.date, deliveries: Decimal, today: datetime.date) -> list[Change]:
    """What saving the store's delivery target ``deliveries`` writes: the store's deliveries and first visits;
    the first visits of each team with a delivery target (worked back); and each person's first visits, the
    store's in proportion to their delivery targets, so the people's shares never exceed the store's."""
    month = month_start(month)
    basis = conversion_basis(store, month, today)
    needs = basis.needs(deliveries)
    _store_target, team_targets, person_targets = delivery_targets(store, month)
    current = {(team_id, staff_id, metric): value for team_id, staff_id, metric, value in Target.objects.filter(
        store=store, month=month, metric__in=SAVED_STAGES).values_list("team_id", "staff_id", "metric", "value")}
    changes = [Change("store", store.name, "units_delivered", current.get((None, None, "units_delivered")),
                      deliveries)]
    visits_needed = needs["first_visits"]
    if visits_needed is None:
        return changes
    changes.append(Change("store", store.name, "first_visits", current.get((None, None, "first_visits")),
                          visits_needed))
    teams = store.teams.in_bulk(list(team_targets))
    for team_id in sorted(team_targets, key=lambda pk: teams[pk].name):
        need = basis.needs(team_targets[team_id])["first_visits"]
        if need is not None:
            changes.append(Change("team", teams[team_id].name, "first_visits",
                                  current.get((team_id, None, "first_visits")), need, team=teams[team_id]))
    sales_force = {person.pk: person for person in split_people(store, month).filter(pk__in=list(person_targets))}
    weights = {pk: person_targets[pk] for pk in sorted(sales_force)}
    allocated = sum(weights.values(), ZERO)
    if deliveries > ZERO and allocated > ZERO:
        total = (visits_needed * min(allocated, deliveries) / deliveries).to_integral_value(ROUND_FLOOR)
        for pk, value in shares_of(total, weights).items():
            person = sales_force[pk]
            changes.append(Change("person", person.name, "first_visits",
                                  current.get((None, pk, "first_visits")), value, staff=person))
    return changes


def save_plan(store: Store, month: datetime.date, deliveries: Decimal, today: datetime.date,
              user: Any = None) -> list[Change]:
    """Write the plan's targets (plan_changes) through set_target, audited, all or none; the changes are worked
    out again under the store's lock, from what is saved then. Returns what changed."""
    with transaction.atomic():
        one_change_at_a_time(store)
        changes = [change for change in plan_changes(store, month, deliveries, today) if change.changed]
        for change in changes:
            set_target(store, month, change.metric, change.after, team=change.team, staff=change.staff, user=user)
    return changes

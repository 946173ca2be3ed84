"""What a bonus run reads before the engine evaluates a store's month: the plans in force, who is assessed,
targets, manual ratings, what earlier final runs left (history), the lifecycle stage, adjustments, and the
records (metrics and deals).

Every reader takes a batch of stores and answers for each store what it would answer for that store alone:
a store's run reads a batch of one, and a group's month-end reads many stores in the same few queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from dealerkpi import metrics
from dealerkpi.catalog.models import LifecycleStage
from dealerkpi.core.money import ZERO
from dealerkpi.metrics import UnknownMetric, definition_of
from dealerkpi.metrics.base import tidy
from dealerkpi.metrics.period import Frame
from dealerkpi.metrics.spiffs import spiff_credits
from dealerkpi.org.models import MinimumWage, RoleAssignment, Store, TeamMembership
from dealerkpi.pay.models import Adjustment, ManualRating, Run, Statement
from dealerkpi.people.models import Probation
from dealerkpi.plans import engine
from dealerkpi.plans.engine.validate import metrics_named
from dealerkpi.plans.models import PlanVersion, plan_key
from dealerkpi.sales.models import Spiff
from dealerkpi.targets.services import targets_by_store

FINAL = (Run.Status.APPROVED, Run.Status.LOCKED)
PlansInForce = dict[str, tuple[PlanVersion, engine.Plan, str]]  # plans.models.plan_key -> (version, plan, crediting)
RecordInputs = dict[str, tuple[tuple[engine.Actuals, ...], tuple[engine.Deal, ...]]]  # by crediting policy
RecordReader = Callable[[Sequence[int], engine.Period, str, Sequence[str]],
                        dict[int, tuple[tuple[engine.Actuals, ...], tuple[engine.Deal, ...]]]]


@dataclass(frozen=True)
class Member:
    staff_id: int
    name: str
    role: str
    team_id: int | None
    base_salary: Decimal | None  # on the staff record
    days_employed: int  # calendar days of the month in a role in the store, while employed
    probation_until: datetime.date | None = None  # on probation most of those days: the probation's last day

    def plan_in(self, plans: PlansInForce) -> str | None:
        """The key of the plan that pays the member: the role's plan for people on probation while they are, else
        the role's plan (None: no plan for the role)."""
        on_probation = plan_key(self.role, for_probation=True)
        if self.probation_until is not None and on_probation in plans:
            return on_probation
        return self.role if self.role in plans else None


@dataclass(frozen=True)
class SpiffDeal:
    delivery_id: int
    units: Decimal  # the person's credit share as a part of one car; negative when the deal was unwound
    amount: Decimal  # exact


@dataclass(frozen=True)
class SpiffEarned:
    """What one spiff pays one person in the month: a statement line beside the plan's."""

    spiff: Spiff
    deals: tuple[SpiffDeal, ...]

    @property
    def units(self) -> Decimal:
        return tidy(sum((deal.units for deal in self.deals), ZERO))

    @property
    def amount(self) -> Decimal:
        return sum((deal.amount for deal in self.deals), ZERO)


SpiffsByPerson = dict[int, tuple[SpiffEarned, ...]]


@dataclass
class StoreMonth:
    """Everything a store's run reads for a month. `records` holds the actuals and deals by crediting policy,
    read ahead for a batch of stores or filled as a single store's run needs them."""

    store: Store
    period: engine.Period
    plans: PlansInForce
    members: list[Member]
    targets: tuple[engine.Target, ...]
    ratings: tuple[engine.Rating, ...]
    history: dict[str, engine.History]
    stage: str | None
    adjustments: dict[int, list[Adjustment]]
    records: RecordInputs = field(default_factory=dict)
    minimum_wage: Decimal | None = None  # the store's monthly minimum wage in force on the month's first day
    spiffs: dict[str, SpiffsByPerson] = field(default_factory=dict)  # by crediting policy, read like `records`


def read_store_months(stores: Sequence[Store], period: engine.Period, records: bool = True,
                      with_history: bool = True) -> dict[int, StoreMonth]:
    """Each store's month in a few queries for all of them (``records``: read the records ahead too;
    ``with_history``: read what earlier final runs left, else the months start with none)."""
    ids = [store.pk for store in stores]
    plans = plans_in_force_by_store(stores, period)
    members = members_by_store(ids, period)
    targets = targets_by_store(ids, period.first_day)
    ratings = _ratings_by_store(ids, period)
    history = history_by_store(ids, period) if with_history else {}
    stages = stages_in_force(stores, period.first_day)
    adjustments = _adjustments_by_store(ids, period)
    minimum_wages = minimum_wages_in_force(ids, period.first_day)
    read = records_by_store(stores, period, plans) if records else {}
    spiffs = spiffs_by_store(stores, period, plans) if records else {}
    return {
        store.pk: StoreMonth(store, period, plans[store.pk], members.get(store.pk, []), targets.get(store.pk, ()),
                             ratings.get(store.pk, ()), history.get(store.pk, {}), stages.get(store.pk),
                             adjustments.get(store.pk, {}), read.get(store.pk, {}), minimum_wages.get(store.pk),
                             spiffs.get(store.pk, {}))
        for store in stores
    }


def read_store_month(store: Store, period: engine.Period) -> StoreMonth:
    """One store's month; its records are read when the run needs them."""
    return read_store_months([store], period, records=False)[store.pk]


# --- who is assessed ------------------------------------------------------------------------------------------


def members_by_store(store_ids: Sequence[int], period: engine.Period) -> dict[int, list[Member]]:
    """Who is assessed in each store: everyone who held a role in it during the month, with the role they had
    on their last day in it, their team on their last day in the month, the base salary on their staff record,
    the days of the month they held a role in it while employed, and their probation when they were on it for
    at least half of those days."""
    first, last = period.first_day, period.last_day
    assignments = (
        RoleAssignment.objects.filter(store_id__in=store_ids, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .filter(Q(staff__leave_date__isnull=True) | Q(staff__leave_date__gte=first))
        .order_by("store_id", "staff_id", "valid_from")
        .values_list("store_id", "staff_id", "staff__name", "role", "staff__base_salary", "valid_from", "valid_to",
                     "staff__hire_date", "staff__leave_date")
    )
    latest_role: dict[int, dict[int, tuple[str, str, Decimal | None]]] = defaultdict(dict)
    days: dict[tuple[int, int], set[int]] = defaultdict(set)
    for store_id, staff_id, name, role, salary, held_from, held_to, hired, left in assignments:
        latest_role[store_id][staff_id] = (name, role, salary)
        days[(store_id, staff_id)] |= days_within(period, (held_from, held_to), (hired, left))
    everyone = {staff_id for roles in latest_role.values() for staff_id in roles}
    memberships = (
        TeamMembership.objects.filter(staff_id__in=sorted(everyone), valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("staff_id", "valid_from")
        .values_list("staff_id", "team_id")
    )
    team_of = dict(memberships)
    probations = probations_by_store(store_ids, period)
    found: dict[int, list[Member]] = {}
    for store_id, roles in latest_role.items():
        found[store_id] = []
        for staff_id, (name, role, salary) in roles.items():
            employed = days[(store_id, staff_id)]
            until, on_probation = probations.get((store_id, staff_id), (None, set()))
            lighter = bool(employed) and 2 * len(on_probation & employed) >= len(employed)
            found[store_id].append(Member(staff_id, name, role, team_of.get(staff_id), salary, len(employed),
                                          until if lighter else None))
    return found


def probations_by_store(store_ids: Sequence[int], period: engine.Period,
                        ) -> dict[tuple[int, int], tuple[datetime.date, set[int]]]:
    """The probations of the stores' staff that ran during the month, by (store, staff): the probation's last day
    and its days in the month (as ordinals). A confirmed or ended probation's last day is the day of the decision
    when that came before its end. One query."""
    rows = (
        Probation.objects.filter(store_id__in=store_ids, starts_on__lte=period.last_day, ends_on__gte=period.first_day)
        .exclude(status__in=(Probation.Status.CONFIRMED, Probation.Status.ENDED), decided_on__lt=period.first_day)
        .values_list("store_id", "staff_id", "starts_on", "ends_on", "status", "decided_on")
    )
    found = {}
    for store_id, staff_id, starts_on, ends_on, status, decided_on in rows:
        until = min(ends_on, decided_on) if status != Probation.Status.OPEN and decided_on else ends_on
        found[(store_id, staff_id)] = (until, days_within(period, (starts_on, until)))
    return found


def days_within(period: engine.Period, *spans: tuple[datetime.date | None, datetime.date | None]) -> set[int]:
    """The days of the period (as ordinals) inside every one of the spans (from, to; either end open when None)."""
    start = max([period.first_day, *(begin for begin, _ in spans if begin is not None)])
    end = min([period.last_day, *(until for _, until in spans if until is not None)])
    return set(range(start.toordinal(), end.toordinal() + 1))


def minimum_wages_in_force(store_ids: Sequence[int], day: datetime.date) -> dict[int, Decimal]:
    """Each store's monthly minimum wage in force on the day: the latest to take effect by then (stores with none
    are left out). One query. A month's is the one in force on its first day, as its plans and stage are: the
    standards take effect on the first of a month."""
    rows = (
        MinimumWage.objects.filter(store_id__in=store_ids, effective_from__lte=day)
        .order_by("store_id", "effective_from")
        .values_list("store_id", "monthly_amount")
    )
    return dict(rows)  # the latest to take effect is last


# --- plans ------------------------------------------------------------------------------------------------------

_ENGINE_PLANS: dict[tuple[int, str], engine.Plan] = {}
ENGINE_PLANS_KEPT = 64


def engine_plan_of(version: PlanVersion) -> engine.Plan:
    """The version's engine plan, parsed once per process. A published version is never edited (and its
    document is part of the key all the same). Parsing the YAML took 20 ms or more, six times per store (three
    plans, then again when writing), which was a third of a store's run. Engine plans are frozen, so sharing
    them is safe."""
    key = (version.pk, version.document)
    plan = _ENGINE_PLANS.get(key)
    if plan is None:
        if len(_ENGINE_PLANS) >= ENGINE_PLANS_KEPT:
            _ENGINE_PLANS.clear()
        plan = _ENGINE_PLANS[key] = version.engine_plan()
    return plan


def plans_in_force_by_store(stores: Sequence[Store], period: engine.Period) -> dict[int, PlansInForce]:
    """For each store and each role with a plan there (and each role with a plan for people on probation, apart:
    ``plans.models.plan_key``): the version in force on the first of the month, its engine plan and its crediting
    policy. A store's own plan wins over the group's. One query."""
    day = period.first_day
    versions = (
        PlanVersion.objects.filter(plan__group_id__in={store.region.group_id for store in stores})
        .filter(Q(plan__store__isnull=True) | Q(plan__store_id__in=[store.pk for store in stores]))
        .filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("plan")
        .order_by("plan_id", "effective_from")
    )
    latest = {version.plan_id: version for version in versions}  # the last to take effect wins
    found: dict[int, PlansInForce] = {}
    for store in stores:
        mine = found[store.pk] = {}
        for version in latest.values():
            plan = version.plan
            if plan.group_id != store.region.group_id or plan.store_id not in (None, store.pk):
                continue
            if plan.key not in mine or plan.store_id:
                mine[plan.key] = (version, engine_plan_of(version), plan.crediting)
    return found


def metrics_needed(plans: Iterable[engine.Plan]) -> list[str]:
    """The metrics the plans refer to: their indicators' metrics and every metric named in an expression
    (derived values, indicator values and targets, conditions, base pay, bonus, pay rules, gates; `target.m`,
    `team.sum.m`, `quarter.m`... name metric m). A run computes only these: the engine never reads the others,
    and every metric of the catalogue (63 names) takes a quarter more time and queries than the 25 the example
    plans refer to (14 of them through indicators, 11 more only in gates and pay rules)."""
    found = dict.fromkeys(name for plan in plans for name in metrics_named(plan))
    known = []
    for name in found:
        try:
            definition_of(name)
        except UnknownMetric:  # not a metric of the catalogue (the plan check refuses those): nothing to compute
            continue
        known.append(name)
    return sorted(known)


def metrics_wanted(plans: PlansInForce, crediting: str) -> tuple[str, ...]:
    """The metrics that the store's plans crediting deals this way refer to."""
    return tuple(metrics_needed(plan for _version, plan, policy in plans.values() if policy == crediting))


# --- the records ------------------------------------------------------------------------------------------------


def records_by_store(stores: Sequence[Store], period: engine.Period, plans: dict[int, PlansInForce],
                     read: RecordReader = metrics.period_inputs_by_store) -> dict[int, RecordInputs]:
    """The actuals and deals of each store by crediting policy: one computation per crediting policy and set of
    metrics (stores under the same plans share one), each a few grouped queries over all the stores. ``read``
    computes them (by default from the records; ``pay.period_figures.figures_by_store`` reads those runs kept)."""
    alike: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for store in stores:
        for crediting in {policy for _version, _plan, policy in plans[store.pk].values()}:
            alike[(crediting, metrics_wanted(plans[store.pk], crediting))].append(store.pk)
    found: dict[int, RecordInputs] = {store.pk: {} for store in stores}
    for (crediting, wanted), store_ids in alike.items():
        for store_id, inputs in read(store_ids, period, crediting, wanted).items():
            found[store_id][crediting] = inputs
    return found


# --- spiffs -------------------------------------------------------------------------------------------------------


def spiffs_earned(store_ids: Sequence[int], period: engine.Period, crediting: str) -> dict[int, SpiffsByPerson]:
    """What each spiff pays each person of the stores for the month under the crediting policy, deal by deal: the
    rows of the spiff figures (``metrics.spiffs``), two queries for all the stores."""
    rows = list(
        spiff_credits(Frame.of(store_ids, period, crediting)).exclude(deal_sign=0)
        .order_by("store_id", "staff_id", "spiff_id", "order__delivery__delivered_at", "pk")
        .values_list("store_id", "staff_id", "spiff_id", "spiff_amount", "order__delivery__id", "share", "deal_sign")
    )
    spiffs = Spiff.objects.in_bulk({row[2] for row in rows})
    deals: dict[int, dict[int, dict[int, list[SpiffDeal]]]] = defaultdict(lambda: defaultdict(dict))
    for store_id, staff_id, spiff_id, per_car, delivery_id, share, sign in rows:
        units = tidy(sign * Decimal(str(share)) / 100)
        deals[store_id][staff_id].setdefault(spiff_id, []).append(
            SpiffDeal(delivery_id, units, tidy(units * Decimal(str(per_car)))))
    return {
        store_id: {staff_id: tuple(SpiffEarned(spiffs[pk], tuple(found)) for pk, found in earned.items())
                   for staff_id, earned in people.items()}
        for store_id, people in deals.items()
    }


def spiffs_by_store(stores: Sequence[Store], period: engine.Period, plans: dict[int, PlansInForce]
                    ) -> dict[int, dict[str, SpiffsByPerson]]:
    """Each store's spiffs by crediting policy of its plans: one reading per crediting policy for all the stores."""
    found: dict[int, dict[str, SpiffsByPerson]] = {store.pk: {} for store in stores}
    policies: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        for crediting in {policy for _version, _plan, policy in plans[store.pk].values()}:
            policies[crediting].append(store.pk)
    for crediting, store_ids in policies.items():
        earned = spiffs_earned(store_ids, period, crediting)
        for store_id in store_ids:
            found[store_id][crediting] = earned.get(store_id, {})
    return found


# --- ratings, adjustments, stage ----------------------------------------------------------------------------------


def _ratings_by_store(store_ids: Sequence[int], period: engine.Period) -> dict[int, tuple[engine.Rating, ...]]:
    rows = ManualRating.objects.filter(store_id__in=store_ids, period=period.first_day).order_by("pk").values_list(
        "store_id", "staff_id", "indicator", "value", "comment", "rated_by__name"
    )
    found: dict[int, list[engine.Rating]] = defaultdict(list)
    for store_id, staff_id, indicator, value, comment, by in rows:
        found[store_id].append(engine.Rating(str(staff_id), indicator, value, comment, by))
    return {store_id: tuple(ratings) for store_id, ratings in found.items()}


def _adjustments_by_store(store_ids: Sequence[int], period: engine.Period) -> dict[int, dict[int, list[Adjustment]]]:
    found: dict[int, dict[int, list[Adjustment]]] = defaultdict(lambda: defaultdict(list))
    for adjustment in Adjustment.objects.filter(store_id__in=store_ids, period=period.first_day).order_by("pk"):
        found[adjustment.store_id][adjustment.staff_id].append(adjustment)
    return found


def stages_in_force(stores: Sequence[Store], day: datetime.date) -> dict[int, str]:
    """Each store's lifecycle stage on the day: the stage of its main model then (introduction, growth,
    maturity, run_out), which chooses a plan's weight set. Stores without a main model or stage are left out."""
    models = {store.main_model_id for store in stores if store.main_model_id is not None}
    stage_of: dict[int, str] = {}
    rows = (
        LifecycleStage.objects.filter(LifecycleStage.in_force_on(day), vehicle_model_id__in=models)
        .order_by("vehicle_model_id", "valid_from")
        .values_list("vehicle_model_id", "stage")
    )
    for model_id, stage in rows:
        stage_of[model_id] = stage  # the latest to start wins
    return {store.pk: stage_of[store.main_model_id] for store in stores if store.main_model_id in stage_of}


# --- history ------------------------------------------------------------------------------------------------------


def _final_statements(store_ids: Sequence[int], since: datetime.date, before: datetime.date) -> list[Statement]:
    """The statements of the latest approved or locked run of each store's earlier months in the window."""
    runs = Run.objects.filter(store_id__in=store_ids, status__in=FINAL, period__gte=since, period__lt=before)
    latest: dict[tuple[int, datetime.date], int] = {}
    for run_id, store_id, month in runs.order_by("period", "number").values_list("pk", "store_id", "period"):
        latest[(store_id, month)] = run_id
    if not latest:
        return []
    return list(
        Statement.objects.filter(run_id__in=latest.values()).select_related("run").order_by("run__period")
        .only("staff_id", "store_id", "run__period", "month_metrics", "month_targets", "total_score", "carried_balance",
              "draw_outstanding", "paid_for_deals")
    )


def history_by_store(store_ids: Sequence[int], period: engine.Period) -> dict[int, dict[str, engine.History]]:
    """What each store's earlier final runs left: the year's months, the balance and draw carried, what each deal
    was paid, by person."""
    year_ago = datetime.date(period.year - 1, period.month, 1)
    by_store: dict[int, list[Statement]] = defaultdict(list)
    for statement in _final_statements(store_ids, year_ago, period.first_day):
        by_store[statement.store_id].append(statement)
    return {store_id: _history(statements, period) for store_id, statements in by_store.items()}


def _history(statements: list[Statement], period: engine.Period) -> dict[str, engine.History]:
    months: dict[str, list[engine.MonthRecord]] = defaultdict(list)
    carried: dict[str, tuple[Decimal, Decimal]] = {}
    paid: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for statement in statements:
        person = str(statement.staff_id)
        month = statement.run.period
        if month.year == period.year:
            months[person].append(engine.MonthRecord(
                engine.Period(month.year, month.month),
                {k: Decimal(v) for k, v in statement.month_metrics.items()},
                {k: Decimal(v) for k, v in statement.month_targets.items()},
                statement.total_score,
            ))
        carried[person] = (statement.carried_balance, statement.draw_outstanding)
        for deal, amount in statement.paid_for_deals.items():
            paid[person][deal] = paid[person].get(deal, ZERO) + Decimal(amount)
    people = months.keys() | carried.keys() | paid.keys()
    return {
        person: engine.History(tuple(months.get(person, ())), *carried.get(person, (ZERO, ZERO)),
                               paid_for_deals=paid.get(person, {}))
        for person in people
    }

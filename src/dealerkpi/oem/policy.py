"""The manufacturer's commercial policy (商务政策) evaluated for a store, by the plan engine that pays the staff.

A policy is a plan document written for `role: store`: the store is the one "person" assessed, its figures are the
whole store's (`oem.figures`), its targets are the manufacturer's (`ManufacturerTarget`), its manual indicators are
the scores the manufacturer gave it (`ManufacturerScore`), its deals are every car the store delivered, credited to
the store. What the engine pays is the rebate (返利). Earlier months of the year are evaluated first, in order, so
`quarter.*`, `year.*` and quarterly rules (`every: quarter`) read them as a run reads its history.

For the month under way there are two readings: the month **to date** (the days that are over, as if the month
ended there) and the month **projected** at the pace of those days (every figure x days in the month / days over,
the daily report's run rate). The quarter is its closed months, the projected month, and its later months at the
same pace, each with its own targets. One more retail sale of a model adds a car with the model's average figures
this month to the projected month, and so to the quarter.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import QuerySet

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.money import ZERO
from dealerkpi.metrics import PeriodActuals
from dealerkpi.metrics.period import Days, whole_days
from dealerkpi.oem.figures import POLICY_METRICS, StoreMonth, StoreMonths, read_store_months, store_figures_of
from dealerkpi.oem.models import CommercialPolicy, ManufacturerScore, ManufacturerTarget
from dealerkpi.org.models import Store
from dealerkpi.plans import engine
from dealerkpi.plans.engine import expr
from dealerkpi.plans.engine.catalogue import DEAL_FIGURES
from dealerkpi.plans.engine.loader import PlanError
from dealerkpi.plans.engine.names import Reference, reference
from dealerkpi.plans.engine.schema import NOWHERE, Indicator, Manual
from dealerkpi.plans.engine.validate import plan_expressions

STORE_ROLE = "store"
ONE = Decimal(1)


def read_policy(text: str) -> engine.Plan:
    """The policy document checked as `plan check` checks a plan, with the store's own figures in its catalogue;
    raises engine.PlanInvalid with every error."""
    plan = engine.check_plan_text(text, source="policy", metrics=POLICY_METRICS)
    if plan.role != STORE_ROLE:
        raise engine.PlanInvalid([PlanError(NOWHERE, f"a commercial policy assesses the store: write role: "
                                                     f"{STORE_ROLE}, not {plan.role}")], "policy")
    return plan


def policies_in_force(group_id: int, brand_id: int, periods: Sequence[engine.Period]
                      ) -> dict[engine.Period, CommercialPolicy]:
    """The version of the brand's policy in force in each of the months that has one (one query)."""
    versions = list(CommercialPolicy.objects.filter(group_id=group_id, brand_id=brand_id,
                                                    valid_from__lte=max(periods).first_day).order_by("-valid_from"))
    found = {}
    for period in periods:
        version = next((v for v in versions if v.valid_from <= period.first_day), None)
        if version is not None:
            found[period] = version
    return found


@dataclass(frozen=True)
class MonthResult:
    """The policy's result for a month: how it was read (`closed`, `to_date`, `projected`) and the engine's."""

    period: engine.Period
    reading: str
    result: engine.PersonResult

    @property
    def rebate(self) -> Decimal:
        return self.result.total


@dataclass(frozen=True)
class Assessment:
    """Everything the engine needs about one store besides its figures: the policy, targets and scores by month."""

    store: Store
    version: CommercialPolicy  # the policy's version in force in the month assessed
    plans: dict[engine.Period, engine.Plan]  # the policy in force, for each month that has one
    targets: dict[engine.Period, dict[str, Decimal]]
    scores: dict[engine.Period, dict[str, tuple[Decimal, str]]]

    @property
    def key(self) -> str:
        return str(self.store.pk)

    def inputs(self, period: engine.Period, month: StoreMonth, history: tuple[engine.MonthRecord, ...]
               ) -> engine.PeriodInputs:
        store = engine.Person(self.key, self.store.name, STORE_ROLE)
        credit = (engine.Credit(self.key),)
        deals = tuple(replace(deal, credits=credit) for deal in month.deals)
        ratings = tuple(engine.Rating(self.key, item, value, comment)
                        for item, (value, comment) in self.scores.get(period, {}).items())
        return engine.PeriodInputs(
            period, (store,), (engine.Actuals(self.key, "", month.figures()),),
            (engine.Target(self.targets.get(period, {}), person=self.key),), deals, ratings,
            {self.key: engine.History(history)},
        )

    def evaluate(self, period: engine.Period, month: StoreMonth, history: tuple[engine.MonthRecord, ...],
                 reading: str) -> MonthResult:
        plan = self.plans[period]
        results = engine.evaluate_period(plan, self.inputs(period, month, history), POLICY_METRICS)
        return MonthResult(period, reading, results[0])

    def record(self, outcome: MonthResult, month: StoreMonth) -> engine.MonthRecord:
        return engine.MonthRecord(outcome.period, month.figures(), self.targets.get(outcome.period, {}),
                                  outcome.result.total_score)


def _by_month(rows: QuerySet, key: str) -> dict[int, dict[engine.Period, dict]]:
    found: dict[int, dict[engine.Period, dict]] = {}
    for row in rows:
        period = engine.Period(row.month.year, row.month.month)
        found.setdefault(row.store_id, {}).setdefault(period, {})[getattr(row, key)] = row
    return found


def assessments(stores: Sequence[Store], in_force: dict[int, InForce], year: int) -> dict[int, Assessment]:
    """The stores' targets and scores of the year, two queries."""
    ids = [store.pk for store in stores]
    span = {"store_id__in": ids, "month__year": year}
    targets = _by_month(ManufacturerTarget.objects.filter(**span), "figure")
    scores = _by_month(ManufacturerScore.objects.filter(**span), "item")
    return {store.pk: Assessment(
        store, in_force[store.pk].version, in_force[store.pk].plans,
        {period: {name: row.value for name, row in rows.items()} for period, rows in targets.get(store.pk, {}).items()},
        {period: {item: (row.value, row.comment) for item, row in rows.items()}
         for period, rows in scores.get(store.pk, {}).items()},
    ) for store in stores}


def pace(days: Days) -> Decimal:
    """Days in the month / days over: what the month's figures so far are multiplied by to project its end."""
    return Decimal(days.period.days) / Decimal((days.last - days.first).days + 1)


@dataclass(frozen=True)
class Standing:
    """A store's year under its policy: the closed months, the month under way to date and projected, the
    quarter's later months projected; and the figures of the projected month, for one more sale."""

    assessment: Assessment
    closed: tuple[tuple[MonthResult, StoreMonth], ...]  # the months of the year before the month, with a policy
    month: MonthResult  # the month: closed, or projected when under way
    to_date: MonthResult | None  # the month under way read to date; None for a closed month
    later: tuple[MonthResult, ...]  # the quarter's months after the month, projected
    month_figures: StoreMonth  # the month's figures (projected when under way)
    factor: Decimal  # the pace the month was projected at (1 for a closed month)

    @property
    def months(self) -> tuple[MonthResult, ...]:
        return (*(result for result, _ in self.closed), self.month)

    @property
    def quarter(self) -> tuple[MonthResult, ...]:
        quarter = self.month.period.quarter
        return tuple(m for m in self.months if m.period.quarter == quarter) + self.later

    @property
    def quarter_rebate(self) -> Decimal:
        return sum((m.rebate for m in self.quarter), ZERO)



def _history(assessment: Assessment, done: Sequence[tuple[MonthResult, StoreMonth]]
             ) -> tuple[engine.MonthRecord, ...]:
    return tuple(assessment.record(result, month) for result, month in done)


def _quarter_after(period: engine.Period) -> list[engine.Period]:
    return [engine.Period(period.year, number) for number in range(period.month + 1, period.quarter * 3 + 1)]


@dataclass(frozen=True)
class InForce:
    """A store's policy: the version in force in the month assessed, and the policy of each month read with it."""

    version: CommercialPolicy
    plans: dict[engine.Period, engine.Plan]


def _in_force_by_store(stores: Sequence[Store], period: engine.Period) -> dict[int, InForce]:
    """The policy of each store's brand for the months the month is evaluated with (stores without one left out):
    the quarter's months, or the year's up to the quarter's end for a policy that reads the year."""
    by_brand: dict[tuple[int, int], list[Store]] = {}
    for store in stores:
        if store.brand_id is not None:
            by_brand.setdefault((store.region.group_id, store.brand_id), []).append(store)
    months = [engine.Period(period.year, n) for n in range(1, period.quarter * 3 + 1)]
    found: dict[int, InForce] = {}
    for (group_id, brand_id), brand_stores in by_brand.items():
        versions = policies_in_force(group_id, brand_id, months)
        if period not in versions:
            continue
        read = {version.pk: read_policy(version.document) for version in set(versions.values())}
        plans = {month: read[version.pk] for month, version in versions.items()}
        if not any(reads_the_year(plan) for plan in plans.values()):
            plans = {month: plan for month, plan in plans.items() if month.quarter == period.quarter}
        found.update((store.pk, InForce(versions[period], plans)) for store in brand_stores)
    return found


@dataclass(frozen=True)
class Reading:
    """What the stores' standings for a month read: each store's policy in force (stores without one left out) and
    the store figures its plans name (`store_figures_of`)."""

    in_force: dict[int, InForce]
    names: tuple[str, ...]


def reading(stores: Sequence[Store], period: engine.Period) -> Reading:
    in_force = _in_force_by_store(stores, period)
    every_plan = {id(plan): plan for policy in in_force.values() for plan in policy.plans.values()}.values()
    return Reading(in_force, store_figures_of(name for plan in every_plan for name in engine.metrics_named(plan)))


def standings(stores: Sequence[Store], period: engine.Period, today: datetime.date, read: Reading | None = None,
              computed: Mapping[int, PeriodActuals] | None = None) -> dict[int, Standing]:
    """Each store's standing for the month under its brand's policy (stores without one are left out): the
    months read and evaluated in order. The stores' figures are read together, a fixed number of queries a month
    whatever the number of stores and brands. `read`: `reading()` of these stores, if the caller has it;
    `computed`: the stores' metrics of the whole month with `read.names` among them, used once the month is over
    (a month under way is evaluated over its days that are over, read apart)."""
    read = read or reading(stores, period)
    in_force = read.in_force
    assessed = [store for store in stores if store.pk in in_force]
    ids = [store.pk for store in assessed]
    earlier = sorted({month for policy in in_force.values() for month in policy.plans if month < period})
    before = {month: read_store_months(ids, month, read.names) for month in earlier}
    days = whole_days(today) if period.first_day <= today <= period.last_day else None
    over = None if days else computed
    current = read_store_months(ids, days or period, read.names, over) if ids else StoreMonths()
    found = assessments(assessed, in_force, period.year)
    return {store.pk: _standing(found[store.pk], period, before, current, days) for store in assessed}


def _references(plan: engine.Plan) -> Iterator[Reference]:
    derived = frozenset(name for name, _ in plan.derived)
    return (reference(name.name, derived) for _where, expression in plan_expressions(plan)
            for name in expr.names(expression.tree))


def reads_the_year(plan: engine.Plan) -> bool:
    """Whether the policy reads months before the quarter: `year.*`, or a rule over or paid every year."""
    return (any(found.kind in ("year.sum", "year.target") or found == Reference("avg_score", "year")
                for found in _references(plan))
            or any("year" in (rule.over, rule.every) for rule in plan.pay_rules))


def targets_named(plan: engine.Plan) -> list[str]:
    """The figures the policy reads a manufacturer's target of, in order of first mention."""
    kinds = ("target", "quarter.target", "year.target")
    return list(dict.fromkeys(found.subject for found in _references(plan) if found.kind in kinds))


def scored_items(plan: engine.Plan) -> list[Indicator]:
    """The policy's items the manufacturer scores (its manual indicators)."""
    return [indicator for indicator in plan.indicators if isinstance(indicator.scoring, Manual)]


def _standing(assessment: Assessment, period: engine.Period, before: dict[engine.Period, StoreMonths],
              current: StoreMonths, days: Days | None) -> Standing:
    closed: list[tuple[MonthResult, StoreMonth]] = []
    for month_period, months in sorted(before.items()):
        if month_period not in assessment.plans:  # read for another brand's policy, which reads the year
            continue
        month = months.of(assessment.store.pk)
        closed.append((assessment.evaluate(month_period, month, _history(assessment, closed), "closed"), month))
    month = current.of(assessment.store.pk)
    history = _history(assessment, closed)
    if days is None:
        outcome = assessment.evaluate(period, month, history, "closed")
        return Standing(assessment, tuple(closed), outcome, None, (), month, ONE)
    factor = pace(days)
    to_date = assessment.evaluate(period, month, history, "to_date")
    projected = month.scaled(factor, period)
    outcome = assessment.evaluate(period, projected, history, "projected")
    later = _later(assessment, period, projected, [*closed, (outcome, projected)])
    return Standing(assessment, tuple(closed), outcome, to_date, later, projected, factor)


def _later(assessment: Assessment, period: engine.Period, projected: StoreMonth,
           done: list[tuple[MonthResult, StoreMonth]]) -> tuple[MonthResult, ...]:
    """The quarter's months after `period` that have a policy, each at the projected month's pace with its own
    targets and scores."""
    found = []
    for later in _quarter_after(period):
        if later not in assessment.plans:
            continue
        month = projected.moved_to(period, later)
        outcome = assessment.evaluate(later, month, _history(assessment, done), "projected")
        done.append((outcome, month))
        found.append(outcome)
    return tuple(found)


# --- one more retail sale -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneMore:
    """What one more retail sale of a model this month adds to the month's and the quarter's projected rebate."""

    model: VehicleModel
    month: Decimal
    quarter: Decimal
    averaged_over: str  # "model": its own cars this month; "store": every car this month; "none": no car sold


def _average_deal(month: StoreMonth, period: engine.Period, model_code: str) -> tuple[engine.Deal, str]:
    """A car of the model with the average figures of the month's cars of it; of all the month's cars when none
    of it was sold; a bare car when none was sold at all."""
    counted = [deal for deal in month.deals if deal.counts_in(period)]
    own = [deal for deal in counted if deal.model_code == model_code]
    sample, averaged_over = (own, "model") if own else (counted, "store" if counted else "none")
    units = sum((deal.figure("units_delivered") for deal in sample), ZERO)
    figures = {name: sum((deal.figure(name) for deal in sample), ZERO) / units if units > 0 else ZERO
               for name in DEAL_FIGURES}
    figures["units_delivered"] = ONE
    margin = own[0].margin_class if own else ""
    return engine.Deal(f"one-more-{model_code}", period.last_day, (), figures, model_code, margin), averaged_over


def one_more_sale(standing: Standing, models: Sequence[VehicleModel]) -> list[OneMore]:
    """For each model, the projected month and quarter again with one more car of it sold this month; nothing
    for a closed month."""
    if standing.to_date is None:
        return []
    period, assessment = standing.month.period, standing.assessment
    history = _history(assessment, standing.closed)
    before = standing.month.rebate + sum((m.rebate for m in standing.later), ZERO)
    found = []
    for model in models:
        deal, averaged_over = _average_deal(standing.month_figures, period, model.code)
        month = standing.month_figures.with_sale(deal)
        outcome = assessment.evaluate(period, month, history, "projected")
        later = _later(assessment, period, month, [*standing.closed, (outcome, month)])
        after = outcome.rebate + sum((m.rebate for m in later), ZERO)
        found.append(OneMore(model, outcome.rebate - standing.month.rebate, after - before, averaged_over))
    return found

"""A draft plan replayed on past months: each person's result under the draft beside what the version in force
then paid, on the same inputs. Reads only; writes nothing but the figures of months no run kept
(``pay.period_figures``).

    months = replay(plan, draft_engine_plan, stores, periods)   # one PersonMonth per person and month

**Where the draft applies.** In each month, in the stores of ``stores`` where the plan's role is assessed under the
plan: a store's own plan in its store; a group plan in the group's stores, except those whose own plan for the role
is in force that month (as a run picks the plan: ``pay.inputs.plans_in_force_by_store``). A store and month where
neither plan was in force is replayed too (the draft would then be in force; ``old`` is None).

**Inputs.** Read as a group's month-end reads them, for all the stores of a month in a few queries
(``read_store_months``), with the records replaced by the figures runs kept (``figures_by_store``: computed, and
kept, only for months no run kept or that lack a metric the draft names). The draft sees exactly the people,
targets, ratings, stage, minimum wage and adjustments a run of the month would.

**old** is what the version in force paid: where the month has a final (approved or locked) run, the statements of
its latest, rebuilt as results (scorecard, gates, lines with their figures but without the deals they came from,
total score, balances, warnings); their totals are what was paid, adjustments included, spiffs left out (they are paid
beside the plans, so both sides leave them out and a replay reads no spiff records). Where the month has no final
run, the version in force evaluated on the same inputs, with the history its own results left in the months before
(the final runs' where there are some), as successive runs would have: a draw paid in one month is recovered in the
next on both sides, so a draft identical to the version in force costs exactly what it did.

**new** is the draft evaluated on those inputs, with the month's manual adjustments added as lines (as a
statement has them), so that old and new differ by the plan alone. Its history is the draft's own: what the final
runs before the first month left (``history_by_store`` of the first month: the year's earlier months, balances
and draw carried, what each deal was paid), followed by the draft's results month after month: the quarter's and
year's earlier months are the draft's, and so are the balance and draw it carries and what it paid each deal
(which a later unwind claws back). Paid amounts from before the first month stay in that history for the whole
replay, where a run would forget those more than twelve months old: a deal unwound more than a year after it was
paid is clawed back by the replay and not by a run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from dealerkpi.core.money import ZERO
from dealerkpi.metrics.period import Crediting, shift
from dealerkpi.org.models import Store
from dealerkpi.pay.inputs import (
    FINAL,
    PlansInForce,
    StoreMonth,
    engine_plan_of,
    history_by_store,
    read_store_months,
    records_by_store,
)
from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine
from dealerkpi.pay.period_figures import figures_by_store
from dealerkpi.pay.runs import Evaluated, evaluate_store
from dealerkpi.plans import engine
from dealerkpi.plans.models import Plan, PlanVersion

InForce = tuple[PlanVersion, engine.Plan, str]  # as in PlansInForce


@dataclass(frozen=True)
class PersonMonth:
    store_id: int
    period: engine.Period
    staff_id: int
    name: str
    old: engine.PersonResult | None  # what the version in force then paid (None: no plan then)
    new: engine.PersonResult | None  # the draft's result on the same inputs
    month: engine.MonthRecord  # the person's metrics and own targets of the month


def replay(plan: Plan, draft: engine.Plan, stores: Sequence[Store],
           periods: Sequence[engine.Period]) -> list[PersonMonth]:
    """Every person the plan's role assesses, month by month (in order), store by store (in the order given)."""
    return [person for month in replayed(plan, draft, stores, periods) for person in month]


def replayed(plan: Plan, draft: engine.Plan, stores: Sequence[Store],
             periods: Sequence[engine.Period]) -> Iterator[list[PersonMonth]]:
    """replay(), a month at a time: a caller that keeps only what it needs of each month holds one month's
    results at a time (a group's month is some 900 people's scorecards and lines, twice)."""
    months = sorted(set(periods))
    if not months or not stores:
        return
    start = history_by_store([store.pk for store in stores], months[0])
    chains = Chains(draft=Chain(start), in_force=Chain(start))
    entry: InForce = (PlanVersion(plan=plan, number=0, document=""), draft, plan.crediting)
    for period in months:
        yield _month(plan, entry, stores, period, chains)


NO_SPIFFS = {crediting: {} for crediting in Crediting}  # spiffs are paid beside the plans: no side has them


def covers(plan: Plan, store: Store, in_force: InForce | None) -> bool:
    """Whether the plan's draft would assess the plan's role in the store, given the version in force there."""
    if plan.store_id is not None:
        return store.pk == plan.store_id
    return store.region.group_id == plan.group_id and (in_force is None or in_force[0].plan_id == plan.pk)


def _month(plan: Plan, entry: InForce, stores: Sequence[Store], period: engine.Period,
           chains: Chains) -> list[PersonMonth]:
    key = plan.key
    read = read_store_months(stores, period, records=False, with_history=False)
    covered = [store for store in stores if covers(plan, store, read[store.pk].plans.get(key))]
    if not covered:
        return []
    both: dict[int, PlansInForce] = {store.pk: _reading(read[store.pk].plans, key, entry) for store in covered}
    records = records_by_store(covered, period, both, read=figures_by_store)
    paid = paid_results([store.pk for store in covered], period, plan.role)
    found: list[PersonMonth] = []
    for store in covered:
        month = _assessed(replace(read[store.pk], records=records[store.pk], spiffs=NO_SPIFFS), key, entry)
        new = _with_adjustments(evaluate_store(replace(month, plans={key: entry},
                                                     history=chains.draft.history(store.pk, period))))
        chains.draft.add(store.pk, (_paid(item) for item in new))
        assessed = {member.staff_id for member in month.members}
        old = ({staff_id: was for staff_id, was in paid[store.pk].items() if staff_id in assessed}
               if paid.get(store.pk) else _in_force(month, plan, chains.in_force.history(store.pk, period)))
        chains.in_force.add(store.pk, old.values())
        found += _people(store.pk, period, new, old)
    return found


def _assessed(month: StoreMonth, key: str, entry: InForce) -> StoreMonth:
    """The month with only the members the draft would pay: a role's plan leaves those on probation to the plan
    for them when there is one; a plan for people on probation takes only those."""
    plans = {**month.plans, key: entry}
    return replace(month, members=[member for member in month.members if member.plan_in(plans) == key])


def _in_force(month: StoreMonth, plan: Plan, history: dict[str, engine.History]) -> dict[int, Paid]:
    """The version in force then evaluated on the month (none: nobody), with the history that the final runs and
    the version's own results in the months before left (as the runs of those months would have). Before a plan
    for people on probation, the role's plan paid them."""
    in_force = month.plans.get(plan.key) or month.plans.get(plan.role)
    if in_force is None:
        return {}
    evaluated = evaluate_store(replace(month, plans={plan.key: in_force}, history=history))
    return {item.member.staff_id: _paid(item) for item in _with_adjustments(evaluated)}


def _reading(plans: PlansInForce, key: str, entry: InForce) -> PlansInForce:
    """The plans whose metrics are read: the draft in the role's place, the version in force beside it, and the
    store's other plans that credit deals as the draft does (a run of the month read their metrics together, so
    the figures are those it kept)."""
    crediting = entry[2]
    found = {key: plan for key, plan in plans.items() if plan[2] == crediting}
    return {**found, key: entry, "": plans.get(key) or entry}


def _with_adjustments(evaluated: list[Evaluated]) -> list[Evaluated]:
    """The results with the person's manual adjustments of the month added as lines, as their statement has them."""
    return [replace(item, result=replace(item.result, lines=(*item.result.lines, *(
        engine.PayoutLine("adjustment", "adjustment", "", adjustment.reason, adjustment.amount, adjustment.amount)
        for adjustment in item.adjustments)))) if item.adjustments else item for item in evaluated]


@dataclass(frozen=True)
class Paid:
    name: str
    result: engine.PersonResult
    month: engine.MonthRecord


def _paid(item: Evaluated) -> Paid:
    return Paid(item.member.name, item.result, item.month)


def _people(store_id: int, period: engine.Period, new: list[Evaluated], old: Mapping[int, Paid]) -> list[PersonMonth]:
    drafted = {item.member.staff_id: item for item in new}
    found = []
    for staff_id in drafted.keys() | old.keys():
        item, was = drafted.get(staff_id), old.get(staff_id)
        name = item.member.name if item else was.name  # type: ignore[union-attr]
        month = item.month if item else was.month  # type: ignore[union-attr]
        found.append(PersonMonth(store_id, period, staff_id, name, was.result if was else None,
                                 item.result if item else None, month))
    return sorted(found, key=lambda person: (person.name, person.staff_id))


# --- the draft's own history -----------------------------------------------------------------------------------


@dataclass
class Chain:
    """The history a plan leaves month after month, over what the final runs before the first month left."""

    start: dict[int, dict[str, engine.History]]
    months: dict[tuple[int, str], list[engine.MonthRecord]] = field(default_factory=lambda: defaultdict(list))
    carried: dict[tuple[int, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    paid: dict[tuple[int, str], dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, store_id: int, results: Iterable[Paid]) -> None:
        for item in results:
            key, result = (store_id, item.result.person), item.result
            self.months[key].append(replace(item.month, total_score=result.total_score))
            self.carried[key] = (result.carried_balance, result.draw_outstanding)
            for deal, amount in result.paid_for_deals.items():
                self.paid[key][deal] = self.paid[key].get(deal, ZERO) + amount

    def history(self, store_id: int, period: engine.Period) -> dict[str, engine.History]:
        """Each person's history for the store's month: the final runs' before the first month, then the draft's."""
        start = self.start.get(store_id, {})
        people = set(start) | {person for store, person in self.months if store == store_id}
        found = {}
        for person in people:
            before, key = start.get(person, engine.History()), (store_id, person)
            paid = dict(before.paid_for_deals)
            for deal, amount in self.paid.get(key, {}).items():
                paid[deal] = paid.get(deal, ZERO) + amount
            carried = self.carried.get(key, (before.carried_balance, before.draw_outstanding))
            found[person] = engine.History((*before.months, *self.months.get(key, ())), *carried, paid_for_deals=paid)
        return found


@dataclass(frozen=True)
class Chains:
    """The draft's own history, and the version in force's: the final runs' where a month has one, else what the
    version in force computed for it."""

    draft: Chain
    in_force: Chain


# --- what the final runs paid ------------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _decimals(stored: Mapping[str, object] | None) -> dict[str, Decimal]:
    found = {name: _decimal(value) for name, value in (stored or {}).items()}
    return {name: value for name, value in found.items() if value is not None}


def _wording(stored: Mapping[str, object] | None) -> engine.Wording | None:
    return None if not stored else engine.Wording(str(stored["key"]), dict(stored.get("args") or {}))  # type: ignore


def final_runs(store_ids: Sequence[int], period: engine.Period) -> dict[int, int]:
    """The latest final run of each store's month that has one: its id by store."""
    runs = Run.objects.filter(store_id__in=store_ids, period=period.first_day, status__in=FINAL)
    return dict(runs.order_by("number").values_list("store_id", "pk"))  # the latest is last


STATEMENT = ("pk", "store_id", "staff_id", "staff__name", "team_id", "plan_version_id", "weight_set", "stage",
             "total_score", "coefficient", "carried_balance", "draw_outstanding", "paid_for_deals", "month_metrics",
             "month_targets", "gates", "notes", "warnings", "error")
LINE = ("statement_id", "category", "kind", "rule", "label", "amount", "exact", "inputs", "values", "wording")
INDICATOR = ("statement_id", "code", "label", "rule", "actual", "target", "achievement", "score", "weight",
             "weighted_score", "note", "skipped", "rule_wording")


def paid_results(store_ids: Sequence[int], period: engine.Period, role: str) -> dict[int, dict[int, Paid]]:
    """For each store whose month has a final run: the statements of the role in its latest, as results, by person.
    Three queries, whatever the number of stores and people."""
    runs = final_runs(store_ids, period)
    if not runs:
        return {}
    statements = list(Statement.objects.filter(run_id__in=runs.values(), plan_version__plan__role=role)
                      .order_by("pk").values(*STATEMENT))
    ids = [row["pk"] for row in statements]  # by id: an index lookup whatever the planner thinks of the join
    lines: dict[int, list[engine.PayoutLine]] = defaultdict(list)
    for statement_id, *line in StatementLine.objects.filter(statement_id__in=ids).exclude(kind="spiff").order_by(
            "statement_id", "position").values_list(*LINE):
        lines[statement_id].append(_line(*line))
    indicators: dict[int, list[engine.IndicatorResult]] = defaultdict(list)
    for statement_id, *indicator in StatementIndicator.objects.filter(statement_id__in=ids).order_by(
            "statement_id", "position").values_list(*INDICATOR):
        indicators[statement_id].append(_indicator(*indicator))
    versions = PlanVersion.objects.select_related("plan").in_bulk({row["plan_version_id"] for row in statements})
    found: dict[int, dict[int, Paid]] = {store_id: {} for store_id in runs}
    for row in statements:
        plan = engine_plan_of(versions[row["plan_version_id"]])
        result = _result(row, plan, period, tuple(indicators[row["pk"]]), tuple(lines[row["pk"]]))
        month = engine.MonthRecord(period, _decimals(row["month_metrics"]), _decimals(row["month_targets"]),
                                   row["total_score"])
        found[row["store_id"]][row["staff_id"]] = Paid(row["staff__name"], result, month)
    return found


def _line(category: str, kind: str, rule: str, label: str, amount: Decimal, exact: str, inputs: dict, values: dict,
          wording: dict | None) -> engine.PayoutLine:
    return engine.PayoutLine(category, kind, rule, label, amount, _decimal(exact) or amount, _decimals(inputs),
                             _decimals(values), (), _wording(wording))


def _indicator(code: str, label: str, rule: str, *figures: object) -> engine.IndicatorResult:
    actual, target, achievement, score, weight, weighted_score, note, skipped, wording = figures
    return engine.IndicatorResult(code, label, rule, actual, target, achievement, score, weight,  # type: ignore
                                  weighted_score, {}, note, skipped, _wording(wording))  # type: ignore


def _result(row: dict, plan: engine.Plan, period: engine.Period, indicators: tuple[engine.IndicatorResult, ...],
            lines: tuple[engine.PayoutLine, ...]) -> engine.PersonResult:
    gates = tuple(engine.GateResult(gate["id"], gate["label"], gate["condition"], gate["held"],
                                    _decimal(gate["factor"]) if gate["factor"] != "None" else None,
                                    _decimals(gate.get("inputs"))) for gate in row["gates"] or ())
    warnings = tuple(engine.Warning(w["kind"], w["figure"], w["policy"], engine.Item(**w["item"]), w["blocking"])
                     for w in row["warnings"] or ())
    return engine.PersonResult(
        str(row["staff_id"]), row["staff__name"], str(row["team_id"] or ""), plan.id, plan.version, str(period),
        row["stage"], row["weight_set"], indicators, {}, row["total_score"], row["coefficient"], gates, lines,
        row["carried_balance"], row["draw_outstanding"], _decimals(row["paid_for_deals"]), tuple(row["notes"] or ()),
        row["error"], warnings,
    )


def default_months(today: datetime.date, count: int = 12) -> list[engine.Period]:
    """The ``count`` complete months before today's, in order."""
    last = shift(engine.Period(today.year, today.month), -1)
    return [shift(last, n) for n in range(1 - count, 1)]

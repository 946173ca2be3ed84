"""Plan health: where a plan (a draft, or a published version) may pay for the wrong thing, pay nothing for an
effort, cost more than it may or less than the law allows, each finding with its evidence from history.

    findings = plan_health(plan, engine_plan, stores, periods)   # replays the months, then checks them
    findings = draft_health(draft, viewer)                         # a draft on the last 12 complete months

The replay (``studio.replay``) evaluates the plan on the records of past months, beside what the version in force
then paid; the checks here are plain Python over its rows (one person's month each) and over the plan itself.
Every sentence is in the reader's language: indicators and pay rules by their labels in the plan, metrics by their
labels (``plans.metric_labels``), never a variable name. See docs/plans.md, "Plan health".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dealerkpi.core.money import HUNDRED, ZERO
from dealerkpi.core.scope import Viewer
from dealerkpi.org.models import STORE_WIDE_ROLES, Store
from dealerkpi.pay.inputs import minimum_wages_in_force
from dealerkpi.plans import engine
from dealerkpi.plans.document import Words, band_words, category_words, number, yuan
from dealerkpi.plans.engine import expr
from dealerkpi.plans.engine.commissions import Step, earned_to, steps_of
from dealerkpi.plans.engine.curves import counts_units, illustrative_target
from dealerkpi.plans.engine.names import INDICATOR_KINDS, METRIC_KINDS, reference
from dealerkpi.plans.engine.schema import (
    ONE,
    Band,
    DealRate,
    DealTiers,
    Deductions,
    Expression,
    Gate,
    Indicator,
    Limit,
    Linear,
    Manual,
    PayRule,
    Steps,
)
from dealerkpi.plans.models import Plan, parse_plan_document
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import PersonMonth, replay
from dealerkpi.targets.services import visible_stores

SERIOUS, WARNING, NOTICE = "serious", "warning", "notice"
SEVERITIES = {SERIOUS: gettext_lazy("Serious"), WARNING: gettext_lazy("Warning"), NOTICE: gettext_lazy("Notice")}
WINDOW = 12  # complete months a plan is checked on
MAX_EVIDENCE = 10  # rows of evidence shown under a finding; the others are counted
MIN_LEVELS = 3  # person-months a threshold or a cap is judged on, at least
CLIFF_RATIO = Decimal(2)  # the car that reaches a band pays at least twice the car before: a cliff
CLIFF_SHARE = Decimal("0.1")  # reaching a band of an amount adds at least a tenth of what was earned below it
NEAR = Decimal("0.05")  # just below a step of an amount: within 5% under it
REVENUE = ("sales_amount",)  # deal figures that are the price, not the margin
MARGIN = ("front_gross_profit", "gross_profit_per_unit", "price_floor_breaches", "units_by_margin_class")
SUB_TARGETS = ("units_by_margin_class", "units_by_model")  # a part of the total volume, with its own target
TOTAL = "units_delivered"
VARIABLE_PAY = ("bonus", "commission", "quarterly_bonus", "annual_bonus")
EARLIER_MONTHS = ("clawback", "balance")  # lines that give back or bring in earlier months' pay


@dataclass(frozen=True)
class Evidence:
    """A row of a finding's evidence: a person's month (a store's month: no person) and its figures, as shown."""

    period: str
    store: str
    person: str
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """What a check found: its code, how serious it is, a sentence in the reader's language, and the evidence
    (the first MAX_EVIDENCE rows under ``headings``; ``more`` rows left out)."""

    check: str
    severity: str
    sentence: str
    headings: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    more: int = 0

    @property
    def severity_words(self) -> str:
        return str(SEVERITIES[self.severity])


def finding(check: str, severity: str, sentence: str, headings: Sequence[str] = (),
          evidence: Sequence[Evidence] = ()) -> Finding:
    return Finding(check, severity, sentence, tuple(headings), tuple(evidence[:MAX_EVIDENCE]),
                   max(0, len(evidence) - MAX_EVIDENCE))


@dataclass(frozen=True)
class History:
    """What the checks read: the plan, the replayed person-months it was evaluated on, the stores' names and
    their minimum wage in force at the end of the window, and the plan's names in words."""

    plan: engine.Plan
    rows: tuple[PersonMonth, ...]  # every person-month the plan was evaluated on (its result in ``new``)
    stores: Mapping[int, str]
    minimum_wages: Mapping[int, Decimal]
    words: Words

    @property
    def computed(self) -> list[PersonMonth]:
        """The person-months whose pay the plan computed."""
        return [row for row in self.rows if not row.new.error]

    def row(self, row: PersonMonth, *figures: str) -> Evidence:
        return Evidence(str(row.period), self.stores.get(row.store_id, ""), row.name, figures)


# --- reading results and expressions --------------------------------------------------------------------------------


def result_of(row: PersonMonth, indicator: str) -> engine.IndicatorResult | None:
    return next((result for result in row.new.indicators if result.id == indicator), None)


def rule_line(row: PersonMonth, rule: PayRule) -> engine.PayoutLine | None:
    """The line the pay rule itself made (gates, caps and the like make lines of their own)."""
    return next((line for line in row.new.lines if line.rule == rule.id and line.kind == rule.kind), None)


def pay_in(row: PersonMonth, categories: Iterable[str]) -> Decimal:
    wanted = set(categories)
    return sum((line.amount for line in row.new.lines if line.category in wanted), ZERO)


def this_months_pay(row: PersonMonth) -> Decimal:
    """The pay the minimum wage is compared with: every line but those of earlier months."""
    return sum((line.amount for line in row.new.lines if line.category not in EARLIER_MONTHS), ZERO)


def reads(plan: engine.Plan, expression: Expression) -> set[str]:
    """The metrics an expression reads (``target.m`` and ``team.sum.m`` read m), through the derived values and
    indicators it refers to; the total score, which reads every indicator, is not followed."""
    derived = dict(plan.derived)
    followed: set[tuple[str, str]] = set()
    metrics: set[str] = set()
    pending = [expression]
    while pending:
        for name in expr.names(pending.pop().tree):
            ref = reference(name.name, set(derived))
            if ref.kind in METRIC_KINDS:
                metrics.add(ref.subject)
            elif (ref.kind, ref.subject) in followed:
                continue
            elif ref.kind == "derived":
                pending.append(derived[ref.subject])
            elif ref.kind in INDICATOR_KINDS and (indicator := plan.indicator(ref.subject)) is not None:
                metrics.update([indicator.metric] if indicator.metric else [])
                pending.extend(found for found in (indicator.value, indicator.target) if found is not None)
            followed.add((ref.kind, ref.subject))
    return metrics


def family(metric: str) -> str:
    return metric.partition(":")[0]


def percent(value: Decimal) -> str:
    return f"{number(value)}%"


def people_of(rows: Iterable[PersonMonth]) -> int:
    return len({(row.store_id, row.staff_id) for row in rows})


def person_months(count: int) -> str:
    return ngettext("%(count)s person-month", "%(count)s person-months", count) % {"count": count}


def people_said(count: int) -> str:
    return ngettext("%(count)s person", "%(count)s people", count) % {"count": count}


def store_months(count: int) -> str:
    return ngettext("%(count)s store-month", "%(count)s store-months", count) % {"count": count}


# --- 0. what the plan could not compute -----------------------------------------------------------------------------


def check_failures(history: History) -> Iterator[Finding]:
    failed = [row for row in history.rows if row.new.error]
    if failed:
        yield finding("not_computed", WARNING, _(
            "The plan could not compute the pay of %(months)s: a figure it needs was missing or could "
            "not be computed, and its policy is to stop. Try these months in the what-if to see why."
        ) % {"months": person_months(len(failed))}, (), [history.row(row) for row in failed])


# --- 1. an indicator weighted with no target or no data -------------------------------------------------------------


def weights_of(plan: engine.Plan) -> dict[str, Decimal]:
    """Each weighted indicator's largest weight in any weight set."""
    weights: dict[str, Decimal] = {}
    for weight_set in plan.weight_sets:
        for weight in weight_set.weights:
            if weight.weight > ZERO:
                weights[weight.indicator] = max(weights.get(weight.indicator, ZERO), weight.weight)
    return weights


def target_missing(row: PersonMonth, indicator: Indicator) -> bool:
    """The indicator had no target in the person's month: the engine's warning; when the plan's policy stopped the
    evaluation, the person's own targets of the month lack one the target reads."""
    if row.new.error:
        own = [reference(name.name, set()) for name in expr.names(indicator.target.tree)] if indicator.target else []
        return any(ref.kind == "target" and ref.subject not in row.month.targets for ref in own)
    return any(warning.kind == "missing_target" and warning.item.kind == "indicator"
               and warning.item.id == indicator.id for warning in row.new.warnings)


def check_targets_and_data(history: History) -> Iterator[Finding]:
    weights = weights_of(history.plan)
    for indicator in history.plan.indicators:
        if indicator.id not in weights or isinstance(indicator.scoring, Manual):
            continue
        scored = [row for row in history.rows
                  if row.new.error or ((result := result_of(row, indicator.id)) is not None and result.weight > ZERO)]
        if not scored:
            continue
        said = {"indicator": indicator.label, "weight": number(weights[indicator.id]),
                "months": person_months(len(scored))}
        missing = [row for row in scored if target_missing(row, indicator)]
        if missing:
            yield _no_target(history, said, missing, all_of=len(missing) == len(scored))
        without = {id(row) for row in missing}
        actuals = [result.actual for row in scored if id(row) not in without and not row.new.error
                   and (result := result_of(row, indicator.id)) is not None]
        if actuals and _no_data(indicator, actuals):
            yield finding("no_data", WARNING, _(
                "“%(indicator)s” weighs %(weight)s points, but its figure was 0 or missing for everyone in "
                "%(months)s: it tells nobody apart, and its weight is a score given or denied to all."
            ) % {**said, "months": person_months(len(actuals))})


def _no_target(history: History, said: dict[str, object], missing: list[PersonMonth], all_of: bool) -> Finding:
    if all_of:
        sentence = _("“%(indicator)s” weighs %(weight)s points, but it had no target in any of its "
                     "%(months)s.") % said
    else:
        sentence = _("“%(indicator)s” weighs %(weight)s points, but it had no target in %(missing)s of its "
                     "%(months)s.") % {**said, "missing": len(missing)}
    return finding("no_target", WARNING if all_of else NOTICE, sentence, (), [history.row(row) for row in missing])


def _no_data(indicator: Indicator, actuals: list[Decimal | None]) -> bool:
    """Missing for everyone; or 0 for everyone, where 0 is no result (not where it is the best: incidents)."""
    if all(actual is None for actual in actuals):
        return True
    zero_is_nothing = indicator.direction == "higher" and not isinstance(indicator.scoring, Deductions)
    return zero_is_nothing and all(actual in (None, ZERO) for actual in actuals)


# --- 2. a threshold nobody (or everybody) reached -------------------------------------------------------------------


@dataclass(frozen=True)
class Ladder:
    """Bands a level climbs (score bands, the bonus coefficients, tiers, rate tables, a floor) and the levels people
    had. ``everybody``: whether all reaching a band says something (a floor everybody clears is as it should be)."""

    what: str
    bands: tuple[Band, ...]
    levels: tuple[tuple[PersonMonth, Decimal], ...]
    everybody: bool = True


def reached(band: Band, level: Decimal) -> bool:
    return band.low is None or level > band.low or (level == band.low and not band.low_open)


def _indicator_levels(history: History, indicator: Indicator, on: str) -> tuple[tuple[PersonMonth, Decimal], ...]:
    levels = []
    for row in history.computed:
        result = result_of(row, indicator.id)
        level = None if result is None or result.skipped else getattr(result, on)
        if level is not None:
            levels.append((row, level))
    return tuple(levels)


def _rule_levels(history: History, rule: PayRule) -> tuple[tuple[PersonMonth, Decimal], ...]:
    """The level each person-month reached on the rule's table: the rate table's level, the period-to-date total of
    tiers, or its attainment of the target in percent."""
    levels = []
    for row in history.computed:
        line = rule_line(row, rule)
        values = line.values if line else {}
        level = values.get("level") if isinstance(rule.spec, DealRate) else values.get("period_to_date_after")
        if isinstance(rule.spec, DealTiers) and rule.spec.on == "attainment" and level is not None:
            level = level * HUNDRED / values["target"] if values.get("target") else None
        if level is not None:
            levels.append((row, level))
    return tuple(levels)


def ladders(history: History) -> Iterator[Ladder]:
    plan = history.plan
    for indicator in plan.indicators:
        scoring = indicator.scoring
        if isinstance(scoring, Steps):
            on = "actual" if scoring.on == "actual" else "achievement"
            yield Ladder(_("the score bands of “%(indicator)s”") % {"indicator": indicator.label},
                         scoring.table.bands, _indicator_levels(history, indicator, on))
        elif isinstance(scoring, Linear) and scoring.floor > ZERO:
            bands = (Band(None, scoring.floor, ZERO, high_word="below"), Band(scoring.floor, None, ZERO))
            yield Ladder(_("the achievement (%%) of “%(indicator)s”, below which it scores 0")
                         % {"indicator": indicator.label}, bands,
                         _indicator_levels(history, indicator, "achievement"), everybody=False)
    if plan.bonus is not None:
        levels = tuple((row, row.new.total_score) for row in history.computed if row.new.total_score is not None)
        yield Ladder(_("the bonus coefficients (by total score)"), plan.bonus.coefficients.bands, levels)
    for rule in plan.pay_rules:
        spec = rule.spec
        if isinstance(spec, DealTiers) and spec.on != "each_deal":
            yield Ladder(_("the tiers of “%(rule)s”") % {"rule": rule.label}, spec.table.bands,
                         _rule_levels(history, rule))
        elif isinstance(spec, DealRate) and spec.table is not None:
            yield Ladder(_("the rate table of “%(rule)s”") % {"rule": rule.label}, spec.table.bands,
                         _rule_levels(history, rule))


def check_thresholds(history: History) -> Iterator[Finding]:
    for ladder in ladders(history):
        if len(ladder.levels) < MIN_LEVELS or len(ladder.bands) < 2:
            continue
        yield from _nobody(history, ladder)
        if ladder.everybody:
            yield from _everybody(history, ladder)


def _nobody(history: History, ladder: Ladder) -> Iterator[Finding]:
    band = next((band for band in ladder.bands[1:]
                 if not any(reached(band, level) for _row, level in ladder.levels)), None)
    if band is None:
        return
    highest = sorted(ladder.levels, key=lambda pair: -pair[1])
    yield finding("threshold_unreached", WARNING, _(
        "Nobody reached “%(band)s” in %(what)s in %(months)s; the highest was %(best)s."
    ) % {"band": band_words(band), "what": ladder.what, "months": person_months(len(ladder.levels)),
         "best": number(highest[0][1])},
        (_("level"),), [history.row(row, number(level)) for row, level in highest])


def _everybody(history: History, ladder: Ladder) -> Iterator[Finding]:
    bands = [band for band in ladder.bands[1:] if all(reached(band, level) for _row, level in ladder.levels)]
    if not bands:
        return
    lowest = sorted(ladder.levels, key=lambda pair: pair[1])
    yield finding("threshold_all", NOTICE, _(
        "Everybody reached “%(band)s” in %(what)s in all %(months)s (the lowest was %(lowest)s): the "
        "bands below it never applied."
    ) % {"band": band_words(bands[-1]), "what": ladder.what, "months": person_months(len(ladder.levels)),
         "lowest": number(lowest[0][1])}, (_("level"),), [history.row(row, number(level)) for row, level in lowest])


# --- 3. a cap reached by most ---------------------------------------------------------------------------------------


def lines_words(history: History, applies_to: Sequence[str]) -> str:
    """The lines a limit or gate acts on: pay rules by their labels, categories by their names."""
    return _(", ").join(history.words.rules.get(name) or category_words(name) for name in applies_to)


def cap_line(row: PersonMonth, limit: Limit) -> engine.PayoutLine | None:
    return next((line for line in row.new.lines if line.kind == "cap" and line.category == limit.applies_to[0]
                 and line.values.get("cap") == limit.cap), None)


def check_caps(history: History) -> Iterator[Finding]:
    for limit in history.plan.limits:
        if limit.cap is not None:
            yield from _limit_cap(history, limit)
    for indicator in history.plan.indicators:
        if isinstance(indicator.scoring, Linear):
            yield from _score_cap(history, indicator)


def _most(hits: Sequence[object], count: int) -> bool:
    return count >= MIN_LEVELS and 2 * len(hits) > count


def _limit_cap(history: History, limit: Limit) -> Iterator[Finding]:
    rows = history.computed
    hits = sorted(((row, line) for row in rows if (line := cap_line(row, limit)) is not None),
                  key=lambda pair: pair[1].amount)
    if not _most(hits, len(rows)):
        return
    assert limit.cap is not None
    yield finding("cap_reached", WARNING, _(
        "The cap of %(cap)s on %(lines)s was reached in %(hits)s of %(months)s (%(people)s of "
        "%(everyone)s): beyond it more sales earn nothing. It held back %(cut)s in all."
    ) % {"cap": yuan(limit.cap), "lines": lines_words(history, limit.applies_to), "hits": len(hits),
         "months": person_months(len(rows)), "people": people_of(row for row, _line in hits),
         "everyone": people_said(people_of(rows)),
         "cut": yuan(-sum((line.amount for _row, line in hits), ZERO))},
        (_("before the cap"), _("held back")),
        [history.row(row, yuan(line.values.get("before_cap", ZERO)), yuan(-line.amount)) for row, line in hits])


def _score_cap(history: History, indicator: Indicator) -> Iterator[Finding]:
    assert isinstance(indicator.scoring, Linear)
    cap = indicator.scoring.cap
    levels = _indicator_levels(history, indicator, "achievement")
    hits = sorted(((row, level) for row, level in levels if level >= cap), key=lambda pair: -pair[1])
    if not _most(hits, len(levels)):
        return
    yield finding("cap_reached", NOTICE, _(
        "“%(indicator)s” was at its cap of %(cap)s achievement in %(hits)s of %(months)s: achievement "
        "beyond the cap adds nothing to the score."
    ) % {"indicator": indicator.label, "cap": percent(cap), "hits": len(hits), "months": person_months(len(levels))},
        (_("achievement (%)"),), [history.row(row, percent(level)) for row, level in hits])


# --- 4. a retroactive tier's cliff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cliff:
    """Where a retroactive band starts (a level of the basis) and what reaching it pays at once, against what the
    car before paid (units) or what the total just below it earned (an amount)."""

    start: Decimal  # whole units: the car that reaches the band
    jump: Decimal
    before: Decimal


def first_car(step: Step) -> Decimal:
    """The number of whole cars that reaches the band."""
    car = step.low.to_integral_value(rounding=ROUND_CEILING)
    return car + ONE if car == step.low and step.low_open else car


def cliffs(spec: DealTiers, scale: Decimal) -> list[Cliff]:
    """The steps of a retroactive schedule where the next car (or yuan) pays far more than the one before."""
    steps = steps_of(spec.table, spec.percent, spec.method, scale)
    found: list[Cliff] = []
    for below, step in zip(steps, steps[1:], strict=False):
        if counts_units(spec):
            car = first_car(step)
            jump = earned_to(car, steps, spec.method) - earned_to(car - ONE, steps, spec.method)
            before = earned_to(car - ONE, steps, spec.method) - earned_to(max(car - 2, ZERO), steps, spec.method)
            if jump > ZERO and jump >= CLIFF_RATIO * before:
                found.append(Cliff(car, jump, before))
        else:
            jump, before = (step.rate - below.rate) * step.low, below.rate * step.low
            if jump > ZERO and jump >= CLIFF_SHARE * before:
                found.append(Cliff(step.low, jump, before))
    return found


def tier_scale(history: History, rule: PayRule, spec: DealTiers) -> Decimal:
    """What the bounds of the tiers are percentages of: the target, for tiers on attainment (the median of the
    people's targets in history, else an illustrative one); 100 for bounds written as levels of the basis."""
    if spec.on != "attainment":
        return HUNDRED
    targets = sorted(line.values["target"] for row in history.computed
                     if (line := rule_line(row, rule)) is not None and line.values.get("target"))
    return targets[len(targets) // 2] if targets else illustrative_target(spec)


def check_cliffs(history: History) -> Iterator[Finding]:
    for rule in history.plan.pay_rules:
        spec = rule.spec
        if isinstance(spec, DealTiers) and spec.method == "retroactive" and spec.on != "each_deal":
            scale = tier_scale(history, rule, spec)
            steep = cliffs(spec, scale)
            if steep:
                yield _cliff_finding(history, rule, spec, scale, steep)


def _cliff_finding(history: History, rule: PayRule, spec: DealTiers, scale: Decimal, steep: list[Cliff]) -> Finding:
    if counts_units(spec):
        steps = [_("car %(car)s pays %(jump)s, the car before it %(before)s") % {
            "car": number(cliff.start), "jump": yuan(cliff.jump), "before": yuan(cliff.before)} for cliff in steep]
        sentence = _("“%(rule)s” pays the whole total at the rate of the band it reaches, so the car that reaches a "
                     "band pays far more than the car before it: %(steps)s. It rewards holding deliveries back to "
                     "start the next month higher.")
    else:
        steps = [_("reaching %(level)s adds %(jump)s at once (%(before)s just below it)") % {
            "level": number(cliff.start), "jump": yuan(cliff.jump), "before": yuan(cliff.before)} for cliff in steep]
        sentence = _("“%(rule)s” pays the whole total at the rate of the band it reaches, so reaching a band pays a "
                     "lump at once: %(steps)s. It rewards holding deals back to start the next month higher.")
    said = sentence % {"rule": rule.label, "steps": _("; ").join(steps)}
    if spec.on == "attainment":
        said += " " + _("(Bands on attainment, for a target of %(target)s.)") % {"target": number(scale)}
    held = _held_back(history, rule, spec, [cliff.start for cliff in steep])
    if held:
        said += " " + _("In %(months)s someone ended just below a step.") % {"months": person_months(len(held))}
    return finding("retroactive_cliff", WARNING, said, (_("level reached"), _("the step"), _("next month")), held)


def _level(row: PersonMonth, rule: PayRule, basis: str) -> tuple[Decimal | None, Decimal | None]:
    """The period-to-date level of the rule's basis at the month's end, and the target it was measured against."""
    line = rule_line(row, rule)
    if line is not None and "period_to_date_after" in line.values:
        return line.values["period_to_date_after"], line.values.get("target")
    return (row.month.metrics.get(basis) if rule.over == "month" else None), row.month.targets.get(basis)


def _held_back(history: History, rule: PayRule, spec: DealTiers, starts: list[Decimal]) -> list[Evidence]:
    """The person-months that closed the rule's window (a month, or a quarter or year to date) just below a step (one
    car short; an amount within NEAR under it), with the level the person reached the month after."""
    levels = {(row.store_id, row.staff_id, row.period): _level(row, rule, spec.basis) for row in history.computed}
    evidence = []
    for row in history.computed:
        level, target = levels[(row.store_id, row.staff_id, row.period)]
        if level is None or (spec.on == "attainment" and not target) or not row.period.closes(rule.over):
            continue
        scale = target if spec.on == "attainment" and target else HUNDRED
        step = _step_just_above(spec, level, scale, starts if spec.on != "attainment" else None)
        if step is not None:
            after, _target = levels.get((row.store_id, row.staff_id, following(row.period)), (None, None))
            evidence.append(history.row(row, number(level), number(step), "—" if after is None else number(after)))
    return evidence


def _step_just_above(spec: DealTiers, level: Decimal, scale: Decimal, starts: list[Decimal] | None) -> Decimal | None:
    """The step the level ended just below, if any (steps of tiers on attainment depend on the person's target)."""
    starts = starts if starts is not None else [cliff.start for cliff in cliffs(spec, scale)]
    for start in starts:
        near = ONE if counts_units(spec) else start * NEAR
        if start - near <= level < start:
            return start
    return None


def following(period: engine.Period) -> engine.Period:
    return engine.Period(period.year + period.month // 12, period.month % 12 + 1)


# --- 5. commission on revenue with no margin floor ------------------------------------------------------------------


def margin_floored(plan: engine.Plan, rule: PayRule) -> bool:
    """A gate on the rule (or its category) or its multiplier reads a margin figure."""
    guards = [rule.multiply_by] if rule.multiply_by is not None else []
    for gate in plan.gates:
        if rule.id in gate.applies_to or rule.category in gate.applies_to:
            guards += [gate.when, gate.factor]
    return any(family(metric) in MARGIN for guard in guards for metric in reads(plan, guard))


def check_revenue(history: History) -> Iterator[Finding]:
    for rule in history.plan.pay_rules:
        spec = rule.spec
        if isinstance(spec, DealRate | DealTiers) and spec.basis in REVENUE and not margin_floored(history.plan, rule):
            yield _revenue_finding(history, rule, spec.basis)


def _revenue_finding(history: History, rule: PayRule, basis: str) -> Finding:
    paid = [(row, line) for row in history.computed if (line := rule_line(row, rule)) is not None
            and line.amount > ZERO]
    profit = "front_gross_profit"
    paid.sort(key=lambda pair: (pair[0].month.metrics.get(profit) is None, pair[0].month.metrics.get(profit) or ZERO,
                                -pair[1].amount))
    sentence = _("“%(rule)s” pays on %(basis)s with no margin floor: no gate or multiplier of it looks at gross "
                 "profit, so a car sold at a deep discount earns about as much.") % {
        "rule": rule.label, "basis": history.words.metric(basis).label}
    if paid:
        sentence += " " + _("In %(months)s it would have paid %(amount)s.") % {
            "months": person_months(len(paid)), "amount": yuan(sum((line.amount for _row, line in paid), ZERO))}
    evidence = [history.row(row, yuan(line.amount), _maybe_yuan(row.month.metrics.get(profit)))
                for row, line in paid]
    return finding("revenue_without_margin_floor", WARNING, sentence,
                 (_("commission paid"), history.words.metric(profit).label), evidence)


def _maybe_yuan(value: Decimal | None) -> str:
    return "—" if value is None else yuan(value)


# --- 6. a sub-target met by shifting the mix ------------------------------------------------------------------------


def achievement(row: PersonMonth, indicator: Indicator | None, metric: str) -> Decimal | None:
    """Percent of target: the indicator's in the result, else the person's own figures of the month."""
    result = result_of(row, indicator.id) if indicator is not None else None
    if result is not None and not result.skipped and result.achievement is not None:
        return result.achievement
    actual, target = row.month.metrics.get(metric), row.month.targets.get(metric)
    return actual * HUNDRED / target if actual is not None and target else None


def check_mix(history: History) -> Iterator[Finding]:
    plan = history.plan
    total = next((indicator for indicator in plan.indicators if indicator.metric == TOTAL), None)
    pays_total = any(isinstance(rule.spec, DealRate | DealTiers) and rule.spec.basis == TOTAL
                     for rule in plan.pay_rules)
    if total is None and not pays_total:
        return
    for sub in plan.indicators:
        if sub.metric and family(sub.metric) in SUB_TARGETS and sub.target is not None:
            yield from _mix(history, total, sub)


def _guards(plan: engine.Plan, metric: str) -> tuple[list[Gate], bool]:
    """The gates that read the sub-target's figures, and whether a pay rule's multiplier does."""
    gates = [gate for gate in plan.gates if metric in reads(plan, gate.when) | reads(plan, gate.factor)]
    multiplied = any(rule.multiply_by is not None and metric in reads(plan, rule.multiply_by)
                     for rule in plan.pay_rules)
    return gates, multiplied


def _shifted(history: History, total: Indicator | None, sub: Indicator) -> list[tuple[PersonMonth, Decimal, Decimal]]:
    """The person-months that met the total, missed the sub-target and were paid bonuses or commissions, with the
    achievement of each."""
    assert sub.metric is not None
    shifted = []
    for row in history.computed:
        whole, part = achievement(row, total, TOTAL), achievement(row, sub, sub.metric)
        if whole is not None and part is not None and whole >= HUNDRED > part and pay_in(row, VARIABLE_PAY) > ZERO:
            shifted.append((row, whole, part))
    return shifted


def _mix(history: History, total: Indicator | None, sub: Indicator) -> Iterator[Finding]:
    assert sub.metric is not None
    shifted = _shifted(history, total, sub)
    gates, multiplied = _guards(history.plan, sub.metric)
    said = {"sub": sub.label}
    headings = (_("achievement of the total"), _("achievement of “%(sub)s”") % said, _("bonuses and commissions"))
    if not gates and not multiplied:
        sentence = _("“%(sub)s” can be missed while the total is met with cheaper models, and no gate or multiplier "
                     "looks at it: the pay flows all the same.") % said
        if shifted:
            paid = sum((pay_in(row, VARIABLE_PAY) for row, _whole, _part in shifted), ZERO)
            sentence += " " + _("In %(months)s the total was met, “%(sub)s” missed, and %(paid)s was paid in "
                                "bonuses and commissions.") % {
                **said, "months": person_months(len(shifted)), "paid": yuan(paid)}
        yield finding("mix_shift", WARNING, sentence, headings, _mix_evidence(history, shifted))
        return
    guard_ids = {gate.id for gate in gates}
    missed = [item for item in shifted if not multiplied
              and not any(gate.held for gate in item[0].new.gates if gate.id in guard_ids)]
    if missed:
        yield finding("mix_shift", NOTICE, _(
            "The gates on “%(sub)s” (%(gates)s) did not hold in %(months)s where the total was met and "
            "“%(sub)s” missed."
        ) % {**said, "gates": _(", ").join(gate.label for gate in gates), "months": person_months(len(missed))},
            headings, _mix_evidence(history, missed))


def _mix_evidence(history: History, rows: list[tuple[PersonMonth, Decimal, Decimal]]) -> list[Evidence]:
    return [history.row(row, percent(whole), percent(part), yuan(pay_in(row, VARIABLE_PAY)))
            for row, whole, part in rows]


# --- 7. pay below the minimum wage ----------------------------------------------------------------------------------


def lowest_pay(plan: engine.Plan) -> Decimal | None:
    """What a month with nothing earned pays at least: the lowest base pay (None when one is not a number, such as
    the person's base salary), or the guaranteed minimum when higher."""
    amounts = [entry.amount.tree for entry in plan.base_pay]
    if not all(isinstance(amount, expr.Number) for amount in amounts):
        return None
    lowest = min((amount.value for amount in amounts if isinstance(amount, expr.Number)), default=ZERO)
    return max(lowest, plan.guaranteed_minimum or ZERO)


def check_minimum_wage(history: History) -> Iterator[Finding]:
    if history.plan.tops_up:
        yield from _topped_up(history)
    else:
        below = list(_below_minimum(history))
        yield from below or _can_fall_below(history)
    unknown = [name for store, name in history.stores.items() if store not in history.minimum_wages]
    if unknown:
        yield finding("no_minimum_wage", NOTICE, _(
            "No minimum wage is recorded for %(stores)s: pay there is not compared with one."
        ) % {"stores": _(", ").join(unknown)})


def _topped_up(history: History) -> Iterator[Finding]:
    tops = [(row, line) for row in history.computed for line in row.new.lines if line.kind == "minimum_wage"]
    if tops:
        yield finding("below_minimum_wage", NOTICE, _(
            "Earned pay fell below the minimum wage in %(months)s; the plan tops it up, which would have "
            "paid %(amount)s in all."
        ) % {"months": person_months(len(tops)), "amount": yuan(sum((line.amount for _row, line in tops), ZERO))},
            (_("pay before the top-up"), _("minimum wage due"), _("top-up")),
            [history.row(row, yuan(line.values.get("pay_before_top_up", ZERO)),
                         yuan(line.values.get("minimum_wage_due", ZERO)), yuan(line.amount)) for row, line in tops])


def _below_minimum(history: History) -> Iterator[Finding]:
    below = [(row, warning) for row in history.computed for warning in row.new.warnings
             if warning.kind == "below_minimum_wage"]
    if below:
        yield finding("below_minimum_wage", SERIOUS, _(
            "Pay fell below the minimum wage in %(months)s (%(people)s), and the plan does not "
            "top it up: the store would break the minimum wage rules."
        ) % {"months": person_months(len(below)), "people": people_said(people_of(row for row, _warning in below))},
            (_("pay"), _("minimum wage due")),
            [history.row(row, yuan(this_months_pay(row)), yuan(Decimal(warning.figure))) for row, warning in below])


def _can_fall_below(history: History) -> Iterator[Finding]:
    lowest = lowest_pay(history.plan)
    if lowest is None:
        return
    low = [f"{history.stores[store]} ({yuan(amount)})" for store, amount in history.minimum_wages.items()
           if store in history.stores and lowest < amount]
    if low:
        yield finding("below_minimum_wage", WARNING, _(
            "A month with nothing earned pays %(pay)s, below the minimum wage of %(stores)s, and the plan does not "
            "top it up."
        ) % {"pay": yuan(lowest), "stores": _(", ").join(low)})


# --- 8. pay over the budget -----------------------------------------------------------------------------------------


def check_budget(history: History) -> Iterator[Finding]:
    budget = history.plan.budget
    if budget is None:
        return
    totals: dict[tuple[int, engine.Period], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in history.computed:
        totals[(row.store_id, row.period)][0] += row.new.total
        totals[(row.store_id, row.period)][1] += row.old.total if row.old is not None and not row.old.error else ZERO
    over = sorted(((key, new, old) for key, (new, old) in totals.items() if new > budget.per_store_month),
                  key=lambda item: -item[1])
    if not over:
        return
    yield finding("over_budget", SERIOUS, _(
        "The plan's pay would have cost a store more than its budget of %(budget)s a month in %(count)s of "
        "%(store_months)s (at most %(most)s)."
    ) % {"budget": yuan(budget.per_store_month), "count": len(over), "store_months": store_months(len(totals)),
         "most": yuan(over[0][1])},
        (_("under this plan"), _("paid then"), _("over the budget")),
        [Evidence(str(period), history.stores.get(store, ""), "", (yuan(new), yuan(old),
                                                                     yuan(new - budget.per_store_month)))
         for (store, period), new, old in over])


# --- putting it together --------------------------------------------------------------------------------------------

CHECKS: tuple[Callable[[History], Iterable[Finding]], ...] = (
    check_failures, check_targets_and_data, check_thresholds, check_caps, check_cliffs, check_revenue, check_mix,
    check_minimum_wage, check_budget,
)
RANK = {SERIOUS: 0, WARNING: 1, NOTICE: 2}


def history_health(engine_plan: engine.Plan, rows: Iterable[PersonMonth], stores: Sequence[Store],
                   periods: Sequence[engine.Period], store_wide: bool = False) -> list[Finding]:
    """Every check on the replayed person-months, the most serious first."""
    day = max(periods).first_day if periods else timezone.localdate()
    history = History(
        plan=engine_plan,
        rows=tuple(sorted((row for row in rows if row.new is not None),
                          key=lambda row: (row.period, row.store_id, row.name, row.staff_id))),
        stores={store.pk: store.name for store in stores},
        minimum_wages=minimum_wages_in_force([store.pk for store in stores], day),
        words=Words(engine_plan, store_wide),
    )
    findings = [item for check in CHECKS for item in check(history)]
    return sorted(findings, key=lambda item: RANK[item.severity])


def plan_health(plan: Plan, engine_plan: engine.Plan, stores: Sequence[Store],
                periods: Sequence[engine.Period]) -> list[Finding]:
    """The plan's health: ``engine_plan`` (a draft's, or a version's) replayed on the stores' months."""
    rows = replay(plan, engine_plan, stores, periods)
    return history_health(engine_plan, rows, stores, periods, store_wide=plan.role in STORE_WIDE_ROLES)


def last_complete_months(today: datetime.date, count: int = WINDOW) -> list[engine.Period]:
    """The ``count`` months before today's, oldest first."""
    index = today.year * 12 + today.month - 1  # months since year 0, today's
    return [engine.Period(month // 12, month % 12 + 1) for month in range(index - count, index)]


def plan_stores(plan: Plan, viewer: Viewer | None = None) -> list[Store]:
    """The stores the plan pays in, as a run picks them (a group plan: the group's stores without their own plan for
    its role); only those the viewer sees, when one is given."""
    stores = visible_stores(viewer) if viewer is not None else Store.objects.select_related("region").order_by("code")
    if plan.store_id is not None:
        return list(stores.filter(pk=plan.store_id))
    own = Plan.objects.filter(group_id=plan.group_id, role=plan.role, store__isnull=False).values("store_id")
    return list(stores.filter(region__group_id=plan.group_id).exclude(pk__in=own))


def draft_plan(draft: PlanDraft) -> engine.Plan:
    """The draft's engine plan; a ValidationError when it is not a valid plan yet."""
    return parse_plan_document(draft.document, source=f"{draft.plan.code}-draft.yaml")


def draft_health(draft: PlanDraft, viewer: Viewer | None = None) -> list[Finding]:
    """The draft's health on the last 12 complete months of the plan's stores (those ``viewer`` sees, when given:
    the evidence names people and their pay). A draft that is not a valid plan yet has none: its page says why."""
    try:
        engine_plan = draft_plan(draft)
    except ValidationError:
        return []
    periods = last_complete_months(timezone.localdate())
    return plan_health(draft.plan, engine_plan, plan_stores(draft.plan, viewer), periods)

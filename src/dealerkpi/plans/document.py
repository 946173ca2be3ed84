"""A pay plan as the people paid by it read it: the engine's plan in sections of sentences and small tables, in
the reader's language, for the plan page (templates/plans/plan_detail.html).

    document = plan_document(version.engine_plan(), role=plan.role)

Expressions are said in words: names by their labels (交车台数目标, 销量 (台)得分), operators as symbols; the plan's
own text of each expression is kept beside it (`sources`) for the experts' fold. Scoring rules are worded as the
statements word them (scoring.describe, plans.wording); payout curves of tiers rules are the engine's own pay
(engine/curves.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.money import ZERO, fen
from dealerkpi.org.models import STORE_WIDE_ROLES
from dealerkpi.plans.engine import Plan, expr
from dealerkpi.plans.engine.curves import counts_units, illustrative_target, tier_curve, tier_levels
from dealerkpi.plans.engine.names import METRIC_KINDS, reference
from dealerkpi.plans.engine.schema import (
    Band,
    DealRate,
    DealTiers,
    Expression,
    Fine,
    Formula,
    Indicator,
    Manual,
    PassFail,
    PayRule,
    Steps,
)
from dealerkpi.plans.engine.scoring import describe
from dealerkpi.plans.engine.trace import shown
from dealerkpi.plans.engine.validate import plan_expressions
from dealerkpi.plans.metric_labels import Labelled, definition, labelled
from dealerkpi.plans.wording import (
    AVERAGE_SCORES,
    BANDS,
    FUNCTIONS,
    LINE_CATEGORIES,
    NOT,
    OPERATORS,
    PERSON_FIGURES,
    QUANTITIES,
    REFERENCES,
    TOTAL_SCORE,
    weight_set_words,
    worded,
)

DASH = "—"


@dataclass(frozen=True)
class Source:
    """An expression as the plan writes it, for experts: what it is and its text."""

    what: str
    text: str


@dataclass(frozen=True)
class Row:
    band: str
    value: str


@dataclass(frozen=True)
class Table:
    """A small table of bands: where each band is, and what it gives."""

    band_heading: str
    value_heading: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Said:
    """A sentence, with the expressions it says in words as the plan writes them."""

    text: str
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class ShownIndicator:
    id: str
    label: str
    measure: str  # the metric's label, the value in words, or who rates it
    definition: str
    unit: str
    target: str  # where the target comes from; "" when it has none
    scope: str
    direction: str
    scoring: str
    table: Table | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Weights:
    sets: tuple[str, ...]  # each set's stage, in words
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # an indicator's label and its weight in each set
    totals: tuple[str, ...]


@dataclass(frozen=True)
class Curve:
    """What a tiers rule pays against the level of its basis: points (level, pay) as text, for the chart."""

    rule: str
    x_name: str
    y_name: str
    caption: str
    whole_units: bool
    points: tuple[tuple[str, str], ...]

    def as_data(self) -> dict[str, object]:
        return {"rule": self.rule, "x": self.x_name, "y": self.y_name,
                "whole_units": self.whole_units, "points": [list(point) for point in self.points]}


@dataclass(frozen=True)
class ShownRule:
    id: str
    label: str
    category: str
    sentences: tuple[str, ...]
    table: Table | None
    curve: Curve | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ShownGate:
    label: str
    sentence: str  # when it holds, and what it does
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ShownDerived:
    name: str
    said: str
    source: str


@dataclass(frozen=True)
class PlanDocument:
    indicators: tuple[ShownIndicator, ...]
    weights: Weights | None
    bonus: Said | None
    coefficients: Table | None
    base_pay: tuple[Said, ...]
    pay_rules: tuple[ShownRule, ...]
    gates: tuple[ShownGate, ...]
    limits: tuple[str, ...]
    safety_nets: tuple[str, ...]  # the draw, the guaranteed minimum, the minimum wage
    policies: tuple[str, ...]
    derived: tuple[ShownDerived, ...] = ()
    curves: tuple[Curve, ...] = field(default=())

    def curve_data(self) -> list[dict[str, object]]:
        return [curve.as_data() for curve in self.curves]


def number(value: Decimal) -> str:
    """A plan's number as a person reads it: 1,500; 0.6; -2,000 (at most 4 decimal places)."""
    text = shown(value)
    sign, whole = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = whole.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def yuan(value: Decimal) -> str:
    return str(QUANTITIES["yuan"]) % {"n": number(value)}


# --- expressions in words, with the statements' words (plans.wording) ---------------------------------------------

PRECEDENCE, NEGATION, UNARY, ATOM = expr.PRECEDENCE, expr.NOT_PRECEDENCE, expr.NEGATE_PRECEDENCE, expr.ATOM


class Words:
    """The names and expressions of one plan in the reader's language."""

    def __init__(self, plan: Plan, store_wide: bool) -> None:
        self.plan = plan
        self.store_wide = store_wide
        self.derived = {name for name, _expression in plan.derived}
        self.indicators = {indicator.id: indicator.label for indicator in plan.indicators}
        self.rules = {rule.id: rule.label for rule in plan.pay_rules}
        self.metrics = labelled(sorted(metrics_of(plan)))

    def metric(self, code: str) -> Labelled:
        return self.metrics.get(code) or labelled([code])[code]

    def name(self, name: str) -> str:
        """What a name of an expression refers to, as statements say it: 交车台数, 目标：交车台数, 得分：销量 (台)."""
        found = reference(name, self.derived)
        subject = found.subject
        if found.kind == "metric":
            return self.metric(subject).label
        if found.kind in METRIC_KINDS:
            return str(REFERENCES[found.kind]) % {"label": self.metric(subject).label}
        if found.kind in REFERENCES:
            return str(REFERENCES[found.kind]) % {"label": self.indicators.get(subject, subject)}
        if found.kind == "total_score":
            return str(TOTAL_SCORE)
        if found.kind == "avg_score":
            return str(AVERAGE_SCORES[subject])
        if found.kind == "person":
            return str(PERSON_FIGURES.get(subject, subject))
        return self.plan.derived_label(subject) or subject

    def said(self, expression: Expression) -> str:
        return self._node(expression.tree)

    def amount(self, expression: Expression) -> str:
        """An amount of money: 1,500 yuan when it is a number, else the expression in words."""
        if isinstance(expression.tree, expr.Number):
            return yuan(expression.tree.value)
        return self.said(expression)

    def _node(self, node: expr.Node) -> str:
        match node:
            case expr.Number(value):
                return number(value)
            case expr.Name(name):
                return self.name(name)
            case expr.Negate(operand):
                return f"−{self._inner(operand, UNARY)}"
            case expr.Not(operand):
                return str(NOT) % {"value": self._inner(operand, NEGATION)}
            case expr.Binary(op, left, right):
                level = PRECEDENCE[op]
                return f"{self._inner(left, level)} {OPERATORS[op]} {self._inner(right, level, right=op in '-/')}"
            case expr.Call(function, args):
                return self._call(function, args)
        raise AssertionError(node)

    def _inner(self, node: expr.Node, outer: int, right: bool = False) -> str:
        """The node's words, in brackets where it binds less tightly than where it stands."""
        own = _precedence(node)
        text = self._node(node)
        return f"({text})" if own < outer or (right and own == outer) else text

    def _call(self, function: str, args: tuple[expr.Node, ...]) -> str:
        said = [self._node(arg) for arg in args]
        if function in ("min", "max"):
            return str(FUNCTIONS[function]) % {"values": _(", ").join(said)}
        if function == "if":
            return str(FUNCTIONS["if"]) % {"condition": said[0], "then": said[1], "otherwise": said[2]}
        if function == "round" and len(said) == 1:
            return str(FUNCTIONS["round_whole"]) % {"value": said[0]}
        return str(FUNCTIONS[function]) % {"value": said[0], "places": said[-1]}


def _precedence(node: expr.Node) -> int:
    match node:
        case expr.Binary(op, _, _):
            return PRECEDENCE[op]
        case expr.Not():
            return NEGATION
        case expr.Negate():
            return UNARY
    return ATOM


def metrics_of(plan: Plan) -> set[str]:
    """Every metric the plan names: indicators' metrics, pay rules' bases, and those read by its expressions."""
    found = {indicator.metric for indicator in plan.indicators if indicator.metric}
    found |= {rule.spec.basis for rule in plan.pay_rules if isinstance(rule.spec, DealRate | DealTiers)}
    derived = {name for name, _expression in plan.derived}
    for _where, expression in plan_expressions(plan):
        for name in expr.names(expression.tree):
            ref = reference(name.name, derived)
            if ref.kind in METRIC_KINDS:
                found.add(ref.subject)
    return found


# --- tables ------------------------------------------------------------------------------------------------


def band_words(band: Band) -> str:
    """Where a band is, in the statements' words (第11–20台, 90及以上); a band with both ends says which end is in
    it, as neighbouring bands of a table share their bounds: 70至80（不含）."""
    if band.units:
        first = number(band.low or ZERO)
        if band.high is None:
            return str(BANDS["cars_on"]) % {"first": first}
        last = number(band.high - 1)
        return str(BANDS["car"] if last == first else BANDS["cars"]) % {"first": first, "last": last}
    bounds = {"low": None if band.low is None else number(band.low),
              "high": None if band.high is None else number(band.high)}
    if band.low is None:
        return str(BANDS["up_to" if band.high_closed else "below"]) % bounds
    if band.high is None:
        return str(BANDS["above" if band.low_open else "from"]) % bounds
    if band.low_open:
        return (_("above %(low)s, up to %(high)s") if band.high_closed else _("above %(low)s, below %(high)s")) \
            % bounds
    return (_("%(low)s to %(high)s") if band.high_closed else _("%(low)s to below %(high)s")) % bounds


def band_table(bands: Iterable[Band], band_heading: str, value_heading: str) -> Table:
    return Table(band_heading, value_heading, tuple(Row(band_words(band), number(band.value)) for band in bands))


# --- sections ------------------------------------------------------------------------------------------------


def _scoring_words(indicator: Indicator, words: Words) -> str:
    """The scoring rule as statements word it; a condition in words, step bands in the table beside it."""
    english, wording = describe(indicator)
    args = dict(wording.args)
    if isinstance(indicator.scoring, PassFail) and indicator.scoring.condition is not None:
        args["when"] = words.said(indicator.scoring.condition)
    if isinstance(indicator.scoring, Steps):
        args["bands"] = _("see the table")
    return worded({"key": wording.key, "args": args}, english)


def _target_words(indicator: Indicator, unit: str, words: Words) -> str:
    target = indicator.target
    if target is None:
        return ""
    if indicator.metric and target.source == f"target.{indicator.metric}":
        return _("your own monthly target")
    if indicator.metric and target.source == f"team.target.{indicator.metric}":
        return _("the store's monthly target") if words.store_wide else _("your team's monthly target")
    if isinstance(target.tree, expr.Number):
        value = number(target.tree.value) + ("%" if unit == "%" else f" {unit}" if unit else "")
        return _("a fixed %(value)s") % {"value": value}
    return words.said(target)


def _measure(indicator: Indicator, words: Words) -> tuple[str, str, str, list[Source]]:
    """What the indicator measures, its unit, what that is, and the expression it is computed by."""
    if indicator.metric:
        metric = words.metric(indicator.metric)
        return metric.label, metric.unit, definition(indicator.metric), []
    if indicator.value is None:
        return _("a rating by the supervisor or manager"), "", "", []
    written = [Source(_("value"), indicator.value.source)]
    tree = indicator.value.tree
    computed = dict(words.plan.derived).get(tree.name) if isinstance(tree, expr.Name) else None
    if computed is not None:  # a derived value: its label, and what it is computed as
        written.append(Source(words.name(tree.name), computed.source))
        return words.name(tree.name), "", words.said(computed), written
    return words.said(indicator.value), "", "", written


def _scope(indicator: Indicator, words: Words) -> str:
    if isinstance(indicator.scoring, Manual) or indicator.value is not None:
        return ""
    if indicator.scope == "team":
        return _("the whole store's figures") if words.store_wide else _("the team's figures, summed")
    return _("your own figures")


def _indicator(indicator: Indicator, words: Words) -> ShownIndicator:
    measure, unit, meaning, sources = _measure(indicator, words)
    if indicator.target is not None and not isinstance(indicator.target.tree, expr.Number):
        sources.append(Source(_("target"), indicator.target.source))
    scoring = indicator.scoring
    if isinstance(scoring, PassFail) and scoring.condition is not None:
        sources.append(Source(_("condition"), scoring.condition.source))
    table = None
    if isinstance(scoring, Steps):
        level = _("actual") if scoring.on == "actual" else _("achievement (%)")
        table = band_table(scoring.table.bands, level, _("score"))
    return ShownIndicator(
        id=indicator.id,
        label=indicator.label,
        measure=measure,
        definition=meaning,
        unit=unit,
        target=_target_words(indicator, unit, words),
        scope=_scope(indicator, words),
        direction="" if isinstance(scoring, Manual) else
        (_("higher is better") if indicator.direction == "higher" else _("lower is better")),
        scoring=_scoring_words(indicator, words),
        table=table,
        sources=tuple(sources),
    )


def _weights(plan: Plan) -> Weights | None:
    if not plan.weight_sets:
        return None
    by_set = [{weight.indicator: weight.weight for weight in weight_set.weights} for weight_set in plan.weight_sets]
    rows = tuple(
        (indicator.label, tuple(number(weights[indicator.id]) if indicator.id in weights else DASH
                                for weights in by_set))
        for indicator in plan.indicators
    )
    totals = tuple(number(sum(weights.values(), ZERO)) for weights in by_set)
    return Weights(tuple(weight_set_words(weight_set.stage) for weight_set in plan.weight_sets), rows, totals)


def _bonus(plan: Plan, words: Words) -> tuple[Said | None, Table | None]:
    if plan.bonus is None:
        return None, None
    sentence = _("The monthly bonus is %(base)s × the coefficient of the band the total score falls in.") % {
        "base": words.amount(plan.bonus.base)}
    table = band_table(plan.bonus.coefficients.bands, _("total score"), _("coefficient"))
    written = () if isinstance(plan.bonus.base.tree, expr.Number) else (Source(_("base"), plan.bonus.base.source),)
    return Said(sentence, written), table


def _base_pay(plan: Plan, words: Words) -> tuple[Said, ...]:
    entries = []
    for entry in plan.base_pay:
        sources = [] if isinstance(entry.amount.tree, expr.Number) else [Source(_("amount"), entry.amount.source)]
        amount = words.amount(entry.amount)
        if entry.when is not None:
            sources.insert(0, Source(_("condition"), entry.when.source))
            text = _("Base pay %(amount)s when %(condition)s.") % {
                "amount": amount, "condition": words.said(entry.when)}
        elif len(plan.base_pay) > 1:
            text = _("Otherwise base pay %(amount)s.") % {"amount": amount}
        else:
            text = _("Base pay %(amount)s.") % {"amount": amount}
        entries.append(Said(text, tuple(sources)))
    return tuple(entries)


# --- pay rules -----------------------------------------------------------------------------------------------

def _window(over: str) -> str:
    return {"month": _("this month's total"), "quarter": _("the total of the quarter to date"),
            "year": _("the total of the year to date")}[over]


def _rate(value: Decimal | None, percent: bool) -> str:
    return f"{number(value or ZERO)}%" if percent else yuan(value or ZERO)


def _rate_heading(percent: bool) -> str:
    return _("percent (%)") if percent else _("yuan per unit")


def _deal_rate(rule: PayRule, spec: DealRate, words: Words) -> tuple[list[str], Table | None, list[Source]]:
    basis = words.metric(spec.basis).label
    sources, table = [], None
    if spec.rate_by is not None and spec.table is not None:
        rate = _("set by the level of %(level)s, as in the table") % {"level": words.said(spec.rate_by)}
        table = band_table(spec.table.bands, words.said(spec.rate_by), _rate_heading(spec.percent))
        sources.append(Source(_("level"), spec.rate_by.source))
    elif spec.by_model:
        rate = _("by model, as in the table; other models %(rate)s") % {"rate": _rate(spec.rate, spec.percent)}
        names = dict(VehicleModel.objects.filter(code__in=[code for code, _rate in spec.by_model])
                     .values_list("code", "name"))
        table = Table(_("model"), _rate_heading(spec.percent),
                      tuple(Row(names.get(code, code), number(value)) for code, value in spec.by_model))
    else:
        rate = _rate(spec.rate, spec.percent)
    if spec.above is not None:
        sources.append(Source(_("threshold"), spec.above.source))
        sentence = _("On the part of %(basis)s (%(window)s) above %(threshold)s: %(rate)s.") % {
            "basis": basis, "window": _window(rule.over), "threshold": words.said(spec.above), "rate": rate}
    elif spec.percent:
        sentence = _("On %(basis)s: %(rate)s.") % {"basis": basis, "rate": rate}
    else:
        sentence = _("Per unit of %(basis)s: %(rate)s.") % {"basis": basis, "rate": rate}
    return [sentence], table, sources


def _method(spec: DealTiers) -> str:
    if spec.method == "retroactive":
        return _("the whole total at the rate of the band it reaches (retroactive)")
    return _("each part at its own band's rate (marginal)")


def _deal_tiers(rule: PayRule, spec: DealTiers, words: Words) -> tuple[list[str], Table, list[Source]]:
    metric = words.metric(spec.basis)
    values = {"basis": metric.label, "window": _window(rule.over), "method": _method(spec)}
    sources = []
    if spec.on == "attainment" and spec.target is not None:
        sources.append(Source(_("target"), spec.target.source))
        sentence = _("Tiers on the attainment of %(target)s by %(basis)s, %(window)s: %(method)s.") % {
            **values, "target": words.said(spec.target)}
        heading = _("attainment (%)")
    elif spec.on == "each_deal":
        sentence = _("Each deal is paid on its own %(basis)s: %(method)s.") % values
        heading = _("one deal's %(basis)s") % {"basis": metric.text}
    else:
        sentence = _("Tiers on %(window)s of %(basis)s: %(method)s.") % values
        heading = metric.text
    sentences = [sentence]
    if spec.cap_per_deal is not None:
        sentences.append(_("At most %(cap)s a deal.") % {"cap": yuan(spec.cap_per_deal)})
    return sentences, band_table(spec.table.bands, heading, _rate_heading(spec.percent)), sources


def _curve(rule: PayRule, spec: DealTiers, words: Words) -> Curve:
    """The rule's pay against its level, computed by the engine."""
    metric = words.metric(spec.basis)
    whole_units = counts_units(spec)
    caption = ""
    if spec.on == "attainment":
        x_name = _("attainment (%)")
        target = number(illustrative_target(spec))
        target = str(QUANTITIES["units"]) % {"n": target} if whole_units else str(QUANTITIES["yuan"]) % {"n": target}
        caption = _("Pay for a target of %(target)s.") % {"target": target}
    elif spec.on == "each_deal":
        x_name = _("one deal's %(basis)s") % {"basis": metric.text}
    else:
        x_name = metric.text
    points = tuple((shown(level), f"{fen(pay)}") for level, pay in tier_curve(spec, tier_levels(spec)))
    return Curve(rule.id, x_name, _("pay (yuan)"), caption, whole_units and spec.on != "each_deal", points)


def _pay_rule(rule: PayRule, words: Words) -> ShownRule:
    spec = rule.spec
    table, curve, sources = None, None, []
    if isinstance(spec, DealRate):
        sentences, table, sources = _deal_rate(rule, spec, words)
    elif isinstance(spec, DealTiers):
        sentences, table, sources = _deal_tiers(rule, spec, words)
        curve = _curve(rule, spec, words)
    elif isinstance(spec, Fine):
        sentences = [_("%(amount)s is deducted for each incident of %(count)s.") % {
            "amount": yuan(spec.amount), "count": words.said(spec.count)}]
        sources = [Source(_("count"), spec.count.source)]
    else:
        assert isinstance(spec, Formula)
        sentences = [_("The amount is %(amount)s.") % {"amount": words.amount(spec.amount)}]
        sources = [Source(_("amount"), spec.amount.source)]
    if isinstance(spec, DealRate | DealTiers) and rule.scope == "team":
        sentences.append(_("On the deals of the whole store.") if words.store_wide else _("On the deals of the team."))
    if rule.every != "month":
        sentences.append(_("Paid in the last month of each quarter.") if rule.every == "quarter"
                         else _("Paid in December, for the year."))
    if rule.multiply_by is not None:
        sentences.append(_("Multiplied by %(multiplier)s.") % {"multiplier": words.said(rule.multiply_by)})
        sources.append(Source(_("multiplier"), rule.multiply_by.source))
    return ShownRule(rule.id, rule.label, category_words(rule.category), tuple(sentences), table, curve,
                     tuple(sources))


def category_words(code: str) -> str:
    return str(LINE_CATEGORIES.get(code, code))


def _lines(applies_to: Iterable[str], words: Words) -> str:
    """The lines a gate or limit acts on: categories by their names, pay rules by their labels."""
    return _(", ").join(words.rules[name] if name in words.rules else category_words(name) for name in applies_to)


# --- gates, limits, safety nets, policies ------------------------------------------------------------------------


def _gates(plan: Plan, words: Words) -> tuple[ShownGate, ...]:
    shown_gates = []
    for gate in plan.gates:
        values = {"condition": words.said(gate.when), "lines": _lines(gate.applies_to, words),
                  "factor": words.said(gate.factor)}
        factor = gate.factor.tree
        if isinstance(factor, expr.Number) and factor.value == ZERO:
            sentence = _("If %(condition)s, %(lines)s: not paid.") % values
        else:
            sentence = _("If %(condition)s, %(lines)s: multiplied by %(factor)s.") % values
        sources = [Source(_("condition"), gate.when.source)]
        if not isinstance(factor, expr.Number):
            sources.append(Source(_("multiplier"), gate.factor.source))
        shown_gates.append(ShownGate(gate.label, sentence, tuple(sources)))
    return tuple(shown_gates)


def _limits(plan: Plan, words: Words) -> tuple[str, ...]:
    said = []
    for limit in plan.limits:
        lines = _lines(limit.applies_to, words)
        if limit.cap is not None:
            said.append(_("%(lines)s: at most %(amount)s a month in all.") % {
                "lines": lines, "amount": yuan(limit.cap)})
        if limit.floor is not None:
            said.append(_("%(lines)s: at least %(amount)s a month in all.") % {
                "lines": lines, "amount": yuan(limit.floor)})
    return tuple(said)


def _safety_nets(plan: Plan, words: Words) -> tuple[str, ...]:
    said = []
    if plan.draw is not None:
        said.append(_(
            "Draw: when %(lines)s earned in a month come to less than %(amount)s, an advance makes up the "
            "difference; it is recovered from later months' earnings above %(amount)s."
        ) % {"lines": _lines(plan.draw.applies_to, words), "amount": yuan(plan.draw.amount)})
    if plan.guaranteed_minimum is not None:
        said.append(_("Guaranteed minimum: the month's pay is topped up to %(amount)s; the top-up is not recovered.")
                    % {"amount": yuan(plan.guaranteed_minimum)})
    said.append({
        "top_up": _("Minimum wage: a month's pay below the store's minimum wage is topped up to it."),
        "flag": _("Minimum wage: a month's pay below the store's minimum wage is flagged with a warning, not "
                  "topped up."),
    }.get(plan.minimum_wage, _("Minimum wage: the plan does not say; a month's pay below the store's minimum wage "
                               "is flagged with a warning.")))
    return tuple(said)


def _policy_effect(choice: str) -> str:
    return {
        "zero": _("counted as 0"),
        "skip": _("left out (an indicator's weight goes to the other indicators; a pay rule pays nothing)"),
    }.get(choice, _("the person's pay is not computed until it is given"))


def warning_kind_words(kind: str) -> str:
    return {
        "missing_target": _("a missing target"),
        "missing_value": _("a missing figure"),
        "missing_rating": _("a missing rating"),
        "division_by_zero": _("a division by zero"),
        "below_minimum_wage": _("pay below the minimum wage"),
        "missing_minimum_wage": _("no minimum wage set"),
    }.get(kind, kind)


def _policies(plan: Plan) -> tuple[str, ...]:
    policies = plan.policies
    said = [
        _("A target not set: %(effect)s.") % {"effect": _policy_effect(policies.missing_target)},
        _("A figure or rating missing: %(effect)s.") % {"effect": _policy_effect(policies.missing_value)},
        _("A rate over an empty base (division by zero): %(effect)s.") % {
            "effect": _policy_effect(policies.division_by_zero)},
    ]
    if plan.warnings.block:
        said.append(_("Each such case is a warning on the statement; a run cannot be submitted while a statement "
                      "has a warning of %(kinds)s.") % {
            "kinds": _(", ").join(warning_kind_words(kind) for kind in plan.warnings.block)})
    else:
        said.append(_("Each such case is a warning on the statement; no warning stops a run's submission."))
    said.append(
        _("An unwound deal (退车) takes back its pay and lowers the attainment of the month it is unwound in.")
        if plan.unwinds == "reduce_attainment" else
        _("An unwound deal (退车) takes back its pay; the attainment of the month it is unwound in stays as it was.")
    )
    return tuple(said)


def _derived(plan: Plan, words: Words) -> tuple[ShownDerived, ...]:
    return tuple(ShownDerived(words.name(name), words.said(expression), expression.source)
                 for name, expression in plan.derived)


def plan_document(plan: Plan, role: str) -> PlanDocument:
    """The plan in the reader's language, section by section; `role` is the stored plan's (a store-wide role's
    team is the whole store)."""
    words = Words(plan, store_wide=role in STORE_WIDE_ROLES)
    bonus, coefficients = _bonus(plan, words)
    rules = tuple(_pay_rule(rule, words) for rule in plan.pay_rules)
    return PlanDocument(
        indicators=tuple(_indicator(indicator, words) for indicator in plan.indicators),
        weights=_weights(plan),
        bonus=bonus,
        coefficients=coefficients,
        base_pay=_base_pay(plan, words),
        pay_rules=rules,
        gates=_gates(plan, words),
        limits=_limits(plan, words),
        safety_nets=_safety_nets(plan, words),
        policies=_policies(plan),
        derived=_derived(plan, words),
        curves=tuple(rule.curve for rule in rules if rule.curve is not None),
    )

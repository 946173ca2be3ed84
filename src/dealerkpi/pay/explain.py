"""A statement in words: each pay line, gate and scoring rule explained with its figures, each figure named by its
label in the reader's language (交车台数 5.5 台, 目标：交车台数 10 台, 试驾系数 1.17), never by a name or an
expression of the plan or the engine: those go to the details a reader may open (计算细节), for experts and HR.

    book = Wordbook(statements)        # the labels of every figure the statements' plans name, in 2 queries at most
    shown = book.statement(statement)  # its lines, gates, scoring rules, warnings and weight set, in words

A line is worded by the kind of its rule (per unit, percent, tiers, fine, formula, base pay, bonus, gate, cap and
floor, draw, guaranteed minimum, minimum wage, clawback, balances: plans/wording.py SENTENCES), fed by the line's
stored inputs and values and by the plan's rule; a kind without a sentence, or a line whose figures do not fit its
rule, is said as its figures in words. Presentation only: nothing stored is changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.money import HUNDRED, ZERO, fen
from dealerkpi.pay.inputs import engine_plan_of
from dealerkpi.pay.models import Statement, StatementIndicator, StatementLine
from dealerkpi.plans import engine
from dealerkpi.plans import wording as words
from dealerkpi.plans.engine import expr
from dealerkpi.plans.engine.catalogue import METRICS
from dealerkpi.plans.engine.commissions import steps_of
from dealerkpi.plans.engine.names import INDICATOR_KINDS, METRIC_KINDS, reference
from dealerkpi.plans.engine.schema import (
    Band,
    BasePay,
    DealRate,
    DealTiers,
    Expression,
    Fine,
    Formula,
    Gate,
    PassFail,
    PayRule,
    Steps,
)
from dealerkpi.plans.engine.validate import metrics_named
from dealerkpi.plans.metric_labels import labelled
from dealerkpi.plans.wording import ShownWarning, worded_warning

TWO_PLACES, FOUR_PLACES = Decimal("0.01"), Decimal("0.0001")
PRECEDENCE, ATOM = expr.PRECEDENCE, expr.ATOM
RULE_KINDS = ("per_unit", "percent", "tiers", "fine", "formula")  # lines of the plan's pay rules
ENGINE_KINDS = ("base_pay", "bonus", "gate", "cap", "floor", "draw", "draw_recovery", "guarantee", "minimum_wage",
                "clawback", "brought_forward", "carried_forward")  # lines the engine makes, each said by its method


# --- figures -------------------------------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A number as a statement shows it: to 2 places, trailing zeros left out, thousands grouped (1.17, 5.5, 1,650);
    a small one to 4 places (0.0035)."""
    places = FOUR_PLACES if ZERO < abs(value) < TWO_PLACES else TWO_PLACES
    text = f"{value.quantize(places, rounding=ROUND_HALF_UP) + ZERO:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Decimal, unit: str) -> str:
    """A figure in its unit: 1,650.00 元 (to the fen), 63.64%, 5.5 台, 77.47 分, 31 天; a count or a plain number
    bare."""
    if unit == "yuan":
        return str(words.QUANTITIES["yuan"]) % {"n": f"{fen(value) + ZERO:,}"}
    if unit == "percent":
        return f"{plain(value)}%"
    if unit in words.QUANTITIES:
        return str(words.QUANTITIES[unit]) % {"n": plain(value)}
    return plain(value)


def yuan(value: Decimal) -> str:
    """An amount of a rule as the plan writes it: 150 元, 0.5 元."""
    return str(words.QUANTITIES["yuan"]) % {"n": plain(value)}


def _decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _decimals(stored: Mapping[str, object] | None) -> dict[str, Decimal]:
    """A stored map of figures as Decimals; a value that is not a number is left out."""
    found = {name: _decimal(value) for name, value in (stored or {}).items()}
    return {name: value for name, value in found.items() if value is not None and value.is_finite()}


def _separated(parts: Iterable[str]) -> str:
    return str(gettext(", ")).join(parts)


@dataclass(frozen=True)
class Named:
    """A figure as a reader knows it: its label in their language and the unit its value is shown in."""

    label: str
    unit: str


class Namer:
    """The words of the figures one plan names: metrics by their labels (plans/metric_labels.py), with what the
    expression refers to around them (目标：, 团队合计：), derived values and indicators by the plan's labels, the
    engine's own values by plans/wording.py's table."""

    def __init__(self, plan: engine.Plan | None, metrics: Mapping[str, str]) -> None:
        self.plan = plan
        self.metrics = metrics
        self.derived = frozenset(name for name, _ in plan.derived) if plan else frozenset()

    def metric(self, code: str) -> Named:
        family = code.partition(":")[0]
        unit = METRICS[family].unit if family in METRICS else ""
        return Named(self.metrics.get(code, code), unit)

    def figure(self, name: str) -> Named:
        """A name of an expression (units_delivered, target.units_delivered, test_drive_factor, total_score...)."""
        found = reference(name, self.derived)
        if found.kind == "derived":
            return Named((self.plan.derived_label(name) if self.plan else "") or name, "")
        if found.kind == "metric" and found.subject not in METRICS and name in words.ENGINE_FIGURES:
            return self.engine_value(name)
        if found.kind in METRIC_KINDS:
            metric = self.metric(found.subject)
            label = metric.label if found.kind == "metric" else str(words.REFERENCES[found.kind]) % {
                "label": metric.label}
            return Named(label, metric.unit)
        if found.kind in INDICATOR_KINDS:
            return self.indicator_figure(found.kind, found.subject)
        if found.kind == "total_score":
            return Named(str(words.TOTAL_SCORE), "score")
        if found.kind == "avg_score":
            return Named(str(words.AVERAGE_SCORES[found.subject]), "score")
        assert found.kind == "person", found
        return Named(str(words.PERSON_FIGURES.get(found.subject, name)), "yuan")

    def indicator_figure(self, kind: str, id: str) -> Named:
        indicator = self.plan.indicator(id) if self.plan else None
        label = str(words.REFERENCES[kind]) % {"label": indicator.label if indicator else id}
        if kind == "score":
            return Named(label, "score")
        if kind == "achievement":
            return Named(label, "percent")
        return Named(label, self.metric(indicator.metric).unit if indicator and indicator.metric else "")

    def engine_value(self, key: str, basis: str = "", level: str = "") -> Named:
        """One of the engine's intermediate values (threshold, multiplier, days_employed...); `basis`, `level`: the
        units of the rule's basis and of the figure that picks its rate."""
        label, unit = words.ENGINE_FIGURES.get(key, (key, ""))
        return Named(str(label), {words.BASIS: basis, words.LEVEL: level}.get(unit, unit))

    def words_of(self, source: str) -> str:
        """A figure or an expression of the plan in words, without values (a warning's missing figure, a line's
        condition): as written when it cannot be read."""
        return _condition(source, Speaker(self, {})) or source

    def expression_unit(self, expression: Expression | None) -> str:
        """The unit of an expression that is one name; none for any other."""
        if expression is not None and isinstance(expression.tree, expr.Name):
            return self.figure(expression.tree.name).unit
        return ""


# --- expressions in words ------------------------------------------------------------------------------------------


class Speaker:
    """Expressions of a plan in words, each name as its label followed by its figure when known: 交车台数 5.5 台 <
    60% × 目标：交车台数 10 台."""

    def __init__(self, namer: Namer, known: Mapping[str, Decimal]) -> None:
        self.namer = namer
        self.known = known

    def name(self, name: str) -> str:
        named = self.namer.figure(name)
        value = self.known.get(name)
        return named.label if value is None else f"{named.label} {quantity(value, named.unit)}"

    def spoken(self, node: expr.Node) -> str:
        return self._spoken(node)[0]

    def valued(self, expression: Expression, value: Decimal, unit: str = "") -> str:
        """An expression and what it came to: a number in `unit`, a name with its figure, a product of those as it
        reads (试驾系数 1.17 × 成交系数 0.35); anything else followed by its value."""
        tree = expression.tree
        if isinstance(tree, expr.Number):
            return quantity(value, unit)
        if isinstance(tree, expr.Name) and tree.name in self.known:
            return self.name(tree.name)
        text = self.spoken(tree)
        return text if _product(tree, self.known) else f"{text} = {quantity(value, unit)}"

    def _spoken(self, node: expr.Node) -> tuple[str, int]:
        match node:
            case expr.Number(value):
                return plain(value), ATOM
            case expr.Name(name):
                return self.name(name), ATOM
            case expr.Negate(operand):
                return f"−{self._operand(operand, expr.NEGATE_PRECEDENCE)}", expr.NEGATE_PRECEDENCE
            case expr.Not(operand):
                return str(words.NOT) % {"value": self._operand(operand, expr.NOT_PRECEDENCE)}, expr.NOT_PRECEDENCE
            case expr.Binary(op, left, right):
                level = PRECEDENCE[op]
                first = self._factor(left) if op == "*" else self._operand(left, level)
                second = self._factor(right) if op == "*" else self._operand(
                    right, level + (0 if op in ("+", "and", "or") else 1))
                return f"{first} {words.OPERATORS[op]} {second}", level
            case expr.Call(function, args):
                return self._call(function, args), 0
        raise AssertionError(node)

    def _operand(self, node: expr.Node, level: int) -> str:
        text, own = self._spoken(node)
        return f"({text})" if own < level else text

    def _factor(self, node: expr.Node) -> str:
        """A factor of a product; a constant fraction as a percentage (0.6 × 目标 reads 60% × 目标)."""
        if isinstance(node, expr.Number) and ZERO < node.value < 1:
            return f"{plain(node.value * HUNDRED)}%"
        return self._operand(node, PRECEDENCE["*"])

    def _call(self, function: str, args: tuple[expr.Node, ...]) -> str:
        if function == "if":
            condition, then, otherwise = (self.spoken(arg) for arg in args)
            return str(words.FUNCTIONS["if"]) % {"condition": condition, "then": then, "otherwise": otherwise}
        parts = [self._operand(arg, ATOM) for arg in args]
        if function in ("min", "max"):
            return str(words.FUNCTIONS[function]) % {"values": _separated(parts)}
        if function == "round" and len(args) == 2:
            return str(words.FUNCTIONS["round"]) % {"value": parts[0], "places": parts[1]}
        return str(words.FUNCTIONS["round_whole" if function == "round" else function]) % {"value": parts[0]}


def _product(node: expr.Node, known: Mapping[str, Decimal]) -> bool:
    """Numbers and known names multiplied: what it came to is read in it."""
    if isinstance(node, expr.Binary) and node.op == "*":
        return _product(node.left, known) and _product(node.right, known)
    return isinstance(node, expr.Number) or (isinstance(node, expr.Name) and node.name in known)


def band_words(band: Band, unit: str) -> str:
    """A band of a table in the words of its bounds: 5–7 台, 70% 以下, 第 11–20 台, 90% 及以上."""
    if band.units:
        first = plain(band.low or ZERO)
        if band.high is None:
            return str(words.BANDS["cars_on"]) % {"first": first}
        last = plain(band.high - 1)
        return str(words.BANDS["car" if first == last else "cars"]) % {"first": first, "last": last}
    if band.low is None:
        high = quantity(band.high, unit) if band.high is not None else ""
        return str(words.BANDS["up_to" if band.high_closed else "below"]) % {"high": high}
    if band.high is None:
        return str(words.BANDS["above" if band.low_open else "from"]) % {"low": quantity(band.low, unit)}
    return str(words.BANDS["between"]) % {"low": plain(band.low), "high": quantity(band.high, unit)}


# --- what a statement shows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """A line, gate or value in words; `where`: the derived values the words use, each in words with its formula
    (试驾系数 = … = 1.17); `details`: the plan's names and expressions with their values, for the details fold."""

    words: str
    where: tuple[str, ...] = ()
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShownLine:
    line: StatementLine
    label: str
    said: Said


@dataclass(frozen=True)
class ShownGate:
    label: str
    held: bool
    said: Said


@dataclass(frozen=True)
class ShownIndicator:
    row: StatementIndicator
    rule: str
    note: str


@dataclass(frozen=True)
class ShownStatement:
    """A statement as a reader sees it: every line, gate and scoring rule in words."""

    lines: list[ShownLine]
    gates: list[ShownGate]
    indicators: list[ShownIndicator]
    warnings: list[ShownWarning]
    weight_set: str
    stage: str


def _raw(figures: Mapping[str, Decimal]) -> list[str]:
    return [f"{name} = {figure.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP).normalize():f}"
            for name, figure in figures.items()]


class _LineWords:
    """One pay line in words."""

    def __init__(self, line: StatementLine, plan: engine.Plan | None, namer: Namer, known: Mapping[str, Decimal],
                 models: Mapping[str, str]) -> None:
        self.line, self.plan, self.namer, self.models = line, plan, namer, models
        self.inputs, self.values = _decimals(line.inputs), _decimals(line.values)
        self.speaker = Speaker(namer, {**known, **self.inputs})
        self.rule = next((rule for rule in plan.pay_rules if rule.id == line.rule), None) if plan and \
            line.kind in RULE_KINDS else None
        basis = getattr(self.rule.spec, "basis", "") if self.rule else ""
        self.basis = namer.metric(basis) if basis else Named("", "")

    @property
    def amount(self) -> str:
        return quantity(self.line.amount, "yuan")

    def shown(self) -> ShownLine:
        return ShownLine(self.line, self.label(), self.said())

    def label(self) -> str:
        """The line's name; where the engine named it with an expression of the plan (base pay by result, a gate
        multiplying by a figure), that expression in words."""
        said = self.line.wording or {}
        args = said.get("args") or {}
        if said.get("key") == "base_pay_when":
            return str(words.WORDINGS["base_pay_when"]) % {"when": self.namer.words_of(str(args.get("when")))}
        gate = self.gate_of()
        if gate is not None and not isinstance(gate.factor.tree, expr.Number) and "factor" in self.values:
            return str(words.WORDINGS["gate"]) % {"label": gate.label,
                                                   "factor": self.speaker.valued(gate.factor, self.values["factor"])}
        return self.line.label_text

    def said(self) -> Said:
        try:
            sentence = self.sentence()
        except (LookupError, ArithmeticError):  # figures that do not fit the rule (stored before it changed)
            sentence = ""
        return Said(sentence or self.figures(), tuple(self.where()), tuple(self.details()))

    def sentence(self) -> str:
        kind = self.line.kind
        if self.rule is not None:
            return self.pay_rule(self.rule)
        return getattr(self, kind)() if kind in ENGINE_KINDS else ""

    def say(self, key: str, **args: str) -> str:
        return str(words.SENTENCES[key]) % args

    def value(self, key: str, unit: str = "") -> str:
        return quantity(self.values[key], unit or self.namer.engine_value(key, self.basis.unit).unit)

    def figures(self) -> str:
        """The line's figures in words, where its rule has no sentence: 交车台数 5 台; 倍数 0.8 = 406.76 元."""
        named = [self.speaker.name(name) for name in self.inputs]
        named += [f"{self.namer.engine_value(key).label} {self.value(key)}" for key in self.values]
        if not named:
            return "" if self.line.kind == "adjustment" else self.amount
        return self.say("figures", figures=str(words.SEPARATOR).join(named), amount=self.amount)

    def where(self) -> Iterable[str]:
        return _where(self.inputs, self.plan, self.speaker)

    def details(self) -> Iterable[str]:
        """The plan's names and expressions behind the words, with their values."""
        yield from _raw(self.inputs)
        yield from _raw(self.values)
        for what, expression in self.expressions():
            yield f"{what}: {expression}"
        for name in self.inputs:
            if name in self.namer.derived and self.plan is not None:
                yield f"{name}: {dict(self.plan.derived)[name]}"

    def expressions(self) -> Iterable[tuple[str, Expression]]:
        if self.rule is not None:
            spec = self.rule.spec
            for what in ("rate_by", "above", "target", "count", "amount"):
                found = getattr(spec, what, None)
                if isinstance(found, Expression):
                    yield what, found
            if self.rule.multiply_by is not None:
                yield "multiply_by", self.rule.multiply_by
        gate = self.gate_of()
        if gate is not None:
            yield "when", gate.when
            yield "multiply", gate.factor
        entry = self.base_pay_entry()
        if entry is not None and entry.when is not None:
            yield "when", entry.when
        if entry is not None:
            yield "amount", entry.amount

    # --- the plan's pay rules

    def pay_rule(self, rule: PayRule) -> str:
        multiplied = rule.multiply_by is not None and "multiplier" in self.values
        earned = quantity(self.values["before_multiplier"], "yuan") if multiplied else self.amount
        spec = rule.spec
        if isinstance(spec, DealRate):
            phrase = self.deal_rate(spec, earned)
        elif isinstance(spec, DealTiers):
            phrase = self.deal_tiers(spec, earned)
        elif isinstance(spec, Fine):
            count = self.speaker.valued(spec.count, self.values["count"], "count")
            phrase = self.say("fine", count=count, amount=yuan(spec.amount), total=earned)
        else:
            assert isinstance(spec, Formula)
            phrase = self.say("formula", formula=self.speaker.spoken(spec.amount.tree), amount=earned)
        if not multiplied:
            return phrase
        assert rule.multiply_by is not None
        multiplier = self.speaker.valued(rule.multiply_by, self.values["multiplier"])
        return self.say("multiplied", earned=phrase, multiplier=multiplier, amount=self.amount)

    def basis_label(self) -> str:
        """The rule's basis, summed as the rule sums it: 交车台数, 团队合计：交车台数, 本季度累计：前端毛利."""
        assert self.rule is not None
        kind = "team.sum" if self.rule.scope == "team" else f"{self.rule.over}.sum"
        return self.basis.label if kind == "month.sum" else str(words.REFERENCES[kind]) % {"label": self.basis.label}

    def deal_total(self) -> Decimal:
        return sum((_decimal(deal.get("quantity")) or ZERO for deal in self.line.deals), ZERO)

    def rate(self, rate: Decimal, percent: bool) -> str:
        """A rate of the rule: 3%, 150 元/台."""
        if percent:
            return f"{plain(rate)}%"
        amount = yuan(rate)
        return str(words.PER[self.basis.unit]) % {"amount": amount} if self.basis.unit in words.PER else amount

    def deal_rate(self, spec: DealRate, earned: str) -> str:
        total = self.deal_total()
        if spec.above is not None:
            return self.above(spec, earned)
        if spec.by_model and spec.rate_by is None:
            rates = _separated(f"{self.models.get(code, code)} {self.rate(rate, spec.percent)}"
                               for code, rate in spec.by_model)
            return self.say("by_model", quantity=quantity(total, self.basis.unit), rates=rates,
                            rate=self.rate(spec.rate or ZERO, spec.percent), amount=earned)
        rate = self.rate(self.values.get("rate", spec.rate or ZERO), spec.percent)
        if spec.rate_by is not None and spec.table is not None:
            level = self.values["level"]
            band = spec.table.band(level)
            unit = self.namer.expression_unit(spec.rate_by)
            rate = self.say("rate_by", rate=rate, level=self.speaker.valued(spec.rate_by, level, unit),
                            band=band_words(band, unit) if band else "—")
        if spec.percent:
            return self.say("percent", basis=self.basis_label(), total=quantity(total, self.basis.unit), rate=rate,
                            amount=earned)
        return self.say("rate", rate=rate, quantity=quantity(total, self.basis.unit), amount=earned)

    def above(self, spec: DealRate, earned: str) -> str:
        """Paid on the part of the period's total above a threshold."""
        assert spec.above is not None
        threshold, before = self.values["threshold"], self.values.get("period_to_date_before", ZERO)
        total = before + self.deal_total()
        excess = max(ZERO, total - max(before, threshold))
        args = {"basis": self.basis_label(), "total": quantity(total, self.basis.unit), "amount": earned,
                "threshold": self.speaker.valued(spec.above, threshold, self.basis.unit)}
        if excess == ZERO:
            return self.say("not_above", **args)
        return self.say("above", excess=quantity(excess, self.basis.unit),
                        rate=self.rate(self.values.get("rate", spec.rate or ZERO), spec.percent), **args)

    def deal_tiers(self, spec: DealTiers, earned: str) -> str:
        if spec.on == "each_deal":
            args = {"deals": str(len(self.line.deals)), "basis": self.basis.label, "amount": earned}
            if "cap_per_deal" in self.values:
                return self.say("each_deal_capped", cap=self.value("cap_per_deal"), **args)
            return self.say("each_deal", **args)
        before, after = self.values["period_to_date_before"], self.values["period_to_date_after"]
        target = self.values.get("target", HUNDRED) if spec.on == "attainment" else HUNDRED
        unit = "percent" if spec.on == "attainment" else self.basis.unit
        steps = steps_of(spec.table, spec.percent, spec.method, target)
        total = quantity(after, self.basis.unit)
        reached = self.value("earned_to_after", "yuan")
        if spec.method == "retroactive":
            index = max((n for n, step in enumerate(steps) if step.reached_by(after)), default=0)
            band = spec.table.bands[index]
            sentence = self.say("retroactive", basis=self.basis_label(), total=total, band=band_words(band, unit),
                                rate=self.rate(band.value, spec.percent), amount=reached)
        else:
            parts = [self.say("part", band=band_words(band, unit), part=quantity(part, self.basis.unit),
                              rate=self.rate(band.value, spec.percent))
                     for band, step in zip(spec.table.bands, steps, strict=True)
                     if (part := min(after, step.high if step.high is not None else after) - step.low) > ZERO]
            sentence = self.say("marginal", basis=self.basis_label(), total=total, amount=reached,
                                parts=" + ".join(parts) or quantity(ZERO, self.basis.unit))
        if spec.on == "attainment":
            sentence = self.say("attainment", level=quantity(after / target * HUNDRED, "percent"), total=total,
                                target=quantity(target, self.basis.unit), sentence=sentence)
        if before != ZERO:
            sentence = self.say("before_this_month", sentence=sentence, before=self.value("earned_to_before", "yuan"),
                                amount=earned)
        return sentence

    # --- the plan's other lines and the engine's adjustments

    def wording_arg(self, name: str) -> str:
        return str(((self.line.wording or {}).get("args") or {})[name])

    def base_pay_entry(self) -> BasePay | None:
        """The plan's base pay entry that paid the line: the one with its condition, else the last."""
        entries = self.plan.base_pay if self.plan and self.line.kind == "base_pay" else ()
        if not entries:
            return None
        when = ((self.line.wording or {}).get("args") or {}).get("when")
        return next((entry for entry in entries if entry.when and entry.when.source == when), entries[-1])

    def base_pay(self) -> str:
        entry = self.base_pay_entry()
        if entry is None:
            return self.say("base_pay", amount=self.amount)
        assert self.plan is not None
        amount = self.amount if isinstance(entry.amount.tree, expr.Number) else self.say(
            "base_pay_amount", formula=self.speaker.spoken(entry.amount.tree), amount=self.amount)
        if entry.when is not None:
            return self.say("base_pay_when", condition=self.speaker.spoken(entry.when.tree), amount=amount)
        earlier = [self.speaker.spoken(other.when.tree) for other in self.plan.base_pay if other.when is not None]
        if earlier:
            return self.say("base_pay_otherwise", conditions=_separated(earlier), amount=amount)
        return self.say("base_pay", amount=amount)

    def bonus(self) -> str:
        score = self.values["total_score"]
        band = self.plan.bonus.coefficients.band(score) if self.plan and self.plan.bonus else None
        return self.say("bonus", base=self.value("base"), coefficient=self.value("coefficient"),
                        score=self.value("total_score"), band=band_words(band, "score") if band else "—",
                        amount=self.amount)

    def gate_of(self) -> Gate | None:
        if self.line.kind != "gate" or self.plan is None:
            return None
        return next((gate for gate in self.plan.gates if gate.id == self.line.rule), None)

    def gate(self) -> str:
        gate = self.gate_of()
        if gate is None:
            return ""
        category = str(words.LINE_CATEGORIES.get(self.line.category, self.line.category))
        return self.say("gate", condition=self.speaker.spoken(gate.when.tree), category=category,
                        factor=self.speaker.valued(gate.factor, self.values["factor"]), amount=self.amount)

    def categories(self, codes: Iterable[str]) -> str:
        return _separated(str(words.LINE_CATEGORIES.get(code, code)) for code in codes)

    def cap(self) -> str:
        return self.say("cap", on=self.categories(self.wording_arg("on").split(", ")), before=self.value("before_cap"),
                        cap=self.value("cap"), amount=self.amount)

    def floor(self) -> str:
        return self.say("floor", on=self.categories(self.wording_arg("on").split(", ")),
                        before=self.value("before_floor"), floor=self.value("floor"), amount=self.amount)

    def draw(self, key: str = "draw") -> str:
        on = self.categories(self.plan.draw.applies_to if self.plan and self.plan.draw else ("commission",))
        return self.say(key, on=on, earned=self.value("earned"), draw=self.value("draw"),
                        outstanding=self.value("outstanding_before"), amount=self.amount)

    def draw_recovery(self) -> str:
        return self.draw("draw_recovery")

    def guarantee(self) -> str:
        minimum = _decimal(self.wording_arg("minimum")) or ZERO
        return self.say("guarantee", before=self.value("before_guarantee"), minimum=quantity(minimum, "yuan"),
                        amount=self.amount)

    def minimum_wage(self) -> str:
        due, pay = self.value("minimum_wage_due"), self.value("pay_before_top_up")
        days, month = self.inputs["days_employed"], self.values["days_in_month"]
        if days == month:
            return self.say("minimum_wage_whole_month", due=due, pay=pay, amount=self.amount)
        return self.say("minimum_wage", monthly=quantity(self.inputs["minimum_wage"], "yuan"),
                        days=quantity(days, "days"), month=quantity(month, "days"), due=due, pay=pay,
                        amount=self.amount)

    def clawback(self) -> str:
        return self.say("clawback", paid=self.value("paid_earlier"), date=self.wording_arg("date"), amount=self.amount)

    def brought_forward(self) -> str:
        return self.say("brought_forward", amount=self.amount)

    def carried_forward(self) -> str:
        return self.say("carried_forward", amount=quantity(-self.line.amount, "yuan"))


class Wordbook:
    """The words of a set of statements: their plans (each version read once) and the labels of every metric and
    model those plans name, found together in at most two queries, whatever the number of statements."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.plans: dict[int, engine.Plan | None] = {}
        for statement in statements:
            if statement.plan_version_id not in self.plans:
                self.plans[statement.plan_version_id] = _plan_of(statement)
        plans = [plan for plan in self.plans.values() if plan is not None]
        codes = {code for plan in plans for code in _metrics_named(plan)}
        codes |= {code for statement in statements for code in _metrics_stored(statement)}
        self.metrics = {code: shown.label for code, shown in labelled(sorted(codes)).items()}
        models = {code for plan in plans for rule in plan.pay_rules for code, _ in getattr(rule.spec, "by_model", ())}
        self.models = dict(VehicleModel.objects.filter(code__in=models).values_list("code", "name")) if models else {}

    def statement(self, statement: Statement) -> ShownStatement:
        plan = self.plans.get(statement.plan_version_id)
        if statement.plan_version_id not in self.plans:
            plan = self.plans[statement.plan_version_id] = _plan_of(statement)
        namer = Namer(plan, self.metrics)
        known = _known(statement)
        speaker = Speaker(namer, known)
        return ShownStatement(
            lines=[_LineWords(line, plan, namer, known, self.models).shown() for line in statement.lines.all()],
            gates=[_gate(gate, plan, namer, known) for gate in statement.gates or []],
            indicators=[_indicator(row, plan, namer, speaker, statement) for row in statement.indicators.all()],
            warnings=[worded_warning(warning, namer.words_of) for warning in statement.warnings],
            **plan_stage_words(statement),
        )


def plan_stage_words(statement: Statement) -> dict[str, str]:
    """The statement's weight set and lifecycle stage in words (its page's heading says them)."""
    return {"weight_set": words.weight_set_words(statement.weight_set),
            "stage": words.stage_words(statement.stage) if statement.stage else ""}


def _plan_of(statement: Statement) -> engine.Plan | None:
    """The plan the statement was computed with; None for a document that cannot be read (its lines are then said
    by their figures)."""
    try:
        return engine_plan_of(statement.plan_version)
    except ValidationError:
        return None


def _metric_subjects(names: Iterable[str], derived: frozenset[str]) -> Iterable[str]:
    for name in names:
        found = reference(name, derived)
        if found.kind in METRIC_KINDS:
            yield found.subject


def _metrics_named(plan: engine.Plan) -> Iterable[str]:
    """Every metric the plan names: in its expressions, as an indicator's metric, as a pay rule's basis."""
    yield from metrics_named(plan)
    yield from (rule.spec.basis for rule in plan.pay_rules if isinstance(rule.spec, DealRate | DealTiers))


def _metrics_stored(statement: Statement) -> Iterable[str]:
    """The metrics a statement's figures name (a plan that cannot be read names none)."""
    names = [*statement.month_metrics, *(name for gate in statement.gates or [] for name in gate.get("inputs", {}))]
    names += [name for line in statement.lines.all() for name in line.inputs]
    return _metric_subjects(names, frozenset())


def _known(statement: Statement) -> dict[str, Decimal]:
    """The person's figures of the month the statement holds: every figure its lines and gates read, the month's
    metrics and own targets, the total score; an expression's names are shown with these."""
    known = {**_decimals(statement.month_metrics),
             **{f"target.{metric}": value for metric, value in _decimals(statement.month_targets).items()}}
    for gate in statement.gates or []:
        known.update(_decimals(gate.get("inputs")))
    for line in statement.lines.all():
        known.update(_decimals(line.inputs))
    if statement.total_score is not None:
        known["total_score"] = statement.total_score
    return known


def _where(inputs: Mapping[str, Decimal], plan: engine.Plan | None, speaker: Speaker) -> Iterable[str]:
    """Each derived value among the figures read, with its formula in words: 试驾系数 = … = 1.17."""
    formulas = dict(plan.derived) if plan else {}
    for name, value in inputs.items():
        if name in speaker.namer.derived:
            yield str(words.SENTENCES["derived"]) % {"label": speaker.namer.figure(name).label,
                                                     "formula": speaker.spoken(formulas[name].tree),
                                                     "value": plain(value)}


def _condition(source: str, speaker: Speaker) -> str:
    try:
        return speaker.spoken(expr.parse(source))
    except expr.ExpressionSyntaxError:
        return ""


def _gate(stored: Mapping[str, object], plan: engine.Plan | None, namer: Namer, known: Mapping[str, Decimal]
          ) -> ShownGate:
    inputs = _decimals(stored.get("inputs"))  # type: ignore[arg-type]
    speaker = Speaker(namer, {**known, **inputs})
    condition = _condition(str(stored.get("condition", "")), speaker)
    factor = _decimal(stored.get("factor"))
    held = bool(stored.get("held"))
    if held:
        said = str(words.SENTENCES["gate_held"]) % {"condition": condition,
                                                    "factor": plain(factor) if factor is not None else "—"}
    else:
        said = str(words.SENTENCES["gate_not_held"]) % {"condition": condition}
    details = (f"when: {stored.get('condition', '')}", *_raw(inputs))
    label = str(stored.get("label") or stored.get("id", ""))
    return ShownGate(label, held, Said(said, tuple(_where(inputs, plan, speaker)), details))


def _indicator(row: StatementIndicator, plan: engine.Plan | None, namer: Namer, speaker: Speaker,
               statement: Statement) -> ShownIndicator:
    indicator = plan.indicator(row.code) if plan else None
    scoring = indicator.scoring if indicator else None
    rule = row.rule_text
    if isinstance(scoring, Steps):
        assert indicator is not None
        unit = "percent" if scoring.on == "achievement" else (
            namer.metric(indicator.metric).unit if indicator.metric else namer.expression_unit(indicator.value))
        bands = str(words.SEPARATOR).join(
            str(words.BANDS["scored"]) % {"band": band_words(band, unit), "score": quantity(band.value, "score")}
            for band in scoring.table.bands)
        rule = str(words.WORDINGS[f"steps_on_{scoring.on}"]) % {"bands": bands}
    elif isinstance(scoring, PassFail) and scoring.condition is not None:
        rule = str(words.WORDINGS["pass_fail_when"]) % {"passed": plain(scoring.passed), "failed": plain(
            scoring.failed), "when": speaker.spoken(scoring.condition.tree)}
    return ShownIndicator(row, rule, _note(row, statement, namer))


def _note(row: StatementIndicator, statement: Statement, namer: Namer) -> str:
    """The scorecard row's note in the reader's language: why it was left out (from the statement's warnings), or
    the rating's comment."""
    if not row.skipped:
        return str(words.ENGINE_NOTES.get(row.note, row.note))
    causes = [worded_warning(warning, namer.words_of).message
              for warning in statement.warnings
              if warning["item"]["kind"] == "indicator" and warning["item"]["id"] == row.code]
    return str(words.SEPARATOR).join(causes) or str(words.LEFT_OUT_OF_SCORE)

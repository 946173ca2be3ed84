"""Semantic checks of a loaded plan, each error with the line:column of the element at fault.

Also builds the dependency graph of derived values and indicators once, in `evaluation_order`, and picks
what a weight set needs computed, in `scorecard_order`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from . import expr
from .catalogue import DEAL_FIGURES, Catalogue, catalogue
from .loader import PlanError, PlanInvalid, read_plan_text
from .names import INDICATOR_KINDS, METRIC_KINDS, PERSON_NAMES, SUMMED_KINDS, reference
from .policy import WARNING_KINDS
from .schema import (
    CATEGORIES,
    Band,
    DealRate,
    DealTiers,
    Deductions,
    Expression,
    Fine,
    Formula,
    Gate,
    Indicator,
    Linear,
    Manual,
    PassFail,
    PayRule,
    Plan,
    Pos,
    Steps,
    Table,
    WarningRules,
    WeightSet,
)

TOTAL_SCORE = ("total_score", "")
MAX_CHAIN = 50  # derived values and indicators computed one from another


@dataclass(frozen=True)
class GraphNode:
    kind: str  # derived | indicator | total_score
    name: str

    def __str__(self) -> str:
        return "total_score" if self.kind == "total_score" else f"{self.kind} {self.name}"


class CycleError(ValueError):
    def __init__(self, cycle: list[GraphNode], pos: Pos) -> None:
        super().__init__(" -> ".join(str(node) for node in cycle))
        self.cycle = cycle
        self.pos = pos


def plan_expressions(plan: Plan) -> Iterator[tuple[str, Expression]]:
    """Every expression in the plan with a description of where it is used."""
    for name, expression in plan.derived:
        yield f"derived {name}", expression
    for indicator in plan.indicators:
        yield from _indicator_expressions(indicator)
    yield from pay_expressions(plan)


def metrics_named(plan: Plan) -> list[str]:
    """Every metric the plan refers to, in order of first mention: its indicators' metrics and every metric named
    in an expression (`target.m`, `team.sum.m`, `quarter.m`... name metric m). Pay rules' bases are deal figures,
    not counted here."""
    derived = frozenset(name for name, _ in plan.derived)
    found = dict.fromkeys(indicator.metric for indicator in plan.indicators if indicator.metric)
    for _where, expression in plan_expressions(plan):
        for name in expr.names(expression.tree):
            referred = reference(name.name, derived)
            if referred.kind in METRIC_KINDS:
                found[referred.subject] = None
    return list(found)


def pay_expressions(plan: Plan) -> Iterator[tuple[str, Expression]]:
    """The expressions evaluated after the scorecard: bonus, base pay, pay rules and gates."""
    if plan.bonus:
        yield "bonus base", plan.bonus.base
    for rule in plan.base_pay:
        if rule.when:
            yield "base_pay when", rule.when
        yield "base_pay amount", rule.amount
    for pay_rule in plan.pay_rules:
        spec = pay_rule.spec
        candidates = [
            pay_rule.multiply_by,
            getattr(spec, "rate_by", None),
            getattr(spec, "above", None),
            getattr(spec, "target", None),
            getattr(spec, "count", None),
        ]
        if isinstance(spec, Formula):
            candidates.append(spec.amount)
        yield from ((f"pay {pay_rule.id}", found) for found in candidates if found is not None)
    for gate in plan.gates:
        yield f"gate {gate.id}", gate.when
        yield f"gate {gate.id}", gate.factor


def _indicator_expressions(indicator: Indicator) -> Iterator[tuple[str, Expression]]:
    condition = indicator.scoring.condition if isinstance(indicator.scoring, PassFail) else None
    for found in (indicator.value, indicator.target, condition):
        if found is not None:
            yield f"indicator {indicator.id}", found


def _dependencies(expression: Expression, plan: Plan) -> Iterator[GraphNode]:
    derived = {name for name, _ in plan.derived}
    for name in expr.names(expression.tree):
        found = reference(name.name, derived)
        if found.kind == "derived":
            yield GraphNode("derived", found.subject)
        elif found.kind in INDICATOR_KINDS and plan.indicator(found.subject):
            yield GraphNode("indicator", found.subject)
        elif found.kind in ("total_score", "avg_score"):
            yield GraphNode(*TOTAL_SCORE)


def dependency_graph(plan: Plan) -> dict[GraphNode, tuple[GraphNode, ...]]:
    graph = {GraphNode("derived", name): tuple(_dependencies(expression, plan)) for name, expression in plan.derived}
    for indicator in plan.indicators:
        graph[GraphNode("indicator", indicator.id)] = tuple(
            node for _, found in _indicator_expressions(indicator) for node in _dependencies(found, plan)
        )
    graph[GraphNode(*TOTAL_SCORE)] = tuple(GraphNode("indicator", i.id) for i in plan.indicators)
    return graph


def evaluation_order(plan: Plan) -> tuple[GraphNode, ...]:
    """Derived values, indicators and the total score in an order where each comes after its inputs.

    Depth first without recursion, so a chain of any length is ordered (the check then bounds it). Raises
    CycleError naming the cycle.
    """
    graph = dependency_graph(plan)
    order: list[GraphNode] = []
    done: set[GraphNode] = set()
    for root in graph:
        if root in done:
            continue
        path, pending = [root], [iter(graph[root])]
        while path:
            dependency = next(pending[-1], None)
            if dependency is None:
                done.add(path[-1])
                order.append(path.pop())
                pending.pop()
            elif dependency in path:
                raise CycleError(path[path.index(dependency) :] + [dependency], _node_pos(plan, dependency))
            elif dependency not in done:
                path.append(dependency)
                pending.append(iter(graph.get(dependency, ())))
    return tuple(order)


def _longest_chain(plan: Plan, order: Sequence[GraphNode]) -> tuple[int, GraphNode | None]:
    """The most derived values and indicators computed one from another, and the last of them."""
    graph = dependency_graph(plan)
    length: dict[GraphNode, int] = {}
    for node in order:
        if node.kind != "total_score":
            length[node] = 1 + max((length.get(dependency, 0) for dependency in graph.get(node, ())), default=0)
    longest = max(length, key=length.__getitem__, default=None)
    return (length[longest], longest) if longest else (0, None)


def scorecard_order(plan: Plan, weight_set: WeightSet | None) -> tuple[GraphNode, ...]:
    """What to compute for a weight set, in evaluation order: every derived value, the indicators the set
    weights, those that anything computed refers to, and the total score. Without weight sets: everything."""
    order = evaluation_order(plan)
    if not plan.weight_sets:
        return order
    graph = dependency_graph(plan)
    weighted = weight_set.weights if weight_set else ()
    graph[GraphNode(*TOTAL_SCORE)] = tuple(GraphNode("indicator", weight.indicator) for weight in weighted)
    needed = [GraphNode(*TOTAL_SCORE), *(GraphNode("derived", name) for name, _ in plan.derived)]
    needed += [node for _, expression in pay_expressions(plan) for node in _dependencies(expression, plan)]
    reached: set[GraphNode] = set()
    while needed:
        node = needed.pop()
        if node not in reached:
            reached.add(node)
            needed.extend(graph.get(node, ()))
    return tuple(node for node in order if node in reached)


def _node_pos(plan: Plan, node: GraphNode) -> Pos:
    if node.kind == "derived":
        return dict(plan.derived)[node.name].pos
    indicator = plan.indicator(node.name)
    return indicator.pos if indicator else plan.pos


# --- checks --------------------------------------------------------------------------------------


def table_errors(
    table: Table, what: str, cumulative: bool = False, no_units: str = ""
) -> Iterator[PlanError]:
    """Bands out of order, overlapping, leaving gaps or empty, said in the words the bands are written with;
    cumulative tiers run from 0 (or the first unit) with no end; a last band of a lookup table that ends with
    `to` says neither whether its end is in it. `no_units`: why this table cannot count whole units."""
    bands = table.bands
    if any(band.units for band in bands) and (no_units or not all(band.units for band in bands)):
        yield PlanError(table.pos, f"{what}: {no_units or 'count whole units in every band or in none'}")
        return
    for band in bands:
        if band.low is not None and band.high is not None and not _holds_something(band):
            yield PlanError(band.pos, f"{what}: the band {band.starts()} {band.ends()} holds no value")
    for before, band in zip(bands, bands[1:], strict=False):
        yield from _junction_errors(before, band, what)
    yield from _end_errors(bands, what, cumulative)


def _holds_something(band: Band) -> bool:
    assert band.low is not None and band.high is not None
    return band.low < band.high or (band.low == band.high and band.high_closed and not band.low_open)


def _junction_errors(before: Band, band: Band, what: str) -> Iterator[PlanError]:
    """Where one band meets the next: exactly, with a gap between them, or overlapping."""
    if before.high is None or band.low is None:
        yield PlanError(band.pos, f"{what}: only the first band may leave out its start and only the last its end")
        return
    end, start = before.high, band.low
    if end < start or (end == start and not before.high_closed and band.low_open):
        yield PlanError(band.pos, f"{what}: gap between {end} and {start}: {_gap(before, band)}")
    elif end > start or (end == start and before.high_closed and not band.low_open):
        yield PlanError(band.pos, f"{what}: band {band.starts()} overlaps the band before, which ends "
                                  f"{before.ends()}: {_overlap(before, band)}")


def _gap(before: Band, band: Band) -> str:
    assert before.high is not None and band.low is not None
    if band.units:
        return f"{_units(before.high, band.low - 1)} in no band"
    if before.high == band.low:
        return f"{band.low} itself is in no band (the band before ends {before.ends()}, this one {band.starts()})"
    region = f"{'above' if before.high_closed else 'from'} {before.high} and {'up to' if band.low_open else 'below'}"
    whole = before.high_closed and band.low - before.high == 1
    hint = "; for whole units (cars) write units: 11-20 and units: 21+" if whole else ""
    return f"values {region} {band.low} fall in no band{hint}"


def _overlap(before: Band, band: Band) -> str:
    assert before.high is not None and band.low is not None
    if band.units:
        return f"{_units(band.low, before.high - 1)} in both"
    if before.high == band.low:
        return f"{band.low} is in both; write above: {band.low} here or below: {band.low} there"
    region = f"{band.starts()} {'up to' if before.high_closed else 'below'} {before.high}"
    return f"values {region} are in both (bands go in ascending order without overlap)"


def _units(first: Decimal, last: Decimal) -> str:
    return f"unit {first} is" if first == last else f"units {first}-{last} are"


def _end_errors(bands: Sequence[Band], what: str, cumulative: bool) -> Iterator[PlanError]:
    if not bands:
        return
    first, last = bands[0], bands[-1]
    if cumulative and first.units and first.low != 1:
        yield PlanError(first.pos, f"{what}: the first band must start at the first unit: units: 1-...")
    elif cumulative and not first.units and (first.low != ZERO or first.low_open):
        yield PlanError(first.pos, f"{what}: the first band must start at from: 0")
    if cumulative and last.high is not None:
        yield PlanError(last.pos, f"{what}: the last band must have no end; it runs on without end")
    elif last.high is not None and last.high_word == "to":
        yield PlanError(
            last.pos,
            f"{what}: 'to: {last.high}' on the last band does not say whether {last.high} is in it: "
            f"write below: {last.high} (left out) or up_to: {last.high} (in it)",
        )


def _name_errors(expression: Expression, where: str, plan: Plan, metrics: Catalogue) -> Iterator[PlanError]:
    derived = {name for name, _ in plan.derived}
    for name in expr.names(expression.tree):
        found = reference(name.name, derived)
        pos = Pos(expression.pos.line, expression.pos.column + name.offset)
        if found.kind in METRIC_KINDS:
            problem = metrics.problem(found.subject)
            metric = metrics.find(found.subject)
            if problem:
                yield PlanError(pos, f"{where}: {problem} in {name.name!r}")
            elif metric and found.kind in SUMMED_KINDS and not metric.additive:
                yield PlanError(
                    pos,
                    f"{where}: {name.name!r} sums {found.subject}, a {metric.unit} figure "
                    "that cannot be added up; compute it from additive figures instead",
                )
        elif found.kind in INDICATOR_KINDS and plan.indicator(found.subject) is None:
            yield PlanError(pos, f"{where}: {name.name!r} refers to unknown indicator {found.subject!r}")


BOUND_WORDS = "write the bounds with from, above, below or up_to"
PERCENT_BOUNDS = f"its bounds are percentages: {BOUND_WORDS}"


def _indicator_errors(indicator: Indicator, metrics: Catalogue) -> Iterator[PlanError]:
    scoring = indicator.scoring
    where = f"indicator {indicator.id}"
    if indicator.metric and (problem := metrics.problem(indicator.metric)):
        yield PlanError(indicator.pos, f"{where}: {problem}")
    metric = metrics.find(indicator.metric or "")
    if indicator.scope == "team" and not (metric and metric.additive):
        yield PlanError(
            indicator.pos,
            f"{where}: scope: team needs an additive metric (units, yuan, count, "
            "hours); team rates are derived values over team.sum figures",
        )
    needs_target = (
        isinstance(scoring, Linear)
        or (isinstance(scoring, Steps) and scoring.on == "achievement")
        or (isinstance(scoring, PassFail) and scoring.condition is None)
    )
    if needs_target and indicator.target is None:
        yield PlanError(
            indicator.pos, f"{where}: this scoring needs a target (person, team, a number or an expression)"
        )
    if isinstance(scoring, Steps):
        no_units = "" if scoring.on == "actual" else f"the achievement is a percentage of the target; {PERCENT_BOUNDS}"
        yield from table_errors(scoring.table, f"{where} score bands", no_units=no_units)
    if isinstance(scoring, Linear) and scoring.cap <= ZERO:
        yield PlanError(indicator.pos, f"{where}: cap must be above 0")
    if isinstance(scoring, Deductions) and scoring.per_incident <= ZERO:
        yield PlanError(indicator.pos, f"{where}: per_incident must be above 0")
    if isinstance(scoring, Manual) and (indicator.metric or indicator.value):
        yield PlanError(indicator.pos, f"{where}: a manual rating takes no metric or value")
    if isinstance(scoring, Manual) and scoring.default is not None and not ZERO <= scoring.default <= scoring.maximum:
        yield PlanError(
            indicator.pos, f"{where}: the default rating {scoring.default} is outside 0 to {scoring.maximum}"
        )


def _weight_errors(weight_set: WeightSet, plan: Plan) -> Iterator[PlanError]:
    total = sum((weight.weight for weight in weight_set.weights), ZERO)
    if total != HUNDRED:
        yield PlanError(weight_set.pos, f"weights {weight_set.stage} sum to {total}, not 100")
    for weight in weight_set.weights:
        if plan.indicator(weight.indicator) is None:
            yield PlanError(weight.pos, f"weights {weight_set.stage}: unknown indicator {weight.indicator!r}")
        if weight.weight < ZERO:
            yield PlanError(weight.pos, f"weights {weight_set.stage}: {weight.indicator} is negative")


def _tiers_no_units(spec: DealTiers, metrics: Catalogue) -> str:
    """Why the tiers cannot be written in whole units, or ""."""
    if spec.on == "attainment":
        return f"on attainment, {PERCENT_BOUNDS}"
    metric = metrics.find(spec.basis)
    if metric and metric.unit != "units":
        return f"the basis {spec.basis} is counted in {metric.unit}, not in units; {BOUND_WORDS}"
    return ""


def _deal_tiers_errors(rule: PayRule, spec: DealTiers, metrics: Catalogue) -> Iterator[PlanError]:
    where = f"pay {rule.id}"
    yield from table_errors(spec.table, f"{where} tiers", cumulative=True, no_units=_tiers_no_units(spec, metrics))
    if spec.cap_per_deal is not None and spec.on != "each_deal":
        yield PlanError(rule.pos, f"{where}: cap_per_deal caps each deal's pay, so it needs on: each_deal")
    if spec.cap_per_deal is not None and spec.cap_per_deal < ZERO:
        yield PlanError(rule.pos, f"{where}: cap_per_deal must not be negative")
    if spec.on == "each_deal" and rule.over != "month":
        yield PlanError(rule.pos, f"{where}: on: each_deal pays each deal on its own figure; it takes no over")


def _pay_rule_errors(rule: PayRule, metrics: Catalogue) -> Iterator[PlanError]:
    where, spec = f"pay {rule.id}", rule.spec
    if isinstance(spec, DealRate | DealTiers) and spec.basis not in DEAL_FIGURES:
        yield PlanError(
            rule.pos,
            f"{where}: basis {spec.basis!r} is not a deal figure; one of {', '.join(DEAL_FIGURES)}",
        )
    if isinstance(spec, DealRate) and spec.table is not None:
        yield from table_errors(spec.table, f"{where} tiers")
    if isinstance(spec, DealTiers):
        yield from _deal_tiers_errors(rule, spec, metrics)
    if isinstance(spec, DealRate) and spec.by_model and spec.percent:
        yield PlanError(rule.pos, f"{where}: by_model takes amounts per unit; use kind: per_unit")
    if rule.scope == "team" and rule.over != "month":
        yield PlanError(rule.pos, f"{where}: team-scope rules accumulate over the month only")
    if rule.every != "month" and not isinstance(spec, Formula | Fine):
        yield PlanError(
            rule.pos,
            f"{where}: quarterly and annual payments are formulas over quarter.* and year.* figures",
        )


def _gate_errors(gate: Gate, targets: set[str]) -> Iterator[PlanError]:
    for name in gate.applies_to:
        if name not in targets:
            yield PlanError(
                gate.pos,
                f"gate {gate.id}: applies_to {name!r} is neither a category "
                f"({', '.join(CATEGORIES)}) nor a pay rule",
            )
    if isinstance(gate.factor.tree, expr.Number) and gate.factor.tree.value < ZERO:
        yield PlanError(gate.pos, f"gate {gate.id}: multiply must not be negative")


def _base_pay_errors(plan: Plan) -> Iterator[PlanError]:
    if plan.base_pay and plan.base_pay[-1].when is not None:
        yield PlanError(plan.base_pay[-1].pos, "the last base_pay entry must have no 'when': it is the default")
    for rule in plan.base_pay[:-1]:
        if rule.when is None:
            yield PlanError(rule.pos, "only the last base_pay entry may leave out 'when'")


def _amount_errors(plan: Plan) -> Iterator[PlanError]:
    for limit in plan.limits:
        if limit.cap is not None and limit.floor is not None and limit.floor > limit.cap:
            yield PlanError(limit.pos, "limit: floor is above cap")
    for amount, pos, what in (
        (plan.draw and plan.draw.amount, plan.draw and plan.draw.pos, "draw amount"),
        (plan.guaranteed_minimum, plan.pos, "guaranteed_minimum"),
    ):
        if isinstance(amount, Decimal) and amount < ZERO:
            yield PlanError(pos or plan.pos, f"{what} must not be negative")
    if plan.budget is not None and plan.budget.per_store_month <= ZERO:
        yield PlanError(plan.budget.pos, "budget per_store_month must be above 0")


def _warning_rule_errors(rules: WarningRules) -> Iterator[PlanError]:
    """`warnings: {block: [...]}` names kinds of warning, each once."""
    for kind in dict.fromkeys(rules.block):
        if kind not in WARNING_KINDS:
            yield PlanError(rules.pos, f"warnings block: {kind!r} is not a kind of warning; "
                                       f"one of {', '.join(WARNING_KINDS)}")
        elif rules.block.count(kind) > 1:
            yield PlanError(rules.pos, f"warnings block: {kind} is listed more than once")


def _derived_errors(plan: Plan, metrics: Catalogue) -> Iterator[PlanError]:
    for name, expression in plan.derived:
        if metrics.find(name) or "." in name or name in ("total_score", *PERSON_NAMES):
            yield PlanError(expression.pos, f"derived {name}: the name is taken by a metric or a reference")
    labelled: dict[str, str] = {}
    for name, label in plan.derived_labels:
        if label in labelled:
            yield PlanError(dict(plan.derived)[name].pos, f"derived {name}: the label {label!r} is also derived "
                                                          f"{labelled[label]}'s; a statement could not tell them apart")
        labelled.setdefault(label, name)


def _graph_errors(plan: Plan) -> Iterator[PlanError]:
    """Cycles between derived values and indicators, and chains of them longer than MAX_CHAIN."""
    try:
        order = evaluation_order(plan)
    except CycleError as cycle:
        yield PlanError(cycle.pos, f"cycle between derived values and indicators: {cycle}")
        return
    length, last = _longest_chain(plan, order)
    if last is not None and length > MAX_CHAIN:
        yield PlanError(
            _node_pos(plan, last),
            f"{last} is computed from a chain of {length} derived values and indicators; at most {MAX_CHAIN}",
        )


def _element_errors(plan: Plan, metrics: Catalogue, broken: frozenset[Pos]) -> Iterator[PlanError]:
    """The checks of each element, leaving out those the loader found broken."""
    for indicator in plan.indicators:
        if indicator.pos not in broken:
            yield from _indicator_errors(indicator, metrics)
    for weight_set in plan.weight_sets:
        if weight_set.pos not in broken:
            yield from _weight_errors(weight_set, plan)
    for rule in plan.pay_rules:
        if rule.pos not in broken:
            yield from _pay_rule_errors(rule, metrics)
    targets = set(CATEGORIES) | {rule.id for rule in plan.pay_rules}
    for gate in plan.gates:
        if gate.pos not in broken:
            yield from _gate_errors(gate, targets)
    if plan.bonus and plan.bonus.pos not in broken:
        yield from table_errors(
            plan.bonus.coefficients, "bonus coefficients", no_units=f"the total score is a score; {PERCENT_BOUNDS}"
        )
    if not broken.intersection(rule.pos for rule in plan.base_pay):
        yield from _base_pay_errors(plan)


def plan_errors(plan: Plan, metrics: Catalogue | None = None, broken: frozenset[Pos] = frozenset()) -> list[PlanError]:
    """Every semantic error of the plan, in file order. `broken`: the positions of elements with structural
    errors (loader.Loaded.broken), whose own checks are left out."""
    metrics = metrics or catalogue()
    errors = [
        *_derived_errors(plan, metrics),
        *_element_errors(plan, metrics, broken),
        *_amount_errors(plan),
        *_warning_rule_errors(plan.warnings),
        *_graph_errors(plan),
    ]
    for where, expression in plan_expressions(plan):
        errors.extend(_name_errors(expression, where, plan, metrics))
    return sorted(dict.fromkeys(errors), key=lambda error: (error.pos.line, error.pos.column))


def check_plan(plan: Plan, metrics: Catalogue | None = None, source: str = "") -> Plan:
    """Return the plan if it is valid; raise PlanInvalid with every error otherwise."""
    errors = plan_errors(plan, metrics)
    if errors:
        raise PlanInvalid(errors, source)
    return plan


def check_plan_text(text: str, source: str = "", metrics: Catalogue | None = None) -> Plan:
    """Read and check a plan document in one pass: return the plan, or raise PlanInvalid with every error,
    structural and semantic. Any text gives one or the other."""
    loaded = read_plan_text(text)
    errors = list(loaded.errors)
    if loaded.plan is not None:
        errors += plan_errors(loaded.plan, metrics, loaded.broken)
    if errors or loaded.plan is None:
        raise PlanInvalid(list(dict.fromkeys(errors)), source)
    return loaded.plan

"""Semantic checks of a loaded plan, each error with the line:column of the element at fault.

Also builds the dependency graph of derived values and indicators once, in `evaluation_order`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from . import expr
from .catalogue import DEAL_FIGURES, Catalogue, catalogue
from .loader import PlanError, PlanInvalid
from .names import INDICATOR_KINDS, METRIC_KINDS, SUMMED_KINDS, reference
from .schema import (
    CATEGORIES,
    STAGES,
    DealRate,
    DealTiers,
    Deductions,
    Expression,
    Fine,
    Formula,
    Indicator,
    Linear,
    Manual,
    PassFail,
    Plan,
    Pos,
    Steps,
    Table,
)

TOTAL_SCORE = ("total_score", "")


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
    if plan.bonus:
        yield "bonus base", plan.bonus.base
    for rule in plan.base_pay:
        if rule.when:
            yield "base_pay when", rule.when
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

    Raises CycleError naming the cycle.
    """
    graph = dependency_graph(plan)
    order: list[GraphNode] = []
    state: dict[GraphNode, str] = {}

    def visit(node: GraphNode, path: list[GraphNode]) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "visiting":
            cycle = path[path.index(node) :] + [node]
            raise CycleError(cycle, _node_pos(plan, node))
        state[node] = "visiting"
        for dependency in graph.get(node, ()):
            visit(dependency, [*path, node])
        state[node] = "done"
        order.append(node)

    for node in graph:
        visit(node, [])
    return tuple(order)


def _node_pos(plan: Plan, node: GraphNode) -> Pos:
    if node.kind == "derived":
        return dict(plan.derived)[node.name].pos
    indicator = plan.indicator(node.name)
    return indicator.pos if indicator else plan.pos


# --- checks --------------------------------------------------------------------------------------


def table_errors(table: Table, what: str, cumulative: bool = False) -> Iterator[PlanError]:
    """Bands out of order, overlapping, leaving gaps or empty; cumulative tiers run from 0 with no end."""
    bands = table.bands
    for band in bands:
        if band.low is not None and band.high is not None and band.low >= band.high:
            yield PlanError(band.pos, f"{what}: band from {band.low} to {band.high} is empty")
    for before, band in zip(bands, bands[1:], strict=False):
        if before.high is None or band.low is None:
            yield PlanError(band.pos, f"{what}: only the first band may leave out 'from' and only the last 'to'")
        elif band.low > before.high:
            yield PlanError(band.pos, f"{what}: gap between {before.high} and {band.low}")
        elif band.low < before.high:
            yield PlanError(
                band.pos,
                f"{what}: band from {band.low} overlaps the band before, which ends "
                f"at {before.high} (bands must be in ascending order)",
            )
    if cumulative and bands and bands[0].low != ZERO:
        yield PlanError(bands[0].pos, f"{what}: the first band must start at from: 0")
    if cumulative and bands and bands[-1].high is not None:
        yield PlanError(bands[-1].pos, f"{what}: the last band must have no 'to'; it runs on without end")


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
        yield from table_errors(scoring.table, f"{where} score bands")
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


def _weight_errors(plan: Plan) -> Iterator[PlanError]:
    stages = {weight_set.stage for weight_set in plan.weight_sets}
    if plan.weight_sets and "default" not in stages and not stages.issuperset(STAGES):
        yield PlanError(
            plan.weight_sets[0].pos,
            f"weights need a default set, or one for every stage: {', '.join(STAGES)}",
        )
    for weight_set in plan.weight_sets:
        total = sum((weight.weight for weight in weight_set.weights), ZERO)
        if total != HUNDRED:
            yield PlanError(weight_set.pos, f"weights {weight_set.stage} sum to {total}, not 100")
        for weight in weight_set.weights:
            if plan.indicator(weight.indicator) is None:
                yield PlanError(weight.pos, f"weights {weight_set.stage}: unknown indicator {weight.indicator!r}")
            if weight.weight < ZERO:
                yield PlanError(weight.pos, f"weights {weight_set.stage}: {weight.indicator} is negative")


def _pay_rule_errors(plan: Plan) -> Iterator[PlanError]:
    for rule in plan.pay_rules:
        where, spec = f"pay {rule.id}", rule.spec
        if isinstance(spec, DealRate | DealTiers) and spec.basis not in DEAL_FIGURES:
            yield PlanError(
                rule.pos,
                f"{where}: basis {spec.basis!r} is not a deal figure; one of {', '.join(DEAL_FIGURES)}",
            )
        if isinstance(spec, DealRate) and spec.table is not None:
            yield from table_errors(spec.table, f"{where} tiers")
        if isinstance(spec, DealTiers):
            yield from table_errors(spec.table, f"{where} tiers", cumulative=True)
        if isinstance(spec, DealRate) and spec.by_model and spec.percent:
            yield PlanError(rule.pos, f"{where}: by_model takes amounts per unit; use kind: per_unit")
        if rule.scope == "team" and rule.over != "month":
            yield PlanError(rule.pos, f"{where}: team-scope rules accumulate over the month only")
        if rule.every != "month" and not isinstance(spec, Formula | Fine):
            yield PlanError(
                rule.pos,
                f"{where}: quarterly and annual payments are formulas over quarter.* and year.* figures",
            )


def _other_errors(plan: Plan) -> Iterator[PlanError]:
    if plan.bonus:
        yield from table_errors(plan.bonus.coefficients, "bonus coefficients")
    if plan.base_pay and plan.base_pay[-1].when is not None:
        yield PlanError(plan.base_pay[-1].pos, "the last base_pay entry must have no 'when': it is the default")
    for rule in plan.base_pay[:-1]:
        if rule.when is None:
            yield PlanError(rule.pos, "only the last base_pay entry may leave out 'when'")
    targets = set(CATEGORIES) | {rule.id for rule in plan.pay_rules}
    for gate in plan.gates:
        for name in gate.applies_to:
            if name not in targets:
                yield PlanError(
                    gate.pos,
                    f"gate {gate.id}: applies_to {name!r} is neither a category "
                    f"({', '.join(CATEGORIES)}) nor a pay rule",
                )
        if gate.factor < ZERO:
            yield PlanError(gate.pos, f"gate {gate.id}: multiply must not be negative")
    for limit in plan.limits:
        if limit.cap is not None and limit.floor is not None and limit.floor > limit.cap:
            yield PlanError(limit.pos, "limit: floor is above cap")
    for amount, pos, what in (
        (plan.draw and plan.draw.amount, plan.draw and plan.draw.pos, "draw amount"),
        (plan.guaranteed_minimum, plan.pos, "guaranteed_minimum"),
    ):
        if isinstance(amount, Decimal) and amount < ZERO:
            yield PlanError(pos or plan.pos, f"{what} must not be negative")


def _derived_errors(plan: Plan, metrics: Catalogue) -> Iterator[PlanError]:
    for name, expression in plan.derived:
        if metrics.find(name) or "." in name or name == "total_score":
            yield PlanError(expression.pos, f"derived {name}: the name is taken by a metric or a reference")


def plan_errors(plan: Plan, metrics: Catalogue | None = None) -> list[PlanError]:
    """Every semantic error of the plan, in file order."""
    metrics = metrics or catalogue()
    errors = [
        *_derived_errors(plan, metrics),
        *_weight_errors(plan),
        *_pay_rule_errors(plan),
        *_other_errors(plan),
    ]
    for indicator in plan.indicators:
        errors.extend(_indicator_errors(indicator, metrics))
    for where, expression in plan_expressions(plan):
        errors.extend(_name_errors(expression, where, plan, metrics))
    try:
        evaluation_order(plan)
    except CycleError as cycle:
        errors.append(PlanError(cycle.pos, f"cycle between derived values and indicators: {cycle}"))
    return sorted(errors, key=lambda error: (error.pos.line, error.pos.column))


def check_plan(plan: Plan, metrics: Catalogue | None = None, source: str = "") -> Plan:
    """Return the plan if it is valid; raise PlanInvalid with every error otherwise."""
    errors = plan_errors(plan, metrics)
    if errors:
        raise PlanInvalid(errors, source)
    return plan

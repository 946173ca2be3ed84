"""Adjustments to the earned lines, each a line of its own so the statement explains itself:
gates, caps and floors, the recoverable draw, the guaranteed minimum, clawbacks of unwound deals,
and negative balances brought forward and carried forward (never dropped).

Adjustments are computed from the rounded amounts of the lines they adjust, so caps and floors hold
exactly on the lines shown; what each deal was paid is kept in whole fen, so a clawback repays exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dealerkpi.core.money import ZERO, fen

from . import expr
from .context import Context
from .inputs import Deal, History, Period
from .policy import EvaluationError, Skipped
from .schema import ONE, Draw, Gate, Plan
from .trace import DealShare, GateResult, Item, PayoutLine, payout_line, shown, wording


def _sum(lines: Sequence[PayoutLine], categories: Sequence[str] | None = None) -> Decimal:
    return sum((line.amount for line in lines if categories is None or line.category in categories), ZERO)


def _constant(expression: expr.Node) -> Decimal | None:
    return expression.value if isinstance(expression, expr.Number) else None


def _held(gate: Gate, context: Context) -> tuple[bool, Decimal | None, dict[str, Decimal]]:
    """Whether the gate holds, its factor (computed only when it holds, unless it is a number) and the figures
    read. Raises Skipped under the `skip` policy."""
    held, inputs = context.evaluate(gate.when)
    if held == ZERO:
        return False, _constant(gate.factor.tree), inputs
    factor, used = context.evaluate(gate.factor)
    if factor < ZERO:
        raise EvaluationError(f"gate {gate.id}: multiply {gate.factor} is {factor} for {context.person.id}; "
                              "a gate cannot multiply pay by less than 0")
    return True, factor, {**inputs, **used}


def _factor_text(gate: Gate, factor: Decimal) -> str:
    """The factor as the statement shows it: the number, or the expression and what it came to."""
    return str(factor) if _constant(gate.factor.tree) is not None else f"{gate.factor} = {shown(factor)}"


def gate_lines(
    plan: Plan, context: Context, lines: Sequence[PayoutLine], notes: list[str]
) -> tuple[tuple[GateResult, ...], list[PayoutLine]]:
    """Each gate that holds multiplies the lines it applies to (by a number or by what an expression comes to);
    one reduction line per category."""
    multipliers = [ONE] * len(lines)
    results, reductions_made = [], []
    for gate in plan.gates:
        try:
            with context.evaluating(Item("gate", gate.id, gate.label)):
                held, factor, inputs = _held(gate, context)
        except Skipped as skipped:
            notes.append(f"gate {gate.id} not applied: {skipped}")
            continue
        results.append(GateResult(gate.id, gate.label, gate.when.source, held, factor, inputs))
        if not held or factor is None:
            continue
        reductions: dict[str, Decimal] = {}
        for index, line in enumerate(lines):
            if line.category in gate.applies_to or line.rule in gate.applies_to:
                current = line.amount * multipliers[index]
                reductions[line.category] = reductions.get(line.category, ZERO) + current * (factor - ONE)
                multipliers[index] *= factor
        said = _factor_text(gate, factor)
        reductions_made.extend(
            payout_line(
                category,
                "gate",
                gate.id,
                f"{gate.label} (x {said})",
                reduction,
                inputs,
                {"factor": factor},
                wording=wording("gate", label=gate.label, factor=said),
            )
            for category, reduction in reductions.items()
            if reduction != ZERO
        )
    return tuple(results), reductions_made


def limit_lines(plan: Plan, lines: Sequence[PayoutLine]) -> list[PayoutLine]:
    """Caps and floors on the sum of the categories each limit applies to."""
    made: list[PayoutLine] = []
    for limit in plan.limits:
        total = _sum([*lines, *made], limit.applies_to)
        names = ", ".join(limit.applies_to)
        if limit.cap is not None and total > fen(limit.cap):
            made.append(
                payout_line(
                    limit.applies_to[0],
                    "cap",
                    "limits",
                    f"cap of {limit.cap} on {names}",
                    fen(limit.cap) - total,
                    values={"before_cap": total, "cap": limit.cap},
                    wording=wording("cap", cap=limit.cap, on=names),
                )
            )
        elif limit.floor is not None and total < fen(limit.floor):
            made.append(
                payout_line(
                    limit.applies_to[0],
                    "floor",
                    "limits",
                    f"floor of {limit.floor} on {names}",
                    fen(limit.floor) - total,
                    values={"before_floor": total, "floor": limit.floor},
                    wording=wording("floor", floor=limit.floor, on=names),
                )
            )
    return made


def draw_lines(
    draw: Draw | None, lines: Sequence[PayoutLine], outstanding: Decimal
) -> tuple[list[PayoutLine], Decimal]:
    """Top earnings up to the draw as an advance, or recover earlier advances from earnings above it.

    Returns the lines and the advances still outstanding.
    """
    if draw is None:
        return [], outstanding
    earned = _sum(lines, draw.applies_to)
    values = {"draw": draw.amount, "earned": earned, "outstanding_before": outstanding}
    if earned < draw.amount:
        advance = fen(draw.amount - earned)
        return [
            payout_line("draw", "draw", "draw", "draw: advance against future commission", advance, values=values,
                        wording=wording("draw"))
        ], outstanding + advance
    recovered = min(outstanding, fen(earned - draw.amount))
    if recovered > ZERO:
        return [
            payout_line(
                "draw",
                "draw_recovery",
                "draw",
                "draw: recovery of earlier advances",
                -recovered,
                values=values,
                wording=wording("draw_recovery"),
            )
        ], outstanding - recovered
    return [], outstanding


def guarantee_lines(minimum: Decimal | None, lines: Sequence[PayoutLine]) -> list[PayoutLine]:
    """Top the pay up to the guaranteed minimum (not recoverable)."""
    total = _sum(lines)
    if minimum is None or total >= fen(minimum):
        return []
    return [
        payout_line(
            "guarantee",
            "guarantee",
            "guaranteed_minimum",
            f"guaranteed minimum of {minimum}",
            fen(minimum) - total,
            values={"before_guarantee": total},
            wording=wording("guarantee", minimum=minimum),
        )
    ]


def minimum_wage_lines(plan: Plan, context: Context, lines: Sequence[PayoutLine]) -> list[PayoutLine]:
    """Compare the month's pay so far (every line before clawbacks and balances: what earlier months' pay gives
    back or brings in is not pay for this month's work) with the minimum wage for the days employed. Below it, a
    line tops the pay up to it, or a warning flags it, as the plan says. No minimum wage given: a warning when the
    plan names `minimum_wage`."""
    person, period, monthly = context.person, context.period, context.person.minimum_wage
    with context.evaluating(Item("minimum_wage", "minimum_wage")):
        if monthly is None:
            if plan.minimum_wage:
                context.warn("missing_minimum_wage", "minimum_wage", plan.minimum_wage)
            return []
        days = person.days_in(period)
        due, pay = fen(monthly * days / period.days), _sum(lines)
        if pay >= due:
            return []
        if not plan.tops_up:
            context.warn("below_minimum_wage", str(due), "flag")
            return []
    return [
        payout_line(
            "base_pay",
            "minimum_wage",
            "minimum_wage",
            f"minimum wage top-up to {due}",
            due - pay,
            inputs={"minimum_wage": monthly, "days_employed": Decimal(days)},
            values={"days_in_month": Decimal(period.days), "minimum_wage_due": due, "pay_before_top_up": pay},
            wording=wording("minimum_wage", minimum=due),
        )
    ]


def clawback_lines(
    deals: Sequence[Deal], person: str, period: Period, history: History, notes: list[str]
) -> list[PayoutLine]:
    """A deal paid in an earlier period and unwound in this one: the amount paid comes back, negative. Paid to
    the person credited on it, or by a team-scope rule to someone else (a supervisor): each repays what they
    were paid for it, to the fen."""
    made = []
    for deal in deals:
        if not deal.reversed_in(period):
            continue
        credited = any(credit.person == person for credit in deal.credits)
        paid = history.paid_for_deals.get(deal.id)
        if paid is None and credited:
            notes.append(f"deal {deal.id} was unwound but history shows no payment for it")
        if paid is None or (paid == ZERO and not credited):
            continue
        made.append(
            payout_line(
                "clawback",
                "clawback",
                deal.id,
                f"clawback: deal {deal.id} unwound on {deal.unwound_on}",
                -paid,
                values={"paid_earlier": paid},
                deals=(DealShare(deal.id, ZERO, -paid),),
                wording=wording("clawback", deal=deal.id, date=deal.unwound_on),
            )
        )
    return made


def balance_lines(history: History, lines: Sequence[PayoutLine]) -> tuple[list[PayoutLine], Decimal]:
    """Bring the earlier negative balance in; carry a negative result forward. Returns lines and balance."""
    made = []
    if history.carried_balance != ZERO:
        made.append(
            payout_line("balance", "brought_forward", "balance", "balance brought forward", history.carried_balance,
                        wording=wording("brought_forward"))
        )
    total = _sum([*lines, *made])
    if total < ZERO:
        made.append(
            payout_line(
                "balance",
                "carried_forward",
                "balance",
                "negative balance carried forward, recoverable",
                -total,
                wording=wording("carried_forward"),
            )
        )
        return made, total
    return made, ZERO


def in_fen(amounts: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """`total` (whole fen) in parts that follow `amounts`: each part is the running sum of the amounts rounded,
    less the rounding before it, and the last part takes what is left, so the parts are whole fen adding up
    to `total` exactly."""
    parts, running, rounded = [], ZERO, ZERO
    for amount in amounts:
        running += amount
        now = fen(running)
        parts.append(now - rounded)
        rounded = now
    if parts:
        parts[-1] += total - sum(parts, ZERO)
    return parts


def paid_for_deals(earned: Sequence[PayoutLine], adjusted: Sequence[PayoutLine]) -> dict[str, Decimal]:
    """What each deal was paid, in whole fen: each line's amount shared by its deals, then each category's
    earned lines scaled to what gates and limits left of the category (a category that earned nothing pays its
    deals nothing). The deals' parts and the other lines' add up to the category's lines shown, so a clawback
    repays exactly what was paid."""
    paid: dict[str, Decimal] = {}
    for category in dict.fromkeys(line.category for line in earned if line.deals):
        parts = [part for line in earned if line.category == category for part in _shared(line)]
        before, after = sum((amount for _, amount in parts), ZERO), _sum(adjusted, (category,))
        for deal, amount in parts if after == before != ZERO else _scaled(parts, before, after):
            if deal is not None:
                paid[deal] = paid.get(deal, ZERO) + amount
    return paid


def _scaled(parts: list[tuple[str | None, Decimal]], before: Decimal, after: Decimal
            ) -> list[tuple[str | None, Decimal]]:
    """The parts (whole fen, adding up to `before`) scaled to add up to `after`, in whole fen; all nothing when
    `before` is nothing. Not called when nothing was cut (`after == before`, not nothing): scaled by 1, the parts
    would come back as they are, one rounding a part later."""
    scale, total = (after / before, after) if before != ZERO else (ZERO, ZERO)
    shares = in_fen([amount * scale for _, amount in parts], total)
    return [(deal, share) for (deal, _), share in zip(parts, shares, strict=True)]


def _shared(line: PayoutLine) -> list[tuple[str | None, Decimal]]:
    """The line's amount in whole fen per deal (a line without deals: one part of no deal)."""
    if not line.deals:
        return [(None, line.amount)]
    amounts = in_fen([share.amount for share in line.deals], line.amount)
    return [(share.deal, amount) for share, amount in zip(line.deals, amounts, strict=True)]

"""Adjustments to the earned lines, each a line of its own so the statement explains itself:
gates, caps and floors, the recoverable draw, the guaranteed minimum, clawbacks of unwound deals,
and negative balances brought forward and carried forward (never dropped).

Adjustments are computed from the rounded amounts of the lines they adjust, so caps and floors hold
exactly on the lines shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dealerkpi.core.money import ZERO, fen

from .context import Context
from .inputs import Deal, History, Period
from .policy import Skipped
from .schema import Draw, Plan
from .trace import DealShare, GateResult, PayoutLine, payout_line, wording

ONE = Decimal(1)


def _sum(lines: Sequence[PayoutLine], categories: Sequence[str] | None = None) -> Decimal:
    return sum((line.amount for line in lines if categories is None or line.category in categories), ZERO)


def gate_lines(
    plan: Plan, context: Context, lines: Sequence[PayoutLine], notes: list[str]
) -> tuple[tuple[GateResult, ...], list[PayoutLine]]:
    """Each gate that holds multiplies the lines it applies to; one reduction line per category."""
    multipliers = [ONE] * len(lines)
    results, reductions_made = [], []
    for gate in plan.gates:
        try:
            held, inputs = context.evaluate(gate.when)
        except Skipped as skipped:
            notes.append(f"gate {gate.id} not applied: {skipped}")
            continue
        results.append(GateResult(gate.id, gate.label, gate.when.source, held != ZERO, gate.factor, inputs))
        if held == ZERO:
            continue
        reductions: dict[str, Decimal] = {}
        for index, line in enumerate(lines):
            if line.category in gate.applies_to or line.rule in gate.applies_to:
                current = line.amount * multipliers[index]
                reductions[line.category] = reductions.get(line.category, ZERO) + current * (gate.factor - ONE)
                multipliers[index] *= gate.factor
        reductions_made.extend(
            payout_line(
                category,
                "gate",
                gate.id,
                f"{gate.label} (x {gate.factor})",
                reduction,
                inputs,
                {"factor": gate.factor},
                wording=wording("gate", label=gate.label, factor=gate.factor),
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


def clawback_lines(
    deals: Sequence[Deal], person: str, period: Period, history: History, notes: list[str]
) -> list[PayoutLine]:
    """A deal paid in an earlier period and unwound in this one: the amount paid comes back, negative."""
    made = []
    for deal in deals:
        unwound_now = deal.unwound_on is not None and period.first_day <= deal.unwound_on <= period.last_day
        if not unwound_now or deal.delivered_on >= period.first_day:
            continue
        if not any(credit.person == person for credit in deal.credits):
            continue
        paid = history.paid_for_deals.get(deal.id)
        if paid is None:
            notes.append(f"deal {deal.id} was unwound but history shows no payment for it")
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


def paid_for_deals(earned: Sequence[PayoutLine], adjusted: Sequence[PayoutLine]) -> dict[str, Decimal]:
    """What each deal was paid: its shares, scaled by what gates and limits left of each category."""
    paid: dict[str, Decimal] = {}
    for line in earned:
        before = _sum(earned, (line.category,))
        after = _sum(adjusted, (line.category,))
        scale = after / before if before != ZERO else ZERO
        for share in line.deals:
            paid[share.deal] = paid.get(share.deal, ZERO) + share.amount * scale
    return paid

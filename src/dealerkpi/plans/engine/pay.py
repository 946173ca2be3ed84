"""Earned payout lines: base pay by result, the bonus from the coefficient table, and the pay rules
(commissions, fines, formulas, quarterly and annual bonuses), each optionally multiplied by a coefficient."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from dealerkpi.core.money import ZERO

from .commissions import Earned, PeriodDeals, credited_quantities, deal_rate_earned, deal_tiers_earned
from .context import Context
from .policy import Skipped
from .schema import DealRate, DealTiers, Fine, Formula, PayRule, Plan
from .trace import DealShare, Item, PayoutLine, payout_line, wording


def base_pay_line(plan: Plan, context: Context) -> PayoutLine | None:
    """The first base pay entry whose condition holds (the last entry has none)."""
    for rule in plan.base_pay:
        with context.evaluating(Item("base_pay", "base_pay")):
            held, inputs = context.evaluate(rule.when) if rule.when else (Decimal(1), {})
        if held != ZERO:
            label = f"base pay ({rule.when})" if rule.when else "base pay"
            said = wording("base_pay_when", when=rule.when) if rule.when else wording("base_pay")
            return payout_line("base_pay", "base_pay", "base_pay", label, rule.amount, inputs, wording=said)
    return None


def bonus_line(plan: Plan, context: Context, total_score: Decimal) -> tuple[PayoutLine | None, Decimal | None]:
    """Base bonus x the coefficient of the band the total score falls in."""
    if plan.bonus is None:
        return None, None
    with context.evaluating(Item("bonus", "bonus")):
        base, inputs = context.evaluate(plan.bonus.base)
    band = plan.bonus.coefficients.band(total_score)
    coefficient = band.value if band else ZERO
    values = {"base": base, "total_score": total_score, "coefficient": coefficient}
    line = payout_line(
        "bonus",
        "bonus",
        "bonus",
        f"bonus: {base} x coefficient {coefficient}",
        base * coefficient,
        inputs,
        values,
        wording=wording("bonus", base=base, coefficient=coefficient),
    )
    return line, coefficient


def _earned(rule: PayRule, deals: PeriodDeals, context: Context) -> Earned:
    spec = rule.spec
    if isinstance(spec, DealRate | DealTiers):
        quantities = credited_quantities(rule, spec.basis, deals, context)
        if isinstance(spec, DealRate):
            return deal_rate_earned(rule, spec, quantities, context)
        return deal_tiers_earned(rule, spec, quantities, context)
    if isinstance(spec, Fine):
        count, inputs = context.evaluate(spec.count)
        return Earned(-spec.amount * count, (), inputs, {"count": count, "per_incident": spec.amount})
    assert isinstance(spec, Formula)
    amount, inputs = context.evaluate(spec.amount)
    return Earned(amount, (), inputs)


def pay_rule_line(rule: PayRule, deals: PeriodDeals, context: Context) -> PayoutLine:
    earned = _earned(rule, deals, context)
    amount, shares = earned.amount, earned.shares
    inputs, values = dict(earned.inputs), dict(earned.values)
    if rule.multiply_by is not None:
        multiplier, used = context.evaluate(rule.multiply_by)
        inputs.update(used)
        values.update(before_multiplier=amount, multiplier=multiplier)
        amount *= multiplier
        shares = tuple(DealShare(share.deal, share.quantity, share.amount * multiplier) for share in shares)
    return payout_line(rule.category, rule.kind, rule.id, rule.label, amount, inputs, values, shares)


def earned_lines(plan: Plan, deals: PeriodDeals, context: Context, notes: list[str]) -> Iterator[PayoutLine]:
    """Lines of the pay rules due this period; a rule skipped under the `skip` policy leaves a note."""
    for rule in plan.pay_rules:
        if not context.period.closes(rule.every):
            continue
        try:
            with context.evaluating(Item("pay_rule", rule.id, rule.label)):
                line = pay_rule_line(rule, deals, context)
        except Skipped as skipped:
            notes.append(f"pay rule {rule.id} skipped: {skipped}")
            continue
        yield line

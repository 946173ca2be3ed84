"""Earned payout lines: base pay by result, the bonus from the coefficient table, and the pay rules
(commissions, fines, formulas, quarterly and annual bonuses), each optionally multiplied by a coefficient."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from dealerkpi.core.money import ZERO

from .commissions import Earned, PeriodDeals, credited_quantities, deal_rate_earned, deal_tiers_earned
from .context import Context
from .policy import Skipped
from .schema import DealRate, DealTiers, Expression, Fine, Formula, PayRule, Plan
from .trace import DealShare, Item, PayoutLine, payout_line, wording


def base_pay_line(plan: Plan, context: Context, notes: list[str]) -> PayoutLine | None:
    """The first base pay entry whose condition holds (the last entry has none), paying its amount (a number or
    an expression such as base_salary). Under the `skip` policy an entry whose condition cannot be computed is
    left out and the next one is tried; an amount that cannot be computed leaves base pay out; each with a note."""
    item = Item("base_pay", "base_pay")
    for position, rule in enumerate(plan.base_pay, start=1):
        try:
            held, inputs = _evaluated(context, item, rule.when) if rule.when else (Decimal(1), {})
        except Skipped as skipped:
            notes.append(f"base pay entry {position} (when {rule.when}) left out: {skipped}")
            continue
        if held == ZERO:
            continue
        try:
            amount, used = _evaluated(context, item, rule.amount)
        except Skipped as skipped:
            notes.append(f"base pay left out: {skipped}")
            return None
        label = f"base pay ({rule.when})" if rule.when else "base pay"
        said = wording("base_pay_when", when=rule.when) if rule.when else wording("base_pay")
        return payout_line("base_pay", "base_pay", "base_pay", label, amount, {**inputs, **used}, wording=said)
    return None


def bonus_line(
    plan: Plan, context: Context, total_score: Decimal, notes: list[str]
) -> tuple[PayoutLine | None, Decimal | None]:
    """Base bonus x the coefficient of the band the total score falls in. Under the `skip` policy a base that
    cannot be computed leaves the bonus out, with a note."""
    if plan.bonus is None:
        return None, None
    try:
        base, inputs = _evaluated(context, Item("bonus", "bonus"), plan.bonus.base)
    except Skipped as skipped:
        notes.append(f"bonus left out: {skipped}")
        return None, None
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


def _evaluated(context: Context, item: Item, expression: Expression) -> tuple[Decimal, dict[str, Decimal]]:
    """The expression's value and the figures it read, evaluated as part of `item` (for the warnings)."""
    with context.evaluating(item):
        return context.evaluate(expression)


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

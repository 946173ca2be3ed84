"""Commissions on deals: rates per unit or percent, tiers on the period-to-date total or on each deal's own
figure, profit above a threshold; each deal's share attributed by where it falls in the period-to-date total.

A tier schedule defines `earned_to(position)`, the pay for a period-to-date total; a deal occupying
[position, position + quantity) earns the difference, so a deal that crosses a band is split, and the
shares of the period's deals add up to the period's pay. Tiers on each deal pay each deal `earned_to` its
own figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from .context import Context
from .inputs import Deal, Period, credited
from .schema import ONE, Band, DealRate, DealTiers, PayRule, Table
from .trace import DealShare


@dataclass(frozen=True)
class Step:
    """A band of a tier schedule: from `low` (to `high`, or on) the rate per unit of the basis; with `low_open`
    (a band written `above`), a retroactive total reaches the band only beyond `low`."""

    low: Decimal
    high: Decimal | None
    rate: Decimal
    low_open: bool = False

    def reached_by(self, position: Decimal) -> bool:
        return position > self.low or (position == self.low and not self.low_open)


def earned_to(position: Decimal, steps: Sequence[Step], method: str) -> Decimal:
    """Pay for a period-to-date total of `position`.

    marginal: each part of the total at its own band's rate (whether a bound is in a band changes nothing).
    retroactive (全额累进): the whole total at the rate of the band it reached.
    """
    if method == "retroactive":
        reached = [step for step in steps if step.reached_by(position)]
        return reached[-1].rate * position if reached else ZERO
    return sum(
        (
            step.rate * max(ZERO, (position if step.high is None else min(position, step.high)) - step.low)
            for step in steps
        ),
        ZERO,
    )


def attribute(
    start: Decimal, quantities: Sequence[tuple[str, Decimal]], steps: Sequence[Step], method: str
) -> tuple[DealShare, ...]:
    """Each deal's share, taking the deals in order from the period-to-date position `start`."""
    shares = []
    position, earned = start, earned_to(start, steps, method)
    for deal, quantity in quantities:
        end = position + quantity
        earned_by_end = earned_to(end, steps, method)
        shares.append(DealShare(deal, quantity, earned_by_end - earned))
        position, earned = end, earned_by_end
    return tuple(shares)


def steps_of(table: Table, percent: bool, method: str, scale: Decimal = HUNDRED) -> tuple[Step, ...]:
    """The schedule of a tier table; bounds in percent of `scale` (100: as written), rates per unit.

    A band of whole units `units: 11-20` covers the totals 11 to 20 when the whole total is paid at one rate
    (retroactive), and the 11th to the 20th unit, the positions from 10 to 20, when each unit is paid at its
    band's rate (marginal)."""
    divisor = HUNDRED if percent else ONE
    return tuple(_step(band, scale, band.value / divisor, method) for band in table.bands)


def _step(band: Band, scale: Decimal, rate: Decimal, method: str) -> Step:
    shift = ONE if band.units and method == "marginal" else ZERO
    low = (band.low or ZERO) - shift
    high = None if band.high is None else band.high - shift
    return Step(low * scale / HUNDRED, None if high is None else high * scale / HUNDRED, rate, band.low_open)


@dataclass(frozen=True)
class PeriodDeals:
    """The deals that count in the period, in date order, indexed once by each person and team credited: every
    person's commission rules look up their own deals instead of reading all of the store's (25 people x 100
    deals x 7 rules was the engine's largest cost)."""

    deals: tuple[Deal, ...]
    credited: Mapping[tuple[str, str], tuple[Deal, ...]]

    def credited_to(self, by: str, key: str) -> tuple[Deal, ...]:
        """The deals credited to the person (`by="person"`) or team (`by="team"`) `key`, in date order."""
        return self.credited.get((by, key), ())


def deals_of_period(deals: Sequence[Deal], period: Period) -> PeriodDeals:
    """Deals delivered in the period and not unwound by its end, in date order."""
    ordered = sorted((deal for deal in deals if deal.counts_in(period)), key=lambda deal: (deal.delivered_on, deal.id))
    index: dict[tuple[str, str], list[Deal]] = defaultdict(list)
    for deal in ordered:
        keys = [("person", credit.person) for credit in deal.credits] + [("team", c.team) for c in deal.credits]
        for key in dict.fromkeys(keys):
            index[key].append(deal)
    return PeriodDeals(tuple(ordered), {key: tuple(found) for key, found in index.items()})


def credited_quantities(
    rule: PayRule, basis: str, deals: PeriodDeals, context: Context
) -> list[tuple[Deal, Decimal]]:
    """The basis figure of each deal credited to the person (or, for team scope, to the person's team)."""
    key = context.person.team if rule.scope == "team" else context.person.id
    by = "team" if rule.scope == "team" else "person"
    return [(deal, credited(deal, basis, by).get(key, ZERO)) for deal in deals.credited_to(by, key)]


@dataclass(frozen=True)
class Earned:
    amount: Decimal
    shares: tuple[DealShare, ...] = ()
    inputs: dict[str, Decimal] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)


def earned_by_deals(shares: tuple[DealShare, ...], inputs: dict[str, Decimal], values: dict[str, Decimal]) -> Earned:
    return Earned(sum((share.amount for share in shares), ZERO), shares, inputs, values)


def _start(rule: PayRule, basis: str, context: Context) -> Decimal:
    if rule.over == "month":
        return ZERO
    return context.figures.earlier_sum(context.person.id, rule.over, basis, context.period, of_targets=False)


def deal_rate_earned(rule: PayRule, spec: DealRate, quantities: list[tuple[Deal, Decimal]], context: Context) -> Earned:
    """A rate per unit or percent: flat, by model, or picked by a figure's level; or above a threshold."""
    inputs: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    rate = spec.rate or ZERO
    if spec.rate_by is not None and spec.table is not None:
        level, inputs = context.evaluate(spec.rate_by)
        band = spec.table.band(level)
        rate = band.value if band else ZERO
        values.update(level=level, rate=rate)
    divisor = HUNDRED if spec.percent else Decimal(1)
    if spec.above is not None:
        threshold, used = context.evaluate(spec.above)
        inputs.update(used)
        start = _start(rule, spec.basis, context)
        values.update(threshold=threshold, period_to_date_before=start)
        steps = (Step(ZERO, threshold, ZERO), Step(threshold, None, rate / divisor))
        return earned_by_deals(
            attribute(start, [(deal.id, q) for deal, q in quantities], steps, "marginal"), inputs, values
        )
    models = dict(spec.by_model)
    shares = tuple(DealShare(deal.id, q, q * models.get(deal.model_code, rate) / divisor) for deal, q in quantities)
    return earned_by_deals(shares, inputs, values)


def deal_tiers_earned(
    rule: PayRule, spec: DealTiers, quantities: list[tuple[Deal, Decimal]], context: Context
) -> Earned:
    """Tiers on the period-to-date total, marginal or retroactive; on attainment, bounds are % of target;
    on each deal, each deal's own figure."""
    if spec.on == "each_deal":
        return each_deal_tiers_earned(spec, quantities)
    inputs: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    scale = HUNDRED
    if spec.on == "attainment" and spec.target is not None:
        scale, inputs = context.evaluate(spec.target)
        values["target"] = scale
    start = _start(rule, spec.basis, context)
    steps = steps_of(spec.table, spec.percent, spec.method, scale)
    shares = attribute(start, [(deal.id, q) for deal, q in quantities], steps, spec.method)
    end = start + sum((q for _, q in quantities), ZERO)
    values.update(
        period_to_date_before=start,
        period_to_date_after=end,
        earned_to_before=earned_to(start, steps, spec.method),
        earned_to_after=earned_to(end, steps, spec.method),
    )
    return earned_by_deals(shares, inputs, values)


def each_deal_tiers_earned(spec: DealTiers, quantities: list[tuple[Deal, Decimal]]) -> Earned:
    """Each deal paid on its own figure (the whole deal's, so split credit does not lower its band), at most
    `cap_per_deal`, then shared by credit."""
    steps = steps_of(spec.table, spec.percent, spec.method)
    shares = tuple(DealShare(deal.id, part, _deal_pay(deal, part, spec, steps)) for deal, part in quantities)
    values = {} if spec.cap_per_deal is None else {"cap_per_deal": spec.cap_per_deal}
    return earned_by_deals(shares, {}, values)


def _deal_pay(deal: Deal, part: Decimal, spec: DealTiers, steps: Sequence[Step]) -> Decimal:
    """The credited `part` of what the whole deal earns on its own figure, capped."""
    whole = deal.figure(spec.basis)
    if whole == ZERO:
        return ZERO
    pay = earned_to(whole, steps, spec.method)
    if spec.cap_per_deal is not None:
        pay = min(pay, spec.cap_per_deal)
    return pay * part / whole

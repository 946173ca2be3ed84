"""Payout curves: what a tiers rule pays against the level of its basis, by the engine's own tier maths
(commissions.steps_of and earned_to), so a plan page draws the pay the run computes.

    levels = tier_levels(spec)                  # 0, 1, ... 10 cars; or amounts with each bound and just below it
    tier_curve(spec, levels)                    # ((level, pay), ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from .catalogue import METRICS
from .commissions import earned_to, steps_of
from .schema import ONE, DealTiers

UNITS_TARGET, AMOUNT_TARGET = Decimal(10), Decimal(100000)  # tiers on attainment pay for a target: a curve shows
# one of 10 units, or of 100,000 yuan for a basis in money
AMOUNT_POINTS = 40  # levels of an amount between 0 and the curve's end, besides the bounds


def counts_units(spec: DealTiers) -> bool:
    """Whether the rule's level is a count of whole units (cars), so the curve is drawn car by car."""
    metric = METRICS.get(spec.basis.partition(":")[0])
    return metric is not None and metric.unit == "units"


def illustrative_target(spec: DealTiers) -> Decimal:
    return UNITS_TARGET if counts_units(spec) else AMOUNT_TARGET


def tier_curve(
    spec: DealTiers, levels: Sequence[Decimal], target: Decimal | None = None
) -> tuple[tuple[Decimal, Decimal], ...]:
    """The pay at each level: the period-to-date total of the basis (`on: basis`), the attainment in percent of
    `target` (`on: attainment`; by default an illustrative one), or one deal's own figure (`on: each_deal`, at most
    `cap_per_deal`)."""
    if spec.on == "attainment":
        target = target or illustrative_target(spec)
        steps = steps_of(spec.table, spec.percent, spec.method, target)
        return tuple((level, earned_to(level * target / HUNDRED, steps, spec.method)) for level in levels)
    steps = steps_of(spec.table, spec.percent, spec.method)
    curve = []
    for level in levels:
        pay = earned_to(level, steps, spec.method)
        if spec.on == "each_deal" and spec.cap_per_deal is not None:
            pay = min(pay, spec.cap_per_deal)
        curve.append((level, pay))
    return tuple(curve)


def tier_levels(spec: DealTiers) -> tuple[Decimal, ...]:
    """The levels a curve is drawn at: from 0 past the last bound (and, for a deal's pay, to its cap). Whole units
    car by car (on attainment: the percent each car makes of the illustrative target); an amount at even steps, with
    each bound and one yuan below it, where a retroactive rule jumps."""
    bounds = sorted({bound for band in spec.table.bands for bound in (band.low, band.high) if bound is not None})
    last = bounds[-1] if bounds else ZERO
    if spec.on == "attainment":
        if counts_units(spec):
            target = illustrative_target(spec)
            cars = int(last * target / HUNDRED) + int(target) // 2 + 1
            return tuple(Decimal(car) * HUNDRED / target for car in range(cars + 1))
        step = Decimal(5)
        return tuple(sorted({*(step * n for n in range(int(max(last * Decimal("1.25"), HUNDRED) / step) + 1)),
                             *bounds}))
    if counts_units(spec):
        return tuple(Decimal(unit) for unit in range(int(last + max(Decimal(3), last / 2)) + 1))
    end = _past_the_cap(spec, last * Decimal("1.5") if last > ZERO else Decimal(10000))
    step = round_step(end / AMOUNT_POINTS)
    below = {bound - ONE for bound in bounds if bound > ONE}
    return tuple(sorted({*(step * n for n in range(int(end / step) + 1)), *bounds, *below}))


def _past_the_cap(spec: DealTiers, end: Decimal) -> Decimal:
    """The end of a deal's curve: doubled until the deal's pay reaches the cap (at most 64 times the first end)."""
    if spec.cap_per_deal is None:
        return end
    furthest = end * 64
    while end < furthest and tier_curve(spec, (end,))[0][1] < spec.cap_per_deal:
        end *= 2
    return end * Decimal("1.2")


def round_step(step: Decimal) -> Decimal:
    """The step at or above `step` that a reader counts in: 1, 2, 2.5 or 5 times a power of ten."""
    power = Decimal(10) ** step.adjusted()
    return next(factor * power for factor in (ONE, Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
                if factor * power >= step)

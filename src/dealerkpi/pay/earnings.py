"""Earnings to date: during the month, what a person has earned so far under their plan, from live records,
and what one more car like their average car this month would add (the next tier, a gate lifted...)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from dealerkpi.core.money import ZERO, fen
from dealerkpi.org.models import Staff
from dealerkpi.pay.inputs import read_store_month
from dealerkpi.pay.runs import Evaluated, evaluate_store
from dealerkpi.plans import engine
from dealerkpi.plans.engine.catalogue import DEAL_FIGURES

NEXT_CAR = "what-if-next-car"


@dataclass(frozen=True)
class EarningsToDate:
    as_of: datetime.date
    now: Evaluated
    total: Decimal
    with_next_car: Decimal | None

    @property
    def next_car_adds(self) -> Decimal | None:
        return None if self.with_next_car is None else self.with_next_car - self.total


def _average_car(deals: tuple[engine.Deal, ...], person: str) -> dict[str, Decimal]:
    """The figures of the person's average credited car this month (the store's average if they have none)."""
    own = [d for d in deals if any(c.person == person for c in d.credits) and d.unwound_on is None]
    sample = own or [d for d in deals if d.unwound_on is None]
    if not sample:
        return {"units_delivered": Decimal(1)}
    averages = {name: sum((d.figure(name) for d in sample), ZERO) / len(sample) for name in DEAL_FIGURES}
    return {**averages, "units_delivered": Decimal(1)}


def one_more_car(person: engine.Person, day: datetime.date) -> Callable[[engine.PeriodInputs], engine.PeriodInputs]:
    def change(inputs: engine.PeriodInputs) -> engine.PeriodInputs:
        figures = _average_car(inputs.deals, person.id)
        deal = engine.Deal(NEXT_CAR, day, (engine.Credit(person.id, Decimal(100), person.team),), figures)
        extra = engine.Actuals(person.id, person.team, figures)
        return replace(inputs, deals=(*inputs.deals, deal), actuals=(*inputs.actuals, extra))

    return change


def _total(item: Evaluated) -> Decimal:
    return fen(item.result.total + sum((a.amount for a in item.adjustments), ZERO))


def earnings_to_date(staff: Staff, today: datetime.date) -> EarningsToDate | None:
    """None when no plan applies to the person this month."""
    period = engine.Period(today.year, today.month)
    month = read_store_month(staff.store, period)  # read once for both evaluations
    now = evaluate_store(month, only=staff.pk)
    if not now:
        return None
    mine = now[0]
    person = engine.Person(str(staff.pk), staff.name, mine.member.role, mine.result.team)
    later = evaluate_store(month, only=staff.pk, what_if=one_more_car(person, today))
    with_next = _total(later[0]) if later and not later[0].result.error else None
    return EarningsToDate(today, mine, _total(mine), with_next)

"""deals(): the deal-level records the engine attributes commissions to, one per delivery, in one query.

A deal is listed for a period when it counts in it (delivered, or under PAID crediting fully paid, in the
period) or when it is unwound in it (so the engine can claw back what an earlier period paid). Its
`delivered_on` is the day it counts (the delivery day, or under PAID the later of delivery and full payment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F, OuterRef, QuerySet
from django.utils import timezone

from dealerkpi.org.models import Store
from dealerkpi.plans.engine import Credit, Deal, Period
from dealerkpi.plans.engine.catalogue import DEAL_FIGURES

from .base import tidy
from .period import SHANGHAI, Crediting, Frame, local_day, team_of_day
from .sales import MARGIN_CODE, MODEL_CODE, deal_credits


def _credit_rows(frame: Frame) -> QuerySet:
    fields = [f"fig_{name}" for name in DEAL_FIGURES]
    return (
        deal_credits(frame)
        .annotate(metric_day=local_day("order__delivery__delivered_at"))
        .annotate(
            metric_team=team_of_day("staff_id", OuterRef("metric_day")),
            delivery_id=F("order__delivery__id"),
            model_code=F(MODEL_CODE),
            margin_code=F(MARGIN_CODE),
        )
        .order_by("delivery_id", "staff_id")
        .values("store_id", "delivery_id", "deal_credited_at", "deal_unwound_at", "staff_id", "share", "metric_team",
                "model_code", "margin_code", *fields)
    )


def _deal(delivery_id: int, row: dict, credits: list[Credit]) -> Deal:
    unwound = row["deal_unwound_at"]
    return Deal(
        id=str(delivery_id),
        delivered_on=timezone.localtime(row["deal_credited_at"], SHANGHAI).date(),
        credits=tuple(credits),
        figures={name: tidy(Decimal(str(row[f"fig_{name}"]))) for name in DEAL_FIGURES},
        model_code=row["model_code"] or "",
        margin_class=row["margin_code"] or "",
        unwound_on=timezone.localtime(unwound, SHANGHAI).date() if unwound else None,
    )


def _deals(frame: Frame, by_store: bool) -> dict[int, tuple[Deal, ...]]:
    """The deals by store (by_store) or all under key 0, each ordered by the day it counts, then id."""
    found: dict[int, dict[int, tuple[dict, list[Credit]]]] = defaultdict(dict)
    for row in _credit_rows(frame):
        group = row["store_id"] if by_store else 0
        _first, credits = found[group].setdefault(row["delivery_id"], (row, []))
        credits.append(Credit(str(row["staff_id"]), tidy(row["share"]), str(row["metric_team"] or "")))
    return {
        group: tuple(sorted((_deal(pk, row, credits) for pk, (row, credits) in deals.items()),
                            key=lambda deal: (deal.delivered_on, deal.id)))
        for group, deals in found.items()
    }


def deals(
    stores: QuerySet[Store] | Sequence[int], period: Period, crediting: Crediting | str = Crediting.DELIVERED
) -> tuple[Deal, ...]:
    """Each deal of the stores with its credits (share, team of the delivery day), whole-deal figures, model
    code, margin class and the day it was unwound, if it was. Ordered by the day it counts, then id."""
    return _deals(Frame.of(stores, period, crediting), by_store=False).get(0, ())


def deals_by_store(
    stores: Sequence[int], period: Period, crediting: Crediting | str = Crediting.DELIVERED
) -> dict[int, tuple[Deal, ...]]:
    """Each store's deals, as deals() gives them for that store alone (the credits recorded in it), from one
    query over all the stores."""
    frame = Frame.of(stores, period, crediting)
    found = _deals(frame, by_store=True)
    return {store_id: found.get(store_id, ()) for store_id in frame.store_ids}

"""deals(): the deal-level records the engine attributes commissions to, one per delivery, in one query.

A deal is listed for a period when it counts in it (delivered, or under PAID crediting fully paid, in the
period) or when it is unwound in it (so the engine can claw back what an earlier period paid). Its
`delivered_on` is the day it counts (the delivery day, or under PAID the later of delivery and full payment).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F, OuterRef, QuerySet
from django.utils import timezone

from dealerkpi.kpi.engine import Credit, Deal, Period
from dealerkpi.kpi.engine.catalogue import DEAL_FIGURES
from dealerkpi.org.models import Store

from .base import tidy
from .period import SHANGHAI, Crediting, Frame, local_day, team_of_day
from .sales import MARGIN_CODE, MODEL_CODE, deal_credits


def deals(
    stores: QuerySet[Store] | Sequence[int], period: Period, crediting: Crediting | str = Crediting.DELIVERED
) -> tuple[Deal, ...]:
    """Each deal with its credits (share, team of the delivery day), whole-deal figures, model code, margin
    class and the day it was unwound, if it was. Ordered by the day it counts, then id."""
    frame = Frame.of(stores, period, crediting)
    fields = [f"fig_{name}" for name in DEAL_FIGURES]
    rows = (
        deal_credits(frame)
        .annotate(metric_day=local_day("order__delivery__delivered_at"))
        .annotate(
            metric_team=team_of_day("staff_id", OuterRef("metric_day")),
            delivery_id=F("order__delivery__id"),
            model_code=F(MODEL_CODE),
            margin_code=F(MARGIN_CODE),
        )
        .order_by("delivery_id", "staff_id")
        .values("delivery_id", "deal_credited_at", "deal_unwound_at", "staff_id", "share", "metric_team",
                "model_code", "margin_code", *fields)
    )
    found: dict[int, dict] = {}
    for row in rows:
        deal = found.setdefault(row["delivery_id"], {"row": row, "credits": []})
        deal["credits"].append(Credit(str(row["staff_id"]), tidy(row["share"]), str(row["metric_team"] or "")))
    made = []
    for delivery_id, deal in found.items():
        row = deal["row"]
        unwound = row["deal_unwound_at"]
        made.append(
            Deal(
                id=str(delivery_id),
                delivered_on=timezone.localtime(row["deal_credited_at"], SHANGHAI).date(),
                credits=tuple(deal["credits"]),
                figures={name: tidy(Decimal(str(row[f"fig_{name}"]))) for name in DEAL_FIGURES},
                model_code=row["model_code"] or "",
                margin_class=row["margin_code"] or "",
                unwound_on=timezone.localtime(unwound, SHANGHAI).date() if unwound else None,
            )
        )
    return tuple(sorted(made, key=lambda deal: (deal.delivered_on, deal.id)))

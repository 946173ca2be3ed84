"""deals(): the deal-level records the engine attributes commissions to, one per delivery, in one query (the deal
figures' too: ``sales.deal_rows``).

A deal is listed for a period when it counts in it (delivered, or under PAID crediting fully paid, in the
period) or when it is unwound in it (so the engine can claw back what an earlier period paid). Its
`delivered_on` is the day it counts (the delivery day, or under PAID the later of delivery and full payment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from dealerkpi.org.models import Store
from dealerkpi.plans.engine import Credit, Deal, Period

from .base import tidy
from .period import SHANGHAI, Crediting, Frame
from .sales import FIGURE_COLUMNS, deal_rows


def _deal(delivery_id: int, row: dict, credits: list[Credit]) -> Deal:
    unwound = row["deal_unwound_at"]
    return Deal(
        id=str(delivery_id),
        delivered_on=timezone.localtime(row["deal_credited_at"], SHANGHAI).date(),
        credits=tuple(credits),
        figures={name: tidy(row[column]) for name, column in FIGURE_COLUMNS},
        model_code=row["model_code"] or "",
        margin_class=row["margin_code"] or "",
        unwound_on=timezone.localtime(unwound, SHANGHAI).date() if unwound else None,
    )


def _deals(frame: Frame, by_store: bool) -> dict[int, tuple[Deal, ...]]:
    """The deals by store (by_store) or all under key 0, each ordered by the day it counts, then id."""
    found: dict[int, dict[int, tuple[dict, list[Credit]]]] = defaultdict(dict)
    for row in deal_rows(frame):
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
    return deals_of(Frame.of(stores, period, crediting))


def deals_of(frame: Frame) -> tuple[Deal, ...]:
    """deals() of the frame's stores, from the frame's deal rows (read once: ``sales.deal_rows``)."""
    return _deals(frame, by_store=False).get(0, ())


def deals_by_store(
    stores: Sequence[int], period: Period, crediting: Crediting | str = Crediting.DELIVERED
) -> dict[int, tuple[Deal, ...]]:
    """Each store's deals, as deals() gives them for that store alone (the credits recorded in it), from one
    query over all the stores."""
    return deals_by_store_of(Frame.of(stores, period, crediting))


def deals_by_store_of(frame: Frame) -> dict[int, tuple[Deal, ...]]:
    """deals_by_store() of the frame's stores, from the frame's deal rows."""
    found = _deals(frame, by_store=True)
    return {store_id: found.get(store_id, ()) for store_id in frame.store_ids}

"""Store-level market figures, given to everyone whose store it is: presentation and promotion audit
scores, the surveyed market share and its change, and new-model distribution to secondary dealers."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from dealerkpi.catalog.models import LifecycleStage, VehicleModel
from dealerkpi.market.models import MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.sales.models import Delivery
from dealerkpi.stock.models import SecondaryDealer, Transfer

from .base import Table, ratio, tidy
from .period import Frame, shift

ONE = tidy(1)


def _average(queryset: QuerySet, field: str, name: str) -> Table:
    """The plain mean of `field` per store, computed exactly from its sum and count."""
    table = Table()
    for row in queryset.order_by().values("store_id").annotate(total=Sum(field), n=Count("pk")):
        value = ratio(tidy(row["total"]), tidy(row["n"]), ONE)
        if value is not None:
            table.stores[row["store_id"]][name] = value
    return table


def presentation_audits(frame: Frame) -> QuerySet[PresentationAudit]:
    """Audits of the showroom and of the store's secondary dealers held in the period."""
    return PresentationAudit.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("audited_on"))


def presentation_table(frame: Frame) -> Table:
    return _average(presentation_audits(frame), "score", "presentation_score")


def promotions_assessed(frame: Frame) -> QuerySet[PromotionExecution]:
    """Promotions that ended in the period (each is assessed once, in the month it ends)."""
    return PromotionExecution.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("ends_on"))


def promotion_table(frame: Frame) -> Table:
    return _average(promotions_assessed(frame), "score", "promotion_score")


def surveys(frame: Frame) -> QuerySet[MarketShareSurvey]:
    """Surveys of the period's month and of the month before (several sources: their mean)."""
    previous = shift(frame.period, -1).first_day
    return MarketShareSurvey.objects.filter(store_id__in=frame.store_ids, month__in=(previous, frame.first_day))


def market_share_table(frame: Frame) -> Table:
    table = Table()
    shares: dict[tuple[int, datetime.date], object] = {}
    rows = surveys(frame).order_by().values("store_id", "month").annotate(total=Sum("share"), n=Count("pk"))
    for row in rows:
        shares[(row["store_id"], row["month"])] = ratio(tidy(row["total"]), tidy(row["n"]), ONE)
    previous = shift(frame.period, -1).first_day
    for store_id in frame.store_ids:
        now, before = shares.get((store_id, frame.first_day)), shares.get((store_id, previous))
        if now is not None:
            table.stores[store_id]["market_share"] = now
            if before is not None:
                table.stores[store_id]["market_share_change"] = tidy(now - before)
    return table


def _stage_at_end(frame: Frame, model: str) -> Subquery:
    """The lifecycle stage in force on the period's last day of the model at `model` (an outer lookup)."""
    return Subquery(
        LifecycleStage.objects.filter(LifecycleStage.in_force_on(frame.last_day), vehicle_model_id=OuterRef(model))
        .order_by("-valid_from")
        .values("stage")[:1]
    )


def new_models(frame: Frame) -> QuerySet[VehicleModel]:
    """Models in their introduction stage on the period's last day."""
    return VehicleModel.objects.annotate(stage=_stage_at_end(frame, "pk")).filter(
        stage=LifecycleStage.Stage.INTRODUCTION
    )


def holding_new_model(frame: Frame) -> Exists:
    """The outer secondary dealer holds, at the period's end, a vehicle of a model in introduction: a transfer
    to it on or before the last day, no later transfer of that vehicle by then, not delivered by then."""
    later = Transfer.objects.filter(vehicle_id=OuterRef("vehicle_id"), moved_on__lte=frame.last_day).filter(
        Q(moved_on__gt=OuterRef("moved_on")) | Q(moved_on=OuterRef("moved_on"), pk__gt=OuterRef("pk"))
    )
    delivered = Delivery.objects.filter(vehicle_id=OuterRef("vehicle_id"), delivered_at__lt=frame.end)
    arrivals = (
        Transfer.objects.filter(to_dealer_id=OuterRef("pk"), moved_on__lte=frame.last_day)
        .annotate(stage=_stage_at_end(frame, "vehicle__trim__vehicle_model_id"))
        .filter(stage=LifecycleStage.Stage.INTRODUCTION)
        .filter(~Exists(later), ~Exists(delivered))
    )
    return Exists(arrivals)


def active_dealers(frame: Frame) -> QuerySet[SecondaryDealer]:
    return SecondaryDealer.objects.filter(store_id__in=frame.store_ids, is_active=True).annotate(
        holds_new_model=holding_new_model(frame)
    )


def distribution_table(frame: Frame) -> Table:
    """Active secondary dealers holding a new model / active secondary dealers, per store. Two queries; no
    value when no model is in its introduction stage or the store has no active secondary dealer."""
    table = Table()
    if not new_models(frame).exists():
        return table
    rows = (
        active_dealers(frame)
        .order_by()
        .values("store_id")
        .annotate(dealers=Count("pk"), holding=Count("pk", filter=Q(holds_new_model=True)))
    )
    for row in rows:
        value = ratio(tidy(row["holding"]), tidy(row["dealers"]))
        if value is not None:
            table.stores[row["store_id"]]["new_model_distribution"] = value
    return table

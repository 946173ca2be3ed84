"""Spiffs (专项奖励): the deals that earn one, per person and team of the delivery day, net of unwinds. A deal earns
the spiff published for its store, in force on its delivery day (Shanghai), on its vehicle, else its trim, else its
model (among equals the larger amount, then the later published); one spiff at most. It counts in the month the
run's crediting counts the deal (on delivery, or once also fully paid), and an unwind in a later month takes it back.
The bonus run pays these very rows (``pay.inputs``): one definition."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When

from dealerkpi.sales.models import Delivery, OrderCredit, Spiff

from .base import SUM_FIELD, Table, grouped, shared
from .period import Frame, local_day
from .sales import MONEY, counted_credits, deliveries_of

DELIVERY_DAY = local_day("order__delivery__delivered_at")
SPECIFIC_FIRST = Case(When(vehicle_id__isnull=False, then=Value(0)), When(trim_id__isnull=False, then=Value(1)),
                      default=Value(2), output_field=IntegerField())


def _spiff_of_deal() -> QuerySet[Spiff]:
    """The spiff a credit row's deal earns (``spiff_day``: its delivery day, annotated on the outer rows)."""
    return Spiff.objects.filter(
        Q(vehicle_id=OuterRef("order__delivery__vehicle_id")) | Q(trim_id=OuterRef("order__trim_id"))
        | Q(vehicle_model_id=OuterRef("order__trim__vehicle_model_id")),
        store_id=OuterRef("store_id"), status=Spiff.Status.PUBLISHED,
        valid_from__lte=OuterRef("spiff_day"), valid_to__gte=OuterRef("spiff_day"),
    ).annotate(specific=SPECIFIC_FIRST).order_by("specific", "-amount", "-published_at", "-pk")


def spiff_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """The credit rows of the deals that count in the period and earn a spiff, with ``spiff_id``, ``spiff_amount``
    (per car) and ``deal_sign`` (+1 counted, -1 unwound, 0 both)."""
    spiff = _spiff_of_deal()
    return (
        counted_credits(frame)
        .annotate(spiff_day=DELIVERY_DAY)
        .annotate(spiff_id=Subquery(spiff.values("pk")[:1]),
                  spiff_amount=Subquery(spiff.values("amount")[:1], output_field=MONEY))
        .filter(spiff_id__isnull=False)
    )


def spiffs_table(frame: Frame) -> Table:
    """Spiff units (by credit share) and amounts per person and team of the delivery day. One query."""
    signed_share = F("share") * F("deal_sign")
    rows = grouped(
        spiff_credits(frame),
        "staff_id",
        DELIVERY_DAY,
        {"spiff_units": Sum(signed_share, output_field=SUM_FIELD),
         "spiff_amount": Sum(signed_share * F("spiff_amount"), output_field=SUM_FIELD)},
        {"spiff_units": shared, "spiff_amount": shared},
    )
    return Table(rows=rows)


def spiff_records(frame: Frame, staff_id: int) -> QuerySet[Delivery]:
    return deliveries_of(spiff_credits(frame).filter(staff_id=staff_id))

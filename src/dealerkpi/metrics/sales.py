"""Deals, money and orders: units and amounts of delivered cars (net of unwinds, split by credit share),
derivative business, collections, receivables, and the order-based fault counts.

A deal is an OrderCredit row joined to its order's Delivery: one row per credited person, so a 50/50 deal
gives each person half of every figure. Everything here is summed in the database, but the deal figures: the deals'
credit rows are read once (``deal_rows``), for the figures and for the engine's deals, and summed exactly in Python.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from dealerkpi.core.money import ZERO
from dealerkpi.crm.models import SourceChannel
from dealerkpi.plans.engine.catalogue import DEAL_FIGURES
from dealerkpi.sales.models import Delivery, DerivativeSale, Order, OrderApproval, OrderCredit, Payment, Reversal

from .base import SUM_FIELD, Table, grouped, shared
from .period import Crediting, Frame, local_day, team_of_day

HALF_FEN = Decimal("0.005")  # tolerance for comparing sums computed in floating point (SQLite) with prices
MONEY = DecimalField(max_digits=14, decimal_places=2)
Kind = DerivativeSale.Kind

# figure -> (derivative kind, field summed; None: counts 1 when the deal carries the product)
DERIVATIVE_FIGURES: dict[str, tuple[str, str | None]] = {
    "insurance_units": (Kind.INSURANCE, None),
    "insurance_premium": (Kind.INSURANCE, "amount"),
    "finance_units": (Kind.FINANCE, None),
    "finance_fee": (Kind.FINANCE, "income"),
    "accessories_amount": (Kind.ACCESSORIES, "amount"),
    "extended_warranty_units": (Kind.EXTENDED_WARRANTY, None),
    "trade_in_units": (Kind.TRADE_IN, None),
}
MODEL_CODE = "order__delivery__vehicle__trim__vehicle_model__code"
MARGIN_CODE = "order__delivery__vehicle__trim__margin_class__code"
REFERRAL = Q(order__lead__source=SourceChannel.REFERRAL)  # on rows that reach an order through `order`


def fully_paid_at(order_id: str, price: str) -> Subquery:
    """When the order's payments (refunds negative) first added up to its price: the earliest payment whose
    running total reaches the price. `order_id` and `price` are lookups on the outer query."""
    running = (
        Payment.objects.filter(order_id=OuterRef("order_id"), paid_at__lte=OuterRef("paid_at"))
        .order_by()
        .values("order_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    reached = (
        Payment.objects.filter(order_id=OuterRef(order_id))
        .annotate(running=Subquery(running, output_field=MONEY))
        .filter(running__gte=OuterRef(price) - Value(HALF_FEN, output_field=MONEY))
        .order_by("paid_at", "pk")
        .values("paid_at")[:1]
    )
    return Subquery(reached, output_field=DateTimeField())


def with_moments(queryset: QuerySet, frame: Frame) -> QuerySet:
    """Annotate rows that reach an order through `order` (OrderCredit, Delivery) with when the deal counts.

    deal_credited_at: delivery time, or under PAID crediting the later of delivery and full payment;
    deal_unwound_at: the unwind reversal's time; deal_sign: +1 when the deal counts in the period, -1 when it
    was unwound in the period after it had counted, 0 when both (net nothing). Rows with neither are dropped.
    """
    queryset = queryset.annotate(
        deal_delivered_at=F("order__delivery__delivered_at"),
        deal_unwound_at=Case(
            When(order__reversal__kind=Reversal.Kind.UNWIND, then=F("order__reversal__at")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
    )
    unwinds_now = Q(order__reversal__kind=Reversal.Kind.UNWIND) & frame.during("order__reversal__at")
    if frame.crediting == Crediting.PAID:
        # A cheap superset first: delivered by the end, and delivered, paid or unwound during the period.
        paid_now = Exists(Payment.objects.filter(order_id=OuterRef("order_id")).filter(frame.during("paid_at")))
        queryset = queryset.filter(deal_delivered_at__lt=frame.end).filter(
            frame.during("deal_delivered_at") | Q(paid_now) | unwinds_now
        )
        queryset = queryset.annotate(deal_paid_at=fully_paid_at("order_id", "order__price")).annotate(
            deal_credited_at=Case(
                When(Q(deal_paid_at__isnull=True) | Q(deal_delivered_at__isnull=True), then=Value(None)),
                When(deal_paid_at__gt=F("deal_delivered_at"), then=F("deal_paid_at")),
                default=F("deal_delivered_at"),
                output_field=DateTimeField(),
            )
        )
        # The same conditions as below, written on the payment and delivery times rather than on their later
        # one, so the database evaluates the payment subquery fewer times.
        counts = (
            Q(deal_paid_at__lt=frame.end, deal_delivered_at__lt=frame.end)
            & (Q(deal_paid_at__gte=frame.start) | Q(deal_delivered_at__gte=frame.start))
            & (
                Q(deal_unwound_at__isnull=True)
                | (Q(deal_unwound_at__gte=F("deal_paid_at")) & Q(deal_unwound_at__gte=F("deal_delivered_at")))
            )
        )
        reverses = frame.during("deal_unwound_at") & Q(
            deal_paid_at__lte=F("deal_unwound_at"), deal_delivered_at__lte=F("deal_unwound_at")
        )
    else:
        queryset = queryset.filter(frame.during("deal_delivered_at") | unwinds_now)
        queryset = queryset.annotate(deal_credited_at=F("deal_delivered_at"))
        counts = frame.during("deal_credited_at") & (
            Q(deal_unwound_at__isnull=True) | Q(deal_unwound_at__gte=F("deal_credited_at"))
        )
        reverses = frame.during("deal_unwound_at") & Q(deal_credited_at__lte=F("deal_unwound_at"))
    sign = Case(When(counts, then=Value(1)), default=Value(0), output_field=IntegerField()) - Case(
        When(reverses, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return queryset.filter(counts | reverses).annotate(deal_sign=sign)


def _derivative(kind: str, field: str | None) -> object:
    products = DerivativeSale.objects.filter(order_id=OuterRef("order_id"), kind=kind)
    if field is None:
        return Case(When(Exists(products), then=Value(1)), default=Value(0), output_field=IntegerField())
    return Coalesce(Subquery(products.values(field)[:1], output_field=MONEY), Value(Decimal(0)), output_field=MONEY)


def with_figures(queryset: QuerySet) -> QuerySet:
    """Annotate credit rows with the whole deal's figures (catalogue.DEAL_FIGURES), as fig_<name>."""
    figures = {
        "fig_units_delivered": Value(1, output_field=IntegerField()),
        "fig_sales_amount": F("order__price"),
        "fig_front_gross_profit": F("order__price") - F("order__delivery__vehicle__cost") - F("order__gifts_cost"),
    }
    figures.update({f"fig_{name}": _derivative(kind, field) for name, (kind, field) in DERIVATIVE_FIGURES.items()})
    return queryset.annotate(**figures)


def delivered_since(frame: Frame) -> datetime.datetime:
    """The earliest delivery whose deal can count or be unwound in the period: the period's start, or the delivery
    of an order unwound in it (or, when deals count at full payment, paid in it) if earlier. The deal queries then
    read a range of the (store, delivery time) index rather than a store's whole history."""
    moments = Q(order_id__in=Reversal.objects.filter(store_id__in=frame.store_ids, kind=Reversal.Kind.UNWIND)
                .filter(frame.during("at")).values("order_id"))
    if frame.crediting == Crediting.PAID:
        paid = Payment.objects.filter(store_id__in=frame.store_ids).filter(frame.during("paid_at"))
        moments |= Q(order_id__in=paid.values("order_id"))
    earlier = Delivery.objects.filter(store_id__in=frame.store_ids, delivered_at__lt=frame.start).filter(moments)
    return earlier.aggregate(first=Min("delivered_at"))["first"] or frame.start


def counted_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """The credit rows of the deals that count (or are unwound) in the period, with moments."""
    credits = OrderCredit.objects.filter(
        store_id__in=frame.store_ids, order__delivery__store_id__in=frame.store_ids,
        order__delivery__delivered_at__gte=delivered_since(frame), order__delivery__delivered_at__lt=frame.end,
    )
    return with_moments(credits, frame)


def deal_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """The credit rows of the deals that count (or are unwound) in the period, with moments and figures."""
    return with_figures(counted_credits(frame))


def repeat_purchase() -> Exists:
    """On rows that reach an order through `order`: its customer had a car delivered before this one (another
    order's delivery, in any store, not unwound by this delivery)."""
    delivered_at = OuterRef("order__delivery__delivered_at")
    earlier = Delivery.objects.filter(order__customer_id=OuterRef("order__customer_id"), delivered_at__lt=delivered_at)
    return Exists(earlier.exclude(order__reversal__kind=Reversal.Kind.UNWIND, order__reversal__at__lte=delivered_at))


FIGURE_COLUMNS = tuple((name, f"fig_{name}") for name in DEAL_FIGURES)  # a deal row's column of each figure


def deal_rows(frame: Frame) -> list[dict]:
    """Every credit row of the deals that count (or are unwound) in the period, one per deal and person credited,
    with the whole deal's figures (``fig_<name>``), the person's team of the delivery day, the deal's moments and
    sign, and its model, margin class, lead source and whether it is a repeat purchase. One query, read once a
    frame (``Frame.read``): the deal figures (``deal_table``) and the engine's deals (``metrics.deals``) are both
    made of these rows. Ordered by delivery, then person."""
    if "deals" not in frame.read:
        frame.read["deals"] = list(
            deal_credits(frame)
            .annotate(metric_day=local_day("order__delivery__delivered_at"))
            .annotate(
                metric_team=team_of_day("staff_id", OuterRef("metric_day")),
                delivery_id=F("order__delivery__id"),
                model_code=F(MODEL_CODE),
                margin_code=F(MARGIN_CODE),
                lead_source=F("order__lead__source"),
                repeat=repeat_purchase(),
            )
            .order_by("delivery_id", "staff_id")
            .values("store_id", "delivery_id", "deal_credited_at", "deal_unwound_at", "deal_sign", "staff_id",
                    "share", "metric_team", "model_code", "margin_code", "lead_source", "repeat",
                    *(column for _, column in FIGURE_COLUMNS))
        )
    return frame.read["deals"]


def deal_table(frame: Frame) -> Table:
    """Units, amounts and derivative figures per person and team of the delivery day, net of unwinds; units
    by model and by margin class; referral deliveries and repeat purchases. Summed from ``deal_rows``: share x
    figure added up exactly for each person, team, model, margin class, lead source, repeat and sign, then
    turned into the amount credited (``shared``)."""
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(DEAL_FIGURES, ZERO))
    for row in deal_rows(frame):
        group = (row["store_id"], row["staff_id"], row["metric_team"], row["model_code"], row["margin_code"],
                 row["lead_source"], row["repeat"], row["deal_sign"])
        summed, share = sums[group], row["share"]
        for name, column in FIGURE_COLUMNS:
            summed[name] += share * row[column]
    table = Table()
    for (store_id, staff_id, team, model_code, margin_code, lead_source, repeat, sign), summed in sums.items():
        key = (store_id, staff_id, team)
        # a zero adds up to the same as its shared() would
        credited = {name: sign * shared(total) if total else ZERO for name, total in summed.items()}
        for name, amount in credited.items():
            table.add(key, name, amount)
        units = credited["units_delivered"]
        table.add(key, f"units_by_model:{model_code}", units)
        table.add(key, f"units_by_margin_class:{margin_code}", units)
        table.add(key, "referral_deliveries", units if lead_source == SourceChannel.REFERRAL else ZERO)
        table.add(key, "repeat_purchases", units if repeat else ZERO)
    return table


def deal_records(frame: Frame, staff_id: int, products: Q | None = None) -> QuerySet[Delivery]:
    """The deliveries behind a person's deal figures, annotated with the person's `credited_share` and how
    each one `counts` this period (+1 counted, -1 unwound, 0 both)."""
    credits = deal_credits(frame).filter(staff_id=staff_id)
    return deliveries_of(credits.filter(products) if products is not None else credits)


def deliveries_of(credits: QuerySet[OrderCredit]) -> QuerySet[Delivery]:
    """The deliveries of one person's credit rows (annotated with ``deal_sign``), as ``deal_records`` gives them."""
    mine = credits.filter(order_id=OuterRef("order_id"))
    return (
        Delivery.objects.filter(order_id__in=credits.values("order_id"))
        .annotate(
            credited_share=Subquery(mine.values("share")[:1]),
            counts=Subquery(mine.values("deal_sign")[:1], output_field=IntegerField()),
        )
        .select_related("order", "vehicle")
        .order_by("delivered_at", "pk")
    )


def with_product(kind: str) -> Q:
    return Q(order__derivatives__kind=kind)


# -- money ------------------------------------------------------------------------------------------------


def collection_credits(frame: Frame) -> QuerySet[OrderCredit]:
    return OrderCredit.objects.filter(store_id__in=frame.store_ids).filter(frame.during("order__payments__paid_at"))


def collections_table(frame: Frame) -> Table:
    """Money received in the period (refunds negative) on the person's orders, by credit share, per team of
    the payment day. One query."""
    rows = grouped(
        collection_credits(frame),
        "staff_id",
        local_day("order__payments__paid_at"),
        {"collections": Sum(F("share") * F("order__payments__amount"), output_field=SUM_FIELD)},
        {"collections": shared},
    )
    return Table(rows=rows)


def collection_records(frame: Frame, staff_id: int) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(store_id__in=frame.store_ids, order__credits__staff_id=staff_id)
        .filter(frame.during("paid_at"))
        .order_by("paid_at", "pk")
    )


def kept_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """Credit rows of orders delivered before the period's end and not unwound before it: the cars the
    customers still have at the end. A credit is in its order's store: saying so of the order too lets the database
    read the stores' orders only, not hash every order of the group for each batch of stores."""
    unwound = Reversal.objects.filter(order_id=OuterRef("order_id"), kind=Reversal.Kind.UNWIND, at__lt=frame.end)
    return OrderCredit.objects.filter(
        store_id__in=frame.store_ids, order__store_id__in=frame.store_ids, order__delivery__delivered_at__lt=frame.end
    ).filter(~Exists(unwound))


def receivable_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """Credit rows of orders delivered by the period's end, not unwound by then, with money still owed."""
    paid = (
        Payment.objects.filter(order_id=OuterRef("order_id"), paid_at__lt=frame.end)
        .order_by()
        .values("order_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        kept_credits(frame)
        .annotate(paid=Coalesce(Subquery(paid, output_field=MONEY), Value(Decimal(0)), output_field=MONEY))
        .annotate(outstanding=F("order__price") - F("paid"))
        .filter(outstanding__gt=Value(HALF_FEN, output_field=MONEY))
    )


def receivables_table(frame: Frame) -> Table:
    """Price minus payments up to the period's end, per delivered order still owing, by credit share, on
    the team of the delivery day. One query."""
    rows = grouped(
        receivable_credits(frame),
        "staff_id",
        local_day("order__delivery__delivered_at"),
        {"receivables_outstanding": Sum(F("share") * F("outstanding"), output_field=SUM_FIELD)},
        {"receivables_outstanding": shared},
    )
    return Table(rows=rows)


def receivable_records(frame: Frame, staff_id: int) -> QuerySet[Order]:
    owed = receivable_credits(frame).filter(staff_id=staff_id)
    return (
        Order.objects.filter(pk__in=owed.values("order_id"))
        .annotate(outstanding=Subquery(owed.filter(order_id=OuterRef("pk")).values("outstanding")[:1]))
        .order_by("ordered_at", "pk")
    )


# -- orders -----------------------------------------------------------------------------------------------

ORDER_PARTS = {
    "orders": Q(),
    "cross_region_sales": Q(is_cross_region=True),
    "price_floor_breaches": Q(price__lt=F("floor_price"), approved_below_floor=False),
}


def placed_orders(frame: Frame) -> QuerySet[Order]:
    """Orders placed in the period and not cancelled by its end (a cancellation later leaves the month as it
    was), with whether a price below the floor was approved."""
    cancelled = Reversal.objects.filter(order_id=OuterRef("pk"), kind=Reversal.Kind.CANCELLATION, at__lt=frame.end)
    approved = OrderApproval.objects.filter(
        order_id=OuterRef("pk"),
        kind__in=(OrderApproval.Kind.BELOW_FLOOR, OrderApproval.Kind.BELOW_COST),
        status="approved",
    )
    return (
        Order.objects.filter(store_id__in=frame.store_ids)
        .filter(frame.during("ordered_at"))
        .filter(~Exists(cancelled))
        .annotate(approved_below_floor=Exists(approved))
    )


def orders_table(frame: Frame) -> Table:
    """Orders, cross-region orders and unapproved floor breaches per consultant and team of the order day."""
    rows = grouped(
        placed_orders(frame),
        "consultant_id",
        local_day("ordered_at"),
        {name: Count("pk", filter=part) for name, part in ORDER_PARTS.items()},
    )
    return Table(rows=rows)


def order_records(frame: Frame, staff_id: int, part: str) -> QuerySet[Order]:
    return placed_orders(frame).filter(ORDER_PARTS[part], consultant_id=staff_id).order_by("ordered_at", "pk")

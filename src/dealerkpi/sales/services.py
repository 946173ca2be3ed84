"""The sales desk's rules: pricing authority and approvals, money owed, delivery, cancellation and unwind,
cross-region sales. Views call these; each change runs in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.catalog.models import Trim, TrimPrice, franchised_trims
from dealerkpi.core.money import ZERO, fen
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.crm.models import Decision, Lead
from dealerkpi.org.models import Role, Staff, Store
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.sales.models import (
    DEFAULT_C_CARD_DAYS,
    Delivery,
    DeliveryFollowUp,
    DerivativeSale,
    DiscountAuthority,
    Order,
    OrderApproval,
    OrderCredit,
    Payment,
    Reversal,
    StoreDeskSettings,
)
from dealerkpi.stock.models import SecondaryDealer, Vehicle

from .claims import decided_credits
from .policy import breach_reason, floor_of, policy_in_force

Kind = OrderApproval.Kind
DECIDERS: dict[str, frozenset[str]] = {
    Kind.OVER_AUTHORITY: STORE_MANAGEMENT,
    Kind.BELOW_FLOOR: STORE_MANAGEMENT,
    Kind.BELOW_COST: frozenset({Role.GENERAL_MANAGER}),
    Kind.DELIVERY_WITH_BALANCE: frozenset({Role.GENERAL_MANAGER}),
}
PRICE_KINDS = frozenset({Kind.OVER_AUTHORITY, Kind.BELOW_FLOOR, Kind.BELOW_COST})
# None: down to the floor price. Roles not listed (HR, finance, head office) have no authority.
DEFAULT_AUTHORITY: dict[str, Decimal | None] = {
    Role.CONSULTANT: Decimal("3000"),
    Role.SUPERVISOR: Decimal("6000"),
    Role.SALES_MANAGER: None,
    Role.DEPUTY_MANAGER: None,
    Role.GENERAL_MANAGER: None,
}
# What the customer pays the store on top of the vehicle price; a loan is paid by the bank (as a payment) and a
# trade-in is a separate purchase of the customer's old car.
CUSTOMER_PAYS = frozenset(
    {DerivativeSale.Kind.INSURANCE, DerivativeSale.Kind.ACCESSORIES, DerivativeSale.Kind.EXTENDED_WARRANTY}
)
OPEN_ORDER = (Order.Status.AWAITING_APPROVAL, Order.Status.CONFIRMED)
CHECKLIST = ("inspection_done", "invoice_issued", "certificate_handed", "insurance_done", "handover_done",
             "customer_signed")


# --- requests to decide (who may decide which: rules.py) -------------------------------------------------

def pending_order_approvals(viewer: Viewer) -> QuerySet[OrderApproval]:
    """Requests the viewer may decide now, oldest first: the approvals inbox."""
    if not rules.has_perm("sales.decide_order_approval", viewer):
        return OrderApproval.objects.none()
    kinds = [kind for kind, roles in DECIDERS.items() if viewer.role in roles]
    waiting = OrderApproval.objects.filter(
        status=Decision.REQUESTED, kind__in=kinds, order__status__in=OPEN_ORDER, store_id=viewer.store_id
    ).exclude(requested_by_id=viewer.staff_id)
    return visible_to(waiting, viewer, "approve").select_related(
        "order__customer", "order__consultant", "order__trim__vehicle_model", "requested_by"
    ).order_by("requested_at", "pk")


# --- pricing authority ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    guide_price: Decimal
    floor_price: Decimal
    cost: Decimal
    price: Decimal
    gifts_cost: Decimal = ZERO

    @property
    def concession(self) -> Decimal:
        """Discount off the guide price plus the gifts: what counts against the consultant's authority."""
        return self.guide_price - self.price + self.gifts_cost

    @property
    def net_price(self) -> Decimal:
        return self.price - self.gifts_cost


def approvals_needed(quote: Quote, authority: Decimal | None) -> list[str]:
    """The approvals a price needs. ``authority``: the role's yuan limit, None for down to the floor."""
    room_to_floor = quote.guide_price - quote.floor_price
    limit = room_to_floor if authority is None else min(authority, room_to_floor)
    kinds: list[str] = []
    if quote.price < quote.floor_price:
        kinds.append(Kind.BELOW_FLOOR)
    elif quote.concession > limit:
        kinds.append(Kind.OVER_AUTHORITY)
    if quote.net_price < quote.cost:
        kinds.append(Kind.BELOW_COST)
    return kinds


def authority_of(store_id: int, role: str) -> Decimal | None:
    row = DiscountAuthority.objects.filter(store_id=store_id, role=role).first()
    if row is not None:
        return row.max_discount
    return DEFAULT_AUTHORITY.get(role, ZERO)


def authorities(store: Store) -> dict[str, Decimal | None]:
    """Every role's authority in the store: its own rows over the defaults."""
    configured = dict(DiscountAuthority.objects.filter(store=store).values_list("role", "max_discount"))
    return {role: configured.get(role, default) for role, default in DEFAULT_AUTHORITY.items()}


def c_card_days(store_id: int) -> list[int]:
    settings = StoreDeskSettings.objects.filter(store_id=store_id).first()
    if settings is None:
        return sorted(int(day) for day in DEFAULT_C_CARD_DAYS.split(","))
    return settings.c_card_day_list()


def quote_of(order: Order, list_cost: Decimal) -> Quote:
    cost = max(list_cost, order.vehicle.cost) if order.vehicle_id else list_cost
    return Quote(order.guide_price, order.floor_price, cost, order.price, order.gifts_cost)


def _request(order: Order, kinds: Iterable[str], staff: Staff, at: datetime.datetime, reason: str = "") -> int:
    """Open the approvals of ``kinds`` the order does not have yet (audited, so one save each)."""
    existing = set(order.approvals.values_list("kind", flat=True))
    created = 0
    for kind in kinds:
        if kind not in existing:
            OrderApproval.objects.create(store_id=order.store_id, order=order, kind=kind, requested_by=staff,
                                         requested_at=at, reason=reason)
            created += 1
    return created


def _await(order: Order, kinds: list[str], staff: Staff, at: datetime.datetime) -> None:
    """Request the price approvals; the order awaits them if any is new. A request below a floor the sales policy
    set says which policy."""
    reasons = {Kind.BELOW_FLOOR: breach_reason(order.policy)} if Kind.BELOW_FLOOR in kinds else {}
    if sum(_request(order, [kind], staff, at, reasons.get(kind, "")) for kind in kinds):
        order.status = Order.Status.AWAITING_APPROVAL
        order.save(update_fields=["status"])


def _price_awaits(order: Order) -> bool:
    return order.approvals.filter(kind__in=PRICE_KINDS).exclude(status=Decision.APPROVED).exists()


# --- orders --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credit:
    staff: Staff
    share: Decimal


@dataclass(frozen=True)
class OrderTerms:
    trim: Trim
    price_line: TrimPrice
    colour: str
    price: Decimal
    gifts_cost: Decimal
    credits: tuple[Credit, ...]
    deposit: Decimal = ZERO
    sold_via: SecondaryDealer | None = None
    derivatives: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # kind -> (amount, income)


def is_cross_region(store: Store, dealer: SecondaryDealer | None, district: str) -> bool:
    """Sold into a district outside the selling outlet's territory (an empty territory has no limit)."""
    territory = (dealer or store).territory_districts()
    return bool(territory) and bool(district.strip()) and district.strip() not in territory


@transaction.atomic
def place_order(lead: Lead, terms: OrderTerms, entered_by: Staff, at: datetime.datetime | None = None) -> Order:
    """The order of an open A-card. The card is locked and its state checked again here, so two clicks (or two
    people) cannot place two orders on it."""
    at = at or timezone.now()
    if Lead.objects.select_for_update().filter(pk=lead.pk).values_list("status", flat=True).first() != (
            Lead.Status.OPEN):
        raise ValidationError(_("This A-card is no longer open: an order has been placed on it or it was closed."))
    if not franchised_trims(lead.store).filter(pk=terms.trim.pk).exists():
        raise ValidationError(_("This store does not sell %(trim)s.") % {"trim": terms.trim})
    line = terms.price_line
    policy = policy_in_force(lead.store_id, terms.trim.pk, timezone.localdate(at))
    order = Order.objects.create(
        store_id=lead.store_id, lead=lead, customer=lead.customer, consultant=lead.owner, trim=terms.trim,
        colour=terms.colour, ordered_at=at, guide_price=line.guide_price, policy=policy,
        floor_price=floor_of(line.guide_price, line.floor_price, policy), price=terms.price,
        gifts_cost=terms.gifts_cost, sold_via=terms.sold_via,
        is_cross_region=is_cross_region(lead.store, terms.sold_via, lead.customer.district),
    )
    decided = decided_credits(lead)  # a claim to the customer decided: its shares, not the form's
    OrderCredit.objects.bulk_create(
        [OrderCredit(store_id=order.store_id, order=order, staff_id=staff, share=share)
         for staff, share in decided.items() if share > 0] if decided else
        [OrderCredit(store_id=order.store_id, order=order, staff=credit.staff, share=credit.share)
         for credit in terms.credits]
    )
    DerivativeSale.objects.bulk_create(
        DerivativeSale(store_id=order.store_id, order=order, kind=kind, amount=amount, income=income)
        for kind, (amount, income) in terms.derivatives.items()
    )
    if terms.deposit > 0:
        Payment.objects.create(store_id=order.store_id, order=order, kind=Payment.Kind.DEPOSIT,
                               amount=terms.deposit, paid_at=at)
    needed = approvals_needed(quote_of(order, line.cost), authority_of(order.store_id, lead.owner.role))
    _await(order, needed, entered_by, at)
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.ORDERED, grade="O")
    return order


def _locked_open(order: Order, refusal: str) -> Order:
    """The order, locked until the transaction ends, refused with ``refusal`` unless it is still open. Every change
    to an order locks it first, so two changes at once (two clicks, two people) happen one after the other and the
    second sees what the first did."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in OPEN_ORDER:
        raise ValidationError(refusal)
    return order


@transaction.atomic
def change_sold_via(order: Order, dealer: SecondaryDealer | None) -> Order:
    order = _locked_open(order, _("Only an open order can change its secondary dealer."))
    order.sold_via = dealer
    order.is_cross_region = is_cross_region(order.store, dealer, order.customer.district)
    order.save(update_fields=["sold_via", "is_cross_region"])
    return order


@transaction.atomic
def decide(approval: OrderApproval, viewer: Viewer, approve: bool, at: datetime.datetime | None = None) -> None:
    """The order is locked before its request: two decisions on one order (or a decision and a cancellation) at
    once happen one after the other, and the last price approval confirms it."""
    if not rules.has_perm("sales.decide_order_approval", viewer, approval):
        raise PermissionDenied(_("You may not decide this request."))
    refusal = _("This request has been decided already or its order is closed; reload the page.")
    order = _locked_open(approval.order, refusal)
    locked = OrderApproval.objects.select_for_update().get(pk=approval.pk)
    if locked.status != Decision.REQUESTED:
        raise ValidationError(refusal)
    locked.status = Decision.APPROVED if approve else Decision.REJECTED
    locked.decided_by_id = viewer.staff_id
    locked.decided_at = at or timezone.now()
    locked.save()
    if order.status == Order.Status.AWAITING_APPROVAL and not _price_awaits(order):
        order.status = Order.Status.CONFIRMED
        order.save(update_fields=["status"])


# --- money ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    due: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return fen(self.due - self.paid)


def account(order: Order, derivatives: Iterable[DerivativeSale], payments: Iterable[Payment]) -> Account:
    """Amount due = vehicle price + what the customer pays for insurance, accessories and extended warranty."""
    extras = sum((d.amount for d in derivatives if d.kind in CUSTOMER_PAYS), ZERO)
    return Account(due=order.price + extras, paid=sum((p.amount for p in payments), ZERO))


def account_of(order: Order) -> Account:
    return account(order, order.derivatives.all(), order.payments.all())


# --- delivery ------------------------------------------------------------------------------------------------

def allocatable_vehicles(order: Order) -> QuerySet[Vehicle]:
    """Vehicles of the order's trim in stock and free, at the store or at the dealer the order is sold via."""
    place = Q(secondary_dealer__isnull=True)
    if order.sold_via_id:
        place |= Q(secondary_dealer_id=order.sold_via_id)
    return Vehicle.objects.filter(
        place, store_id=order.store_id, trim_id=order.trim_id, status=Vehicle.Status.IN_STOCK, order__isnull=True
    )


def vehicle_choices(order: Order) -> QuerySet[Vehicle]:
    """What the order's delivery may be scheduled with: the free vehicles of its trim, and the one it has already."""
    vehicles = allocatable_vehicles(order)
    return vehicles | Vehicle.objects.filter(pk=order.vehicle_id) if order.vehicle_id else vehicles


def _free_vehicle(order: Order) -> None:
    if order.vehicle_id:
        Vehicle.objects.filter(pk=order.vehicle_id).update(status=Vehicle.Status.IN_STOCK)
        order.vehicle = None
        order.save(update_fields=["vehicle"])


def _allocate(order: Order, vehicle_id: int, staff: Staff, at: datetime.datetime) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None or not allocatable_vehicles(order).filter(pk=vehicle.pk).exists():
        raise ValidationError({"vehicle": _("This vehicle is no longer free; choose another.")})
    _free_vehicle(order)
    vehicle.status = Vehicle.Status.ALLOCATED
    vehicle.save(update_fields=["status"])
    order.vehicle = vehicle
    order_day = timezone.localdate(order.ordered_at)
    list_line = TrimPrice.in_force(order.trim_id, order_day)
    if list_line is not None:  # a vehicle's own policy (an aged-stock special) beats its trim's
        order.policy = policy_in_force(order.store_id, order.trim_id, order_day, vehicle.pk)
        order.floor_price = floor_of(order.guide_price, list_line.floor_price, order.policy)
    order.save(update_fields=["vehicle", "policy", "floor_price"])
    quote = quote_of(order, list_line.cost if list_line else ZERO)
    kinds = [Kind.BELOW_FLOOR] if order.price < order.floor_price else []
    if quote.net_price < quote.cost:  # this vehicle cost more than the price list said
        kinds.append(Kind.BELOW_COST)
    if kinds:
        _await(order, kinds, staff, at)
    return vehicle


@transaction.atomic
def schedule_delivery(order: Order, vehicle_id: int, when: datetime.datetime, staff: Staff,
                      at: datetime.datetime | None = None) -> Delivery:
    order = _locked_open(order, _("Only an open order can be scheduled for delivery."))
    vehicle = order.vehicle if order.vehicle_id == vehicle_id else _allocate(order, vehicle_id, staff,
                                                                            at or timezone.now())
    delivery, _created = Delivery.objects.update_or_create(
        order=order, defaults={"store_id": order.store_id, "vehicle": vehicle, "scheduled_for": when}
    )
    return delivery


def missing_checks(delivery: Delivery) -> list[str]:
    return [str(Delivery._meta.get_field(name).verbose_name) for name in CHECKLIST if not getattr(delivery, name)]


def balance_overridden(order: Order) -> bool:
    return order.approvals.filter(kind=Kind.DELIVERY_WITH_BALANCE, status=Decision.APPROVED).exists()


@transaction.atomic
def tick_checklist(order: Order, ticks: dict[str, bool]) -> Delivery:
    """Save the delivery checklist's ticks (only those: the delivery's other fields are not written back from the
    page), while the order is open."""
    order = _locked_open(order, _("The car has been handed over or the order closed: its checklist is final."))
    delivery = Delivery.objects.filter(order=order).first()
    if delivery is None:
        raise ValidationError(_("Schedule the delivery and allocate a vehicle first."))
    for name in CHECKLIST:
        setattr(delivery, name, ticks[name])
    delivery.save(update_fields=list(CHECKLIST))
    return delivery


@transaction.atomic
def request_balance_override(order: Order, reason: str, staff: Staff, at: datetime.datetime | None = None) -> None:
    order = _locked_open(order, _("This order is closed: nothing is left to deliver."))
    if order.approvals.filter(kind=Kind.DELIVERY_WITH_BALANCE).exists():
        raise ValidationError(_("The general manager has been asked already."))
    _request(order, [Kind.DELIVERY_WITH_BALANCE], staff, at or timezone.now(), reason)


@transaction.atomic
def complete_delivery(order: Order, at: datetime.datetime | None = None) -> Delivery:
    """Hand the car over: every check ticked, confirmed price, money in (or the GM's override)."""
    at = at or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    delivery = Delivery.objects.filter(order=order).first()
    if order.status != Order.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed order can be delivered; its price may still await approval."))
    if delivery is None:
        raise ValidationError(_("Schedule the delivery and allocate a vehicle first."))
    missing = missing_checks(delivery)
    if missing:
        raise ValidationError(_("Tick every item of the checklist first; missing: %(items)s."),
                              params={"items": ", ".join(missing)})
    outstanding = account_of(order).outstanding
    if outstanding > 0 and not balance_overridden(order):
        raise ValidationError(
            _("%(amount)s yuan is still outstanding: collect it, or ask the general manager to allow delivery."),
            params={"amount": outstanding},
        )
    delivery.delivered_at = at
    delivery.save(update_fields=["delivered_at"])
    order.status = Order.Status.DELIVERED
    order.save(update_fields=["status"])
    Vehicle.objects.filter(pk=order.vehicle_id).update(status=Vehicle.Status.DELIVERED)
    if order.lead_id:
        Lead.objects.filter(pk=order.lead_id).update(status=Lead.Status.DELIVERED, grade="D", closed_at=at)
    day = timezone.localdate(at)
    DeliveryFollowUp.objects.bulk_create(
        DeliveryFollowUp(store_id=order.store_id, delivery=delivery, staff_id=order.consultant_id,
                         due_on=day + datetime.timedelta(days=days))
        for days in c_card_days(order.store_id)
    )
    return delivery


# --- cancellation and unwind ---------------------------------------------------------------------------------

def _reverse(order: Order, kind: str, reason: str, staff: Staff, at: datetime.datetime) -> Reversal:
    reversal = Reversal.objects.create(store_id=order.store_id, order=order, kind=kind, at=at, reason=reason,
                                       recorded_by=staff)
    _free_vehicle(order)
    if order.lead_id:  # the customer may still buy: the card reopens with grade T (order cancelled)
        Lead.objects.filter(pk=order.lead_id).update(status=Lead.Status.OPEN, grade="T", closed_at=None)
    return reversal


@transaction.atomic
def cancel_order(order: Order, reason: str, staff: Staff, at: datetime.datetime | None = None) -> Reversal:
    order = _locked_open(order, _("Only an order not yet delivered can be cancelled; unwind a delivered sale."))
    Delivery.objects.filter(order=order, delivered_at__isnull=True).delete()
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    return _reverse(order, Reversal.Kind.CANCELLATION, reason, staff, at or timezone.now())


@transaction.atomic
def unwind_delivery(order: Order, reason: str, staff: Staff, at: datetime.datetime | None = None) -> Reversal:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.DELIVERED:
        raise ValidationError(_("Only a delivered sale can be unwound."))
    DeliveryFollowUp.objects.filter(delivery__order=order, done_at__isnull=True).delete()
    order.status = Order.Status.UNWOUND
    order.save(update_fields=["status"])
    return _reverse(order, Reversal.Kind.UNWIND, reason, staff, at or timezone.now())

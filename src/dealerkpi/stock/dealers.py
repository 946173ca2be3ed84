"""Secondary dealers' months against their targets: one definition used by the pages and the tests.

- supplied in a month: the cars moved from the store to the dealer in the month (transfers to the dealer), less
  the cars that left the dealer in the month (returned to the store or passed on to another dealer); it may be
  negative when more came back than went out;
- completion: supplied / target, in per cent rounded half-up to one place; none without a target above zero.

Settlement (what a dealer owes and paid):
- a car owed: a transfer from the store to the dealer that is the car's latest transfer (a car returned to the
  store or passed on to another dealer since is owed no more; a car passed on between dealers is owed by neither,
  as the store did not supply it to the second); a car on one of the store's own orders (sold by the store, the
  dealer only its outlet: ``Order.sold_via``) is the store's sale, not owed by the dealer;
- owed for it: the wholesale price of its trim in force on the day it was supplied (the store's latest price of
  that trim valid from that day or before); without one the car is "not priced" and owes nothing yet;
- paid for it: the payment lines applied to it; a car is never paid beyond what it owes;
- on account: what the dealer paid that is not applied to a car it owes (a payment on account, 预付/往来款, or a
  payment for a car that has left it since); it is not written against cars, but shown covering the oldest cars
  still unpaid first (first in, first out, as finance clears open items), then the fines; what is left over is the
  dealer's credit (the balance below zero);
- a cross-region sale (窜货): a car owed whose sale the dealer reported to an end customer in a district outside
  its territory (a dealer without a territory sells anywhere); fined the store's amount per car in force when the
  sale was reported, kept on the transfer;
- the balance = owed for the cars owed + fines - all payments received, rounded half-up to the fen."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dealerkpi.core.audit import entry, snapshot
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.money import fen, half_up
from dealerkpi.org.models import Store
from dealerkpi.stock.flow import next_month
from dealerkpi.stock.models import (
    CrossRegionFine,
    DealerPayment,
    DealerPaymentLine,
    DealerTarget,
    SecondaryDealer,
    Transfer,
    WholesalePrice,
)

ZERO = Decimal("0.00")
AMOUNT = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class Standing:
    """A dealer's month: its target (None when none is set) and the cars supplied to it."""

    dealer: SecondaryDealer
    target: int | None
    supplied: int

    @property
    def completion(self) -> Decimal | None:
        if not self.target:
            return None
        return half_up(Decimal(self.supplied) * 100 / self.target, 1)


def _counted(moves: Iterable[dict], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in moves}


def supplied(dealer_ids: list[int], month: datetime.date) -> dict[int, int]:
    """Cars supplied to each dealer in the month, net of those that left it (two grouped queries)."""
    moves = Transfer.objects.filter(moved_on__gte=month, moved_on__lt=next_month(month)).order_by()
    came = _counted(moves.filter(to_dealer_id__in=dealer_ids, from_dealer__isnull=True)
                    .values("to_dealer_id").annotate(n=Count("pk")), "to_dealer_id")
    left = _counted(moves.filter(from_dealer_id__in=dealer_ids).values("from_dealer_id").annotate(n=Count("pk")),
                    "from_dealer_id")
    return {pk: came.get(pk, 0) - left.get(pk, 0) for pk in dealer_ids}


def standings(dealers: Iterable[SecondaryDealer], month: datetime.date) -> list[Standing]:
    """Each dealer's month against its target, in the order given."""
    dealers = list(dealers)
    ids = [dealer.pk for dealer in dealers]
    targets = dict(DealerTarget.objects.filter(dealer_id__in=ids, month=month).values_list("dealer_id", "units"))
    counts = supplied(ids, month)
    return [Standing(dealer, targets.get(dealer.pk), counts[dealer.pk]) for dealer in dealers]


@transaction.atomic
def set_target(dealer: SecondaryDealer, month: datetime.date, units: int) -> DealerTarget:
    """Set (or change) the dealer's target for the month; the change is audited."""
    target, _created = DealerTarget.objects.select_for_update().update_or_create(
        dealer=dealer, month=month, defaults={"store_id": dealer.store_id, "units": units})
    return target


# --- settlement -------------------------------------------------------------------------------------------------


def _price_on(store: object, trim: object, day: object) -> Subquery:
    """The wholesale price of ``trim`` at ``store`` in force on ``day`` (expressions), as a subquery."""
    prices = WholesalePrice.objects.filter(store_id=store, trim_id=trim, valid_from__lte=day).order_by("-valid_from")
    return Subquery(prices.values("price")[:1], output_field=AMOUNT)


def cars_owed(dealer: SecondaryDealer) -> QuerySet[Transfer]:
    """The transfers that supplied the cars the dealer owes for, each with ``owed`` (None: not priced) and
    ``paid``, oldest first, in one query."""
    moved_since = Transfer.objects.filter(vehicle_id=OuterRef("vehicle_id")).filter(
        Q(moved_on__gt=OuterRef("moved_on")) | Q(moved_on=OuterRef("moved_on"), pk__gt=OuterRef("pk")))
    paid = DealerPaymentLine.objects.filter(supply_id=OuterRef("pk")).order_by().values("supply_id").annotate(
        total=Sum("amount")).values("total")
    return (Transfer.objects.filter(to_dealer=dealer, from_dealer__isnull=True, vehicle__order__isnull=True)
            .exclude(Exists(moved_since))
            .select_related("vehicle__trim__vehicle_model")
            .annotate(owed=_price_on(OuterRef("store_id"), OuterRef("vehicle__trim_id"), OuterRef("moved_on")),
                      paid=Coalesce(Subquery(paid, output_field=AMOUNT), Value(ZERO), output_field=AMOUNT))
            .order_by("moved_on", "pk"))


@dataclass
class Supply:
    """A car owed: what it owes (None: not priced) and what was paid for it."""

    transfer: Transfer
    owed: Decimal | None
    paid: Decimal
    cross_region: bool = False
    covered: Decimal = ZERO  # by the dealer's payments on account, oldest car first

    @property
    def outstanding(self) -> Decimal | None:
        return None if self.owed is None else self.owed - self.paid

    @property
    def is_covered(self) -> bool:
        """Not paid for by name, but covered in full by the payments on account."""
        return self.owed is not None and not self.is_paid and self.paid + self.covered >= self.owed

    @property
    def is_paid(self) -> bool:
        return self.owed is not None and self.paid >= self.owed


@dataclass
class Account:
    """A dealer's cars owed, the payments received and the balance."""

    supplies: list[Supply]
    received: Decimal

    @property
    def owed(self) -> Decimal:
        return sum((supply.owed for supply in self.supplies if supply.owed is not None), ZERO)

    def cross_region(self) -> list[Supply]:
        return [supply for supply in self.supplies if supply.cross_region]

    @property
    def fines(self) -> Decimal:
        return sum((supply.transfer.fine or ZERO for supply in self.cross_region()), ZERO)

    @property
    def balance(self) -> Decimal:
        return fen(self.owed + self.fines - self.received)

    def unreported(self) -> list[Supply]:
        """The cars whose sale the dealer has not reported yet."""
        return [supply for supply in self.supplies if supply.transfer.sold_on is None]

    @property
    def unpriced(self) -> int:
        return sum(1 for supply in self.supplies if supply.owed is None)

    @property
    def on_account(self) -> Decimal:
        """Received and not applied to a car owed."""
        return self.received - sum((supply.paid for supply in self.supplies), ZERO)

    @property
    def credit(self) -> Decimal:
        """On account and left over once it covers every car still unpaid and the fines (then = -balance)."""
        return max(ZERO, self.on_account - sum((supply.covered for supply in self.supplies), ZERO) - self.fines)

    def cover_oldest(self) -> None:
        """Show the payments on account covering the cars still unpaid, oldest first."""
        left = self.on_account
        for supply in self.supplies:
            outstanding = supply.outstanding
            supply.covered = min(outstanding, left) if outstanding and left > 0 else ZERO
            left -= supply.covered

    def payable(self) -> list[Supply]:
        """The cars that can still be paid for: priced and not fully paid."""
        return [supply for supply in self.supplies if supply.owed is not None and not supply.is_paid]


def outside(territory: list[str], district: str) -> bool:
    """Whether a sale into ``district`` (empty: not reported) is outside a dealer's ``territory`` (empty: none)."""
    return bool(district and territory and district.strip() not in territory)


def account(dealer: SecondaryDealer) -> Account:
    """The dealer's account; amounts as written (to the fen), read back alike from either database."""
    territory = dealer.territory_districts()
    supplies = [Supply(transfer, None if transfer.owed is None else fen(transfer.owed), fen(transfer.paid),
                       outside(territory, transfer.sold_in_district)) for transfer in cars_owed(dealer)]
    received = dealer.payments.aggregate(total=Sum("amount"))["total"] or ZERO
    books = Account(supplies, fen(received))
    books.cover_oldest()
    return books


@transaction.atomic
def set_price(store: Store, trim_id: int, valid_from: datetime.date, price: Decimal) -> WholesalePrice:
    """Set the wholesale price of a trim from a day (changing the one from that day if there is one); audited."""
    wholesale, _created = WholesalePrice.objects.update_or_create(
        store=store, trim_id=trim_id, valid_from=valid_from, defaults={"price": price})
    return wholesale


ON_ACCOUNT = "on_account"  # the payment form's field for the amount not tied to a car


def payment_field(transfer_id: int) -> str:
    """The name of the payment form's field for the car a transfer supplied."""
    return f"car_{transfer_id}"


@transaction.atomic
def record_payment(dealer: SecondaryDealer, paid_on: datetime.date, reference: str,
                   amounts: dict[int, Decimal], on_account: Decimal = ZERO) -> DealerPayment:
    """Record a payment: applied to cars owed (transfer id -> amount) and/or ``on_account`` (not tied to a car).
    Re-checked under a lock on the dealer, each car's amount at most what it still owes; the payment and its lines
    are written together, and the payment is audited."""
    SecondaryDealer.objects.select_for_update().get(pk=dealer.pk)
    payable = {supply.transfer.pk: supply for supply in account(dealer).payable()}
    errors = {payment_field(pk): _("This car is not owed, or is paid already.") for pk in amounts
              if pk not in payable}
    errors.update({payment_field(pk): _("More than the car still owes (%(left)s).") % {
        "left": payable[pk].outstanding} for pk, amount in amounts.items()
        if pk in payable and amount > payable[pk].outstanding})  # type: ignore[operator]
    if on_account < 0:
        errors[ON_ACCOUNT] = _("A payment on account cannot be negative.")
    if errors:
        raise ValidationError(errors)
    if not amounts and on_account <= 0:
        raise ValidationError(_("Enter what is paid for at least one car, or on account."))
    payment = DealerPayment.objects.create(store_id=dealer.store_id, dealer=dealer, paid_on=paid_on,
                                           reference=reference, amount=sum(amounts.values(), ZERO) + on_account)
    for pk, amount in amounts.items():  # one by one, so each line is audited
        DealerPaymentLine.objects.create(payment=payment, store_id=dealer.store_id, supply_id=pk, amount=amount)
    return payment


@transaction.atomic
def set_fine(store: Store, per_car: Decimal) -> CrossRegionFine:
    """Set the store's fine per cross-region car, for sales reported from now on; audited."""
    rule, _created = CrossRegionFine.objects.update_or_create(store=store, defaults={"per_car": per_car})
    return rule


@transaction.atomic
def report_sale(dealer: SecondaryDealer, transfer_id: int, sold_on: datetime.date, district: str) -> Transfer:
    """Record the dealer's sale of a car it owes for, to an end customer in ``district``; re-checked under a lock
    on the transfer. Outside the dealer's territory, the store's fine per car is written on it."""
    supply = Transfer.objects.select_for_update().filter(pk=transfer_id).first()
    owed = {supply.transfer.pk: supply for supply in account(dealer).unreported()}
    if supply is None or supply.pk not in owed:
        raise ValidationError({"supply": _("This car is not the dealer's, or its sale is reported already.")})
    if sold_on < supply.moved_on:
        raise ValidationError({"sold_on": _("The dealer cannot sell a car before it was supplied.")})
    rule = CrossRegionFine.objects.filter(store_id=dealer.store_id).first()
    before = snapshot(supply)
    supply.sold_on, supply.sold_in_district = sold_on, district.strip()
    fined = outside(dealer.territory_districts(), supply.sold_in_district)
    supply.fine = (rule.per_car if rule else ZERO) if fined else None
    supply.save(update_fields=["sold_on", "sold_in_district", "fine"])
    entry(AuditEntry.Action.UPDATE, supply, before, snapshot(supply)).save()  # a transfer is not audited otherwise
    return supply

"""Vehicles by VIN, where they are (the store or a secondary dealer), their transfers, secondary dealers, and the
monthly orders to the manufacturer (订车) the vehicles are allocated against."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.core.validators import validate_vin

STORE_RECORD = ScopePaths(group="store__region__group", region="store__region", store="store")


class SecondaryDealer(AuditedModel):
    """A second-tier outlet (二级网点) selling the store's cars in its own territory."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="secondary_dealers", verbose_name=_("store"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    territory = models.TextField(_("territory"), help_text=_("Districts the dealer may sell into, one per line."))
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("secondary dealer")
        verbose_name_plural = _("secondary dealers")
        ordering = ["store", "code"]

    def __str__(self) -> str:
        return self.name

    def territory_districts(self) -> list[str]:
        return [line.strip() for line in self.territory.splitlines() if line.strip()]


class VehicleOrder(AuditedModel):
    """The store's order to the manufacturer for a month: written and submitted by the store's management, then
    confirmed by the manufacturer (quantities per line), which allocates vehicles against it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the manufacturer")
        CONFIRMED = "confirmed", _("Confirmed by the manufacturer")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="vehicle_orders", verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("The first day of the month ordered for."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("order to the manufacturer")
        verbose_name_plural = _("orders to the manufacturer")
        ordering = ["store", "-month"]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="one_vehicle_order_a_month")]

    def __str__(self) -> str:
        return f"{self.store} {self.month:%Y-%m}"


class VehicleOrderLine(AuditedModel):
    """A trim and colour of an order: the quantity asked for and the quantity the manufacturer confirmed."""

    order = models.ForeignKey(VehicleOrder, models.CASCADE, related_name="lines", verbose_name=_("order"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, related_name="+", verbose_name=_("trim"))
    colour = models.CharField(_("colour"), max_length=30)
    quantity = models.PositiveIntegerField(_("quantity ordered"), validators=[MinValueValidator(1),
                                                                              MaxValueValidator(999)])
    confirmed = models.PositiveIntegerField(_("quantity confirmed"), null=True, blank=True,
                                            validators=[MaxValueValidator(999)])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "trim", "colour"]
        constraints = [models.UniqueConstraint(fields=["order", "trim", "colour"], name="one_line_a_trim_colour")]

    def __str__(self) -> str:
        return f"{self.trim} {self.colour} × {self.quantity}"


class FloorPlanRate(AuditedModel):
    """The yearly interest rate of the store's floor-plan loan (库存融资) from a day until the store's next rate,
    charged on a vehicle's invoice cost from its financing start: each day at the rate in force that day."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="floor_plan_rates", verbose_name=_("store"))
    valid_from = models.DateField(_("valid from"))
    annual_percent = models.DecimalField(_("interest, % a year"), max_digits=5, decimal_places=2,
                                         validators=[MinValueValidator(0), MaxValueValidator(50)])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("floor-plan interest rate")
        verbose_name_plural = _("floor-plan interest rates")
        ordering = ["store", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["store", "valid_from"], name="one_floor_plan_rate_a_day")]

    def __str__(self) -> str:
        return f"{self.store} {self.valid_from}: {self.annual_percent}%"


class Vehicle(models.Model):
    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        IN_STOCK = "in_stock", _("In stock")
        ALLOCATED = "allocated", _("Allocated to an order")
        DELIVERED = "delivered", _("Delivered")
        DEMO = "demo", _("Demo vehicle")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="vehicles", verbose_name=_("store"))
    vin = models.CharField(_("VIN"), max_length=17, unique=True, validators=[validate_vin])
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, related_name="vehicles", verbose_name=_("trim"))
    colour = models.CharField(_("colour"), max_length=30)
    cost = MoneyField(_("cost"))
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_TRANSIT)
    secondary_dealer = models.ForeignKey(
        SecondaryDealer, models.PROTECT, null=True, blank=True, related_name="vehicles",
        verbose_name=_("at secondary dealer"), help_text=_("Empty while the vehicle is at the store."),
    )
    order_line = models.ForeignKey(
        VehicleOrderLine, models.PROTECT, null=True, blank=True, related_name="vehicles",
        verbose_name=_("allocated against"), help_text=_("The line of the order to the manufacturer."),
    )
    financed_from = models.DateField(_("floor-plan financing from"), null=True, blank=True,
                                     help_text=_("Interest on the invoice cost accrues from this day."))
    # db_default: vehicles written by bulk copies that name only the older columns (demo data, imports) get ''.
    location = models.CharField(_("parking place"), max_length=50, blank=True, default="", db_default="")
    damage_note = models.TextField(_("damage found on receipt"), blank=True, default="", db_default="",
                                   help_text=_("Empty when the vehicle arrived undamaged."))

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["store", "arrived_on"]
        indexes = [models.Index(fields=["store", "status"]), models.Index(fields=["store", "arrived_on"])]

    def __str__(self) -> str:
        return self.vin

    def clean(self) -> None:
        if self.secondary_dealer_id and self.store_id and self.secondary_dealer.store_id != self.store_id:
            raise ValidationError({"secondary_dealer": _("The secondary dealer belongs to another store.")})


class Transfer(models.Model):
    """A vehicle moved between the store and a secondary dealer (or back)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="transfers", verbose_name=_("store"))
    vehicle = models.ForeignKey(Vehicle, models.CASCADE, related_name="transfers", verbose_name=_("vehicle"))
    moved_on = models.DateField(_("moved on"))
    from_dealer = models.ForeignKey(
        SecondaryDealer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_dealer = models.ForeignKey(
        SecondaryDealer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to")
    )
    # A car the store supplied to a dealer: its sale to an end customer, as the dealer reported it, and the fine
    # if that customer's district is outside the dealer's territory (窜货), at the store's rule when reported.
    sold_on = models.DateField(_("sold by the dealer on"), null=True, blank=True)
    sold_in_district = models.CharField(_("end customer's district"), max_length=50, blank=True, default="",
                                        db_default="")
    fine = MoneyField(_("cross-region fine"), null=True, blank=True)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-moved_on"]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.moved_on}"

    def clean(self) -> None:
        if self.from_dealer_id == self.to_dealer_id:
            raise ValidationError(_("A transfer must move the vehicle somewhere else."))


class DealerTarget(AuditedModel):
    """The units a secondary dealer is to take from the store in a month, set by the store's management."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    dealer = models.ForeignKey(SecondaryDealer, models.CASCADE, related_name="targets",
                               verbose_name=_("secondary dealer"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    units = models.PositiveIntegerField(_("target, units"), validators=[MaxValueValidator(9999)])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("secondary dealer's target")
        verbose_name_plural = _("secondary dealers' targets")
        ordering = ["dealer", "-month"]
        constraints = [models.UniqueConstraint(fields=["dealer", "month"], name="one_dealer_target_a_month")]

    def __str__(self) -> str:
        return f"{self.dealer} {self.month:%Y-%m}: {self.units}"


class WholesalePrice(AuditedModel):
    """The price a store's secondary dealers pay for a trim, from a day until the next price of that trim."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, related_name="+", verbose_name=_("trim"))
    valid_from = models.DateField(_("valid from"))
    price = MoneyField(_("wholesale price"), validators=[MinValueValidator(Decimal("0.01"))])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("wholesale price")
        verbose_name_plural = _("wholesale prices")
        ordering = ["store", "trim", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["store", "trim", "valid_from"],
                                               name="one_wholesale_price_a_day")]

    def __str__(self) -> str:
        return f"{self.trim} {self.valid_from}: {self.price}"


class DealerPayment(AuditedModel):
    """Money received from a secondary dealer, applied to the cars supplied to it (its lines)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    dealer = models.ForeignKey(SecondaryDealer, models.PROTECT, related_name="payments",
                               verbose_name=_("secondary dealer"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=50, help_text=_("The bank slip or receipt number."))
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("secondary dealer's payment")
        verbose_name_plural = _("secondary dealers' payments")
        ordering = ["dealer", "-paid_on"]

    def __str__(self) -> str:
        return f"{self.dealer} {self.paid_on} {self.amount}"


class DealerPaymentLine(AuditedModel):
    """The part of a payment that pays for one car supplied (the transfer that supplied it)."""

    payment = models.ForeignKey(DealerPayment, models.CASCADE, related_name="lines", verbose_name=_("payment"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    supply = models.ForeignKey(Transfer, models.PROTECT, related_name="payment_lines", verbose_name=_("car supplied"))
    amount = MoneyField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["payment", "supply"]

    def __str__(self) -> str:
        return f"{self.supply} {self.amount}"


class CrossRegionFine(AuditedModel):
    """The store's rule for a cross-region sale (窜货) by a secondary dealer: a fixed amount per car."""

    store = models.OneToOneField("org.Store", models.CASCADE, related_name="cross_region_fine",
                                 verbose_name=_("store"))
    per_car = MoneyField(_("fine per car"))

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("cross-region fine")
        verbose_name_plural = _("cross-region fines")

    def __str__(self) -> str:
        return f"{self.store} {self.per_car}"

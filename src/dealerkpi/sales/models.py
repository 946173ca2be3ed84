"""Orders and what follows them: split credit, derivative business, approvals, payments, deliveries,
after-delivery (C-card) follow-ups, cancellations and unwinds."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField, PercentField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.once import one_record_per_token, token_column
from dealerkpi.crm.models import Decision, owned_store_record
from dealerkpi.org.models import Role
from dealerkpi.stock.models import STORE_RECORD

FULL_SHARE = Decimal("100")
DEFAULT_C_CARD_DAYS = "1,3,7"
CREDITED_ON_ORDER = owned_store_record(("order__consultant", "order__credits__staff"))


class Order(models.Model):
    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting price approval")
        CONFIRMED = "confirmed", _("Confirmed")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        UNWOUND = "unwound", _("Unwound after delivery")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="orders", verbose_name=_("store"))
    lead = models.ForeignKey(
        "crm.Lead", models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("lead")
    )
    customer = models.ForeignKey("crm.Customer", models.PROTECT, related_name="orders", verbose_name=_("customer"))
    consultant = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="orders", verbose_name=_("consultant")
    )
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, related_name="orders", verbose_name=_("trim"))
    colour = models.CharField(_("colour"), max_length=30)
    vehicle = models.OneToOneField(
        "stock.Vehicle", models.PROTECT, null=True, blank=True, related_name="order", verbose_name=_("vehicle")
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    guide_price = MoneyField(_("guide price"))
    floor_price = MoneyField(_("floor price"), help_text=_(
        "The floor on the order date: the guide price less the sales policy's discount ceiling, or the price "
        "list's floor where no policy was in force."))
    policy = models.ForeignKey("sales.SalesPolicy", models.PROTECT, null=True, blank=True, related_name="orders",
                               verbose_name=_("sales policy"), help_text=_("The policy that set the floor."))
    price = MoneyField(_("vehicle price"))
    gifts_cost = MoneyField(_("gifts (cost)"), default=Decimal("0"))
    sold_via = models.ForeignKey(
        "stock.SecondaryDealer", models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("sold via secondary dealer"),
    )
    is_cross_region = models.BooleanField(_("cross-region sale"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    number = models.CharField(  # db_default: the generator's COPY into this table leaves the column out
        _("order number"), max_length=30, blank=True, default="", db_default="",
        help_text=_("The order's number in the system it came from (a DMS), unique in the store; empty for orders "
                    "entered at the desk."),
    )

    scope = owned_store_record(("consultant", "credits__staff"))  # everyone credited sees the whole deal

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at"]
        indexes = [models.Index(fields=["store", "ordered_at"]), models.Index(fields=["store", "status"])]
        constraints = [  # with the store first, as a distributed (Citus) table's unique keys must be
            models.UniqueConstraint(
                fields=["store", "lead"], condition=Q(lead__isnull=False) & ~Q(status__in=["cancelled", "unwound"]),
                name="one_open_order_per_card",
                violation_error_message=_("This A-card already has an order."),
            ),
            models.UniqueConstraint(fields=["store", "number"], condition=~Q(number=""),
                                    name="order_number_unique_in_store"),
        ]

    def __str__(self) -> str:
        return f"SO-{self.pk}"

    @property
    def discount(self) -> Decimal:
        return self.guide_price - self.price

    def clean(self) -> None:
        if self.price is not None and self.guide_price is not None and self.price > self.guide_price * 2:
            raise ValidationError({"price": _("The price is more than twice the guide price; check the figure.")})

    def amount_paid(self) -> Decimal:
        return self.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


class OrderCredit(models.Model):
    """Who is credited with an order and how much of it; an order's shares sum to 100%."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    order = models.ForeignKey(Order, models.CASCADE, related_name="credits", verbose_name=_("order"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="order_credits", verbose_name=_("consultant"))
    share = PercentField(_("share (%)"), default=FULL_SHARE)

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("order credit")
        verbose_name_plural = _("order credits")
        constraints = [
            models.UniqueConstraint(fields=["order", "staff"], name="one_credit_per_person_per_order"),
            models.CheckConstraint(
                condition=models.Q(share__gt=0, share__lte=100), name="credit_share_between_0_and_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.staff}: {self.share}%"


def validate_credit_shares(shares: list[Decimal]) -> None:
    if sum(shares, Decimal("0")) != FULL_SHARE:
        raise ValidationError(
            _("Credit shares must add up to 100%%; they add up to %(total)s%%."),
            code="credit_shares",
            params={"total": sum(shares, Decimal("0"))},
        )


class DerivativeSale(models.Model):
    """Derivative business (衍生业务) sold with an order: insurance, finance, accessories, warranty, trade-in."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", _("Insurance")
        FINANCE = "finance", _("Financing")
        ACCESSORIES = "accessories", _("Accessories")
        EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty")
        TRADE_IN = "trade_in", _("Trade-in")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    order = models.ForeignKey(Order, models.CASCADE, related_name="derivatives", verbose_name=_("order"))
    kind = models.CharField(_("product"), max_length=20, choices=Kind.choices)
    amount = MoneyField(
        _("amount"), help_text=_("Premium, loan amount, accessories sold, warranty price or trade-in value.")
    )
    income = MoneyField(_("income to the store"), help_text=_("Commission, fee or margin the store earns."))

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("derivative sale")
        verbose_name_plural = _("derivative sales")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_derivative_kind_per_order")]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"


class OrderApproval(AuditedModel):
    """A decision above the consultant's authority: price below floor (manager), below cost (GM), or
    delivery while money is outstanding (GM)."""

    class Kind(models.TextChoices):
        OVER_AUTHORITY = "over_authority", _("Discount beyond authority")
        BELOW_FLOOR = "below_floor", _("Price below floor")
        BELOW_COST = "below_cost", _("Price below cost")
        DELIVERY_WITH_BALANCE = "delivery_with_balance", _("Delivery with money outstanding")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    order = models.ForeignKey(Order, models.CASCADE, related_name="approvals", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=25, choices=Kind.choices)
    requested_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.REQUESTED)
    decided_by = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("order approval")
        verbose_name_plural = _("order approvals")
        ordering = ["-requested_at"]
        constraints = [  # a kind is asked once per order, whatever was decided (sales.services._request)
            models.UniqueConstraint(fields=["store", "order", "kind"], name="one_approval_per_kind_per_order",
                                    violation_error_message=_("This order has a request of this kind already.")),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"


class Payment(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance", _("Balance")
        LOAN = "loan", _("Loan disbursement")
        REFUND = "refund", _("Refund")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    order = models.ForeignKey(Order, models.PROTECT, related_name="payments", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = MoneyField(_("amount"), allow_negative=True, help_text=_("Refunds are negative."))
    paid_at = models.DateTimeField(_("paid at"))
    entry_token = token_column()  # recorded in a form: sent twice, saved once (core.once)

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]
        indexes = [models.Index(fields=["store", "paid_at"])]
        constraints = [one_record_per_token("payment_recorded_once")]

    def __str__(self) -> str:
        return f"{self.order} {self.amount}"

    def clean(self) -> None:
        if self.amount is None:
            return
        if self.kind == self.Kind.REFUND and self.amount >= 0:
            raise ValidationError({"amount": _("A refund is entered as a negative amount.")})
        if self.kind != self.Kind.REFUND and self.amount <= 0:
            raise ValidationError({"amount": _("A payment must be a positive amount.")})


class Delivery(models.Model):
    """Handing the car to the customer (交车): when a sale counts."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="deliveries", verbose_name=_("store"))
    order = models.OneToOneField(Order, models.PROTECT, related_name="delivery", verbose_name=_("order"))
    vehicle = models.ForeignKey("stock.Vehicle", models.PROTECT, related_name="+", verbose_name=_("vehicle"))
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    inspection_done = models.BooleanField(_("pre-delivery inspection"), default=False)
    invoice_issued = models.BooleanField(_("invoice issued"), default=False)
    certificate_handed = models.BooleanField(_("vehicle certificate handed over"), default=False)
    insurance_done = models.BooleanField(_("insurance in place"), default=False)
    handover_done = models.BooleanField(_("handover explained"), default=False)
    customer_signed = models.BooleanField(_("customer signed"), default=False)

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_at"]
        indexes = [models.Index(fields=["store", "delivered_at"]),
                   # the day's deliveries (the consultant's day, the daily report)
                   models.Index(fields=["scheduled_for"], name="sales_delivery_scheduled")]

    def __str__(self) -> str:
        return f"{self.order} → {self.vehicle}"

    def clean(self) -> None:
        if not (self.delivered_at and self.order_id):
            return
        if self.delivered_at < self.order.ordered_at:
            raise ValidationError({"delivered_at": _("A delivery cannot precede its order.")})


class DeliveryFollowUp(models.Model):
    """A C-card call after delivery (e.g. day 1, 3 and 7)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="follow_ups", verbose_name=_("delivery"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("consultant"))
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope = owned_store_record("staff")

    class Meta:
        verbose_name = _("after-delivery follow-up (C-card)")
        verbose_name_plural = _("after-delivery follow-ups (C-card)")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["store", "due_on"])]

    def __str__(self) -> str:
        return f"{self.delivery} {self.due_on}"

    def clean(self) -> None:
        if self.satisfaction is not None and not 1 <= self.satisfaction <= 5:
            raise ValidationError({"satisfaction": _("Satisfaction is scored from 1 to 5.")})


class Reversal(AuditedModel):
    """A cancelled order, or a delivered sale unwound (credit note): both net against what they reverse."""

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", _("Cancellation")
        UNWIND = "unwind", _("Unwind after delivery")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    order = models.OneToOneField(Order, models.PROTECT, related_name="reversal", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    scope = CREDITED_ON_ORDER

    class Meta:
        verbose_name = _("cancellation or unwind")
        verbose_name_plural = _("cancellations and unwinds")
        ordering = ["-at"]
        indexes = [models.Index(fields=["store", "at"])]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.at and self.order_id and self.at < self.order.ordered_at:
            raise ValidationError({"at": _("An order cannot be reversed before it was placed.")})



class DiscountAuthority(AuditedModel):
    """How much discount plus gifts (yuan off the guide price) a role may give without approval, per store.
    Empty means up to the floor price; a store without a row for a role uses DEFAULT_AUTHORITY."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="+", verbose_name=_("store"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    max_discount = MoneyField(
        _("maximum discount and gifts"), null=True, blank=True, help_text=_("Empty: down to the floor price.")
    )

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("discount authority")
        verbose_name_plural = _("discount authorities")
        ordering = ["store", "role"]
        constraints = [models.UniqueConstraint(fields=["store", "role"], name="one_authority_per_role_per_store")]

    def __str__(self) -> str:
        return f"{self.store} {self.get_role_display()}"


def validate_c_card_days(value: str) -> None:
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isascii() and part.isdigit() and 1 <= int(part) <= 365 for part in parts):  # "²".isdigit()
        raise ValidationError(
            _("Write the days after delivery as whole numbers from 1 to 365 separated by commas, e.g. 1,3,7."),
            code="c_card_days",
        )
    if len(set(parts)) != len(parts):
        raise ValidationError(_("Each day may appear only once."), code="c_card_days_repeated")


class StoreDeskSettings(AuditedModel):
    """A store's own rules for the sales desk; a store without a row uses the defaults."""

    store = models.OneToOneField("org.Store", models.CASCADE, related_name="desk_settings", verbose_name=_("store"))
    c_card_days = models.CharField(
        _("C-card calls on days after delivery"), max_length=60, default=DEFAULT_C_CARD_DAYS,
        validators=[validate_c_card_days], help_text=_("e.g. 1,3,7"),
    )

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("sales desk settings")
        verbose_name_plural = _("sales desk settings")

    def __str__(self) -> str:
        return str(self.store)

    def c_card_day_list(self) -> list[int]:
        return sorted(int(part) for part in self.c_card_days.split(","))


def exactly_one_of(*fields: str) -> Q:
    """A check that exactly one of the foreign keys is set."""
    return Q.create([
        Q(**{f"{field}__isnull": field != chosen for field in fields}) for chosen in fields
    ], connector=Q.OR)


def validate_dates(record: models.Model) -> None:
    if record.valid_from and record.valid_to and record.valid_to < record.valid_from:  # type: ignore[attr-defined]
        raise ValidationError({"valid_to": _("The last day cannot be before the first.")})


class SalesPolicy(AuditedModel):
    """The sales policy of the day (销售政策) for a trim or one vehicle (e.g. an aged-stock special), from its first
    to its last day: the discount ceiling (yuan off the guide price: guide − ceiling is the floor of an order placed
    then, in place of the price list's), the gifts and the finance offer. A vehicle's policy beats its trim's;
    among policies of the same kind, the one that started last (``sales.policy``)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("trim"))
    vehicle = models.ForeignKey("stock.Vehicle", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    discount_ceiling = MoneyField(_("discount ceiling"),
                                  help_text=_("The most the vehicle price may be below the guide price without the "
                                              "manager's approval."))
    gifts = models.CharField(_("gifts"), max_length=200, blank=True)
    finance_offer = models.CharField(_("finance offer"), max_length=200, blank=True)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("sales policy")
        verbose_name_plural = _("sales policies")
        ordering = ["-valid_from", "pk"]
        indexes = [models.Index(fields=["store", "valid_from"])]
        constraints = [models.CheckConstraint(condition=exactly_one_of("trim", "vehicle"),
                                              name="sales_policy_for_a_trim_or_a_vehicle")]

    def __str__(self) -> str:
        return f"{self.vehicle or self.trim} {self.valid_from:%m-%d}–{self.valid_to:%m-%d}"

    def clean(self) -> None:
        validate_dates(self)
        if (self.trim_id is None) == (self.vehicle_id is None):
            raise ValidationError(_("Choose a trim or a vehicle, not both."))


class Spiff(AuditedModel):
    """A short incentive (专项奖励) published mid-month without a new plan version: each delivery of the model, trim
    or vehicle from its first to its last day pays ``amount`` more to those credited with it (by share), in the
    month's run. Withdrawable until a run paying it is approved (``paid_at``)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=100)
    vehicle_model = models.ForeignKey("catalog.VehicleModel", models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("model"))
    trim = models.ForeignKey("catalog.Trim", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("trim"))
    vehicle = models.ForeignKey("stock.Vehicle", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    amount = MoneyField(_("amount per car"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    published_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"))
    paid_at = models.DateTimeField(_("first paid at"), null=True, blank=True,
                                   help_text=_("When a bonus run paying it was first approved."))
    entry_token = token_column()

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("spiff")
        verbose_name_plural = _("spiffs")
        ordering = ["-valid_from", "pk"]
        indexes = [models.Index(fields=["store", "valid_from"])]
        constraints = [
            models.CheckConstraint(condition=exactly_one_of("vehicle_model", "trim", "vehicle"),
                                   name="spiff_on_a_model_trim_or_vehicle"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="spiff_amount_positive"),
            one_record_per_token("spiff_published_once"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def applies_to(self) -> object:
        return self.vehicle or self.trim or self.vehicle_model

    def clean(self) -> None:
        validate_dates(self)

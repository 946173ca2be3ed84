"""Customers and the sales funnel: A-cards (leads), follow-ups, showroom visits, test drives, lost sales
and complaints. Every table carries its store so a group can spread its data over nodes by store."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import PhoneField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.core.validators import mask_phone


def owned_store_record(owner: str | tuple[str, ...], sales: bool = True) -> ScopePaths:
    """The scope of a store's record owned by staff: by default a sales record (entered at the desk)."""
    return ScopePaths(group="store__region__group", region="store__region", store="store", owner=owner, sales=sales)


class SourceChannel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    AUTOHOME = "autohome", _("Autohome")
    DONGCHEDI = "dongchedi", _("Dongchedi")
    YICHE = "yiche", _("Yiche")
    DOUYIN = "douyin", _("Douyin / live stream")
    OEM = "oem", _("OEM lead")
    REFERRAL = "referral", _("Referral")
    AUTO_SHOW = "auto_show", _("Auto show")
    OUTBOUND = "outbound", _("Outbound campaign")


class IntentGrade(AuditedModel):
    """A store's intent grades and how often each must be followed up (H within 7 days, A 15, B 30...)."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="intent_grades", verbose_name=_("store"))
    code = models.CharField(_("code"), max_length=2)
    name = models.CharField(_("name"), max_length=30)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow up every (days)"), null=True, blank=True, help_text=_("Empty for grades that close the card.")
    )
    is_open = models.BooleanField(_("card stays open"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("intent grade")
        verbose_name_plural = _("intent grades")
        ordering = ["store", "position"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="grade_code_unique_in_store")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Customer(models.Model):
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="customers", verbose_name=_("store"))
    owner = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="customers", verbose_name=_("consultant")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = PhoneField(_("mobile"))
    district = models.CharField(_("district"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"))

    scope = owned_store_record("owner")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["store", "phone"], name="customer_phone_unique_in_store")]

    def __str__(self) -> str:
        return self.name  # no part of the number: titles, choices and the audit trail are read by HR and finance too

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Lead(models.Model):
    """An A-card (意向客户卡): opened at first contact, holding the intent grade and the follow-up history."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ORDERED = "ordered", _("Ordered")
        DELIVERED = "delivered", _("Delivered")
        LOST = "lost", _("Lost")
        DORMANT = "dormant", _("Dormant")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="leads", verbose_name=_("store"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="leads", verbose_name=_("customer"))
    owner = models.ForeignKey("org.Staff", models.PROTECT, related_name="leads", verbose_name=_("consultant"))
    source = models.CharField(_("source"), max_length=20, choices=SourceChannel.choices)
    intended_model = models.ForeignKey(
        "catalog.VehicleModel", models.PROTECT, related_name="+", verbose_name=_("intended model")
    )
    grade = models.CharField(_("intent grade"), max_length=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("opened at"))
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope = owned_store_record("owner")

    class Meta:
        verbose_name = _("lead (A-card)")
        verbose_name_plural = _("leads (A-cards)")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "created_at"]),
            models.Index(fields=["store", "owner", "status"]),
            models.Index(fields=["store", "next_follow_up_on"]),
            # Open A-cards due or overdue, counted per owner without reading the table (the home pages, the desk).
            models.Index(fields=["store", "next_follow_up_on"], include=["owner", "id"],
                         condition=models.Q(status="open"), name="crm_lead_open_due"),
        ]

    def __str__(self) -> str:
        return f"A-{self.pk} {self.customer.name} ({self.grade})"


class FollowUp(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WECHAT = "wechat", _("WeChat")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("Showroom visit")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached, still considering")
        NO_ANSWER = "no_answer", _("No answer")
        VISIT_BOOKED = "visit_booked", _("Visit booked")
        TEST_DRIVE_BOOKED = "test_drive_booked", _("Test drive booked")
        ORDERED = "ordered", _("Ordered")
        NOT_INTERESTED = "not_interested", _("Not interested")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="follow_ups", verbose_name=_("lead"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="follow_ups", verbose_name=_("consultant"))
    at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    grade_after = models.CharField(_("grade after"), max_length=2)
    due_on = models.DateField(
        _("was due on"), null=True, blank=True, help_text=_("The follow-up date this contact answered.")
    )
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope = owned_store_record("staff")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-at"]
        indexes = [models.Index(fields=["store", "at"]), models.Index(fields=["lead", "at"]),
                   models.Index(fields=["store", "due_on"], name="follow_ups_due_by_store"),
                   # the day's appointments (the consultant's day, the daily report)
                   models.Index(fields=["next_due_on"], name="crm_followup_next_due")]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.next_due_on and self.at and self.next_due_on < timezone.localdate(self.at):
            raise ValidationError({"next_due_on": _("The next follow-up cannot be before this one.")})


class ShowroomVisit(models.Model):
    """A party walking into the showroom (来店批次)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(
        Lead, models.SET_NULL, null=True, blank=True, related_name="visits", verbose_name=_("lead")
    )
    consultant = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="visits", verbose_name=_("consultant")
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    is_first_visit = models.BooleanField(_("first visit"), default=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    has_intent = models.BooleanField(_("buying intent"), default=True)
    was_invited = models.BooleanField(_("invited"), default=False)
    test_drive_taken = models.BooleanField(_("test drive"), default=False)
    turn_of = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("next in rotation"),
        help_text=_("Who was next in the walk-in rotation when the party arrived; empty for a visit outside it."),
    )

    scope = owned_store_record("consultant")

    class Meta:
        verbose_name = _("showroom visit")
        verbose_name_plural = _("showroom visits")
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["store", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.arrived_at:%Y-%m-%d %H:%M}"

    @property
    def out_of_turn(self) -> bool:
        """A walk-in received by someone other than the consultant next in the rotation."""
        return self.turn_of_id is not None and self.turn_of_id != self.consultant_id

    def clean(self) -> None:
        if self.left_at and self.arrived_at and self.left_at < self.arrived_at:
            raise ValidationError({"left_at": _("A party cannot leave before it arrived.")})
        if self.party_size == 0:
            raise ValidationError({"party_size": _("A party has at least one person.")})


class TestDrive(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="test_drives", verbose_name=_("lead"))
    consultant = models.ForeignKey(
        "org.Staff", models.PROTECT, related_name="test_drives", verbose_name=_("consultant")
    )
    vehicle = models.ForeignKey(
        "stock.Vehicle", models.PROTECT, related_name="test_drives", verbose_name=_("demo vehicle")
    )
    starts_at = models.DateTimeField(_("slot starts"))
    ends_at = models.DateTimeField(_("slot ends"))
    licence_checked = models.BooleanField(_("driving licence checked"), default=False)
    agreement_signed = models.BooleanField(_("agreement signed"), default=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    feedback = models.CharField(_("feedback"), max_length=200, blank=True)

    scope = owned_store_record("consultant")

    class Meta:
        verbose_name = _("test drive")
        verbose_name_plural = _("test drives")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["store", "starts_at"]), models.Index(fields=["vehicle", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The slot must end after it starts.")
        if self.started_at and not (self.licence_checked and self.agreement_signed):
            errors["started_at"] = _(
                "A test drive can start only after the licence is checked and the agreement signed."
            )
        if errors:
            raise ValidationError(errors)


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Bought a competitor model")
    POSTPONED = "postponed", _("Postponed")
    FINANCE_REFUSED = "finance_refused", _("Financing refused")
    FAMILY = "family", _("Family decision")
    DELIVERY_WAIT = "delivery_wait", _("Delivery wait too long")
    SECONDARY_DEALER = "secondary_dealer", _("Bought from a secondary dealer")
    LOST_CONTACT = "lost_contact", _("Lost contact")


class Decision(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LostSale(AuditedModel):
    """A request to close a card as lost (战败); it takes effect when the supervisor approves."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="lost_sales", verbose_name=_("lead"))
    reason = models.CharField(_("reason"), max_length=20, choices=LostReason.choices)
    competitor_model = models.ForeignKey(
        "catalog.VehicleModel", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("competitor model"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    requested_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.REQUESTED)
    decided_by = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope = owned_store_record("requested_by")

    class Meta:
        verbose_name = _("lost sale")
        verbose_name_plural = _("lost sales")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["store", "requested_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "lead"], condition=models.Q(status=Decision.REQUESTED),
                name="one_lost_sale_request_per_card",
                violation_error_message=_("A lost-sale request for this card is already awaiting approval."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.get_reason_display()}"

    def clean(self) -> None:
        if self.reason == LostReason.COMPETITOR and not self.competitor_model_id:
            raise ValidationError({"competitor_model": _("Name the competitor model the customer bought.")})


class Complaint(AuditedModel):
    class Channel(models.TextChoices):
        OEM_HOTLINE = "oem_hotline", _("OEM hotline (400)")
        CONSUMER_ASSOCIATION = "consumer_association", _("Consumer association (12315)")
        SOCIAL_MEDIA = "social_media", _("Social media")
        IN_STORE = "in_store", _("In store")
        SUBORDINATE = "subordinate", _("From a subordinate")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="complaints", verbose_name=_("store"))
    customer = models.ForeignKey(
        Customer, models.SET_NULL, null=True, blank=True, related_name="complaints", verbose_name=_("customer")
    )
    about_staff = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="complaints_about",
        verbose_name=_("about"),
    )
    handler = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="complaints_handled",
        verbose_name=_("handled by"),
    )
    channel = models.CharField(_("channel"), max_length=25, choices=Channel.choices)
    is_major = models.BooleanField(_("major"), default=False)
    summary = models.CharField(_("summary"), max_length=200)
    received_at = models.DateTimeField(_("received at"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    scope = owned_store_record(("about_staff", "handler"), sales=False)  # handled by any staff member

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["store", "received_at"])]

    def __str__(self) -> str:
        return self.summary

    def clean(self) -> None:
        if self.status == self.Status.RESOLVED and not self.resolution:
            raise ValidationError({"resolution": _("Say how the complaint was resolved.")})
        if self.received_at and self.due_on and self.due_on < timezone.localdate(self.received_at):
            raise ValidationError({"due_on": _("The due date cannot be before the complaint was received.")})


class LeadReassignment(AuditedModel):
    """A card moved from one consultant to another, or returned to the store's pool (``to_owner`` empty).

    While a card is in the pool, the person who returned it holds it (Lead.owner cannot be empty)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="reassignments", verbose_name=_("lead"))
    from_owner = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("from"))
    to_owner = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to"),
        help_text=_("Empty when the card is returned to the pool."),
    )
    reason = models.CharField(_("reason"), max_length=200)
    decided_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("decided by"))
    at = models.DateTimeField(_("when"))

    scope = owned_store_record(("from_owner", "to_owner"))

    class Meta:
        verbose_name = _("lead reassignment")
        verbose_name_plural = _("lead reassignments")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["store", "at"]), models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_owner_id} → {self.to_owner_id or '-'}"


class FloorShift(AuditedModel):
    """A consultant's shift on the showroom floor on a day (排班): on duty from `starts` to `ends`, or on leave. The
    consultants on duty take walk-ins in rotation (crm/rotation.py)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.CASCADE, related_name="floor_shifts", verbose_name=_("consultant"))
    day = models.DateField(_("day"))
    starts = models.TimeField(_("on duty from"))
    ends = models.TimeField(_("on duty until"))
    on_leave = models.BooleanField(_("on leave"), default=False)

    scope = owned_store_record("staff")

    class Meta:
        verbose_name = _("floor shift")
        verbose_name_plural = _("floor shifts")
        ordering = ["day", "starts", "staff"]
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="one_floor_shift_a_day")]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.day} {self.starts:%H:%M}-{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": _("A shift ends after it starts.")})


class OwnershipRule(AuditedModel):
    """How the store decides whose customer it is when two consultants claim one (撞单): the consultant of the
    first open card, unless that card has had no follow-up for `lapse_days`, when the claimant gets it."""

    store = models.OneToOneField("org.Store", models.CASCADE, related_name="ownership_rule", verbose_name=_("store"))
    lapse_days = models.PositiveSmallIntegerField(
        _("a card lapses after days without a follow-up"), default=15,
        help_text=_("A card with no contact for this many days no longer holds the customer against a claim."))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("customer ownership rule")
        verbose_name_plural = _("customer ownership rules")

    def __str__(self) -> str:
        return f"{self.store}: {self.lapse_days}"


@dataclass(frozen=True)
class Suggestion:
    """What the store's rule says: the card's consultant keeps the customer, or the claimant gets it."""

    status: str  # OwnershipClaim.Status.KEPT or MOVED
    lapse_days: int
    rule_set: bool  # False: the store has no rule of its own and the default applies

    def __str__(self) -> str:
        default = "" if self.rule_set else gettext(" (the default: the store has set no rule)")
        values = {"days": self.lapse_days, "default": default}
        if self.status == OwnershipClaim.Status.MOVED:
            return gettext("The card has had no contact for %(days)s days or more: the claimant's%(default)s.") % values
        return gettext("The first open card holds the customer while it is followed up within %(days)s days: the "
                       "card's consultant's%(default)s.") % values


class OwnershipClaim(AuditedModel):
    """A consultant's claim to a customer on another consultant's open card (撞单), decided by a supervisor or the
    sales management: the card stays, moves to the claimant, or the customer's sales are split between them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        KEPT = "kept", _("Stays with the card's consultant")
        MOVED = "moved", _("Moved to the claimant")
        SPLIT = "split", _("Split between them")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="claims", verbose_name=_("A-card"))
    owner = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("card's consultant"))
    claimant = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("claimant"))
    reason = models.CharField(_("why they claim the customer"), max_length=300)
    claimed_at = models.DateTimeField(_("claimed at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    claimant_share = models.PositiveSmallIntegerField(
        _("claimant's share, %"), null=True, blank=True, help_text=_("Of the customer's sales, when split."))
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True, default="")
    decided_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope = owned_store_record(("claimant", "owner"))

    class Meta:
        verbose_name = _("customer ownership claim")
        verbose_name_plural = _("customer ownership claims")
        ordering = ["-claimed_at"]
        constraints = [models.UniqueConstraint(fields=["lead", "claimant"], condition=models.Q(status="pending"),
                                               name="one_pending_claim_per_card_and_claimant")]

    def __str__(self) -> str:
        return f"A-{self.lead_id}: {self.claimant} / {self.owner}"

    def suggestion(self) -> Suggestion:
        """The store's rule applied at the time of the claim (the default when the store has set none)."""
        rule = OwnershipRule.objects.filter(store_id=self.store_id).first()
        days = rule.lapse_days if rule else OwnershipRule._meta.get_field("lapse_days").default
        last = FollowUp.objects.filter(lead_id=self.lead_id, at__lte=self.claimed_at).aggregate(
            last=models.Max("at"))["last"]
        lapsed = self.claimed_at - (last or self.lead.created_at) >= datetime.timedelta(days=days)
        return Suggestion(self.Status.MOVED if lapsed else self.Status.KEPT, days, rule is not None)


class SurveyResult(AuditedModel):
    """A manufacturer's satisfaction survey of a delivered customer (CSI: customer satisfaction, SSI: sales
    satisfaction), scored 0-100 and attributed to the consultant who sold the car; entered or imported from the
    manufacturer's report, where ``reference`` is its survey number."""

    class Kind(models.TextChoices):
        CSI = "csi", _("CSI (customer satisfaction)")
        SSI = "ssi", _("SSI (sales satisfaction)")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("survey"), max_length=3, choices=Kind.choices)
    reference = models.CharField(_("survey number"), max_length=40)
    consultant = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("consultant"))
    vehicle = models.ForeignKey("stock.Vehicle", models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    surveyed_on = models.DateField(_("surveyed on"))
    score = models.DecimalField(_("score (0-100)"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope = owned_store_record("consultant", sales=False)

    class Meta:
        verbose_name = _("satisfaction survey result")
        verbose_name_plural = _("satisfaction survey results")
        ordering = ["-surveyed_on", "-pk"]
        indexes = [models.Index(fields=["store", "surveyed_on"])]
        constraints = [models.UniqueConstraint(fields=["store", "kind", "reference"], name="one_survey_per_reference")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

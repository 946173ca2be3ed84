"""How the sales staff work, beside what they sell (docs/conduct.md):

- process checks: a consultant's reception (接待) or delivery (交车) checked step by step against the store's standard
  steps, by a supervisor or a mystery shopper (神秘顾客), scored as the weighted share of the steps passed;
- faults (过失): a fault of a type, with points and an amount, recorded against a staff member with its evidence,
  approved or rejected by the sales manager, appealed by the staff member, upheld or overturned by the GM.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths

STORE_STANDARD = ScopePaths(group="store__region__group", region="store__region", store="store")
STAFF_RECORD = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")


class ChecklistKind(models.TextChoices):
    RECEPTION = "reception", _("Reception")
    DELIVERY = "delivery", _("Delivery")


class ProcessStep(AuditedModel):
    """One of the store's standard steps of a reception or a delivery, with its weight in the score."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind of check"), max_length=10, choices=ChecklistKind.choices)
    name = models.CharField(_("step"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1,
                                              validators=[MinValueValidator(1), MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    scope = STORE_STANDARD

    class Meta:
        verbose_name = _("standard step")
        verbose_name_plural = _("standard steps")
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class ProcessCheck(models.Model):
    """A check of one consultant's reception or delivery, by a supervisor (``checker``) or a mystery shopper
    (``shopper``, a source recorded by name, not a login). ``score``: the weighted share of the steps passed, in
    percent, from the steps as they stood when checked (kept on its ``CheckedStep`` rows)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("consultant"))
    kind = models.CharField(_("kind of check"), max_length=10, choices=ChecklistKind.choices)
    day = models.DateField(_("day"))
    visit = models.ForeignKey("crm.ShowroomVisit", models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("showroom visit"))
    delivery = models.ForeignKey("sales.Delivery", models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("delivery"))
    checker = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("checked by"))
    shopper = models.CharField(_("mystery shopper"), max_length=100, blank=True, default="")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    notes = models.CharField(_("notes"), max_length=300, blank=True, default="")
    recorded_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("process check")
        verbose_name_plural = _("process checks")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day} {self.staff_id}: {self.score}"


class CheckedStep(models.Model):
    """A standard step as it was checked: its name and weight then, and whether it was done."""

    process_check = models.ForeignKey(ProcessCheck, models.CASCADE, related_name="steps",
                                      verbose_name=_("process check"))
    step = models.ForeignKey(ProcessStep, models.PROTECT, related_name="+", verbose_name=_("standard step"))
    name = models.CharField(_("step"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"))
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("checked step")
        verbose_name_plural = _("checked steps")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.passed}"


class FaultType(AuditedModel):
    """A kind of fault with its default points and amount: of one store, or of the whole group (no store)."""

    group = models.ForeignKey("org.DealerGroup", models.PROTECT, related_name="+", verbose_name=_("dealer group"))
    store = models.ForeignKey("org.Store", models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"), help_text=_("Empty: for every store of the group."))
    name = models.CharField(_("fault type"), max_length=100)
    default_points = models.PositiveSmallIntegerField(_("default points"), default=0)
    default_amount = MoneyField(_("default amount"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    scope = ScopePaths(group="group", region="store__region", store="store")  # the master-data admin's reach

    class Meta:
        verbose_name = _("fault type")
        verbose_name_plural = _("fault types")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Fault(AuditedModel):
    """A fault (过失) recorded against a staff member. It counts in the deduction figures once approved, unless
    the GM overturns it on appeal (``COUNTED``)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the manager")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        APPEALED = "appealed", _("Appealed, waiting for the GM")
        UPHELD = "upheld", _("Upheld on appeal")
        OVERTURNED = "overturned", _("Overturned on appeal")

    COUNTED = (Status.APPROVED, Status.APPEALED, Status.UPHELD)

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("staff member"))
    day = models.DateField(_("day of the fault"))
    fault_type = models.ForeignKey(FaultType, models.PROTECT, related_name="+", verbose_name=_("fault type"))
    points = models.PositiveSmallIntegerField(_("points"), validators=[MaxValueValidator(100)])
    amount = MoneyField(_("amount"), validators=[MaxValueValidator(100000)])
    description = models.CharField(_("what happened"), max_length=500)
    evidence = models.BinaryField(_("evidence"), null=True, blank=True, editable=False)
    evidence_name = models.CharField(_("evidence file"), max_length=100, blank=True, default="")
    evidence_type = models.CharField(_("evidence type"), max_length=100, blank=True, default="")
    recorded_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True, default="")
    appeal_reason = models.CharField(_("grounds of the appeal"), max_length=500, blank=True, default="")
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_decided_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                          verbose_name=_("appeal decided by"))
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    appeal_decision_reason = models.CharField(_("reason for the appeal decision"), max_length=300, blank=True,
                                              default="")

    audit_ignore = frozenset({"evidence"})  # the file itself stays out of the trail; its name is recorded
    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("fault")
        verbose_name_plural = _("faults")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.fault_type}"

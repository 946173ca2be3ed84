"""KPI plans as stored documents: versioned and dated, each period computed with the version in force then."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.org.models import Role, RoleAssignment, Staff
from dealerkpi.plans.engine import Plan as EnginePlan
from dealerkpi.plans.engine import PlanInvalid, check_plan, load_plan_text


class Crediting(models.TextChoices):
    DELIVERED = "delivered", _("when delivered")
    PAID = "paid", _("once fully paid")


class Plan(AuditedModel):
    """A pay plan for one role in a dealer group, or in one store when the store has its own."""

    group = models.ForeignKey("org.DealerGroup", models.PROTECT, related_name="plans", verbose_name=_("dealer group"))
    store = models.ForeignKey(
        "org.Store", models.PROTECT, null=True, blank=True, related_name="plans", verbose_name=_("store"),
        help_text=_("Empty for a plan that applies to every store of the group."),
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    crediting = models.CharField(
        _("a deal counts"), max_length=10, choices=Crediting.choices, default=Crediting.DELIVERED
    )
    for_probation = models.BooleanField(
        _("for people on probation"), default=False,
        help_text=_("A lighter plan: a run pays by it those of the role on probation for at least half the month "
                    "they worked in the store; everyone else by the role's plan."),
    )

    scope = ScopePaths(group="group", region="store__region", store="store")

    class Meta:
        verbose_name = _("pay plan")
        verbose_name_plural = _("pay plans")
        ordering = ["group", "code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="plan_code_unique_in_group")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return plan_key(self.role, self.for_probation)

    @classmethod
    def for_store(cls, store_id: int, group_id: int) -> models.QuerySet[Plan]:
        """The plans that apply in a store: its own, and the group's."""
        return cls.objects.filter(group_id=group_id).filter(models.Q(store__isnull=True) | models.Q(store_id=store_id))

    def version_in_force(self, day: datetime.date) -> PlanVersion | None:
        return (
            self.versions.filter(effective_from__lte=day)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day))
            .order_by("-effective_from")
            .first()
        )


def plan_key(role: str, for_probation: bool = False) -> str:
    """How a run files the plans in force in a store: by role, a role's plan for people on probation apart."""
    return f"{role}:probation" if for_probation else role


def parse_plan_document(document: str, source: str = "plan.yaml") -> EnginePlan:
    """The engine's plan, or a ValidationError listing each problem with its line and column."""
    try:
        return check_plan(load_plan_text(document, source=source))
    except PlanInvalid as invalid:
        raise ValidationError({"document": [str(error) for error in invalid.errors]}) from invalid


def check_role(plan: Plan, engine_plan: EnginePlan) -> None:
    """The document pays the role and the people its plan is for: a run assesses the plan's role (those on
    probation, for a plan for them) with it."""
    if engine_plan.role != plan.role:
        raise ValidationError({"document": _(
            "The document is written for the role “%(written)s”, but the plan pays the role “%(role)s”."
        ) % {"written": dict(Role.choices).get(engine_plan.role, engine_plan.role), "role": plan.get_role_display()}})
    if engine_plan.for_probation != plan.for_probation:
        raise ValidationError({"document": _(
            "The document says “for: probation” only in a plan for people on probation, and a plan for them "
            "needs it.")})


class PlanVersion(AuditedModel):
    """One version of a plan's document. Versions are never edited: a change is a new version."""

    plan = models.ForeignKey(Plan, models.PROTECT, related_name="versions", verbose_name=_("pay plan"))
    number = models.PositiveIntegerField(_("version"))
    document = models.TextField(_("plan document (YAML)"))
    effective_from = models.DateField(_("in force from"), help_text=_("The first day of a month."))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    scope = ScopePaths(group="plan__group", region="plan__store__region", store="plan__store")

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number} ({self.effective_from:%Y-%m})"

    def engine_plan(self) -> EnginePlan:
        source = f"{self.plan.code}-v{self.number}.yaml" if self.plan_id else "plan.yaml"  # no plan: the form says so
        return parse_plan_document(self.document, source=source)

    def clean(self) -> None:
        if self.effective_from and self.effective_from.day != 1:
            raise ValidationError({"effective_from": _("A plan version comes into force on the first of a month.")})
        engine_plan = self.engine_plan()
        if self.plan_id:
            check_role(self.plan, engine_plan)

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and PlanVersion.objects.filter(pk=self.pk).exclude(document=self.document).exists():
            raise ValidationError(_("A published plan version cannot be edited; publish a new version instead."))
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def check_publishable(plan: Plan, effective_from: datetime.date) -> None:
    latest = plan.versions.order_by("-effective_from").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError({"effective_from": _(
            "A new version must come into force after the latest one (%(date)s)."
        ) % {"date": latest.effective_from}})


def lock_plan(plan: Plan) -> None:
    """One publisher at a time per plan, until the transaction ends."""
    Plan.objects.select_for_update().filter(pk=plan.pk).first()


@transaction.atomic
def publish_version(
    plan: Plan, document: str, effective_from: datetime.date, user: object = None, note: str = ""
) -> PlanVersion:
    """Validate and store a new version; the version in force before it ends the day before."""
    lock_plan(plan)
    check_publishable(plan, effective_from)
    latest = plan.versions.order_by("-effective_from").first()
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion(plan=plan, number=number, document=document, effective_from=effective_from,
                          created_by=user, note=note)
    version.full_clean()
    if latest is not None and latest.effective_to is None:
        latest.effective_to = effective_from - datetime.timedelta(days=1)
        latest.save(update_fields=["effective_to"])
    version.save()
    return version


class PlanConfirmation(AuditedModel):
    """A person covered by a plan version confirms they have read it (签字确认): who, which version, when."""

    plan_version = models.ForeignKey(PlanVersion, models.PROTECT, related_name="confirmations",
                                     verbose_name=_("plan version"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="plan_confirmations",
                              verbose_name=_("staff member"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"),
                              help_text=_("The store where the version covers the person."))
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    scope = ScopePaths(group="plan_version__plan__group", region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("plan confirmation")
        verbose_name_plural = _("plan confirmations")
        ordering = ["plan_version", "confirmed_at"]
        constraints = [models.UniqueConstraint(fields=["plan_version", "staff"], name="plan_confirmed_once")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.plan_version}"


def covering_roles(version: PlanVersion) -> models.QuerySet[RoleAssignment]:
    """The role assignments a version covers: the plan's role, held while employed at some time the version was in
    force, in a store the plan applies to (a group plan: the group's stores without their own plan for the role,
    as a run picks them). A plan for people on probation covers the role too: anyone of it may be on probation."""
    plan = version.plan
    held = (
        RoleAssignment.objects.filter(role=plan.role)
        .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=version.effective_from))
        .filter(models.Q(staff__leave_date__isnull=True) | models.Q(staff__leave_date__gte=version.effective_from))
    )
    if version.effective_to is not None:
        held = held.filter(valid_from__lte=version.effective_to)
    if plan.store_id is not None:
        return held.filter(store_id=plan.store_id)
    own_plans = Plan.objects.filter(group_id=plan.group_id, role=plan.role, for_probation=plan.for_probation,
                                    store__isnull=False)
    return held.filter(store__region__group_id=plan.group_id).exclude(store_id__in=own_plans.values("store_id"))


def covered_staff(version: PlanVersion) -> models.QuerySet[Staff]:
    """Everyone the version covers, in one query."""
    return Staff.objects.filter(pk__in=covering_roles(version).values("staff_id"))


def confirm_version(version: PlanVersion, staff_id: int) -> PlanConfirmation:
    """Record that the person has read the version, once: a second confirmation returns the first. The caller has
    checked that the version covers them (``plans.confirm_version``)."""
    store_id = (covering_roles(version).filter(staff_id=staff_id).order_by("-valid_from")
                .values_list("store_id", flat=True).first())
    confirmation, _created = PlanConfirmation.objects.get_or_create(
        plan_version=version, staff_id=staff_id, defaults={"store_id": store_id})
    return confirmation

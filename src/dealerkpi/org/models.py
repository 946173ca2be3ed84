"""The dealer group's organisation: group -> region -> store, teams, staff and their effective-dated history."""

from __future__ import annotations

import datetime

import rules
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField, PhoneField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.core.validators import validate_first_of_month


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("Sales consultant")
    SUPERVISOR = "supervisor", _("Sales supervisor")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    DEPUTY_MANAGER = "deputy_manager", _("Deputy sales manager")
    GENERAL_MANAGER = "general_manager", _("General manager")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")
    HEAD_OFFICE = "head_office", _("Head office")


STORE_WIDE_ROLES = frozenset(
    {Role.SALES_MANAGER, Role.DEPUTY_MANAGER, Role.GENERAL_MANAGER, Role.HR, Role.FINANCE}
)
READ_ONLY_ON_SALES = frozenset({Role.HR, Role.FINANCE})


class DealerGroup(AuditedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")
        ordering = ["code"]

    scope = ScopePaths(group="")

    def __str__(self) -> str:
        return self.name


class Region(AuditedModel):
    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="regions", verbose_name=_("dealer group"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["group", "code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="region_code_unique_in_group")]

    scope = ScopePaths(group="group", region="")

    def __str__(self) -> str:
        return self.name


class Store(AuditedModel):
    """A 4S store selling new cars of one brand."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="stores", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    brand = models.ForeignKey(
        "catalog.Brand", models.PROTECT, related_name="stores", verbose_name=_("brand"), null=True, blank=True
    )
    main_model = models.ForeignKey(
        "catalog.VehicleModel", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("main model"), help_text=_("Its lifecycle stage chooses a plan's weight set."),
    )
    city = models.CharField(_("city"), max_length=50)
    territory = models.TextField(
        _("territory"), blank=True, help_text=_("Districts the store may sell into, one per line.")
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    scope = ScopePaths(group="region__group", region="region", store="")

    def __str__(self) -> str:
        return self.name

    def territory_districts(self) -> list[str]:
        return [line.strip() for line in self.territory.splitlines() if line.strip()]


class MinimumWage(AuditedModel):
    """The monthly minimum wage (月最低工资标准) where the store is, from the first of a month: set by the
    province for each city or county, and raised every few years. A month's is the one in force on its first day."""

    store = models.ForeignKey(Store, models.CASCADE, related_name="minimum_wages", verbose_name=_("store"))
    effective_from = models.DateField(
        _("effective from"), validators=[validate_first_of_month],
        help_text=_("The first day of the month from which the standard applies."),
    )
    monthly_amount = MoneyField(_("monthly minimum wage"))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("minimum wage")
        verbose_name_plural = _("minimum wages")
        ordering = ["store", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["store", "effective_from"], name="one_minimum_wage_a_month_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.store.name} {self.effective_from:%Y-%m}: {self.monthly_amount}"


class Team(AuditedModel):
    store = models.ForeignKey(Store, models.PROTECT, related_name="teams", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="team_name_unique_in_store")]

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", team="")

    def __str__(self) -> str:
        return f"{self.store.name} · {self.name}"


class Staff(AuditedModel):
    """A person employed by the group. The current role and store are kept in step with RoleAssignment."""

    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="staff", verbose_name=_("dealer group"))
    store = models.ForeignKey(
        Store, models.PROTECT, related_name="staff", null=True, blank=True, verbose_name=_("store"),
        help_text=_("Empty for head-office staff."),
    )
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="staff", null=True, blank=True, verbose_name=_("region"),
        help_text=_("For head-office staff who look after one region only."),
    )
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    phone = PhoneField(_("mobile"), blank=True)
    hire_date = models.DateField(_("hire date"))
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    base_salary = MoneyField(_("base salary"), null=True, blank=True)

    audit_access = frozenset({"role", "store", "region", "group", "leave_date"})  # what viewer_for reads

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["store", "role"])]

    scope = ScopePaths(group="group", region="store__region", store="store", owner="")

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    def clean(self) -> None:
        if self.leave_date and self.leave_date < self.hire_date:
            raise ValidationError({"leave_date": _("The leave date cannot be before the hire date.")})
        if self.role == Role.HEAD_OFFICE:
            if self.store_id:
                raise ValidationError({"store": _("Head-office staff do not belong to a store.")})
        elif not self.store_id:
            raise ValidationError({"store": _("Staff in a store role need a store.")})
        if self.store_id and self.store.region.group_id != self.group_id:
            raise ValidationError({"store": _("The store belongs to another dealer group.")})

    def is_employed_on(self, day: datetime.date) -> bool:
        return self.hire_date <= day and (self.leave_date is None or self.leave_date >= day)


class EffectiveDated(models.Model):
    """A record in force from ``valid_from`` up to and including ``valid_to`` (open-ended when empty)."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def in_force_on(day: datetime.date, prefix: str = "") -> Q:
        return Q(**{f"{prefix}valid_from__lte": day}) & (
            Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
        )

    def clean(self) -> None:
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})


class RoleAssignment(EffectiveDated, AuditedModel):
    """Who held which role in which store, when: needed for attrition and for crediting by the role of the day."""

    staff = models.ForeignKey(Staff, models.CASCADE, related_name="role_history", verbose_name=_("staff member"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    store = models.ForeignKey(Store, models.PROTECT, null=True, blank=True, verbose_name=_("store"))

    audit_access = frozenset({"staff", "role", "store", "valid_from", "valid_to"})

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role history")
        ordering = ["staff", "valid_from"]

    scope = ScopePaths(group="staff__group", region="store__region", store="store", owner="staff")

    def __str__(self) -> str:
        return f"{self.staff.name}: {self.get_role_display()} {self.valid_from}"


class TeamMembership(EffectiveDated, AuditedModel):
    """Membership of a team over time; a sale is credited to the team of the day it happened."""

    staff = models.ForeignKey(Staff, models.CASCADE, related_name="memberships", verbose_name=_("staff member"))
    team = models.ForeignKey(Team, models.PROTECT, related_name="memberships", verbose_name=_("team"))
    is_leader = models.BooleanField(_("team leader"), default=False)

    audit_access = frozenset({"staff", "team", "valid_from", "valid_to"})  # a supervisor sees their teams

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team", "valid_from"]
        indexes = [models.Index(fields=["team", "valid_from"])]

    scope = ScopePaths(group="staff__group", region="team__store__region", store="team__store", owner="staff")

    def __str__(self) -> str:
        return f"{self.staff.name} → {self.team.name}"


class User(AbstractUser, AuditedModel):
    """A login. Linked to a staff member, whose role and store decide what the user may see."""

    staff = models.OneToOneField(
        Staff, models.SET_NULL, null=True, blank=True, related_name="user", verbose_name=_("staff member")
    )

    audit_ignore = frozenset({"last_login"})  # each login is an entry of its own
    audit_access = frozenset({"is_active", "is_staff", "is_superuser", "staff"})  # groups: core.audit_logins

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    scope = ScopePaths(group="staff__group", region="staff__store__region", store="staff__store", owner="staff")

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """A permission that an app's ``rules.py`` defines is answered by its rule alone, for superusers too:
        Django would grant a superuser everything (and the model permissions of its table would answer
        "crm.add_lead"), but a superuser without a staff member has no desk to act at. Others as Django answers."""
        if rules.perm_exists(perm):
            return rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

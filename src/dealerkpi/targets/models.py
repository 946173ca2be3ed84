"""Targets: what a store, a team and each person should reach in a month, metric by metric.

A target names a metric of the engine's catalogue (``units_delivered``, ``units_by_margin_class:high``,
``units_by_model:YH-S7``...). Three levels share one table:

- store level: ``team`` and ``staff`` empty; the figure the manager splits across the consultants;
- team level: ``team`` set, ``staff`` empty; a team's explicit target (else the engine sums its members');
- person level: ``staff`` set, ``team`` empty; what the consultant is assessed against.

Annual targets are split to the months by the store's seasonal distribution (see kpi/targets.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.fields import PercentField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.money import HUNDRED, ZERO
from dealerkpi.core.scope import ScopePaths
from dealerkpi.plans.engine import catalogue
from dealerkpi.plans.engine.catalogue import PARAMETERISED, Metric

MONTHS = range(1, 13)
WHOLE_UNITS = ("units", "count")  # split in whole cars / whole leads; everything else to the hundredth


def _non_negative() -> MinValueValidator:
    return MinValueValidator(Decimal("0"), message=_("A target cannot be negative."))


def metric_of(name: str) -> Metric | None:
    """The catalogue's metric for a target name (``units_by_model:YH-S7`` gives ``units_by_model``)."""
    return catalogue().find(name)


def metric_problem(name: str) -> str | None:
    """Why ``name`` cannot be a target's metric, in the user's language; None when it can."""
    name = (name or "").strip()
    if not name:
        return str(_("Name the metric, e.g. units_delivered."))
    problem = catalogue().problem(name)
    family, _sep, parameter = name.partition(":")
    if problem is not None:
        if family in PARAMETERISED and not parameter:
            example = (PARAMETERISED[family] or ("YH-S7",))[0]
            return str(_("%(family)s needs a parameter after a colon, e.g. %(family)s:%(example)s.")) % {
                "family": family, "example": example}
        if family in PARAMETERISED and PARAMETERISED[family]:
            return str(_("“%(name)s”: %(family)s takes one of %(choices)s.")) % {
                "name": name, "family": family, "choices": ", ".join(PARAMETERISED[family])}
        if parameter and family not in PARAMETERISED:
            return str(_("%(family)s takes no parameter; write it without “:%(parameter)s”.")) % {
                "family": family, "parameter": parameter}
        return str(_("Unknown metric “%(name)s” (the engine says: %(problem)s).")) % {
            "name": name, "problem": problem}
    if family == "units_by_model" and not VehicleModel.objects.filter(code=parameter).exists():
        return str(_("No vehicle model has the code “%(code)s”.")) % {"code": parameter}
    return None


def check_metric(name: str, field: str = "metric") -> None:
    problem = metric_problem(name)
    if problem is not None:
        raise ValidationError({field: problem})


def plain(number: Decimal) -> str:
    """A number as people write it: 100, 99.5, 12345678.91 (no exponent, no trailing zeros)."""
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class Target(AuditedModel):
    """One metric's target for a store, a team or a person in one month."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="targets", verbose_name=_("store"))
    team = models.ForeignKey(
        "org.Team", models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("team"),
        help_text=_("Set for a team's target; empty for the store's and for a person's."),
    )
    staff = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("staff member"),
        help_text=_("Set for a person's target."),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    metric = models.CharField(_("metric"), max_length=80)
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2, validators=[_non_negative()])

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["store_id", "month", "metric", "team_id", "staff_id"]
        indexes = [models.Index(fields=["store", "month"], name="target_store_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "month", "metric"], condition=Q(team__isnull=True, staff__isnull=True),
                name="target_unique_store_level",
                violation_error_message=_("The store already has a target for this metric and month."),
            ),
            models.UniqueConstraint(
                fields=["store", "team", "month", "metric"], condition=Q(team__isnull=False, staff__isnull=True),
                name="target_unique_team_level",
                violation_error_message=_("The team already has a target for this metric and month."),
            ),
            models.UniqueConstraint(
                fields=["store", "staff", "month", "metric"], condition=Q(staff__isnull=False),
                name="target_unique_person_level",
                violation_error_message=_("This person already has a target for this metric and month."),
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(staff__isnull=True), name="target_team_or_person",
                violation_error_message=_("A target is the store's, a team's or a person's, not a team's and "
                                          "a person's at once."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="target_value_not_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        who = self.staff.name if self.staff_id else (self.team.name if self.team_id else self.store.name)
        return f"{who} {self.month:%Y-%m} {self.metric} = {self.value}"

    @property
    def level(self) -> str:
        return "person" if self.staff_id else ("team" if self.team_id else "store")

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.month and self.month.day != 1:
            errors.setdefault("month", []).append(
                _("A target's month is written as its first day, e.g. %(first)s.") % {
                    "first": first_of_month(self.month).isoformat()})
        problem = metric_problem(self.metric)
        if problem is not None:
            errors.setdefault("metric", []).append(problem)
        if self.team_id and self.staff_id:
            errors.setdefault("team", []).append(
                _("A person's target belongs to the person: leave the team empty."))
        if self.team_id and self.store_id and self.team.store_id != self.store_id:
            errors.setdefault("team", []).append(_("The team belongs to another store."))
        if self.staff_id and self.store_id and self.staff.store_id != self.store_id:
            errors.setdefault("staff", []).append(_("%(name)s does not work in this store.") % {
                "name": self.staff.name})
        if errors:
            raise ValidationError(errors)


class AnnualTarget(AuditedModel):
    """A store's target for a whole year, split to the months by the store's seasonal distribution."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="annual_targets", verbose_name=_("store"))
    year = models.PositiveSmallIntegerField(_("year"))
    metric = models.CharField(_("metric"), max_length=80)
    value = models.DecimalField(_("annual target"), max_digits=16, decimal_places=2, validators=[_non_negative()])

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        ordering = ["store", "year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "year", "metric"], name="annual_target_unique",
                violation_error_message=_("The store already has an annual target for this metric and year."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="annual_target_value_not_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store.name} {self.year} {self.metric} = {self.value}"

    def clean(self) -> None:
        check_metric(self.metric)
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError({"year": _("Give the year in full, e.g. 2026.")})
        metric = metric_of(self.metric)
        if metric is not None and metric.unit in WHOLE_UNITS and self.value is not None and self.value % 1:
            raise ValidationError({"value": _(
                "%(metric)s is counted in whole numbers: the annual target must be one (it is %(value)s)."
            ) % {"metric": self.metric, "value": self.value}})


class SeasonalDistribution(AuditedModel):
    """How a store's year spreads over its months: twelve percentages summing to exactly 100."""

    store = models.ForeignKey(
        "org.Store", models.PROTECT, related_name="seasonal_distributions", verbose_name=_("store")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    m01 = PercentField(_("January"), default=Decimal("0"))
    m02 = PercentField(_("February"), default=Decimal("0"))
    m03 = PercentField(_("March"), default=Decimal("0"))
    m04 = PercentField(_("April"), default=Decimal("0"))
    m05 = PercentField(_("May"), default=Decimal("0"))
    m06 = PercentField(_("June"), default=Decimal("0"))
    m07 = PercentField(_("July"), default=Decimal("0"))
    m08 = PercentField(_("August"), default=Decimal("0"))
    m09 = PercentField(_("September"), default=Decimal("0"))
    m10 = PercentField(_("October"), default=Decimal("0"))
    m11 = PercentField(_("November"), default=Decimal("0"))
    m12 = PercentField(_("December"), default=Decimal("0"))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    MONTH_FIELDS = tuple(f"m{month:02d}" for month in MONTHS)

    class Meta:
        verbose_name = _("seasonal distribution")
        verbose_name_plural = _("seasonal distributions")
        ordering = ["store", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "year"], name="seasonal_distribution_unique",
                violation_error_message=_("The store already has a seasonal distribution for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store.name} {self.year}"

    @property
    def percents(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(getattr(self, name) or 0) for name in self.MONTH_FIELDS)

    @classmethod
    def even(cls, store: object, year: int) -> SeasonalDistribution:
        """An unsaved, flat distribution: 8.33% a month, 8.37% in December, to sum to 100."""
        values = dict.fromkeys(cls.MONTH_FIELDS, Decimal("8.33"))
        values["m12"] = Decimal("8.37")
        return cls(store=store, year=year, **values)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in self.MONTH_FIELDS:
            value = getattr(self, name)
            if value is not None and Decimal(value) < ZERO:
                errors.setdefault(name, []).append(_("A month's share cannot be negative."))
        if errors:
            raise ValidationError(errors)
        total = sum(self.percents, ZERO)
        if total < HUNDRED:
            raise ValidationError(_(
                "The twelve monthly percentages sum to %(sum)s; they must sum to exactly 100 (%(gap)s missing)."
            ) % {"sum": plain(total), "gap": plain(HUNDRED - total)})
        if total > HUNDRED:
            raise ValidationError(_(
                "The twelve monthly percentages sum to %(sum)s; they must sum to exactly 100 (%(gap)s too many)."
            ) % {"sum": plain(total), "gap": plain(total - HUNDRED)})

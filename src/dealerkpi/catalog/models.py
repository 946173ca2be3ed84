"""What the store sells: brands, models, trims with a margin class, lifecycle stages and dated price lists.

Competitors' models live here too (under competitor brands), so lost sales and market intelligence can
name them.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.org.models import EffectiveDated, Store

SHARED = ScopePaths(shared=True)


class Brand(AuditedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_competitor = models.BooleanField(_("competitor brand"), default=False)

    scope = SHARED

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["is_competitor", "code"]

    def __str__(self) -> str:
        return self.name


class MarginClass(AuditedModel):
    """Trims grouped by margin (high / normal / low by default) for product-mix targets."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("1 is the highest margin."))

    scope = SHARED

    class Meta:
        verbose_name = _("margin class")
        verbose_name_plural = _("margin classes")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


MODEL_CODE = RegexValidator(
    r"^[A-Za-z0-9_]+$", _("A model code uses letters, digits and underscores only, so plans can name it.")
)


class VehicleModel(AuditedModel):
    brand = models.ForeignKey(Brand, models.PROTECT, related_name="models", verbose_name=_("brand"))
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[MODEL_CODE])
    name = models.CharField(_("name"), max_length=50)
    segment = models.CharField(_("segment"), max_length=30, blank=True)

    scope = SHARED

    class Meta:
        verbose_name = _("vehicle model")
        verbose_name_plural = _("vehicle models")
        ordering = ["brand", "code"]

    def __str__(self) -> str:
        return f"{self.brand.name} {self.name}"


class LifecycleStage(EffectiveDated, AuditedModel):
    """The stage of a model's life; a plan may weigh indicators differently per stage."""

    class Stage(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction")
        GROWTH = "growth", _("Growth")
        MATURITY = "maturity", _("Maturity")
        RUN_OUT = "run_out", _("Run-out")

    vehicle_model = models.ForeignKey(
        VehicleModel, models.CASCADE, related_name="stages", verbose_name=_("vehicle model")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)

    scope = SHARED

    class Meta:
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")
        ordering = ["vehicle_model", "valid_from"]

    def __str__(self) -> str:
        return f"{self.vehicle_model}: {self.get_stage_display()} {self.valid_from}"


class Trim(AuditedModel):
    vehicle_model = models.ForeignKey(
        VehicleModel, models.PROTECT, related_name="trims", verbose_name=_("vehicle model")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=80)
    margin_class = models.ForeignKey(
        MarginClass, models.PROTECT, related_name="trims", verbose_name=_("margin class")
    )

    scope = SHARED

    class Meta:
        verbose_name = _("trim")
        verbose_name_plural = _("trims")
        ordering = ["vehicle_model", "code"]

    def __str__(self) -> str:
        return f"{self.vehicle_model.name} {self.name}"


class TrimPrice(EffectiveDated, AuditedModel):
    """The price list line of a trim for a period: guide price (MSRP), floor price and cost."""

    trim = models.ForeignKey(Trim, models.CASCADE, related_name="prices", verbose_name=_("trim"))
    guide_price = MoneyField(_("guide price (MSRP)"))
    floor_price = MoneyField(_("floor price"))
    cost = MoneyField(_("cost"))

    scope = SHARED

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list")
        ordering = ["trim", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.trim} {self.valid_from}: {self.guide_price}"

    def clean(self) -> None:
        super().clean()
        if None in (self.guide_price, self.floor_price, self.cost):
            return
        if self.floor_price > self.guide_price:
            raise ValidationError({"floor_price": _("The floor price cannot be above the guide price.")})

    @classmethod
    def in_force(cls, trim_id: int, day: datetime.date) -> TrimPrice | None:
        return cls.objects.filter(cls.in_force_on(day), trim_id=trim_id).order_by("-valid_from").first()


def franchised_trims(store: Store) -> models.QuerySet[Trim]:
    """The trims a store sells and orders from its manufacturer: those of its brand; a store with no brand set,
    those of the group's own brands."""
    if store.brand_id:
        return Trim.objects.filter(vehicle_model__brand_id=store.brand_id)
    return Trim.objects.filter(vehicle_model__brand__is_competitor=False)

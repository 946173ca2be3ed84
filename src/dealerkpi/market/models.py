"""The market around the store: promotions executed, point-of-sale presentation audits, market-share
survey inputs and competitor intelligence."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField, PercentField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths

STORE_RECORD = ScopePaths(group="store__region__group", region="store__region", store="store")
SCORE_0_TO_100 = [MinValueValidator(0), MaxValueValidator(100)]


class PromotionExecution(AuditedModel):
    """How well the store carried out a promotion (促销活动执行), scored 0-100."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("promotion"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, validators=SCORE_0_TO_100)
    assessed_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("assessed by"))

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("promotion execution")
        verbose_name_plural = _("promotion executions")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A promotion cannot end before it starts.")})


class PresentationAudit(AuditedModel):
    """A point-of-sale presentation check (终端生动化) of the showroom or a secondary dealer, scored 0-100."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    secondary_dealer = models.ForeignKey(
        "stock.SecondaryDealer", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("secondary dealer"),
    )
    audited_on = models.DateField(_("audited on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, validators=SCORE_0_TO_100)
    auditor = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("auditor"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("presentation audit")
        verbose_name_plural = _("presentation audits")
        ordering = ["-audited_on"]

    def __str__(self) -> str:
        return f"{self.audited_on}: {self.score}"


class MarketShareSurvey(AuditedModel):
    """A third-party survey's market share for the store's territory and month (市场份额)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("The first day of the month surveyed."))
    share = PercentField(_("market share (%)"), validators=SCORE_0_TO_100)
    source = models.CharField(_("source"), max_length=100)

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("market share survey")
        verbose_name_plural = _("market share surveys")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["store", "month", "source"], name="one_share_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.share}%"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("Enter the first day of the month.")})


class CompetitorPrice(models.Model):
    """A competitor model's price and offer seen in the market (竞品信息)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    competitor_model = models.ForeignKey(
        "catalog.VehicleModel", models.PROTECT, related_name="+", verbose_name=_("competitor model")
    )
    seen_on = models.DateField(_("seen on"))
    price = MoneyField(_("price"))
    offer = models.CharField(_("offer"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=100)
    reported_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("reported by"))

    scope = STORE_RECORD

    class Meta:
        verbose_name = _("competitor price")
        verbose_name_plural = _("competitor prices")
        ordering = ["-seen_on"]
        indexes = [models.Index(fields=["store", "seen_on"])]

    def __str__(self) -> str:
        return f"{self.competitor_model} {self.price}"

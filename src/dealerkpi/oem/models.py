"""The manufacturer's assessment of a store (商务政策): the commercial policy as a dated document the plan engine
evaluates for the store as a whole, the manufacturer's monthly targets for the store, and the scores it gives the
store (CSI, SSI, showroom standards...). Every change keeps who, when, before and after."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.core.validators import validate_first_of_month

STORE_FIGURE = ScopePaths(group="store__region__group", region="store__region", store="store")


class CommercialPolicy(AuditedModel):
    """One version of the manufacturer's policy for the group's stores of a brand, in force from its first month
    until the next version."""

    group = models.ForeignKey("org.DealerGroup", models.PROTECT, related_name="+", verbose_name=_("dealer group"))
    brand = models.ForeignKey("catalog.Brand", models.PROTECT, related_name="+", verbose_name=_("brand"))
    valid_from = models.DateField(_("in force from"), validators=[validate_first_of_month],
                                  help_text=_("The first day of the first month it applies to."))
    document = models.TextField(_("policy document"))
    note = models.CharField(_("what changed"), max_length=200, blank=True, default="")
    published_by = models.ForeignKey("org.User", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    scope = ScopePaths(group="group", region=None, store=None)

    class Meta:
        verbose_name = _("commercial policy")
        verbose_name_plural = _("commercial policies")
        ordering = ["group", "brand", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["group", "brand", "valid_from"],
                                               name="one_policy_version_a_month")]

    def __str__(self) -> str:
        return f"{self.brand} {self.valid_from:%Y-%m}"


class ManufacturerTarget(AuditedModel):
    """What the manufacturer asks of the store in a month for one figure: retail units, wholesale units, a model's
    units..."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    figure = models.CharField(_("figure"), max_length=60)
    value = models.DecimalField(_("target"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(10**9)])

    scope = STORE_FIGURE

    class Meta:
        verbose_name = _("manufacturer's target")
        verbose_name_plural = _("manufacturer's targets")
        ordering = ["store", "-month", "figure"]
        constraints = [models.UniqueConstraint(fields=["store", "month", "figure"],
                                               name="one_manufacturer_target_a_month")]

    def __str__(self) -> str:
        return f"{self.store} {self.month:%Y-%m} {self.figure} {self.value}"


class ManufacturerScore(AuditedModel):
    """A score the manufacturer gave the store for a month on one of its policy's assessed items (CSI, SSI,
    showroom standards...), entered from the manufacturer's report."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    item = models.CharField(_("assessed item"), max_length=60)
    value = models.DecimalField(_("score"), max_digits=7, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(10000)])
    comment = models.CharField(_("remark"), max_length=200, blank=True, default="")

    scope = STORE_FIGURE

    class Meta:
        verbose_name = _("manufacturer's score")
        verbose_name_plural = _("manufacturer's scores")
        ordering = ["store", "-month", "item"]
        constraints = [models.UniqueConstraint(fields=["store", "month", "item"],
                                               name="one_manufacturer_score_a_month")]

    def __str__(self) -> str:
        return f"{self.store} {self.month:%Y-%m} {self.item} {self.value}"

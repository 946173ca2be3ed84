"""The daily report (日报) a store's sales manager sends the general manager each morning: the figures are computed
when the report is read (reports/daily.py); what is kept is who sent it, their remarks and the GM's comment."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths


class DailyReport(AuditedModel):
    """The report of one store for one day: the figures of the day before, the month to date and the day's
    schedule. One per store and day; the remarks may be sent again until the GM comments."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("day"), help_text=_("The morning the report is sent: it gives the day before."))
    remarks = models.TextField(_("remarks"))
    sent_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent at"))
    comment = models.TextField(_("general manager's comment"), blank=True)
    commented_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("commented by"))
    commented_at = models.DateTimeField(_("commented at"), null=True, blank=True)

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="one_daily_report_per_store_day")]

    def __str__(self) -> str:
        return f"{self.day}"



class KeptMonth(models.Model):
    """A store's month as the monthly analysis tallied it (reports/kept.py), kept with the month's final bonus run:
    read back instead of tallied again from the records while `run` is the latest final run of the store's month."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"))
    run = models.ForeignKey("pay.Run", models.CASCADE, related_name="kept_months", verbose_name=_("bonus run"))
    tally = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("kept month of the monthly analysis")
        verbose_name_plural = _("kept months of the monthly analysis")
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="one_kept_month_per_store")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.month:%Y-%m} run {self.run_id}"

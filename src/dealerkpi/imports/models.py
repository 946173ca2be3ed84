"""The audit of imports: who imported (or only checked) which file, when, and with what result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.scope import ScopePaths


class ImportBatch(models.Model):
    """One upload or command-line run. Rejected files and checks are recorded too; only ``imported`` wrote rows.

    ``report`` holds the error report (.xlsx: the file's rows with a problems column) of a rejected file; it is
    given only to the person who uploaded the file, because it repeats the file's rows."""

    class Kind(models.TextChoices):
        FOLLOW_UPS = "follow_ups", _("A-card follow-ups")
        DELIVERIES = "deliveries", _("Deliveries")

    class Outcome(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        CHECKED = "checked", _("Checked, nothing written")
        REJECTED = "rejected", _("Rejected, nothing written")

    class Via(models.TextChoices):
        WEB = "web", _("Web page")
        COMMAND = "command", _("Command line")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices, default=Via.WEB)
    file_name = models.CharField(_("file"), max_length=200)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    written = models.PositiveIntegerField(_("records imported"), default=0)
    error_count = models.PositiveIntegerField(_("problems"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("imported by"),
    )
    actor = models.CharField(_("by"), max_length=150, help_text=_("The login, or who ran the command."))
    started_at = models.DateTimeField(_("started at"))
    seconds = models.FloatField(_("seconds"), default=0)  # float-ok: how long the import took, not money or a score
    stores = models.ManyToManyField("org.Store", related_name="+", blank=True, verbose_name=_("stores"))
    report = models.BinaryField(_("error report"), null=True, blank=True, editable=False)

    scope = ScopePaths(group="stores__region__group", region="stores__region", store="stores")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_outcome_display()})"

"""Tasks handed down (下达任务): what the GM or the manufacturer asks a member of the store to do by a day, and the
evidence that it was done."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths


class Task(AuditedModel):
    class Source(models.TextChoices):
        GENERAL_MANAGER = "general_manager", _("General manager")
        MANUFACTURER = "manufacturer", _("Manufacturer")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    source = models.CharField(_("handed down by"), max_length=20, choices=Source.choices)
    title = models.CharField(_("task"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("entered by"))
    evidence_note = models.TextField(_("evidence"), blank=True)
    evidence_name = models.CharField(_("evidence file"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", owner="owner")

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["store", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def overdue_on(day: datetime.date) -> Q:
        """Open tasks whose due day is before ``day``."""
        return Q(status=Task.Status.OPEN, due_on__lt=day)

    def is_overdue(self, day: datetime.date) -> bool:
        return self.status == self.Status.OPEN and self.due_on < day


class EvidenceFile(models.Model):
    """The file kept as a task's evidence, apart from the task so that lists of tasks never read it."""

    task = models.OneToOneField(Task, models.CASCADE, related_name="evidence_file", verbose_name=_("task"))
    content = models.BinaryField(_("content"))
    content_type = models.CharField(_("file type"), max_length=100)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.task.evidence_name

"""The audit of imports: who imported (or only checked) which file, when, and with what result; and a file
uploaded on the page, kept until the job that imports it has read it (``imports.uploads``)."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.scope import ScopePaths


class ImportBatch(models.Model):
    """One upload or command-line run. Rejected files and checks are recorded too; only ``imported`` wrote rows.

    An upload is *queued* with its file (``content``) until its job reads it (*working*), then it has its result
    and the file is dropped. One whose job was lost is given up after ``IMPORT_STALLED_MINUTES`` (``given_up``)
    and can be run again from the file it kept.

    ``report`` holds the error report (.xlsx: the file's rows with a problems column) of a rejected file, and
    ``problems`` the first ones the page lists; both are given only to the person who uploaded the file, because
    they repeat the file's rows."""

    class Kind(models.TextChoices):
        FOLLOW_UPS = "follow_ups", _("A-card follow-ups")
        DELIVERIES = "deliveries", _("Deliveries")
        VEHICLES = "vehicles", _("Vehicles")
        STAFF = "staff", _("Staff and teams")
        CATALOGUE = "catalogue", _("Models, trims and prices")
        TARGETS = "targets", _("Targets")
        LEADS = "leads", _("Customers and A-cards")
        VISITS = "visits", _("Showroom visits")
        TEST_DRIVES = "test_drives", _("Test drives")
        ORDERS = "orders", _("Orders")
        PAYMENTS = "payments", _("Payments")
        ATTENDANCE = "attendance", _("Attendance (time clock)")
        SURVEYS = "surveys", _("Satisfaction surveys (CSI/SSI)")
        COMPLAINTS = "complaints", _("Complaints")
        C_CARDS = "c_cards", _("C-card calls after delivery")
        TRAINING = "training", _("Training records")

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Waiting its turn")
        WORKING = "working", _("Being read")
        IMPORTED = "imported", _("Imported")
        CHECKED = "checked", _("Checked, nothing written")
        REJECTED = "rejected", _("Rejected, nothing written")
        FAILED = "failed", _("Stopped, nothing written")
        UNDONE = "undone", _("Imported, then undone")

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
    unchanged = models.PositiveIntegerField(_("rows there already"), default=0)
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
    check_only = models.BooleanField(_("only checked"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    content = models.BinaryField(_("uploaded file"), null=True, blank=True, editable=False)
    problems = models.JSONField(_("problems listed"), default=list, blank=True, editable=False)
    bad_rows = models.PositiveIntegerField(_("rows with problems"), default=0)
    mapping = models.ForeignKey("imports.ColumnMapping", models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("column mapping"))

    scope = ScopePaths(group="stores__region__group", region="stores__region", store="stores")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"])]

    BUSY = (Outcome.QUEUED, Outcome.WORKING)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_outcome_display()})"

    @property
    def given_up(self) -> bool:
        """Its job failed, or was lost: still queued or being read ``IMPORT_STALLED_MINUTES`` after it was queued
        or taken (the page's limits keep an import well under a minute)."""
        stalled = timezone.now() - self.started_at > timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
        return self.outcome == self.Outcome.FAILED or (self.outcome in self.BUSY and stalled)

    @property
    def busy(self) -> bool:
        """Queued or being read by its job, which is still expected to finish."""
        return self.outcome in self.BUSY and not self.given_up

    @property
    def state(self) -> str:
        """The outcome as it stands: a batch given up is *failed*, whatever its job last wrote."""
        return self.Outcome.FAILED if self.given_up else self.outcome

    def get_state_display(self) -> str:
        return str(self.Outcome(self.state).label)


class ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder keeps milliseconds): a record put back is as it was."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


class ImportedRecord(models.Model):
    """A record an import created (the kinds that create records: staff, catalogue, targets, customers and
    A-cards, visits, orders, payments, vehicles, complaints, training) or changed (``before``: the fields it changed,
    as they were, and ``after``: as it left them; a C-card call marked done, an A-card moved by a follow-up, an
    order delivered). The desk's apps sit below ``imports`` and do not point at it; the
    batch points at what it made, and undoing the batch deletes exactly these records and puts the changed ones
    back."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="records", verbose_name=_("import"))
    content_type = models.ForeignKey("contenttypes.ContentType", models.PROTECT, related_name="+",
                                     verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    before = models.JSONField(_("before the import"), null=True, blank=True, encoder=ExactEncoder,
                              help_text=_("Empty: the import made the record."))
    after = models.JSONField(_("as the import left it"), null=True, blank=True, encoder=ExactEncoder)

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


class ColumnMapping(models.Model):
    """How a source's export names its columns (its header -> our column), saved once and chosen at each import,
    so a DMS export is imported as it is month after month. For a store, or for every store of a group."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=ImportBatch.Kind.choices)
    group = models.ForeignKey("org.DealerGroup", models.CASCADE, related_name="+", verbose_name=_("dealer group"))
    store = models.ForeignKey("org.Store", models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("store"), help_text=_("Empty: for every store of the group."))
    columns = models.JSONField(_("columns"), default=dict,
                               help_text=_("The source's column name -> the template's column name."))

    scope = ScopePaths(group="group", store="store")

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "kind", "name"], name="mapping_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.store_id is not None and self.group_id is not None and self.store.region.group_id != self.group_id:
            raise ValidationError({"store": _("The store is not of this dealer group.")})

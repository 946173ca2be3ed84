"""Training and attendance records of the sales staff, and the store's daily routines: the showroom
checklist and the morning and evening meeting notes."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths

STAFF_RECORD = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")


class TrainingRecord(models.Model):
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="trainings", verbose_name=_("staff member"))
    course = models.CharField(_("course"), max_length=100)
    held_on = models.DateField(_("held on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"), default=True)
    trainer = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("trainer"),
        help_text=_("A colleague who trained this person counts toward developing people."),
    )

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["store", "held_on"])]

    def __str__(self) -> str:
        return f"{self.course} {self.held_on}"

    def clean(self) -> None:
        if self.hours is not None and not Decimal("0") < self.hours <= Decimal("24"):
            raise ValidationError({"hours": _("Training hours in one day are between 0 and 24.")})


class AttendanceRecord(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        LEAVE = "leave", _("On leave")
        REST = "rest", _("Rest day")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="attendance", verbose_name=_("staff member"))
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="one_attendance_per_day")]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.day} {self.status}"


STORE_ROUTINE = ScopePaths(group="store__region__group", region="store__region", store="store")


class DailyChecklist(AuditedModel):
    """The showroom and vehicle check (展厅 6S) a supervisor or manager signs once a day for the store."""

    ITEMS = (
        "showroom_clean", "display_cars_clean", "demo_cars_ready", "brochures_stocked", "reception_desk_staffed",
        "lounge_clean", "staff_dress_code",
    )

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("day"))
    checked_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("checked by"))
    showroom_clean = models.BooleanField(_("showroom floor, glass and lighting clean"), default=False)
    display_cars_clean = models.BooleanField(_("display cars clean, unlocked, seats and price boards in place"),
                                             default=False)
    demo_cars_ready = models.BooleanField(_("demo cars clean, fuelled or charged, papers on board"), default=False)
    brochures_stocked = models.BooleanField(_("brochures and price lists stocked"), default=False)
    reception_desk_staffed = models.BooleanField(_("reception desk staffed"), default=False)
    lounge_clean = models.BooleanField(_("customer lounge and restrooms clean"), default=False)
    staff_dress_code = models.BooleanField(_("staff in uniform, badges worn"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope = STORE_ROUTINE

    class Meta:
        verbose_name = _("daily checklist")
        verbose_name_plural = _("daily checklists")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="one_checklist_per_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"

    @property
    def items_done(self) -> int:
        return sum(1 for name in self.ITEMS if getattr(self, name))


class MeetingNote(AuditedModel):
    """Notes of the sales department's morning or evening meeting (早会 / 夕会)."""

    class Kind(models.TextChoices):
        MORNING = "morning", _("Morning meeting")
        EVENING = "evening", _("Evening meeting")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("meeting"), max_length=10, choices=Kind.choices)
    summary = models.TextField(
        _("summary"), help_text=_("The morning meeting sums up yesterday; the evening meeting sums up the day.")
    )
    today_arrangement = models.TextField(_("today's arrangement"), blank=True)
    tomorrow_arrangement = models.TextField(_("tomorrow's arrangement"), blank=True)
    attendees = models.ManyToManyField("org.Staff", related_name="+", blank=True, verbose_name=_("attendees"))
    author = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("written by"))

    scope = STORE_ROUTINE

    class Meta:
        verbose_name = _("meeting note")
        verbose_name_plural = _("meeting notes")
        ordering = ["-day", "kind"]
        constraints = [models.UniqueConstraint(fields=["store", "day", "kind"], name="one_meeting_note_per_kind")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.MORNING and not self.today_arrangement.strip():
            raise ValidationError({"today_arrangement": _("The morning meeting arranges today: write the plan.")})
        if self.kind == self.Kind.EVENING and not self.tomorrow_arrangement.strip():
            raise ValidationError({"tomorrow_arrangement": _("The evening meeting arranges tomorrow: write the plan.")})

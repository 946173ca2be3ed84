"""Training and attendance records of the sales staff."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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

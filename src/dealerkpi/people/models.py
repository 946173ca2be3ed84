"""Training and attendance records of the sales staff, and the store's daily routines: the showroom
checklist and the morning and evening meeting notes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealerkpi.core.fields import MoneyField, PhoneField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths
from dealerkpi.org.models import Role

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


class AttendanceRules(AuditedModel):
    """A store's attendance rules (考勤制度): the working day, the minutes of grace, and from how many minutes late
    an arrival counts as a day absent (旷工) rather than late. A store without them is judged by ``DEFAULT_RULES``,
    and its attendance sheet says so."""

    store = models.OneToOneField("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    work_starts = models.TimeField(_("work starts"), default=datetime.time(8, 30))
    work_ends = models.TimeField(_("work ends"), default=datetime.time(17, 30))
    grace_minutes = models.PositiveSmallIntegerField(
        _("minutes of grace"), default=5, validators=[MaxValueValidator(60)],
        help_text=_("An arrival up to this many minutes after the start is on time."),
    )
    absent_after_minutes = models.PositiveSmallIntegerField(
        _("absent from minutes late"), default=120, validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("An arrival this many minutes or more after the start counts as a day absent."),
    )

    scope = ScopePaths(group="store__region__group", region="store__region", store="store")

    class Meta:
        verbose_name = _("attendance rules")
        verbose_name_plural = _("attendance rules")

    def __str__(self) -> str:
        return f"{self.store_id} {self.work_starts:%H:%M}-{self.work_ends:%H:%M}"

    def clean(self) -> None:
        if self.work_starts is not None and self.work_ends is not None and self.work_ends <= self.work_starts:
            raise ValidationError({"work_ends": _("Work ends after it starts.")})
        if (self.grace_minutes is not None and self.absent_after_minutes is not None
                and self.absent_after_minutes <= self.grace_minutes):
            raise ValidationError({"absent_after_minutes": _("A day absent starts later than the grace ends.")})


DEFAULT_RULES = AttendanceRules()  # unsaved: the defaults, for a store that has set none


class AttendanceRecord(AuditedModel):
    """One person's day: clocked in and out, or absent, on leave or resting. Minutes late and leaving early are
    derived from the clock by the store's rules (``people.attendance``) when the day is recorded."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        LEAVE = "leave", _("On leave")
        REST = "rest", _("Rest day")

    class LeaveKind(models.TextChoices):
        ANNUAL = "annual", _("Annual leave")
        SICK = "sick", _("Sick leave")
        PERSONAL = "personal", _("Personal leave")
        MARRIAGE = "marriage", _("Marriage leave")
        BEREAVEMENT = "bereavement", _("Bereavement leave")
        MATERNITY = "maternity", _("Maternity or paternity leave")
        TIME_OFF = "time_off", _("Time off in lieu")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="attendance", verbose_name=_("staff member"))
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    clock_in = models.TimeField(_("clocked in"), null=True, blank=True)
    clock_out = models.TimeField(_("clocked out"), null=True, blank=True)
    minutes_late = models.PositiveSmallIntegerField(_("minutes late"), default=0, db_default=0)
    minutes_early = models.PositiveSmallIntegerField(_("minutes left early"), default=0, db_default=0)
    leave_kind = models.CharField(_("kind of leave"), max_length=12, choices=LeaveKind.choices, blank=True,
                                  db_default="")
    note = models.CharField(_("note"), max_length=200, blank=True, db_default="")

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


class Departure(AuditedModel):
    """A staff member's leaving (离职): the day, whether they chose to go, why, and the competitor they went to.
    Recording it sets ``Staff.leave_date`` and hands their open A-cards to colleagues (``people.services``)."""

    class Reason(models.TextChoices):
        PAY = "pay", _("Pay and bonus")
        CAREER = "career", _("Career prospects")
        WORKLOAD = "workload", _("Workload and pressure")
        MANAGEMENT = "management", _("Manager or team")
        COMPETITOR_OFFER = "competitor_offer", _("Offer from a competitor")
        RELOCATION = "relocation", _("Moving away")
        FAMILY = "family", _("Family or health")
        PERFORMANCE = "performance", _("Performance")
        CONDUCT = "conduct", _("Misconduct")
        PROBATION = "probation", _("Probation not passed")
        RESTRUCTURING = "restructuring", _("Restructuring")
        OTHER = "other", _("Other")

    VOLUNTARY_REASONS = frozenset({Reason.PAY, Reason.CAREER, Reason.WORKLOAD, Reason.MANAGEMENT,
                                   Reason.COMPETITOR_OFFER, Reason.RELOCATION, Reason.FAMILY})
    INVOLUNTARY_REASONS = frozenset({Reason.PERFORMANCE, Reason.CONDUCT, Reason.PROBATION, Reason.RESTRUCTURING})

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.OneToOneField("org.Staff", models.PROTECT, related_name="departure",
                                 verbose_name=_("staff member"))
    left_on = models.DateField(_("last day"))
    voluntary = models.BooleanField(_("voluntary"), help_text=_("Resigned, rather than dismissed or not kept on."))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    competitor = models.CharField(_("went to (competitor)"), max_length=100, blank=True,
                                  help_text=_("The competing brand or dealer they joined, if known."))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    cards_handed_over = models.PositiveIntegerField(_("A-cards handed over"), null=True, blank=True,
                                                    help_text=_("Empty when not counted (generated history)."))

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["-left_on", "-pk"]
        indexes = [models.Index(fields=["store", "left_on"])]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.left_on}"

    def clean(self) -> None:
        conflict = self.reason_conflict(self.voluntary, self.reason)
        if conflict:
            raise ValidationError({"reason": conflict})

    @classmethod
    def reason_conflict(cls, voluntary: bool | None, reason: str | None) -> str | None:
        """Why the reason does not fit the choice of leaving, if it does not."""
        if voluntary and reason in cls.INVOLUNTARY_REASONS:
            return str(_("This reason is the store's decision: untick voluntary."))
        if not voluntary and reason in cls.VOLUNTARY_REASONS:
            return str(_("This reason is the person's choice: tick voluntary."))
        return None


class OnboardingItem(AuditedModel):
    """One step of a new salesperson's onboarding checklist, due a set number of days after the hire date and ticked
    by their supervisor or a manager."""

    class Step(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts and system logins")
        MENTOR = "mentor", _("Mentor assigned")
        PRODUCT_TRAINING = "product_training", _("Product training")
        FIRST_TEST_DRIVE = "first_test_drive", _("First test drive, accompanied")
        OEM_CERTIFICATION = "oem_certification", _("Manufacturer certification")
        FIRST_DELIVERY = "first_delivery", _("First delivery")

    DUE_DAYS = {Step.ACCOUNTS: 1, Step.MENTOR: 3, Step.PRODUCT_TRAINING: 7, Step.FIRST_TEST_DRIVE: 14,
                Step.OEM_CERTIFICATION: 30, Step.FIRST_DELIVERY: 60}  # days after the hire date

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="onboarding", verbose_name=_("staff member"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("ticked by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        ordering = ["staff", "due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["staff", "step"], name="one_onboarding_step_each")]
        indexes = [models.Index(fields=["store", "due_on"])]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.step}"


class Probation(AuditedModel):
    """A new salesperson's probation (试用期): from the hire date for a set number of months, reviewed midway and at
    the end by the supervisor and a manager, and decided: confirmed, extended (the end moves) or ended."""

    class Status(models.TextChoices):
        OPEN = "open", _("On probation")
        CONFIRMED = "confirmed", _("Confirmed")
        ENDED = "ended", _("Ended")

    class Decision(models.TextChoices):
        CONFIRM = "confirm", _("Confirm")
        EXTEND = "extend", _("Extend")
        END = "end", _("End")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.OneToOneField("org.Staff", models.PROTECT, related_name="probation",
                                 verbose_name=_("staff member"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    decided_by = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("probation")
        verbose_name_plural = _("probations")
        ordering = ["ends_on", "pk"]
        indexes = [models.Index(fields=["store", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.starts_on}–{self.ends_on}"


class ProbationReview(AuditedModel):
    """A review of a probation at a set point, by the supervisor or a manager: a score from 1 to 5 and notes."""

    class Point(models.TextChoices):
        MIDWAY = "midway", _("Midway review")
        FINAL = "final", _("Final review")

    probation = models.ForeignKey(Probation, models.CASCADE, related_name="reviews", verbose_name=_("probation"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    point = models.CharField(_("review point"), max_length=10, choices=Point.choices)
    reviewer = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("reviewer"))
    reviewer_role = models.CharField(_("reviewer's role"), max_length=20)
    reviewed_on = models.DateField(_("reviewed on"))
    score = models.PositiveSmallIntegerField(_("score (1-5)"))
    notes = models.TextField(_("notes"))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store",
                       owner="probation__staff")

    class Meta:
        verbose_name = _("probation review")
        verbose_name_plural = _("probation reviews")
        ordering = ["reviewed_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["probation", "point", "reviewer"],
                                               name="one_review_per_point_and_reviewer")]

    def __str__(self) -> str:
        return f"{self.probation_id} {self.point} {self.reviewer_id}"


class Certification(AuditedModel):
    """A certification a staff member holds, usually the manufacturer's (厂家认证), with its expiry when it has one."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="certifications",
                              verbose_name=_("staff member"))
    name = models.CharField(_("certification"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=100, help_text=_("The manufacturer or the training body."))
    obtained_on = models.DateField(_("obtained on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty when it does not expire."))

    scope = STAFF_RECORD

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["expires_on", "pk"]
        indexes = [models.Index(fields=["store", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_id})"

    def clean(self) -> None:
        if self.expires_on and self.obtained_on and self.expires_on <= self.obtained_on:
            raise ValidationError({"expires_on": _("A certification expires after it was obtained.")})


class Position(AuditedModel):
    """An open position (招聘需求) of a store, for a team when it is known: why it is open, when it was opened, and
    when it was filled (the hire recorded) or cancelled."""

    class Reason(models.TextChoices):
        GROWTH = "growth", pgettext_lazy("position opened for", "Growth")
        REPLACEMENT = "replacement", pgettext_lazy("position opened for", "Replacement")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("position", "Open")
        FILLED = "filled", pgettext_lazy("position", "Filled")
        CANCELLED = "cancelled", _("Cancelled")

    ROLES = ((Role.CONSULTANT, Role.CONSULTANT.label), (Role.SUPERVISOR, Role.SUPERVISOR.label))

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    team = models.ForeignKey("org.Team", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("team"))
    role = models.CharField(_("role"), max_length=20, choices=ROLES)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    replaces = models.ForeignKey("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("replaces"), help_text=_("The leaver, for a replacement."))
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("opened by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("filled or cancelled on"), null=True, blank=True)

    scope = STORE_ROUTINE

    class Meta:
        verbose_name = _("open position")
        verbose_name_plural = _("open positions")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["store", "opened_on"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.opened_on}"


class Candidate(AuditedModel):
    """A candidate for a position: personal data (name, mobile, CV) that only HR and the store's management see."""

    class Source(models.TextChoices):
        JOB_SITE = "job_site", _("Job site")
        REFERRAL = "referral", _("Referral")
        WALK_IN = "walk_in", _("Walked in")
        CAMPUS = "campus", _("Campus")
        HEADHUNTER = "headhunter", _("Headhunter")
        INTERNAL = "internal", _("Internal")

    class Stage(models.TextChoices):
        APPLIED = "applied", _("Applied")
        OFFERED = "offered", _("Offered")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrew")

    CLOSED = frozenset({Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN})

    position = models.ForeignKey(Position, models.PROTECT, related_name="candidates", verbose_name=_("position"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=50)
    phone = PhoneField(_("mobile"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    applied_on = models.DateField(_("applied on"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.APPLIED)
    cv = models.BinaryField(_("CV"), null=True, blank=True, editable=False)
    cv_name = models.CharField(_("CV file"), max_length=100, blank=True)
    cv_type = models.CharField(_("CV type"), max_length=100, blank=True)
    offer_salary = MoneyField(_("offered base salary"), null=True, blank=True)
    start_on = models.DateField(_("starts on"), null=True, blank=True)
    hired_as = models.OneToOneField("org.Staff", models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("hired as"))

    audit_ignore = frozenset({"cv"})  # the file itself stays out of the trail; its name is recorded
    scope = STORE_ROUTINE

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["-applied_on", "-pk"]
        indexes = [models.Index(fields=["store", "applied_on"])]

    def __str__(self) -> str:
        return self.name


ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Interview(AuditedModel):
    """An interview of a candidate with the interviewer's scorecard (1 to 5 each) and notes."""

    SCORES = ("product_knowledge", "communication", "sales_drive", "presentation")

    candidate = models.ForeignKey(Candidate, models.CASCADE, related_name="interviews", verbose_name=_("candidate"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    interviewer = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("interviewer"))
    held_on = models.DateField(_("held on"))
    product_knowledge = models.PositiveSmallIntegerField(_("product and market knowledge"), validators=ONE_TO_FIVE)
    communication = models.PositiveSmallIntegerField(_("communication"), validators=ONE_TO_FIVE)
    sales_drive = models.PositiveSmallIntegerField(_("drive to sell"), validators=ONE_TO_FIVE)
    presentation = models.PositiveSmallIntegerField(_("appearance and manner"), validators=ONE_TO_FIVE)
    recommend = models.BooleanField(_("recommends hiring"), default=False)
    notes = models.TextField(_("interviewer's notes"))

    scope = STORE_ROUTINE

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.held_on}"

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in self.SCORES)

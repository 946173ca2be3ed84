"""Bonus runs and what they produce: statements with indicator and payout lines, manual ratings,
adjustments and the queries consultants raise on their statements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.fields import MoneyField
from dealerkpi.core.models import AuditedModel
from dealerkpi.core.once import one_record_per_token, token_column
from dealerkpi.core.scope import ScopePaths
from dealerkpi.core.validators import validate_first_of_month
from dealerkpi.plans.engine.catalogue import METRICS, PARAMETERISED
from dealerkpi.plans.metric_labels import LABELS
from dealerkpi.plans.wording import LINE_CATEGORIES, ShownWarning, worded, worded_warning

STORE_RECORD = ScopePaths(group="store__region__group", region="store__region", store="store")


class Run(AuditedModel):
    """The plans in force x one month x one store. Each computation is a new version of the run; a locked
    version never changes."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        COMPUTING = "computing", _("Computing")
        FAILED = "failed", _("Failed")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the GM")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked")
        SUPERSEDED = "superseded", _("Superseded")

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="runs", verbose_name=_("store"))
    period = models.DateField(_("month"), validators=[validate_first_of_month])
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(_("people computed"), default=0)
    progress_total = models.PositiveIntegerField(_("people to compute"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The last sign of life of the job computing the run (claimed, progress): a run that shows none for
    # settings.PAY_RUN_STALLED_MINUTES is given up as failed (pay.runs.give_up_stalled).
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    previous = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    scope = STORE_RECORD
    audit_ignore = frozenset({"progress_done", "progress_total", "heartbeat_at"})
    BUSY = (Status.QUEUED, Status.COMPUTING)  # its page polls the progress
    STALLED = "stalled"  # the error of a run given up for showing no progress, worded when shown (error_shown)

    class Meta:
        verbose_name = _("bonus run")
        verbose_name_plural = _("bonus runs")
        ordering = ["-period", "store", "-number"]
        constraints = [models.UniqueConstraint(fields=["store", "period", "number"], name="run_version_unique")]

    def __str__(self) -> str:
        return f"{self.store} {self.period:%Y-%m} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("run-detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.LOCKED)

    @property
    def is_busy(self) -> bool:
        return self.status in self.BUSY

    @property
    def error_shown(self) -> str:
        """Why the run failed, in the reader's language for a run given up for showing no progress."""
        if self.error != self.STALLED:
            return self.error
        return _("Its job showed no progress for %(minutes)d minutes and was given up (the worker was probably "
                 "stopped or restarted). Recompute the run to start it again.") % {
            "minutes": settings.PAY_RUN_STALLED_MINUTES}


def with_payout(runs: models.QuerySet[Run]) -> models.QuerySet[Run]:
    """The runs with what a list of runs shows of each: ``people``, its statements, and ``payout``, the sum of their
    totals (None without statements). One query for all the runs."""
    return runs.annotate(people=models.Count("statements"), payout=models.Sum("statements__total"))


class Statement(models.Model):
    """One person's result in a run: what they earned and why."""

    run = models.ForeignKey(Run, models.CASCADE, related_name="statements", verbose_name=_("bonus run"))
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="statements", verbose_name=_("staff member"))
    team = models.ForeignKey(
        "org.Team", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion", models.PROTECT, related_name="+", verbose_name=_("plan version")
    )
    # Set when the plan is the role's plan for people on probation: the last day of the probation then, the why.
    probation_until = models.DateField(_("on probation until"), null=True, blank=True)
    weight_set = models.CharField(_("weight set"), max_length=20, blank=True)
    stage = models.CharField(_("lifecycle stage"), max_length=20, blank=True)
    total_score = models.DecimalField(_("total score"), max_digits=9, decimal_places=4, null=True, blank=True)
    coefficient = models.DecimalField(_("bonus coefficient"), max_digits=9, decimal_places=4, null=True, blank=True)
    total = MoneyField(_("total"), allow_negative=True)
    carried_balance = MoneyField(_("balance carried forward"), allow_negative=True, default=Decimal("0"))
    draw_outstanding = MoneyField(_("draw outstanding"), default=Decimal("0"))
    paid_for_deals = models.JSONField(_("paid per deal"), default=dict, blank=True)
    actuals = models.JSONField(_("actuals"), default=dict, blank=True)  # by indicator
    targets = models.JSONField(_("targets"), default=dict, blank=True)  # by indicator
    # The month's value and the person's own target of every metric the plan reads, by metric: what a later
    # month's quarter- and year-to-date figures add up.
    month_metrics = models.JSONField(_("the month's metrics"), default=dict, blank=True)
    month_targets = models.JSONField(_("the month's targets by metric"), default=dict, blank=True)
    gates = models.JSONField(_("gates"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    # Each figure a plan policy stood in for: {kind, figure, policy, item: {kind, id, label}, blocking}.
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["run", "staff"]
        constraints = [models.UniqueConstraint(fields=["run", "staff"], name="one_statement_per_person_per_run")]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.run.period:%Y-%m}"

    @property
    def blocked(self) -> bool:
        """A warning of a kind the plan blocks on: the run cannot be submitted until it is gone."""
        return any(warning["blocking"] for warning in self.warnings)

    @property
    def shown_warnings(self) -> list[ShownWarning]:
        return [worded_warning(warning) for warning in self.warnings]


class StatementIndicator(models.Model):
    statement = models.ForeignKey(Statement, models.CASCADE, related_name="indicators", verbose_name=_("statement"))
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("indicator"), max_length=60)
    label = models.CharField(_("label"), max_length=120)
    metric = models.CharField(_("metric"), max_length=80, blank=True)
    rule = models.CharField(_("scoring rule"), max_length=200)
    actual = models.DecimalField(_("actual"), max_digits=18, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4, null=True, blank=True)
    achievement = models.DecimalField(_("achievement (%)"), max_digits=12, decimal_places=4, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4, null=True, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2)
    weighted_score = models.DecimalField(_("weighted score"), max_digits=12, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    skipped = models.BooleanField(_("skipped"), default=False)
    rule_wording = models.JSONField(_("scoring rule (key and values)"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement indicator")
        verbose_name_plural = _("statement indicators")
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return self.label

    @property
    def rule_text(self) -> str:
        return worded(self.rule_wording, self.rule)


class StatementLine(models.Model):
    """A payout line: rounded to the fen once; the statement's total is the sum of its lines."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="lines", verbose_name=_("statement"))
    position = models.PositiveSmallIntegerField(_("position"))
    category = models.CharField(_("category"), max_length=30)
    kind = models.CharField(_("kind"), max_length=30)
    rule = models.CharField(_("rule"), max_length=60, blank=True)
    label = models.CharField(_("label"), max_length=200)
    amount = MoneyField(_("amount"), allow_negative=True)
    exact = models.CharField(_("exact amount"), max_length=60, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    values = models.JSONField(_("intermediate values"), default=dict, blank=True)
    deals = models.JSONField(_("deals"), default=list, blank=True)
    adjustment = models.ForeignKey(
        "pay.Adjustment", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("adjustment")
    )
    wording = models.JSONField(_("label (key and values)"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"

    @property
    def label_text(self) -> str:
        return worded(self.wording, self.label)

    @property
    def category_label(self) -> str:
        return str(LINE_CATEGORIES.get(self.category, self.category))

    @property
    def figures(self) -> list[LineFigure]:
        """The catalogue's figures the line was computed from (a fine's count of late arrivals), whose records can be
        listed: each with its label and value."""
        return [LineFigure(name, LABELS[name], Decimal(value)) for name, value in self.inputs.items()
                if name in METRICS and name not in PARAMETERISED and value is not None]


@dataclass(frozen=True)
class LineFigure:
    name: str
    label: object
    value: Decimal


class ManualRating(AuditedModel):
    """A supervisor's or manager's rating of an indicator scored by hand, with the reason."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    period = models.DateField(_("month"), validators=[validate_first_of_month])
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="ratings", verbose_name=_("rated person"))
    indicator = models.CharField(_("indicator"), max_length=60)
    value = models.DecimalField(_("rating"), max_digits=7, decimal_places=2)
    comment = models.CharField(_("reason"), max_length=300)
    rated_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("rated by"))

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("manual rating")
        verbose_name_plural = _("manual ratings")
        constraints = [
            models.UniqueConstraint(fields=["staff", "period", "indicator"], name="one_rating_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.indicator}: {self.value}"


class Adjustment(AuditedModel):
    """A manual addition or deduction on a person's pay for a month, with the reason and its author."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    period = models.DateField(_("month"), validators=[validate_first_of_month])
    staff = models.ForeignKey("org.Staff", models.PROTECT, related_name="adjustments", verbose_name=_("person"))
    amount = MoneyField(_("amount"), allow_negative=True, help_text=_("Negative for a deduction."))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # The query this adjustment accepted: unique, so one query never pays twice.
    query = models.OneToOneField(
        "pay.StatementQuery", models.PROTECT, null=True, blank=True, related_name="adjustment",
        verbose_name=_("accepted query"),
    )
    entry_token = token_column()  # entered in a form: sent twice, saved once (core.once)

    scope = ScopePaths(group="store__region__group", region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-created_at"]
        constraints = [one_record_per_token("adjustment_entered_once")]

    def __str__(self) -> str:
        return f"{self.staff} {self.amount}: {self.reason}"

    def clean(self) -> None:
        if self.amount is not None and self.amount == 0:
            raise ValidationError({"amount": _("An adjustment of zero changes nothing.")})


class StatementQuery(AuditedModel):
    """A consultant questions a line of their statement; the manager answers. An accepted query becomes an
    adjustment (``adjustment``, the one that names it)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="queries", verbose_name=_("statement"))
    line = models.ForeignKey(
        StatementLine, models.SET_NULL, null=True, blank=True, related_name="queries", verbose_name=_("line")
    )
    indicator = models.ForeignKey(
        StatementIndicator, models.SET_NULL, null=True, blank=True, related_name="queries",
        verbose_name=_("indicator"),
    )
    raised_by = models.ForeignKey("org.Staff", models.PROTECT, related_name="+", verbose_name=_("raised by"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    question = models.TextField(_("question"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "org.Staff", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    scope = ScopePaths(
        group="statement__store__region__group", region="statement__store__region", store="statement__store",
        owner="statement__staff",
    )

    class Meta:
        verbose_name = _("statement query")
        verbose_name_plural = _("statement queries")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.question[:60]


class RunPdf(models.Model):
    """A run's statements as one PDF, made by a job (``pay.run_pdf``) for the person who asked for it: it holds
    the statements they may see, in their language, so it is theirs alone. It is made again when the run's
    status, the statements they may see or their language has changed since."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(Run, models.CASCADE, related_name="+", verbose_name=_("bonus run"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARING)
    language = models.CharField(_("language"), max_length=10)
    run_status = models.CharField(_("status of the run"), max_length=12, choices=Run.Status.choices)
    statement_ids = models.JSONField(_("statements"), default=list)
    content = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    made_at = models.DateTimeField(_("made at"), null=True, blank=True)

    class Meta:
        verbose_name = _("statements PDF")
        verbose_name_plural = _("statements PDFs")
        constraints = [models.UniqueConstraint(fields=["run", "requested_by"], name="one_run_pdf_per_person")]

    def __str__(self) -> str:
        return f"{self.run} PDF ({self.get_status_display()})"


class PeriodFigures(models.Model):
    """The figures of a store's month that a run read from the records, kept so that the month is not computed
    again from its records each time it is looked at (a what-if replays twelve months of a group): every person's
    metrics (the engine's actuals: one row per person and team of the day) and the month's deals, for one crediting
    policy. A run writes them with its statements, in the same transaction, so they are what its latest version
    read; ``pay.period_figures`` reads them back and computes, once, those that are missing. Carries its store,
    like every high-volume table, so it can be distributed by store."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    period = models.DateField(_("month"), validators=[validate_first_of_month])
    crediting = models.CharField(_("a deal counts"), max_length=10)
    metrics = models.JSONField(_("metrics"), default=list)  # the names computed, sorted
    actuals = models.JSONField(_("actuals"), default=list)  # [[person, team, {metric: value}], ...]
    deals = models.JSONField(_("deals"), default=list)  # see pay.period_figures
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("figures of a month")
        verbose_name_plural = _("figures of months")
        constraints = [models.UniqueConstraint(fields=["store", "period", "crediting"],
                                               name="one_set_of_figures_per_store_month")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.period:%Y-%m} {self.crediting}"

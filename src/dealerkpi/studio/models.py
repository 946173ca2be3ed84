"""Drafts of a plan's next version: written in the browser, tried on history, proposed, approved, published.

A draft is the one place a plan changes before it costs money. The sales manager or HR writes it (or head office,
for a group plan), proposes it; the general manager approves it (head office, for a group plan), which publishes
it as the plan's next version from the draft's first month. Every step is audited (``AuditedModel``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel
from dealerkpi.core.scope import ScopePaths


class PlanDraft(AuditedModel):
    class Status(models.TextChoices):
        EDITING = "editing", _("Being written")
        PROPOSED = "proposed", _("Proposed, awaiting approval")
        REJECTED = "rejected", _("Sent back")
        PUBLISHED = "published", _("Approved and published")

    plan = models.ForeignKey("plans.Plan", models.PROTECT, related_name="drafts", verbose_name=_("pay plan"))
    based_on = models.ForeignKey(
        "plans.PlanVersion", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("based on"),
        help_text=_("The version the draft started from; its changes are shown against it."),
    )
    document = models.TextField(_("plan document (YAML)"))
    effective_from = models.DateField(_("in force from"), help_text=_("The first day of a month."))
    note = models.CharField(_("what changes and why"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.EDITING)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("drafted by"))
    written_at = models.DateTimeField(_("started at"), auto_now_add=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment on the decision"), max_length=300, blank=True)
    published_version = models.OneToOneField(
        "plans.PlanVersion", models.PROTECT, null=True, blank=True, related_name="draft",
        verbose_name=_("published as"),
    )

    scope = ScopePaths(group="plan__group", region="plan__store__region", store="plan__store")

    class Meta:
        verbose_name = _("plan draft")
        verbose_name_plural = _("plan drafts")
        ordering = ["plan", "-written_at"]

    def __str__(self) -> str:
        return f"{self.plan} ({self.effective_from:%Y-%m}, {self.get_status_display()})"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.EDITING, self.Status.REJECTED)

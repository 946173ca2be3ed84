"""A draft's life: started from the plan's latest version, written, proposed, then approved (which publishes it)
or sent back. Each step re-reads the draft under a row lock and checks its status there, so two clicks or two
deciders cannot both act."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.plans.models import Plan, check_publishable, check_role, parse_plan_document, publish_version
from dealerkpi.studio.models import PlanDraft

Status = PlanDraft.Status


def next_month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def start_draft(plan: Plan, user: object) -> PlanDraft:
    """A draft of the plan's next version: the latest version's document, in force from the month after both
    today and the latest version's start."""
    latest = plan.versions.order_by("-effective_from").first()
    today = timezone.localdate()
    start = next_month_after(max(today, latest.effective_from) if latest else today)
    return PlanDraft.objects.create(plan=plan, based_on=latest, document=latest.document if latest else "",
                                    effective_from=start, written_by=user)


def _locked(draft: PlanDraft, *allowed: str) -> PlanDraft:
    """The draft re-read under a row lock, in one of the allowed statuses, or a ValidationError saying why not."""
    current = PlanDraft.objects.select_for_update().select_related("plan").get(pk=draft.pk)
    if current.status not in allowed:
        raise ValidationError(_("This draft is now “%(status)s”; reload the page.")
                              % {"status": current.get_status_display()})
    return current


@transaction.atomic
def save_draft(draft: PlanDraft, document: str, effective_from: datetime.date, note: str) -> PlanDraft:
    """Keep what the writer has so far; a draft may be invalid while being written (proposing checks it)."""
    current = _locked(draft, Status.EDITING, Status.REJECTED)
    if effective_from.day != 1:
        raise ValidationError({"effective_from": _("A plan version comes into force on the first of a month.")})
    current.document, current.effective_from, current.note = document, effective_from, note
    current.status = Status.EDITING
    current.save()
    return current


def check_proposable(draft: PlanDraft) -> None:
    """The document is a valid plan, changes something, and may come into force on the draft's first month."""
    check_role(draft.plan, parse_plan_document(draft.document, source=f"{draft.plan.code}-draft.yaml"))
    if draft.based_on is not None and draft.document == draft.based_on.document:
        raise ValidationError(_("The draft changes nothing from v%(number)s.") % {"number": draft.based_on.number})
    check_publishable(draft.plan, draft.effective_from)


@transaction.atomic
def propose(draft: PlanDraft, user: object, note: str | None = None) -> PlanDraft:
    """Put the draft to its approver, saying what changes and why (``note``; None: the note it has)."""
    current = _locked(draft, Status.EDITING, Status.REJECTED)
    current.note = current.note if note is None else note.strip()
    if not current.note:
        raise ValidationError({"note": _("Say what the draft changes and why: the approver and the version's "
                                         "history read it.")})
    check_proposable(current)
    current.status, current.proposed_by, current.proposed_at = Status.PROPOSED, user, timezone.now()
    current.decided_by, current.decided_at = None, None
    current.save()
    return current


@transaction.atomic
def approve(draft: PlanDraft, user: object, comment: str = "") -> PlanDraft:
    """Approve a proposed draft: it is published as the plan's next version from its first month."""
    current = _locked(draft, Status.PROPOSED)
    check_proposable(current)
    version = publish_version(current.plan, current.document, current.effective_from, user=user, note=current.note)
    current.status, current.published_version = Status.PUBLISHED, version
    current.decided_by, current.decided_at, current.decision_comment = user, timezone.now(), comment
    current.save()
    return current


@transaction.atomic
def send_back(draft: PlanDraft, user: object, comment: str) -> PlanDraft:
    """Refuse a proposed draft, saying why; its writer may change it and propose it again."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the draft is sent back.")})
    current = _locked(draft, Status.PROPOSED)
    current.status = Status.REJECTED
    current.decided_by, current.decided_at, current.decision_comment = user, timezone.now(), comment
    current.save()
    return current

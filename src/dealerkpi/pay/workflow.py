"""The moves of a bonus run between its states: draft -> submitted (sales manager) -> approved (GM) -> locked (HR or
finance), each only with its permission (pay/rules.py). Each move is audited."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.core.audit import audited_update
from dealerkpi.core.scope import Viewer
from dealerkpi.pay.models import Run, StatementQuery


def open_queries(run: Run) -> int:
    return StatementQuery.objects.filter(statement__run=run, status=StatementQuery.Status.OPEN).count()


@transaction.atomic
def _move(run: Run, viewer: Viewer, permission: str, status: str, **stamps: object) -> Run:
    if not rules.has_perm(permission, viewer, run):
        raise PermissionDenied(_("You may not do this to this run now."))
    locked = Run.objects.select_for_update().get(pk=run.pk)
    if locked.status != run.status:
        raise ValidationError(_("The run changed meanwhile; reload the page."))
    run.status = status
    for name, value in stamps.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *stamps])
    return run


def submit(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, viewer, "pay.submit_run", Run.Status.SUBMITTED, submitted_by=user, submitted_at=timezone.now())


def approve(run: Run, viewer: Viewer, user: object) -> Run:
    if rules.has_perm("pay.approve_run", viewer, run) and open_queries(run):
        raise ValidationError(_("Answer the open queries on this run's statements before approving it."))
    return _move(run, viewer, "pay.approve_run", Run.Status.APPROVED, approved_by=user, approved_at=timezone.now())


def send_back(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, viewer, "pay.return_run", Run.Status.DRAFT, submitted_by=None, submitted_at=None)


def lock(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, viewer, "pay.lock_run", Run.Status.LOCKED, locked_at=timezone.now())


def supersede_older_drafts(run: Run) -> None:
    """A new computation replaces the versions of the month that were not yet approved."""
    audited_update(Run.objects.filter(store_id=run.store_id, period=run.period, number__lt=run.number,
                                      status__in=(Run.Status.DRAFT, Run.Status.SUBMITTED, Run.Status.FAILED)),
                   status=Run.Status.SUPERSEDED)

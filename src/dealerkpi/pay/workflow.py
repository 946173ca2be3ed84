"""Who may do what to a bonus run, and the moves between its states:
draft -> submitted (sales manager) -> approved (GM) -> locked (HR or finance). Each move is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Role
from dealerkpi.org.roles import SALES_MANAGEMENT
from dealerkpi.pay.models import Run, StatementQuery


def _in_store(viewer: Viewer, run: Run) -> bool:
    return viewer.reach is Reach.EVERYTHING or (viewer.reach is Reach.STORE and viewer.store_id == run.store_id)


def may_compute(viewer: Viewer, run: Run) -> bool:
    return _in_store(viewer, run) and (viewer.reach is Reach.EVERYTHING or viewer.role in SALES_MANAGEMENT)


def may_submit(viewer: Viewer, run: Run) -> bool:
    return may_compute(viewer, run) and run.status == Run.Status.DRAFT


def may_approve(viewer: Viewer, run: Run) -> bool:
    allowed = viewer.reach is Reach.EVERYTHING or viewer.role == Role.GENERAL_MANAGER
    return _in_store(viewer, run) and allowed and run.status == Run.Status.SUBMITTED


def may_lock(viewer: Viewer, run: Run) -> bool:
    allowed = viewer.reach is Reach.EVERYTHING or viewer.role in (Role.HR, Role.FINANCE)
    return _in_store(viewer, run) and allowed and run.status == Run.Status.APPROVED


def may_return(viewer: Viewer, run: Run) -> bool:
    """The GM sends a submitted run back to the manager as a draft."""
    allowed = viewer.reach is Reach.EVERYTHING or viewer.role == Role.GENERAL_MANAGER
    return _in_store(viewer, run) and allowed and run.status == Run.Status.SUBMITTED


def open_queries(run: Run) -> int:
    return StatementQuery.objects.filter(statement__run=run, status=StatementQuery.Status.OPEN).count()


@transaction.atomic
def _move(run: Run, allowed: bool, status: str, **stamps: object) -> Run:
    if not allowed:
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
    return _move(run, may_submit(viewer, run), Run.Status.SUBMITTED, submitted_by=user, submitted_at=timezone.now())


def approve(run: Run, viewer: Viewer, user: object) -> Run:
    if may_approve(viewer, run) and open_queries(run):
        raise ValidationError(_("Answer the open queries on this run's statements before approving it."))
    return _move(run, may_approve(viewer, run), Run.Status.APPROVED, approved_by=user, approved_at=timezone.now())


def send_back(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, may_return(viewer, run), Run.Status.DRAFT, submitted_by=None, submitted_at=None)


def lock(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, may_lock(viewer, run), Run.Status.LOCKED, locked_at=timezone.now())


def supersede_older_drafts(run: Run) -> None:
    """A new computation replaces the versions of the month that were not yet approved."""
    Run.objects.filter(store_id=run.store_id, period=run.period, number__lt=run.number,
                       status__in=(Run.Status.DRAFT, Run.Status.SUBMITTED, Run.Status.FAILED)).update(
        status=Run.Status.SUPERSEDED)

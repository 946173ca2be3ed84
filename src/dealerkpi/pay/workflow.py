"""The moves of a bonus run between its states: draft -> submitted (sales manager) -> approved (GM) -> locked (HR or
finance), each only with its permission (pay/rules.py). Each move is audited."""

from __future__ import annotations

from collections.abc import Callable

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dealerkpi.core.audit import audited_update
from dealerkpi.core.scope import Viewer
from dealerkpi.pay.models import Run, Statement, StatementLine, StatementQuery
from dealerkpi.sales.policy import mark_paid


def open_queries(run: Run) -> int:
    return StatementQuery.objects.filter(statement__run=run, status=StatementQuery.Status.OPEN).count()


def people_blocked(run: Run) -> int:
    """How many people's statements carry a warning of a kind their plan blocks submission on."""
    return sum(statement.blocked for statement in Statement.objects.filter(run=run).only("pk", "warnings"))


def blocked_message(people: int) -> str:
    return ngettext(
        "%(count)d person has warnings that block submission. Set the targets the warnings name (or enter the "
        "figures), then recompute the run.",
        "%(count)d people have warnings that block submission. Set the targets the warnings name (or enter the "
        "figures), then recompute the run.",
        people,
    ) % {"count": people}


def _unanswered_queries(run: Run) -> str:
    return _("Answer the open queries on this run's statements before approving it.") if open_queries(run) else ""


def _blocking_warnings(run: Run) -> str:
    people = people_blocked(run)
    return blocked_message(people) if people else ""


def _nothing_in_the_way(run: Run) -> str:
    return ""


@transaction.atomic
def _move(run: Run, viewer: Viewer, permission: str, status: str, problem: Callable[[Run], str] = _nothing_in_the_way,
          **stamps: object) -> Run:
    """Move the run to ``status``. The run is locked and checked again here, unchanged since the page was read and
    ready (``problem`` says why not), so two clicks at once (or two people) move it once."""
    if not rules.has_perm(permission, viewer, run):
        raise PermissionDenied(_("You may not do this to this run now."))
    locked = Run.objects.select_for_update().get(pk=run.pk)
    if locked.status != run.status:
        raise ValidationError(_("The run changed meanwhile; reload the page."))
    if message := problem(locked):
        raise ValidationError(message)
    run.status = status
    for name, value in stamps.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *stamps])
    return run


def submit(run: Run, viewer: Viewer, user: object) -> Run:
    """Refused while a statement carries a blocking warning (a missing target, by default)."""
    return _move(run, viewer, "pay.submit_run", Run.Status.SUBMITTED, _blocking_warnings,
                 submitted_by=user, submitted_at=timezone.now())


@transaction.atomic
def approve(run: Run, viewer: Viewer, user: object) -> Run:
    """The spiffs the run pays become paid: they can no longer be withdrawn."""
    at = timezone.now()
    run = _move(run, viewer, "pay.approve_run", Run.Status.APPROVED, _unanswered_queries, approved_by=user,
                approved_at=at)
    paid = StatementLine.objects.filter(statement__run=run, kind="spiff").values_list("rule", flat=True)
    mark_paid({int(spiff) for spiff in paid}, at)
    return run


def send_back(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, viewer, "pay.return_run", Run.Status.DRAFT, submitted_by=None, submitted_at=None)


def lock(run: Run, viewer: Viewer, user: object) -> Run:
    return _move(run, viewer, "pay.lock_run", Run.Status.LOCKED, locked_at=timezone.now())


def supersede_older_drafts(*runs: Run) -> None:
    """New computations replace the versions of their months that were not yet approved: one audited update."""
    if not runs:
        return
    older = Q()
    for run in runs:
        older |= Q(store_id=run.store_id, period=run.period, number__lt=run.number)
    audited_update(Run.objects.filter(older, status__in=(Run.Status.DRAFT, Run.Status.SUBMITTED, Run.Status.FAILED)),
                   status=Run.Status.SUPERSEDED)

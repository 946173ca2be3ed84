"""Who sees which bonus runs and statements (on top of core.scope's data scope), and which queries wait for them."""

from __future__ import annotations

import rules
from django.db.models import QuerySet

from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.pay.models import Run, Statement, StatementQuery

SEES_RUNS = (Reach.EVERYTHING, Reach.GROUP, Reach.REGION, Reach.STORE, Reach.TEAM)
PUBLISHED = (Run.Status.SUBMITTED, Run.Status.APPROVED, Run.Status.LOCKED)


def visible_runs(viewer: Viewer) -> QuerySet[Run]:
    if viewer.reach not in SEES_RUNS:
        return Run.objects.none()
    return visible_to(Run.objects.select_related("store"), viewer)


def visible_statements(viewer: Viewer) -> QuerySet[Statement]:
    """Consultants see their statements once the run is submitted (so they can query a line before approval);
    managers also see drafts."""
    statements = visible_to(Statement.objects.select_related("run", "staff", "team", "plan_version__plan"), viewer)
    statements = statements.exclude(run__status=Run.Status.SUPERSEDED)
    if viewer.reach in (Reach.OWN, Reach.TEAM):
        statements = statements.filter(run__status__in=PUBLISHED)
    return statements


def queries_to_answer(viewer: Viewer) -> QuerySet[StatementQuery]:
    """The open queries on statements that the viewer may answer, oldest first: the approvals inbox."""
    if not rules.has_perm("pay.answer_query", viewer):
        return StatementQuery.objects.none()
    waiting = StatementQuery.objects.filter(status=StatementQuery.Status.OPEN)
    return visible_to(waiting, viewer, "approve").select_related(
        "statement__staff", "statement__run", "line").order_by("raised_at")

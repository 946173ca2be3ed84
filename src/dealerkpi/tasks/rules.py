"""Who hands tasks down and who closes them (see ``org.rules``). Which tasks a person sees is data scope: the owner
theirs, a supervisor their team's, the store's staff the store's, head office its stores'."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import object_predicate, viewer_predicate, works_in
from dealerkpi.tasks.models import Task

manages_store = works_in(STORE_MANAGEMENT)


@object_predicate
def owns(viewer: Viewer, task: Task | None) -> bool:
    """The staff member the task is handed to."""
    return task is not None and viewer.staff_id is not None and task.owner_id == viewer.staff_id


@viewer_predicate
def has_tasks(viewer: Viewer) -> bool:
    return viewer.reach is not Reach.NOTHING


rules.add_perm("tasks.view_tasks", has_tasks)
rules.add_perm("tasks.add_task", manages_store)  # asked about a store
rules.add_perm("tasks.complete_task", owns | manages_store)
rules.add_perm("tasks.cancel_task", manages_store)

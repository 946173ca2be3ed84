"""The record types of this app that users browse: the tasks behind the "tasks done on time" figures."""

from dealerkpi.core.registry import Browse, register_browse
from dealerkpi.tasks.models import Task

register_browse(
    Browse(
        "tasks", Task, columns=("id", "due_on", "title", "owner", "source", "status", "closed_at"),
        filters=("status", "source", "owner"), select_related=("owner",), section="store",
    ),
)

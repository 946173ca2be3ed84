"""The record types of this app that users browse: the records behind the process and fault figures."""

from dealerkpi.conduct.models import Fault, ProcessCheck
from dealerkpi.core.registry import Browse, register_browse

register_browse(
    Browse(
        "process-checks", ProcessCheck, columns=("id", "day", "staff", "kind", "score", "checker", "shopper"),
        filters=("kind", "staff"), select_related=("staff", "checker"), section="store",
    ),
    Browse(
        "faults", Fault, columns=("id", "day", "staff", "fault_type", "points", "amount", "status"),
        filters=("status", "staff"), select_related=("staff", "fault_type"), section="store",
    ),
)

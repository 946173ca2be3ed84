"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, register_browse
from dealerkpi.people.models import AttendanceRecord, Departure, TrainingRecord

register_browse(
    Browse(
        "trainings", TrainingRecord,
        columns=("id", "held_on", "staff", "course", "hours", "passed", "trainer"),
        filters=("staff", "passed"), select_related=("staff", "trainer"), section="store",
    ),
    Browse(
        "departures", Departure,
        columns=("id", "left_on", "staff", "voluntary", "reason", "competitor", "cards_handed_over"),
        filters=("reason", "voluntary"), select_related=("staff",), section="store",
    ),
    Browse(
        "attendance", AttendanceRecord,
        columns=("id", "day", "staff", "status", "clock_in", "clock_out", "minutes_late", "minutes_early",
                 "leave_kind"),
        filters=("status", "staff"), select_related=("staff",), section="store",
    ),
)

"""What reports puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("main", _("Monthly sales analysis"), "monthly-analysis", "reports.view_monthly_analysis", order=10,
             testid="nav-monthly-analysis"),
    MenuItem("main", _("Daily report"), "daily-report", "reports.view_daily_report", order=5,
             testid="nav-daily-report"),
    MenuItem("desk", _("Stock"), "stock-overview", "crm.view_desk", order=50),  # for the desk; head office may open it
    MenuItem("desk", _("Team board"), "team-board", "reports.view_team_board", order=70),
    MenuItem("routines", _("Meeting notes"), "meeting-notes", order=50),
    MenuItem("routines", _("Attrition"), "attrition", "reports.view_attrition", order=70),
    MenuItem("routines", _("Attendance"), "attendance-sheet", "reports.view_attendance_sheet", order=45),
    MenuItem("routines", _("Recruiting"), "recruiting", "people.view_recruiting", order=62),
)

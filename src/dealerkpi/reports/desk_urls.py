"""The pages that live in reports because they weigh figures: the team board (under /desk/), the stock overview and
secondary dealers (under /stock/), the meeting notes, attrition and recruiting (under /store/). See the includes
in dealerkpi/urls.py."""

from django.urls import path

from dealerkpi.reports import attendance, attrition, meeting_notes, recruiting, stock_views, team_board

desk_urlpatterns = [
    path("team/", team_board.team_board, name="team-board"),
]

stock_urlpatterns = [
    path("", stock_views.stock_overview, name="stock-overview"),
    path("dealers/<int:pk>/", stock_views.dealer_detail, name="dealer-detail"),
    path("dealers/<int:pk>/target/", stock_views.dealer_target, name="dealer-target"),
]

store_urlpatterns = [
    path("meetings/", meeting_notes.meeting_notes, name="meeting-notes"),
    path("attrition/", attrition.attrition, name="attrition"),
    path("attendance/", attendance.attendance_sheet, name="attendance-sheet"),
    path("attendance.xlsx", attendance.attendance_sheet_xlsx, name="attendance-sheet-xlsx"),
    path("recruiting/", recruiting.recruiting, name="recruiting"),
]

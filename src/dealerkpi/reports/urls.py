"""Reports, included at /reports/: the monthly sales analysis and its workbook (?store=<id>&month=YYYY-MM), the daily
report, its PDF and workbook (?store=<id>&day=YYYY-MM-DD)."""

from django.urls import path

from dealerkpi.reports import daily_views, views

urlpatterns = [
    path("monthly/", views.monthly_analysis, name="monthly-analysis"),
    path("monthly.xlsx", views.monthly_analysis_xlsx, name="monthly-analysis-xlsx"),
    path("daily/", daily_views.daily_report, name="daily-report"),
    path("daily/send/", daily_views.daily_report_send, name="daily-report-send"),
    path("daily/comment/", daily_views.daily_report_comment, name="daily-report-comment"),
    path("daily.pdf", daily_views.daily_report_pdf, name="daily-report-pdf"),
    path("daily.xlsx", daily_views.daily_report_xlsx, name="daily-report-xlsx"),
]

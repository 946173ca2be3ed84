"""Reports, included at /reports/: the monthly sales analysis and its workbook (?store=<id>&month=YYYY-MM)."""

from django.urls import path

from dealerkpi.reports import views

urlpatterns = [
    path("monthly/", views.monthly_analysis, name="monthly-analysis"),
    path("monthly.xlsx", views.monthly_analysis_xlsx, name="monthly-analysis-xlsx"),
]

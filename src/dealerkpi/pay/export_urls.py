"""Downloads of bonus runs; included under /pay/ next to run_urls."""

from django.urls import path

from dealerkpi.core.caching import never_stored
from dealerkpi.pay import export_views

urlpatterns = never_stored([  # every page here shows pay
    path("statements/<int:pk>/pdf/", export_views.statement_pdf, name="statement-pdf"),
    path("runs/<int:pk>/pdf/", export_views.run_pdf, name="run-pdf"),
    path("runs/<int:pk>/xlsx/", export_views.run_xlsx, name="run-xlsx"),
    path("runs/<int:pk>/payroll.<str:fmt>/", export_views.run_payroll, name="run-payroll"),
])

"""Target pages, included at /targets/. Store and month are query parameters: ?store=<id>&month=YYYY-MM."""

from django.urls import path

from dealerkpi.targets import views

urlpatterns = [
    path("", views.month_view, name="targets-month"),
    path("split/", views.split_view, name="targets-split"),
    path("import/", views.import_view, name="targets-import"),
    path("import/template.xlsx", views.import_template_view, name="targets-import-template"),
    path("annual/", views.annual_view, name="targets-annual"),
    path("plan/", views.sales_plan_view, name="targets-sales-plan"),
]

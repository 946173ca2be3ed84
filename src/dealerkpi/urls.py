from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("plans/", include("dealerkpi.plans.urls")),
    path("targets/", include("dealerkpi.targets.urls")),
    path("pay/", include("dealerkpi.pay.export_urls")),  # before run_urls: runs/<pk>/<action>/ would catch pdf
    path("pay/", include("dealerkpi.pay.urls")),
    path("desk/", include("dealerkpi.crm.urls")),
    path("desk/", include("dealerkpi.sales.urls")),
    path("stock/", include("dealerkpi.stock.urls")),
    path("complaints/", include("dealerkpi.crm.complaint_urls")),
    path("market/", include("dealerkpi.market.urls")),
    path("store/", include("dealerkpi.people.urls")),
    path("reports/", include("dealerkpi.reports.urls")),
    path("imports/", include("dealerkpi.imports.urls")),
    path("", include("dealerkpi.web.urls")),
]

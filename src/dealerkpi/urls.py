from django.contrib import admin
from django.urls import include, path

from dealerkpi.reports.desk_urls import desk_urlpatterns, stock_urlpatterns, store_urlpatterns

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("plans/", include("dealerkpi.plans.urls")),
    path("studio/", include("dealerkpi.studio.urls")),
    path("targets/", include("dealerkpi.targets.urls")),
    path("pay/", include("dealerkpi.pay.export_urls")),  # before pay.urls: runs/<pk>/<action>/ would catch pdf
    path("pay/", include("dealerkpi.pay.urls")),
    path("desk/", include("dealerkpi.crm.urls")),
    path("desk/", include("dealerkpi.sales.urls")),
    path("desk/", include(desk_urlpatterns)),
    path("stock/", include("dealerkpi.stock.urls")),
    path("stock/", include(stock_urlpatterns)),
    path("complaints/", include("dealerkpi.crm.complaint_urls")),
    path("market/", include("dealerkpi.market.urls")),
    path("store/", include("dealerkpi.people.urls")),
    path("store/", include("dealerkpi.conduct.urls")),
    path("tasks/", include("dealerkpi.tasks.urls")),
    path("store/", include(store_urlpatterns)),
    path("reports/", include("dealerkpi.reports.urls")),
    path("manufacturer/", include("dealerkpi.oem.urls")),
    path("imports/", include("dealerkpi.imports.urls")),
    path("api/", include("dealerkpi.api.urls")),
    path("", include("dealerkpi.web.urls")),
]

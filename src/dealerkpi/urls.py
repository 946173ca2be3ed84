from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("plans/", include("dealerkpi.kpi.urls")),
    path("", include("dealerkpi.web.urls")),
]

from django.urls import path

from . import mapping_views, views

urlpatterns = [
    path("", views.import_page, name="imports"),
    path("<int:pk>/", views.batch_page, name="imports-batch"),
    path("template/<str:kind>.xlsx", views.template_download, name="imports-template"),
    path("<int:pk>/problems.xlsx", views.report_download, name="imports-report"),
    path("<int:pk>/undo/", views.undo_batch, name="imports-undo"),
    path("mappings/", mapping_views.mappings_page, name="imports-mappings"),
    path("mappings/new/<str:kind>/", mapping_views.mapping_new, name="imports-mapping-new"),
    path("mappings/<int:pk>/", mapping_views.mapping_page, name="imports-mapping"),
    path("mappings/<int:pk>/delete/", mapping_views.mapping_delete, name="imports-mapping-delete"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_page, name="imports"),
    path("<int:pk>/", views.batch_page, name="imports-batch"),
    path("template/<str:kind>.xlsx", views.template_download, name="imports-template"),
    path("<int:pk>/problems.xlsx", views.report_download, name="imports-report"),
    path("<int:pk>/undo/", views.undo_batch, name="imports-undo"),
]

"""Stock and secondary dealers: mounted under stock/ (see the include in dealerkpi/urls.py)."""

from django.urls import path

from dealerkpi.stock import views

urlpatterns = [
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle-detail"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle-transfer"),
]

"""Market pages, included at /market/. The store is a query parameter for head office: ?store=<id>."""

from django.urls import path

from dealerkpi.market import views

urlpatterns = [
    path("competitors/", views.competitor_intel, name="competitor-intel"),
]

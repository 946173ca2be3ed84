"""Complaint pages, included at /complaints/. The store is a query parameter for head office: ?store=<id>."""

from django.urls import path

from dealerkpi.crm import complaint_views as views

urlpatterns = [
    path("", views.complaint_list, name="complaint-list"),
    path("new/", views.complaint_new, name="complaint-new"),
    path("<int:pk>/", views.complaint_detail, name="complaint-detail"),
]

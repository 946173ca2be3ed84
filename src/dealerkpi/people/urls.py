"""The store's routines, included at /store/ (the meeting notes are in reports/desk_urls.py).
The store is a query parameter for head office: ?store=<id>."""

from django.urls import path

from dealerkpi.people import views

urlpatterns = [
    path("training/", views.training_list, name="training-list"),
    path("training/new/", views.training_new, name="training-new"),
    path("checklist/", views.daily_checklist, name="daily-checklist"),
]

"""The store's routines, included at /store/ (the meeting notes are in reports/desk_urls.py).
The store is a query parameter for head office: ?store=<id>."""

from django.urls import path

from dealerkpi.people import attendance_views, leaving_views, newcomer_views, recruiting_views, views

urlpatterns = [
    path("training/", views.training_list, name="training-list"),
    path("training/new/", views.training_new, name="training-new"),
    path("attendance/day/", attendance_views.attendance_day, name="attendance-day"),
    path("attendance/rules/", attendance_views.attendance_rules, name="attendance-rules"),
    path("checklist/", views.daily_checklist, name="daily-checklist"),
    path("certifications/", views.certifications, name="certifications"),
    path("staff/", leaving_views.store_staff_page, name="store-staff"),
    path("staff/<int:pk>/leave/", leaving_views.departure_new, name="departure-new"),
    path("newcomers/", newcomer_views.newcomers, name="newcomers"),
    path("newcomers/<int:pk>/start/", newcomer_views.onboarding_start, name="onboarding-start"),
    path("onboarding/<int:pk>/tick/", newcomer_views.onboarding_tick, name="onboarding-tick"),
    path("probation/<int:pk>/", newcomer_views.probation_detail, name="probation-detail"),
    path("positions/new/", recruiting_views.position_new, name="position-new"),
    path("positions/<int:pk>/", recruiting_views.position_detail, name="position-detail"),
    path("candidates/<int:pk>/", recruiting_views.candidate_detail, name="candidate-detail"),
    path("candidates/<int:pk>/cv/", recruiting_views.candidate_cv, name="candidate-cv"),
]

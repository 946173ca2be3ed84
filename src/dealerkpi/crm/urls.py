"""The sales desk (mounted under /desk/)."""

from django.urls import path

from dealerkpi.crm import floor_views, survey_views, views

urlpatterns = [
    path("leads/new/", views.lead_new, name="lead-new"),
    path("leads/phone-check/", views.lead_phone_check, name="lead-phone-check"),
    path("leads/claim/", views.lead_claim, name="lead-claim"),
    path("leads/search/", views.lead_search, name="lead-search"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/follow-up/", views.followup_new, name="followup-new"),
    path("leads/<int:pk>/lost/", views.lostsale_new, name="lostsale-new"),
    path("leads/reassign/", views.lead_reassign, name="lead-reassign"),
    path("lost-sales/", views.lost_sale_list, name="lost-sale-list"),
    path("lost-sales/<int:pk>/decide/", views.lost_sale_decide, name="lost-sale-decide"),
    path("grades/", views.grade_settings, name="grade-settings"),
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/<int:pk>/left/", views.visit_left, name="visit-left"),
    path("floor/", floor_views.floor_board, name="floor-board"),
    path("test-drives/", views.testdrive_board, name="testdrive-board"),
    path("test-drives/new/", views.testdrive_new, name="testdrive-new"),
    path("test-drives/<int:pk>/<slug:step>/", views.testdrive_act, name="testdrive-act"),
    path("quality/", views.followup_quality, name="followup-quality"),
    path("surveys/", survey_views.survey_results, name="survey-results"),
]

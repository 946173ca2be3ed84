from django.urls import path

from . import views

urlpatterns = [
    path("", views.policy_page, name="oem-policy"),
    path("target/", views.policy_target, name="oem-policy-target"),
    path("score/", views.policy_score, name="oem-policy-score"),
    path("stores/", views.policy_stores, name="oem-policy-stores"),
    path("versions/", views.policy_versions, name="oem-policy-versions"),
    path("versions/<int:pk>/", views.policy_document, name="oem-policy-document"),
]

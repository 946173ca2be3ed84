from django.urls import path

from dealerkpi.plans import views

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("versions/<int:pk>/confirm/", views.confirm, name="plan-version-confirm"),
]

from django.urls import path

from dealerkpi.studio import health_views

urlpatterns = [
    path("plans/<int:pk>/health/", health_views.plan_health_page, name="plan-health"),
]

"""The API, version 1 (mounted at /api/v1/ by dealerkpi/urls.py), its OpenAPI schema and its browsable docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dealerkpi.api import token_views, views

router = DefaultRouter()
router.include_format_suffixes = False  # one URL per record: JSON (the browsable API is for a session)
for prefix, viewset, basename in (
    ("customers", views.CustomerViewSet, "customer"),
    ("leads", views.LeadViewSet, "lead"),
    ("lost-sales", views.LostSaleViewSet, "lostsale"),
    ("follow-ups", views.FollowUpViewSet, "followup"),
    ("visits", views.VisitViewSet, "visit"),
    ("test-drives", views.TestDriveViewSet, "testdrive"),
    ("complaints", views.ComplaintViewSet, "complaint"),
    ("orders", views.OrderViewSet, "order"),
    ("order-approvals", views.OrderApprovalViewSet, "orderapproval"),
    ("payments", views.PaymentViewSet, "payment"),
    ("deliveries", views.DeliveryViewSet, "delivery"),
    ("c-cards", views.CCardViewSet, "ccard"),
    ("vehicles", views.VehicleViewSet, "vehicle"),
    ("targets", views.TargetViewSet, "target"),
    ("plans", views.PlanViewSet, "plan"),
    ("plan-versions", views.PlanVersionViewSet, "planversion"),
    ("runs", views.RunViewSet, "run"),
    ("statements", views.StatementViewSet, "statement"),
):
    router.register(prefix, viewset, basename=f"api-{basename}")

app_name = "api"
urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(router.urls)),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
]

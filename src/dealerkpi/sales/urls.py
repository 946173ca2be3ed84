"""The sales desk: mounted under desk/ (see the include in dealerkpi/urls.py)."""

from django.urls import path

from dealerkpi.sales import claim_views, policy_views, today, views

urlpatterns = [
    path("", today.today, name="desk-today"),
    path("leads/<int:lead_pk>/order/", views.order_new, name="order-new"),
    path("orders/<int:pk>/", views.order_detail, name="order-detail"),
    path("claims/<int:pk>/decide/", claim_views.claim_decide, name="claim-decide"),
    path("orders/<int:pk>/payments/", views.payment_new, name="payment-new"),
    path("orders/<int:pk>/sold-via/", views.order_sold_via, name="order-sold-via"),
    path("orders/<int:pk>/delivery/schedule/", views.delivery_schedule, name="delivery-schedule"),
    path("orders/<int:pk>/delivery/complete/", views.delivery_complete, name="delivery-complete"),
    path("orders/<int:pk>/delivery/override/", views.delivery_override, name="delivery-override"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
    path("orders/<int:pk>/unwind/", views.delivery_unwind, name="delivery-unwind"),
    path("approvals/<int:pk>/decide/", views.order_approval_decide, name="order-approval-decide"),
    path("settings/", views.desk_settings, name="desk-settings"),
    path("policy/", policy_views.sales_policy, name="sales-policy"),
    path("policy/<int:pk>/", policy_views.sales_policy_edit, name="sales-policy-edit"),
    path("spiffs/<int:pk>/withdraw/", policy_views.spiff_withdraw, name="spiff-withdraw"),
]

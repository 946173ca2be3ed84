"""Stock and secondary dealers, orders to the manufacturer and arrivals: mounted under stock/ (see the include in
dealerkpi/urls.py)."""

from django.urls import path

from dealerkpi.stock import dealer_views, ordering_views, views

urlpatterns = [
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle-detail"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle-transfer"),
    path("orders/", ordering_views.vehicle_orders, name="vehicle-orders"),
    path("orders/start/", ordering_views.vehicle_order_start, name="vehicle-order-start"),
    path("orders/<int:pk>/", ordering_views.vehicle_order_detail, name="vehicle-order-detail"),
    path("orders/<int:pk>/line/", ordering_views.vehicle_order_line, name="vehicle-order-line"),
    path("orders/<int:pk>/suggest/", ordering_views.vehicle_order_suggest, name="vehicle-order-suggest"),
    path("orders/<int:pk>/submit/", ordering_views.vehicle_order_submit, name="vehicle-order-submit"),
    path("orders/<int:pk>/confirm/", ordering_views.vehicle_order_confirm, name="vehicle-order-confirm"),
    path("orders/<int:pk>/allocate/", ordering_views.vehicle_order_allocate, name="vehicle-order-allocate"),
    path("arrivals/", ordering_views.vehicle_arrivals, name="vehicle-arrivals"),
    path("arrivals/new/", ordering_views.vehicle_new, name="vehicle-new"),
    path("arrivals/rate/", ordering_views.floor_plan_rate, name="floor-plan-rate"),
    path("flow/", ordering_views.stock_flow, name="stock-flow"),
    path("dealers/prices/", dealer_views.dealer_prices, name="dealer-prices"),
    path("dealers/<int:pk>/settlement/", dealer_views.dealer_settlement, name="dealer-settlement"),
    path("dealers/<int:pk>/payment/", dealer_views.dealer_payment, name="dealer-payment"),
    path("dealers/<int:pk>/sale/", dealer_views.dealer_sale, name="dealer-sale"),
    path("dealers/fine/", dealer_views.dealer_fine, name="dealer-fine"),
    path("flow.xlsx", ordering_views.stock_flow_xlsx, name="stock-flow-xlsx"),
]

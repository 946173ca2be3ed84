"""What stock puts in the menu: ordering from the manufacturer, arrivals, the purchase-sales-stock report, the
secondary dealers' wholesale prices."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("desk", _("Vehicle orders"), "vehicle-orders", "stock.view_vehicle_orders", order=52),
    MenuItem("desk", _("Arrivals"), "vehicle-arrivals", "stock.view_vehicle_orders", order=54),
    MenuItem("desk", _("Purchase, sales and stock"), "stock-flow", "stock.view_vehicle_orders", order=56),
    MenuItem("desk", _("Wholesale prices"), "dealer-prices", "stock.view_dealer_settlement", order=58),
)

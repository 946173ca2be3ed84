"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.catalog.models import Trim, TrimPrice, VehicleModel
from dealerkpi.core.registry import Browse, Related, register_browse

register_browse(
    Browse("models", VehicleModel, columns=("code", "name", "brand", "segment"), filters=("brand",),
           select_related=("brand",), related=(Related("trims", "vehicle_model"),), section="catalogue"),
    Browse("trims", Trim, columns=("code", "vehicle_model", "name", "margin_class"),
           filters=("margin_class", "vehicle_model"), select_related=("vehicle_model", "margin_class"),
           related=(Related("prices", "trim"),), section="catalogue"),
    Browse("prices", TrimPrice, columns=("trim", "valid_from", "valid_to", "guide_price", "floor_price", "cost"),
           select_related=("trim__vehicle_model",), section="catalogue"),
)

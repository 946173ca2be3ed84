"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, Related, register_browse
from dealerkpi.stock.models import SecondaryDealer, Vehicle

register_browse(
    Browse(
        "vehicles", Vehicle,
        columns=("id", "vin", "trim", "colour", "arrived_on", "status", "secondary_dealer"),
        filters=("status", "trim__vehicle_model", "secondary_dealer"), search=("vin",),
        select_related=("trim__vehicle_model", "secondary_dealer"), section="stock",
    ),
    Browse(
        "secondary-dealers", SecondaryDealer,
        columns=("id", "code", "name", "contact_name", "is_active"),
        related=(Related("vehicles", "secondary_dealer"),), section="stock",
    ),
)

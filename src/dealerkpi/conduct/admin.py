from django.contrib import admin

from dealerkpi.conduct.models import FaultType
from dealerkpi.org.admin_site import ScopedAdmin


@admin.register(FaultType)
class FaultTypeAdmin(ScopedAdmin):
    """The group's fault types (no store: every store's); a store's own are kept on its standards page too."""

    list_display = ("name", "group", "store", "default_points", "default_amount", "is_active")
    list_filter = ("group", "store", "is_active")

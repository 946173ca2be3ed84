from django.contrib import admin

from dealerkpi.org.admin_site import ScopedAdmin
from dealerkpi.stock.models import SecondaryDealer


@admin.register(SecondaryDealer)
class SecondaryDealerAdmin(ScopedAdmin):
    list_display = ("code", "name", "store", "is_active")
    list_filter = ("store",)

from django.contrib import admin

from dealerkpi.catalog.models import Brand, LifecycleStage, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.org.admin_site import ScopedAdmin


@admin.register(Brand)
class BrandAdmin(ScopedAdmin):
    list_display = ("code", "name", "is_competitor")


@admin.register(MarginClass)
class MarginClassAdmin(ScopedAdmin):
    list_display = ("code", "name", "rank")


class LifecycleStageInline(admin.TabularInline):
    model = LifecycleStage
    extra = 0


@admin.register(VehicleModel)
class VehicleModelAdmin(ScopedAdmin):
    list_display = ("code", "name", "brand", "segment")
    list_filter = ("brand",)
    inlines = [LifecycleStageInline]


class TrimPriceInline(admin.TabularInline):
    model = TrimPrice
    extra = 0


@admin.register(Trim)
class TrimAdmin(ScopedAdmin):
    list_display = ("code", "name", "vehicle_model", "margin_class")
    list_filter = ("margin_class", "vehicle_model")
    inlines = [TrimPriceInline]


@admin.register(TrimPrice)
class TrimPriceAdmin(ScopedAdmin):
    list_display = ("trim", "valid_from", "valid_to", "guide_price", "floor_price", "cost")
    list_filter = ("trim__vehicle_model",)

"""Targets in the master-data admin: head office and superusers, scoped to what they may see; audited."""

from django.contrib import admin

from dealerkpi.org.admin_site import ScopedAdmin
from dealerkpi.targets.models import AnnualTarget, SeasonalDistribution, Target


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    list_display = ("month", "store", "team", "staff", "metric", "value")
    list_filter = ("month", "store")
    search_fields = ("metric", "staff__name", "staff__employee_no")
    list_select_related = ("store", "team", "staff")
    date_hierarchy = "month"


@admin.register(AnnualTarget)
class AnnualTargetAdmin(ScopedAdmin):
    list_display = ("year", "store", "metric", "value")
    list_filter = ("year", "store")
    search_fields = ("metric",)
    list_select_related = ("store",)


@admin.register(SeasonalDistribution)
class SeasonalDistributionAdmin(ScopedAdmin):
    list_display = ("year", "store", *SeasonalDistribution.MONTH_FIELDS)
    list_filter = ("year",)
    list_select_related = ("store",)

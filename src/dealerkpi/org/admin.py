from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from dealerkpi.org.admin_site import ScopedAdmin
from dealerkpi.org.models import (
    DealerGroup,
    MinimumWage,
    Region,
    RoleAssignment,
    Staff,
    Store,
    Team,
    TeamMembership,
    User,
)
from dealerkpi.org.services import assign_role


@admin.register(DealerGroup)
class DealerGroupAdmin(ScopedAdmin):
    list_display = ("code", "name")


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("code", "name", "group")


class MinimumWageInline(admin.TabularInline):
    model = MinimumWage
    extra = 0


@admin.register(Store)
class StoreAdmin(ScopedAdmin):
    list_display = ("code", "name", "city", "region", "brand")
    list_filter = ("region",)
    search_fields = ("code", "name", "city")
    inlines = [MinimumWageInline]


@admin.register(MinimumWage)
class MinimumWageAdmin(ScopedAdmin):
    list_display = ("store", "effective_from", "monthly_amount")
    list_filter = ("store__region", "effective_from")
    search_fields = ("store__code", "store__name", "store__city")


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ("name", "store", "is_active")
    list_filter = ("store",)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    readonly_fields = ("role", "store", "valid_from", "valid_to")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ("employee_no", "name", "role", "store", "hire_date", "leave_date", "base_salary")
    list_filter = ("role", "store")
    search_fields = ("employee_no", "name")
    inlines = [TeamMembershipInline, RoleAssignmentInline]

    def save_model(self, request: HttpRequest, obj: Staff, form: ModelForm, change: bool) -> None:
        role, store_id = obj.role, obj.store_id
        super().save_model(request, obj, form, change)
        if not change or {"role", "store"} & set(form.changed_data):
            on = obj.hire_date if not change else timezone.localdate()
            assign_role(obj, role, store_id, on)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ScopedAdmin):
    list_display = ("username", "staff", "is_active", "is_superuser")
    head_office_fieldsets = ((None, {"fields": ("username", "password", "staff", "is_active")}),)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> tuple:
        if request.user.is_superuser:
            return (*super().get_fieldsets(request, obj), (None, {"fields": ("staff",)}))
        return self.head_office_fieldsets if obj else self.add_fieldsets

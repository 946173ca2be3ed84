"""The base of every admin page: scoped to what the user may see, and open to master-data editors."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from dealerkpi.core.admin_site import edits_master_data
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import visible_to
from dealerkpi.web.viewer import viewer_of


class ScopedAdmin(admin.ModelAdmin):
    """Head office sees and edits the records of its own group (or region); superusers everything."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_to(super().get_queryset(request), viewer_of(request))

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        related: type[Model] = db_field.related_model
        if hasattr(related, "scope"):
            kwargs["queryset"] = visible_to(related._default_manager.all(), viewer_of(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return edits_master_data(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return edits_master_data(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return edits_master_data(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return edits_master_data(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return edits_master_data(request)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    readonly_fields = ("at", "actor", "action", "content_type", "object_id", "object_repr", "before", "after")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

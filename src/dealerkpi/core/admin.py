"""The audit trail in the admin: read-only, for superusers. Every kind of entry (changes, changes in bulk,
permission and password changes, logins, failed logins, downloads) is listed with who, from where and what
changed; the kinds are a filter."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "ip", "action", "content_type", "object_repr", "changed", "detail")
    list_filter = ("action", "content_type")
    search_fields = ("actor_name", "object_repr", "object_id", "detail")
    readonly_fields = ("at", "actor", "actor_name", "ip", "action", "content_type", "object_id", "object_repr",
                       "changed", "detail", "before", "after")

    @admin.display(description=_("fields changed"))
    def changed(self, entry: AuditEntry) -> str:
        return ", ".join(entry.changed_fields())

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

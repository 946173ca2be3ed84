"""The Django admin as the master-data editor: open to superusers and head-office staff only, each admin page
scoped to what its user may see. (The AdminConfig that names this site is in ``org.admin_config``: Django loads it
before any model.)"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.admin_checks import CheckedAdmin
from dealerkpi.core.scope import visible_to
from dealerkpi.org.scope import viewer_of

MASTER_DATA = "org.change_master_data"  # superusers and head office (org/rules.py)


class DealerAdminSite(AdminSite):
    site_header = _("dealerkpi master data")
    site_title = _("dealerkpi master data")
    index_title = _("Stores, staff, models and price lists")

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MASTER_DATA)

    def register(self, model_or_iterable: Any, admin_class: type | None = None, **options: Any) -> None:
        """Every model's admin, Django's own (users, groups) included, and its inlines with the site's checks."""
        super().register(model_or_iterable, checked(admin_class or admin.ModelAdmin), **options)


def checked(admin_class: type) -> type:
    """``admin_class`` with the checks of core.admin_checks.CheckedAdmin, and its inlines with them."""
    inlines = [checked(inline) for inline in getattr(admin_class, "inlines", ())]
    return type(admin_class.__name__, (CheckedAdmin, admin_class), {"__module__": admin_class.__module__,
                                                                    "inlines": inlines})


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
        return request.user.has_perm(MASTER_DATA)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.has_perm(MASTER_DATA)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MASTER_DATA)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.has_perm(MASTER_DATA)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.has_perm(MASTER_DATA)

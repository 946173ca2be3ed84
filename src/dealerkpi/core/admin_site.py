"""The Django admin as the master-data editor: open to superusers and head-office staff only."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def edits_master_data(request: HttpRequest) -> bool:
    from dealerkpi.org.models import Role

    user = request.user
    if not (user.is_active and user.is_authenticated):
        return False
    return user.is_superuser or (user.staff is not None and user.staff.role == Role.HEAD_OFFICE)


class DealerAdminSite(AdminSite):
    site_header = _("dealerkpi master data")
    site_title = _("dealerkpi master data")
    index_title = _("Stores, staff, models and price lists")

    def has_permission(self, request: HttpRequest) -> bool:
        return edits_master_data(request)


class DealerAdminConfig(AdminConfig):
    default_site = "dealerkpi.core.admin_site.DealerAdminSite"

from django.contrib.admin.apps import AdminConfig


class DealerAdminConfig(AdminConfig):
    default_site = "dealerkpi.org.admin_site.DealerAdminSite"

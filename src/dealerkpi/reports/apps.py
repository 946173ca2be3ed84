from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class ReportsConfig(RegisteringAppConfig):
    default = True  # apps.py also sees RegisteringAppConfig
    name = "dealerkpi.reports"
    verbose_name = _("Reports")

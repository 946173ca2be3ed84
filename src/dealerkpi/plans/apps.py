from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class PlansConfig(RegisteringAppConfig):
    default = True  # apps.py also sees RegisteringAppConfig
    name = "dealerkpi.plans"
    label = "plans"
    verbose_name = _("Pay plans")

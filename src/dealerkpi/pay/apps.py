from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class PayConfig(RegisteringAppConfig):
    default = True  # apps.py also sees RegisteringAppConfig
    name = "dealerkpi.pay"
    label = "pay"
    verbose_name = _("Bonus runs and statements")

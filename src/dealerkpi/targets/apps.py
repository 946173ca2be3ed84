from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class TargetsConfig(RegisteringAppConfig):
    default = True  # apps.py also sees RegisteringAppConfig
    name = "dealerkpi.targets"
    label = "targets"
    verbose_name = _("Targets")

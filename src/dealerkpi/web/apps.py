from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class WebConfig(RegisteringAppConfig):
    default = True  # apps.py also sees RegisteringAppConfig
    name = "dealerkpi.web"
    verbose_name = _("Web")

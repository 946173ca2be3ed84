from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import RegisteringAppConfig


class ApiConfig(RegisteringAppConfig):
    default = True
    name = "dealerkpi.api"
    verbose_name = _("REST API")

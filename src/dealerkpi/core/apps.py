from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dealerkpi.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from dealerkpi.core import audit, audit_logins, checks  # noqa: F401 - checks registers itself

        audit.connect_signals()
        audit_logins.connect_signals()

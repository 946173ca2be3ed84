from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoDataConfig(AppConfig):
    """Generated dealer groups for the demo and the benchmarks (dealerkpi generate, dealerkpi demo)."""

    name = "dealerkpi.demo_data"
    label = "demo_data"
    verbose_name = _("Demo data")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "dealerkpi.kpi"
    verbose_name = _("KPI and pay")

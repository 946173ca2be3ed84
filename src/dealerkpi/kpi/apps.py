from django.apps import AppConfig


class KpiConfig(AppConfig):
    """The tables of plans, targets and runs before they moved to the apps plans, targets and pay (0.2).

    Only the migrations remain, so that a database made before the move upgrades in place: the last one renames
    the tables to their new apps and hands them over."""

    name = "dealerkpi.kpi"
    label = "kpi"

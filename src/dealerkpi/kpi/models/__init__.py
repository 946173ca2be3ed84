"""KPI and pay: plans (plans.py), targets (targets.py), runs and statements (runs.py)."""

from dealerkpi.kpi.models.plans import Plan, PlanVersion, check_publishable, parse_plan_document, publish_version

__all__ = ["Plan", "PlanVersion", "check_publishable", "parse_plan_document", "publish_version"]

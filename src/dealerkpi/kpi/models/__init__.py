"""KPI and pay: plans (plans.py), targets (targets.py), runs and statements (runs.py)."""

from dealerkpi.kpi.models.plans import Plan, PlanVersion, check_publishable, parse_plan_document, publish_version
from dealerkpi.kpi.models.runs import (
    Adjustment,
    ManualRating,
    Run,
    Statement,
    StatementIndicator,
    StatementLine,
    StatementQuery,
)
from dealerkpi.kpi.models.targets import AnnualTarget, SeasonalDistribution, Target

__all__ = [
    "Adjustment", "AnnualTarget", "ManualRating", "Plan", "PlanVersion", "Run", "SeasonalDistribution", "Statement",
    "StatementIndicator", "StatementLine", "StatementQuery", "Target", "check_publishable", "parse_plan_document",
    "publish_version",
]

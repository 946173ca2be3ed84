"""The KPI plan engine: plans as YAML documents, evaluated to scores and payout lines with a trace.

Pure Python, no Django import: the Django side loads plans and actuals and hands them over.

    plan = check_plan(load_plan_text(text, source="consultant.yaml"))   # PlanInvalid lists line:column errors
    results = evaluate_period(plan, PeriodInputs(...))                  # one PersonResult per person

See docs/plans.md for the plan schema, the expression language and the trace.
"""

from .catalogue import Catalogue, Metric, catalogue
from .evaluate import evaluate_period
from .figures import attrition_rate
from .inputs import (
    Actuals,
    Credit,
    Deal,
    History,
    MonthRecord,
    Period,
    PeriodInputs,
    Person,
    Rating,
    Target,
)
from .loader import PlanError, PlanInvalid, load_plan, load_plan_text
from .policy import EvaluationError
from .schema import Plan
from .trace import DealShare, GateResult, IndicatorResult, PayoutLine, PersonResult, Wording
from .validate import check_plan, plan_errors

__all__ = [
    "Actuals",
    "Catalogue",
    "Credit",
    "Deal",
    "DealShare",
    "EvaluationError",
    "GateResult",
    "History",
    "IndicatorResult",
    "Metric",
    "MonthRecord",
    "PayoutLine",
    "Period",
    "PeriodInputs",
    "Person",
    "PersonResult",
    "Plan",
    "PlanError",
    "PlanInvalid",
    "Rating",
    "Target",
    "Wording",
    "attrition_rate",
    "catalogue",
    "check_plan",
    "evaluate_period",
    "load_plan",
    "load_plan_text",
    "plan_errors",
]

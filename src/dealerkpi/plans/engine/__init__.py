"""The KPI plan engine: plans as YAML documents, evaluated to scores and payout lines with a trace.

Pure Python, no Django import: the Django side loads plans and actuals and hands them over.

    plan = check_plan_text(text, source="consultant.yaml")             # PlanInvalid lists every line:column error
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
from .policy import BLOCKING_BY_DEFAULT, WARNING_KINDS, EvaluationError
from .schema import Plan
from .trace import DealShare, GateResult, IndicatorResult, Item, PayoutLine, PersonResult, Warning, Wording
from .validate import check_plan, check_plan_text, metrics_named, plan_errors

__all__ = [
    "BLOCKING_BY_DEFAULT",
    "WARNING_KINDS",
    "Actuals",
    "Catalogue",
    "Credit",
    "Deal",
    "DealShare",
    "EvaluationError",
    "GateResult",
    "History",
    "IndicatorResult",
    "Item",
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
    "Warning",
    "Wording",
    "attrition_rate",
    "catalogue",
    "check_plan",
    "check_plan_text",
    "evaluate_period",
    "load_plan",
    "load_plan_text",
    "metrics_named",
    "plan_errors",
]

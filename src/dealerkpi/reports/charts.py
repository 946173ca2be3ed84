"""What the page's ECharts draw (static/reports/monthly_analysis.js): plain lists, numbers as text rounded for
display, labels already in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .analysis import MonthAnalysis
from .figures import FIGURES, lost_reason_lines, model_lines, product_lines, stock_table
from .formatting import rounded


def _number(value: Decimal | int | None, unit: str = "count") -> str | None:
    return None if value is None else str(rounded(value, unit))


def _months(analysis: MonthAnalysis) -> list[str]:
    return [str(month) for _key, month in analysis.months.items()]


def _models(analysis: MonthAnalysis) -> dict[str, object]:
    lines = model_lines(analysis)
    return {"names": [line.name for line in lines], "units": [_number(line.units, "units") for line in lines],
            "previous": [_number(line.previous, "units") for line in lines],
            "targets": [_number(line.target, "units") for line in lines]}


def _consultants(analysis: MonthAnalysis) -> dict[str, object]:
    lines = analysis.consultants
    return {"names": [line.name for line in lines], "units": [_number(line.units, "units") for line in lines],
            "targets": [_number(line.target, "units") for line in lines]}


def _products(analysis: MonthAnalysis) -> dict[str, object]:
    lines = product_lines(analysis)
    return {"names": [str(line.label) for line in lines],
            "series": [[_number(getattr(line.penetration, key), "percent") for line in lines]
                       for key in ("now", "previous", "last_year")]}


FUNNEL_STAGES = ("parties", "intent_visits", "first_intent_visits", "test_drives", "orders", "units")


def _funnel(analysis: MonthAnalysis) -> dict[str, object]:
    now = analysis.now
    return {"names": [str(FIGURES[key].label) for key in FUNNEL_STAGES],
            "values": [_number(now[key], "units") for key in FUNNEL_STAGES]}


def _lost(analysis: MonthAnalysis) -> list[dict[str, object]]:
    return [{"name": label, "value": n} for label, n, _share in lost_reason_lines(analysis.now)]


def _stock(analysis: MonthAnalysis) -> dict[str, object]:
    table = stock_table(analysis.structure)
    return {"models": [model for model, _cells in table.rows], "bands": table.bands,
            "series": [[cells[index] for _model, cells in table.rows] for index in range(len(table.bands))]}


def chart_data(analysis: MonthAnalysis) -> dict[str, object]:
    return {
        "months": _months(analysis),
        "labels": {
            "models": _("Deliveries by model"), "consultants": _("Deliveries by consultant"),
            "products": _("Derivative penetration (%)"), "funnel": _("The month's funnel"),
            "lost": _("Lost sales by reason"), "stock": _("Closing stock by model and age (days)"),
            "units": _("Deliveries"), "target": _("Target"), "previous": _("Previous month"),
        },
        "models": _models(analysis),
        "consultants": _consultants(analysis),
        "products": _products(analysis),
        "funnel": _funnel(analysis),
        "lost": _lost(analysis),
        "stock": _stock(analysis),
    }

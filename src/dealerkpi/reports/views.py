"""The monthly sales analysis (月度销售分析) and its workbook: one store, one month.

`?month=YYYY-MM` (default: the last complete month) and, for viewers of several stores, `?store=<id>`. It is a
store management report: the store's sales managers, GM, HR and finance; head office for its stores (with a
table of them all); superusers. Consultants and supervisors are refused (403); a store outside the viewer's
reach, or a store parameter that is not an id, answers 404; a month that cannot be shown answers 400.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealerkpi.core.forms import asked_wrongly
from dealerkpi.core.scope import Viewer
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.export_views import XLSX, download, refusal
from dealerkpi.plans.engine import Period
from dealerkpi.stock import services as stock

from .analysis import (
    Comparison,
    MonthAnalysis,
    asked_month,
    current_month,
    last_complete_month,
    month_analysis,
    store_comparison,
)
from .charts import chart_data
from .figures import (
    FIGURES,
    HEADLINE,
    STORE_COLUMNS,
    complaint_lines,
    line,
    lost_reason_lines,
    lost_to_lines,
    model_lines,
    product_lines,
    sections_of,
    stock_table,
    store_cells,
)
from .workbook import monthly_workbook

TEMPLATE = "reports/monthly_analysis.html"
Report = Callable[[HttpRequest, Viewer, Store, list[Store]], HttpResponse]


def asked_store(request: HttpRequest, viewer: Viewer) -> Store:
    """The store a report page asks for (``?store=``), within the viewer's reach."""
    if asked_wrongly(request, "store"):
        raise Http404("a store is asked for by its id")
    return chosen_store(request, viewer)


def management_report(view: Report) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse those the report is not for; find the store asked for (404 outside the viewer's reach)."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("reports.view_monthly_analysis"):
            return refusal(request, 403, _("Monthly sales analysis"), _(
                "The monthly sales analysis is the store management's report. Your own figures are in your "
                "statements and earnings to date; a supervisor's team is on the team board."))
        viewer = viewer_of(request)
        store = asked_store(request, viewer)
        return view(request, viewer, store, store_context(viewer, store)["stores"])

    return wrapped


def _month(request: HttpRequest) -> Period | None:
    try:
        return asked_month(request.GET.get("month", ""), timezone.localdate())
    except ValueError:
        return None


def _bad_month(request: HttpRequest, store: Store, stores: list[Store]) -> HttpResponse:
    message = _("“%(month)s” is not a month that can be shown: write it as YYYY-MM, from 2000 up to this month.") % {
        "month": request.GET.get("month", "")}
    default = last_complete_month(timezone.localdate())
    return render(request, TEMPLATE, {"store": store, "stores": stores, "error": message, "month": default,
                                      "latest": current_month(timezone.localdate())}, status=400)


def _comparison(stores: list[Store], month: Period) -> Comparison | None:
    return store_comparison(stores, month) if stores else None


def _context(analysis: MonthAnalysis, comparison: Comparison | None) -> dict[str, object]:
    now = analysis.now
    return {
        "analysis": analysis, "month": analysis.months.now, "months": analysis.months, "rebate": analysis.rebate,
        "headline": [line(analysis, key) for key in HEADLINE],
        "sections": sections_of(analysis),
        "models": model_lines(analysis), "products": product_lines(analysis),
        "lost_reasons": lost_reason_lines(now), "lost_to": lost_to_lines(now),
        "complaint_channels": complaint_lines(now),
        "charts": chart_data(analysis), "warning_line": stock.WARNING_LINE, "stock": stock_table(analysis.structure),
        "comparison": comparison, "store_columns": [FIGURES[key] for key in STORE_COLUMNS],
        "store_rows": [(item, store_cells(item.tally)) for item in comparison.lines] if comparison else [],
        "store_total": store_cells(comparison.total.tally) if comparison else [],
    }


@management_report
def monthly_analysis(request: HttpRequest, viewer: Viewer, store: Store, stores: list[Store]) -> HttpResponse:
    month = _month(request)
    if month is None:
        return _bad_month(request, store, stores)
    analysis = month_analysis(store, month)
    context = {"store": store, "stores": stores, "latest": current_month(timezone.localdate()),
               **_context(analysis, _comparison(stores, month))}
    return render(request, TEMPLATE, context)


@management_report
def monthly_analysis_xlsx(request: HttpRequest, viewer: Viewer, store: Store, stores: list[Store]) -> HttpResponse:
    month = _month(request)
    if month is None:
        return _bad_month(request, store, stores)
    content = monthly_workbook(month_analysis(store, month), _comparison(stores, month))
    return download(content, XLSX, f"monthly-analysis-{store.code}-{month}.xlsx")

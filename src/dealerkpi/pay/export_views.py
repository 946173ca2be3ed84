"""Downloads of a bonus run: a statement or the whole run as PDF (the run's made by a job: ``pay.run_pdf``), the
run as an Excel workbook, the payroll file (.xlsx or .csv). Each download shows only what the viewer may see
(``visible_statements``); payroll is for HR, finance, the GM, the store's sales managers, head office and
superusers, once the run is approved. Every download is in the audit trail: who took which file of which run
or statement, when, from where. One statement's PDF (one or two pages, a fraction of a second) is made in the
request."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi.core.audit import record
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay import exports
from dealerkpi.pay import run_pdf as run_pdfs
from dealerkpi.pay.models import Run, RunPdf, Statement
from dealerkpi.pay.tasks import make_run_pdf
from dealerkpi.pay.visibility import visible_runs, visible_statements

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PAYROLL_FORMATS = {"xlsx": XLSX, "csv": CSV}

REFUSAL = """{% extends "web/base.html" %}{% load i18n %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<section class="card"><p class="errors" data-testid="refusal">{{ message }}</p>
{% if run %}<p><a href="{% url 'run-detail' run.pk %}">{% translate "Back to the run" %}</a></p>{% endif %}</section>
{% endblock %}"""


def refusal(request: HttpRequest, status: int, title: str, message: str, run: Run | None = None) -> HttpResponse:
    """A page in the site's layout that says why a download is refused (never a bare error)."""
    page = engines["django"].from_string(REFUSAL)
    return HttpResponse(page.render({"title": title, "message": message, "run": run}, request), status=status)


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"  # pay is personal data
    response["X-Content-Type-Options"] = "nosniff"
    return response


def audited_download(of: Model, content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download of pay data, recorded against the run or statement it comes from."""
    record(AuditEntry.Action.DOWNLOAD, of, detail=filename)
    return download(content, content_type, filename)


def _run_statements(request: HttpRequest, pk: int) -> tuple[Run, QuerySet[Statement]]:
    viewer = viewer_of(request)
    run = get_object_or_404(visible_runs(viewer).select_related("store__region__group"), pk=pk)
    return run, visible_statements(viewer).filter(run=run)


def _export_failed(request: HttpRequest, run: Run | None, error: exports.ExportError) -> HttpResponse:
    return refusal(request, 409, _("The export cannot be made"), str(error), run)


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement, for whoever may see it on the statement page (others get 404)."""
    statement = get_object_or_404(visible_statements(viewer_of(request)).select_related("run__store"), pk=pk)
    name = f"statement-{statement.staff.employee_no}-{statement.run.period:%Y-%m}-v{statement.run.number}.pdf"
    return audited_download(statement, exports.statements_pdf(Statement.objects.filter(pk=statement.pk)), PDF, name)


@login_required
@require_http_methods(["GET", "POST"])
def run_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Every statement of the run the viewer may see, one page per person, as one PDF made by a job: POST asks
    for it; GET downloads it once it is ready and up to date, else shows how far it is (the fragment that htmx
    polls while the PDF is being prepared)."""
    run, statements = _run_statements(request, pk)
    ids = list(statements.values_list("pk", flat=True))
    if not ids:
        return refusal(request, 404, _("Nothing to print"), _("You may see no statement of this run."), run)
    wants = run_pdfs.wanted(run, ids, get_language() or settings.LANGUAGE_CODE)
    pdf = run_pdfs.of(run, request.user)
    state = run_pdfs.state(pdf, wants)
    if request.method == "POST":
        if state not in (run_pdfs.PREPARING, run_pdfs.READY):
            pdf = run_pdfs.ask(run, request.user, wants)
            transaction.on_commit(partial(make_run_pdf, pdf.pk))
        return redirect("run-pdf", run.pk)
    if state == run_pdfs.READY and not request.htmx:
        content = RunPdf.objects.values_list("content", flat=True).get(pk=pdf.pk)
        return audited_download(run, bytes(content), PDF, exports.export_name(run, "statements", "pdf"))
    page = "pay/run_pdf_state.html" if request.htmx else "pay/run_pdf.html"
    return render(request, page, {"run": run, "pdf": pdf, "state": state, "people": len(ids)})


@login_required
def run_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The run as a workbook: a summary sheet, a sheet of lines and a sheet of indicators."""
    run, statements = _run_statements(request, pk)
    try:
        content = exports.run_workbook(run, statements)
    except exports.ExportError as error:
        return _export_failed(request, run, error)
    return audited_download(run, content, XLSX, exports.export_name(run, "run", "xlsx"))


@login_required
def run_payroll(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The payroll file of an approved or locked run, for the people who pay it."""
    if fmt not in PAYROLL_FORMATS:
        raise Http404
    refused = _("Only HR, finance, the general manager, the sales managers of the store and head office may "
                "download the payroll file.")
    if not request.user.has_perm("pay.download_payroll"):  # before looking the run up: the same answer for every run
        return refusal(request, 403, _("Payroll not available"), refused)
    run, statements = _run_statements(request, pk)
    if not request.user.has_perm("pay.download_payroll", run):
        return refusal(request, 403, _("Payroll not available"), refused, run)
    if not run.is_final:
        return refusal(request, 400, _("Payroll not available yet"), _(
            "The payroll file is made from approved runs only. This run is “%(status)s”: the sales manager "
            "submits it and the general manager approves it first.") % {"status": run.get_status_display()}, run)
    build = exports.payroll_xlsx if fmt == "xlsx" else exports.payroll_csv
    try:
        content = build(run, statements)
    except exports.ExportError as error:
        return _export_failed(request, run, error)
    return audited_download(run, content, PAYROLL_FORMATS[fmt], exports.export_name(run, "payroll", fmt))

"""The daily report (日报) of a store: `/reports/daily/?store=<id>&day=YYYY-MM-DD` (default: this morning's report,
with yesterday's figures), sent by the sales manager with remarks, commented on by the general manager; its PDF and
workbook. The figures are computed as the report is read (reports/daily.py); docs/reports.md."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealerkpi.core.pages import asked_day, page_of, refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.spreadsheets import Amount, Book, Figure, Label
from dealerkpi.org.models import Store
from dealerkpi.org.pages import store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.export_views import XLSX, download, refusal
from dealerkpi.pay.exports import generated_at

from .daily import DailyFigures, PeopleLine, daily_figures
from .models import DailyReport
from .views import asked_store

TEMPLATE = "reports/daily_report.html"
PDF_TEMPLATE = "reports/pdf/daily_report.html"
PDF = "application/pdf"


class RemarksForm(forms.ModelForm):
    class Meta:
        model = DailyReport
        fields = ["remarks"]
        widgets = {"remarks": forms.Textarea(attrs={"rows": 4})}


class CommentForm(forms.ModelForm):
    class Meta:
        model = DailyReport
        fields = ["comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}

    def clean_comment(self) -> str:
        text = self.cleaned_data["comment"].strip()
        if not text:
            raise forms.ValidationError(_("Write the comment."))
        return text


Page = Callable[[HttpRequest, Viewer, Store, datetime.date], HttpResponse]


def daily_page(view: Page) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse those the report is not for; find the store (404 outside the viewer's reach) and the day."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("reports.view_daily_report"):
            return refusal(request, 403, _("Daily report"), _(
                "The daily report goes from the sales manager to the general manager; head office reads its "
                "stores'. Your own day is on the desk's Today page."))
        viewer = viewer_of(request)
        return view(request, viewer, asked_store(request, viewer), asked_day(request, timezone.localdate()))

    return wrapped


def report_of(store: Store, day: datetime.date) -> DailyReport | None:
    return DailyReport.objects.select_related("sent_by", "commented_by").filter(store=store, day=day).first()


def may_send(request: HttpRequest, store: Store, report: DailyReport | None) -> bool:
    """The store's sales managers, until the general manager has commented."""
    return request.user.has_perm("reports.send_daily_report", store) and not (report and report.commented_at)


def _page(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date, *,
          send_form: RemarksForm | None = None, comment_form: CommentForm | None = None) -> HttpResponse:
    report = report_of(store, day)
    if send_form is None and may_send(request, store, report):
        send_form = RemarksForm(instance=report)
    if comment_form is None and report and request.user.has_perm("reports.comment_daily_report", store):
        comment_form = CommentForm(instance=report)
    history = visible_to(DailyReport.objects.filter(store=store), viewer).select_related("sent_by", "commented_by")
    status = 400 if any(form is not None and form.is_bound for form in (send_form, comment_form)) else 200
    return render(request, TEMPLATE, store_context(
        viewer, store, day=day, today=timezone.localdate(), report=report,
        figures=daily_figures(store, day, timezone.localdate()), send_form=send_form, comment_form=comment_form,
        page=page_of(request, history.order_by("-day")),
    ), status=status)


@daily_page
@require_GET
def daily_report(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date) -> HttpResponse:
    return _page(request, viewer, store, day)


def _locked(store: Store, day: datetime.date) -> DailyReport | None:
    return DailyReport.objects.select_for_update().filter(store=store, day=day).first()


def send(store: Store, day: datetime.date, staff_id: int, remarks: str) -> DailyReport:
    """Send the report, or its remarks again: refused once the general manager has commented on it. Under a row
    lock; a report another manager sent at the same moment is the one updated."""
    try:
        with transaction.atomic():
            return _send(store, day, staff_id, remarks)
    except IntegrityError:  # sent by another manager meanwhile: now there is a row to lock
        with transaction.atomic():
            return _send(store, day, staff_id, remarks)


def _send(store: Store, day: datetime.date, staff_id: int, remarks: str) -> DailyReport:
    report = _locked(store, day) or DailyReport(store=store, day=day)
    refuse_unless(report.commented_at is None,
                  _("The general manager has commented on this report: it can no longer be sent again."))
    report.remarks, report.sent_by_id, report.sent_at = remarks, staff_id, timezone.now()
    report.save()
    return report


def comment(store: Store, day: datetime.date, staff_id: int, text: str) -> DailyReport:
    """The general manager's comment on a sent report (a later comment replaces it; the audit keeps both)."""
    with transaction.atomic():
        report = _locked(store, day)
        if report is None:
            raise Http404("no report")
        report.comment, report.commented_by_id, report.commented_at = text, staff_id, timezone.now()
        report.save()
        return report


def _back(request: HttpRequest, store: Store, day: datetime.date, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('daily-report')}?store={store.pk}&day={day.isoformat()}")


@daily_page
@require_POST
def daily_report_send(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date) -> HttpResponse:
    refuse_unless(request.user.has_perm("reports.send_daily_report", store) and viewer.staff_id is not None,
                  _("The store's sales managers send its daily report."))
    form = RemarksForm(request.POST)
    if not form.is_valid():
        return _page(request, viewer, store, day, send_form=form)
    send(store, day, viewer.staff_id or 0, form.cleaned_data["remarks"])
    return _back(request, store, day, _("Sent the daily report of %(day)s.") % {"day": day.isoformat()})


@daily_page
@require_POST
def daily_report_comment(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date) -> HttpResponse:
    refuse_unless(request.user.has_perm("reports.comment_daily_report", store) and viewer.staff_id is not None,
                  _("The store's general manager comments on its daily report."))
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, viewer, store, day, comment_form=form)
    comment(store, day, viewer.staff_id or 0, form.cleaned_data["comment"])
    return _back(request, store, day, _("Commented on the daily report of %(day)s.") % {"day": day.isoformat()})


# --- PDF and workbook ---------------------------------------------------------------------------------------


def _filename(store: Store, day: datetime.date, extension: str) -> str:
    return f"daily-report-{store.code}-{day.isoformat()}.{extension}"


def report_pdf(figures: DailyFigures, report: DailyReport | None) -> bytes:
    html = render_to_string(PDF_TEMPLATE, {"figures": figures, "report": report, "generated": generated_at(),
                                           "language": get_language() or "zh-hans"})
    import weasyprint  # a second to load at start-up, for the PDF alone: loaded when one is asked for, as pay does

    return weasyprint.HTML(string=html).write_pdf()


@daily_page
@require_GET
def daily_report_pdf(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date) -> HttpResponse:
    figures = daily_figures(store, day, timezone.localdate())
    return download(report_pdf(figures, report_of(store, day)), PDF, _filename(store, day, "pdf"))


def report_workbook(figures: DailyFigures, report: DailyReport | None) -> bytes:
    """One sheet: the day's figures, the month to date against target, the day's schedule, the remarks."""
    book = Book(_("Daily report"))
    above = [[Label(_("Store")), figures.store.name], [Label(_("Report of")), figures.day.isoformat()],
             [Label(_("Figures of")), figures.figures_day.isoformat()], [Label(_("Generated")), generated_at()]]
    sheet = book.sheet(_("Daily report"), [_("Figure"), _("Value"), _("Target"), _("Completion (%)"),
                                           _("Projected to month end"), _("Projected completion (%)")],
                       widths=[34, 16, 16, 16, 22, 24], above=above)
    sheet.append([Label(_("Yesterday"))])
    for count in figures.yesterday:
        sheet.append([str(count.label), Amount(count.value) if count.money else Figure(count.value)])
    sheet.append([Label(_("Month to date"))])
    for line in figures.month:
        number = Amount if line.money else Figure
        sheet.append([str(line.figure.label), number(line.value), number(line.target), Figure(line.completion),
                      number(line.projected), Figure(line.projected_completion)])
    sheet.append([Label(_("Today"))])
    for count in figures.schedule:
        sheet.append([str(count.label), Figure(count.value)])
    if report:
        sheet.append([Label(_("Remarks")), report.remarks])
        sheet.append([Label(_("General manager's comment")), report.comment])
    _people_sheet(book, figures, above)
    return book.save()


def _people_sheet(book: Book, figures: DailyFigures, above: list[list[object]]) -> None:
    """The second sheet: yesterday and the month to date against target, by team, then by consultant."""
    people = figures.people
    header: list[str] = [_("Team / consultant"), _("Team")]
    header += [_("Yesterday: %(figure)s") % {"figure": label} for label in people.day_labels]
    for figure in people.month_figures:
        header += [_("Month to date: %(figure)s") % {"figure": figure.label}, _("Target"), _("Completion (%)"),
                   _("Projected completion (%)")]
    sheet = book.sheet(_("By team and consultant"), header, frozen_columns=1, above=above)
    for line in people.teams:
        sheet.append([Label(line.name), "", *_people_cells(line)])
    for line in people.consultants:
        sheet.append([line.name, line.team, *_people_cells(line)])


def _people_cells(line: PeopleLine) -> list[object]:
    cells: list[object] = [Figure(value) for value in line.yesterday]
    for month in line.month:
        number = Amount if month.money else Figure
        cells += [number(month.value), number(month.target), Figure(month.completion),
                  Figure(month.projected_completion)]
    return cells


@daily_page
@require_GET
def daily_report_xlsx(request: HttpRequest, viewer: Viewer, store: Store, day: datetime.date) -> HttpResponse:
    figures = daily_figures(store, day, timezone.localdate())
    return download(report_workbook(figures, report_of(store, day)), XLSX, _filename(store, day, "xlsx"))

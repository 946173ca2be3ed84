"""Exports of a bonus run: statements as PDF, the whole run as an Excel workbook, and the payroll file.

Pure functions from statements (a queryset, already narrowed to what the viewer may see) to bytes. Each
makes a fixed number of queries whatever the number of people: the statements with their run, staff, store,
group, team and plan in one query, then their indicators and their lines in one query each.

Payroll columns (docs/exports.md): every statement line falls in exactly one column, so that
``base + bonus + commission + deductions + other == net`` (the statement's total) holds for every person.

==========================  ===============================================================================
column                      lines
==========================  ===============================================================================
base                        category ``base_pay`` (including gate, cap and floor lines on base pay)
bonus                       categories ``bonus``, ``quarterly_bonus``, ``annual_bonus`` (incl. their gates,
                            caps and floors)
commission                  category ``commission`` (incl. its gates, caps and floors)
deductions (negative)       categories ``fine`` and ``clawback`` whatever their sign; and, when negative:
                            adjustments, the recovery of earlier draws (``draw`` / ``draw_recovery``), a
                            negative balance brought forward, and any other line
other                       when positive or zero: adjustments, draws advanced (``draw`` / ``draw``),
                            guaranteed-minimum top-ups (``guarantee``), a negative result carried forward
                            (``balance`` / ``carried_forward``), and any other line
net                         the statement's total (= the sum of its lines)
==========================  ===============================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.staticfiles import finders
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dealerkpi.core.money import ZERO
from dealerkpi.core.spreadsheets import Amount, Book, Figure, Label, csv_bytes
from dealerkpi.pay.explain import ShownStatement, Wordbook
from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine

PDF_TEMPLATE = "pay/pdf/statement.html"
PDF_STYLESHEET = "pdf/statement.css"

BASE_CATEGORIES = frozenset({"base_pay"})
BONUS_CATEGORIES = frozenset({"bonus", "quarterly_bonus", "annual_bonus"})
COMMISSION_CATEGORIES = frozenset({"commission"})
DEDUCTION_CATEGORIES = frozenset({"fine", "clawback"})  # deductions whatever the sign of the line

PAYROLL_FIELDS = ("base", "bonus", "commission", "deductions", "other")


PAYROLL_COLUMN_LABELS = {
    "base": gettext_lazy("Base pay"),
    "bonus": gettext_lazy("Bonus"),
    "commission": gettext_lazy("Commission"),
    "deductions": gettext_lazy("Deductions"),
    "other": gettext_lazy("Other"),
}


class ExportError(Exception):
    """The data cannot be exported as it is (e.g. a statement whose lines do not add up to its total)."""


# ---------------------------------------------------------------------------------------------- loading


def prepared(statements: QuerySet[Statement] | Iterable[Statement]) -> list[Statement]:
    """The statements with everything the exports read, in three queries, ordered by employee number."""
    related = ("run__approved_by__staff", "staff", "store__region__group", "team", "plan_version__plan")
    prefetches = (
        Prefetch("indicators", queryset=StatementIndicator.objects.order_by("position", "pk")),
        Prefetch("lines", queryset=StatementLine.objects.order_by("position", "pk")),
    )
    if isinstance(statements, QuerySet):
        query = statements.select_related(*related).prefetch_related(*prefetches)
        return list(query.order_by("store__code", "staff__employee_no", "pk"))
    listed = list(statements)
    prefetch_related_objects(listed, *related, *prefetches)
    return sorted(listed, key=lambda s: (s.store.code, s.staff.employee_no, s.pk))


# ---------------------------------------------------------------------------------------------- payroll


def payroll_column(line: StatementLine) -> str:
    """The payroll column a statement line is paid in (see the module's docstring)."""
    if line.category in BASE_CATEGORIES:
        return "base"
    if line.category in BONUS_CATEGORIES:
        return "bonus"
    if line.category in COMMISSION_CATEGORIES:
        return "commission"
    if line.category in DEDUCTION_CATEGORIES or line.amount < ZERO:
        return "deductions"
    return "other"


@dataclass(frozen=True)
class PayrollRow:
    employee_no: str
    name: str
    store: str
    role: str
    base: Decimal
    bonus: Decimal
    commission: Decimal
    deductions: Decimal  # zero or negative
    other: Decimal
    gross: Decimal  # 应发: what the plans pay, before social insurance, housing fund and income tax

    @property
    def parts(self) -> Decimal:
        return self.base + self.bonus + self.commission + self.deductions + self.other


def _columns(statement: Statement) -> dict[str, Decimal]:
    sums = dict.fromkeys(PAYROLL_FIELDS, ZERO)
    for line in statement.lines.all():
        sums[payroll_column(line)] += line.amount
    return sums


def _role(statement: Statement) -> str:
    return str(statement.plan_version.plan.get_role_display())


def _checked(statement: Statement, sums: dict[str, Decimal]) -> dict[str, Decimal]:
    if sum(sums.values(), ZERO) != statement.total:
        raise ExportError(
            _("The lines of %(name)s's statement add up to %(lines)s, not to its total %(total)s.")
            % {"name": statement.staff.name, "lines": sum(sums.values(), ZERO), "total": statement.total}
        )
    return sums


def payroll_rows(run: Run | None, statements: QuerySet[Statement] | Iterable[Statement]) -> list[PayrollRow]:
    """One row per person, in employee-number order; raises ExportError if a statement does not add up."""
    rows = []
    for statement in prepared(statements):
        sums = _checked(statement, _columns(statement))
        rows.append(PayrollRow(
            employee_no=statement.staff.employee_no, name=statement.staff.name, store=statement.store.name,
            role=_role(statement), gross=statement.total, **sums,
        ))
    return rows


def payroll_header() -> list[str]:
    return [
        _("Employee number"), _("Name"), _("Store"), _("Role"),
        *(str(PAYROLL_COLUMN_LABELS[f]) for f in PAYROLL_FIELDS),
        _("Gross pay (before social insurance, housing fund and income tax)"),
    ]


def _payroll_values(row: PayrollRow) -> list[Any]:
    return [row.employee_no, row.name, row.store, row.role,
            *(Amount(amount) for amount in (row.base, row.bonus, row.commission, row.deductions, row.other, row.gross))]


def payroll_csv(run: Run | None, statements: QuerySet[Statement] | Iterable[Statement]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel opens the Chinese text), amounts as plain ``1234.50``."""
    return csv_bytes(payroll_header(), [_payroll_values(row) for row in payroll_rows(run, statements)])


def payroll_xlsx(run: Run | None, statements: QuerySet[Statement] | Iterable[Statement]) -> bytes:
    """One sheet: a header row and one row per person, amounts as numbers formatted ``#,##0.00``."""
    book = Book(title=f"{_('Payroll')} {run}" if run is not None else "")
    sheet = book.sheet(_("Payroll"), payroll_header(), widths=[12, 12, 16, 14, *[13] * 6])
    for row in payroll_rows(run, statements):
        sheet.append(_payroll_values(row))
    return book.save()


# ---------------------------------------------------------------------------------------------- workbook


SUMMARY_HEADER_ROW = 7  # rows 1-5 describe the run, row 6 is empty


def summary_header() -> list[str]:
    return [
        "#", _("Employee number"), _("Name"), _("Team"), _("Role"), _("Plan version"), _("Total score"),
        _("Bonus coefficient"), *(str(PAYROLL_COLUMN_LABELS[f]) for f in PAYROLL_FIELDS), _("Total"),
        _("Balance carried forward"), _("Draw outstanding"), _("Lines"), _("Error"),
    ]


def lines_header() -> list[str]:
    return [
        _("Employee number"), _("Name"), _("Line"), _("Category"), _("Kind"), _("Rule"), _("Label"), _("Amount"),
        _("Exact amount"), _("Payroll column"),
    ]


def indicators_header() -> list[str]:
    return [
        _("Employee number"), _("Name"), _("Indicator"), _("Label"), _("Actual"), _("Target"), _("Achievement (%)"),
        _("Score"), _("Weight"), _("Weighted score"), _("Skipped"), _("Note"),
    ]


def run_workbook(run: Run, statements: QuerySet[Statement] | Iterable[Statement]) -> bytes:
    """The whole run: a summary sheet (one row per person and a totals row), a sheet of every pay line
    (one row per line and a totals row) and a sheet of every scorecard indicator."""
    listed = prepared(statements)
    book = Book(title=str(run))
    _summary_sheet(book, run, listed)
    _lines_sheet(book, listed)
    _scorecard_sheet(book, listed)
    return book.save()


def _described(run: Run, listed: list[Statement]) -> list[list[Any]]:
    """The lines above the summary's header: which run this is (labels in column A, values in C)."""
    group = run.store.region.group if listed == [] else listed[0].store.region.group
    described = [
        (_("Dealer group"), group.name), (_("Store"), run.store.name), (_("Month"), f"{run.period:%Y-%m}"),
        (_("Run"), f"v{run.number} · {run.get_status_display()}"), (_("Generated at"), generated_at()),
    ]
    return [[Label(label), None, value] for label, value in described]


def _summary_sheet(book: Book, run: Run, listed: list[Statement]) -> None:
    summary = book.sheet(_("Summary"), summary_header(), widths=[5, 12, 12, 10, 14, 26, 10, 10, *[13] * 8, 7, 30],
                         frozen_columns=3, above=_described(run, listed))
    totals = dict.fromkeys((*PAYROLL_FIELDS, "total", "carried", "draw"), ZERO)
    for number, statement in enumerate(listed, start=1):
        amounts = {**_checked(statement, _columns(statement)), "total": statement.total,
                   "carried": statement.carried_balance, "draw": statement.draw_outstanding}
        summary.append([
            number, statement.staff.employee_no, statement.staff.name, statement.team.name if statement.team else "",
            _role(statement), str(statement.plan_version), Figure(statement.total_score),
            Figure(statement.coefficient), *(Amount(amounts[key]) for key in totals), len(statement.lines.all()),
            statement.error,
        ])
        for key in totals:
            totals[key] += amounts[key]
    summary.totals(_("Total"), label_column=3, first=9, amounts=list(totals.values()))


def _lines_sheet(book: Book, listed: list[Statement]) -> None:
    sheet = book.sheet(_("Lines"), lines_header(), widths=[12, 12, 6, 14, 14, 18, 44, 13, 16, 13], frozen_columns=2,
                       filtered=True)
    total = ZERO
    for statement in listed:
        for line in statement.lines.all():
            sheet.append([
                statement.staff.employee_no, statement.staff.name, line.position + 1, line.category_label,
                line.kind, line.rule, line.label_text, Amount(line.amount), line.exact,
                str(PAYROLL_COLUMN_LABELS[payroll_column(line)]),
            ])
            total += line.amount
    sheet.totals(_("Total"), label_column=2, first=8, amounts=[total])


def _scorecard_sheet(book: Book, listed: list[Statement]) -> None:
    sheet = book.sheet(_("Scorecard"), indicators_header(), widths=[12, 12, 16, 24, 12, 12, 12, 10, 8, 12, 8, 40],
                       frozen_columns=2, filtered=True)
    for statement in listed:
        for indicator in statement.indicators.all():
            figures = (indicator.actual, indicator.target, indicator.achievement, indicator.score, indicator.weight,
                       indicator.weighted_score)
            sheet.append([
                statement.staff.employee_no, statement.staff.name, indicator.code, indicator.label,
                *(Figure(figure) for figure in figures), _("yes") if indicator.skipped else "", indicator.note,
            ])


def generated_at() -> str:
    """When an export is made, as its heading shows it: 2026-10-05 14:30, local time."""
    return f"{timezone.localtime():%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------- PDF


def money(value: Decimal | None) -> str:
    """1234.5 -> "1,234.50" (groups of three, as on Chinese payslips)."""
    return "—" if value is None else f"{value:,.2f}"


def number(value: Decimal | None) -> str:
    """A figure of the scorecard: whole numbers without decimals, others with two."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


@dataclass
class PdfLine:
    label: str
    category: str
    amount: str
    negative: bool
    explained: list[str] = field(default_factory=list)  # the line in words, then the derived values it used


@dataclass
class PdfIndicator:
    label: str
    actual: str
    target: str
    achievement: str
    score: str
    weight: str
    weighted: str
    note: str
    skipped: bool


@dataclass
class PdfPage:
    """What one page of the PDF shows: one person's statement, figures already formatted."""

    statement: Statement
    group: str
    store: str
    month: str
    role: str
    status: str
    final: bool
    approved: str
    indicators: list[PdfIndicator] = field(default_factory=list)
    lines: list[PdfLine] = field(default_factory=list)
    gates: list[dict[str, Any]] = field(default_factory=list)
    weight_set: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)
    total: str = ""
    total_score: str = ""
    coefficient: str = ""
    carried_balance: str = ""
    draw_outstanding: str = ""


def _approved(run: Run) -> str:
    if not run.approved_at:
        return ""
    who = run.approved_by
    name = (who.staff.name if who is not None and who.staff_id else who.get_username()) if who else ""
    return f"{name} {timezone.localtime(run.approved_at):%Y-%m-%d}".strip()


def _pdf_indicator(i: StatementIndicator, note: str) -> PdfIndicator:
    return PdfIndicator(
        label=i.label, actual=number(i.actual), target=number(i.target),
        achievement="—" if i.achievement is None else f"{i.achievement:,.2f}%", score=number(i.score),
        weight=f"{number(i.weight)}%", weighted=f"{i.weighted_score:,.2f}", note=note, skipped=i.skipped,
    )


def _page(statement: Statement, shown: ShownStatement) -> PdfPage:
    """The statement's page: its figures formatted, its lines and gates in words as on the statement page."""
    run = statement.run
    sums = _columns(statement)
    return PdfPage(
        statement=statement, group=statement.store.region.group.name, store=statement.store.name,
        month=f"{run.period:%Y-%m}", role=_role(statement), status=str(run.get_status_display()),
        final=run.is_final, approved=_approved(run),
        indicators=[_pdf_indicator(row.row, row.note) for row in shown.indicators],
        lines=[PdfLine(shown_line.label, shown_line.line.category_label, money(shown_line.line.amount),
                       shown_line.line.amount < ZERO, [said for said in (shown_line.said.words, *shown_line.said.where)
                                                       if said])
               for shown_line in shown.lines],
        gates=[{"label": gate.label, "said": gate.said.words, "held": gate.held} for gate in shown.gates],
        weight_set=shown.weight_set,
        columns=[(str(PAYROLL_COLUMN_LABELS[f]), money(sums[f])) for f in PAYROLL_FIELDS if sums[f] != ZERO],
        total=money(statement.total),
        total_score="—" if statement.total_score is None else f"{statement.total_score:,.2f}",
        coefficient="" if statement.coefficient is None else number(statement.coefficient),
        carried_balance=money(statement.carried_balance) if statement.carried_balance else "",
        draw_outstanding=money(statement.draw_outstanding) if statement.draw_outstanding else "",
    )


def statements_html(statements: QuerySet[Statement] | Iterable[Statement]) -> str:
    listed = prepared(statements)
    book = Wordbook(listed)
    pages = [_page(statement, book.statement(statement)) for statement in listed]
    return render_to_string(PDF_TEMPLATE, {
        "pages": pages, "generated": generated_at(), "language": get_language() or "zh-hans",
        "timezone": timezone.get_current_timezone_name(),
    })


def statements_document(statements: QuerySet[Statement] | Iterable[Statement]) -> Any:
    """The rendered WeasyPrint document (its ``pages`` can be counted): each person from a new page."""
    import weasyprint

    stylesheet = finders.find(PDF_STYLESHEET)
    if stylesheet is None:  # pragma: no cover - packaging error
        raise ExportError(f"missing stylesheet {PDF_STYLESHEET}")
    html = weasyprint.HTML(string=statements_html(statements))
    return html.render(stylesheets=[weasyprint.CSS(filename=stylesheet)])


def statements_pdf(statements: QuerySet[Statement] | Iterable[Statement]) -> bytes:
    """The statements as an A4 PDF, each person from a new page (a long statement goes on to the next), with
    the company header on every page and each line explained in words as on the statement page."""
    return statements_document(statements).write_pdf()


def export_name(run: Run, kind: str, extension: str) -> str:
    """A file name such as ``payroll-S1-2026-10-v2.csv``."""
    store = re.sub(r"[^\w-]+", "_", run.store.code)
    return f"{kind}-{store}-{run.period:%Y-%m}-v{run.number}.{extension}"

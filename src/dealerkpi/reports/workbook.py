"""The monthly analysis as an Excel workbook: the same figures as the page, exact (amounts to the fen, rates to
four places), one sheet per part, in the house style (core.spreadsheets)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.core.spreadsheets import Amount, Book, Figure, Label
from dealerkpi.pay.exports import generated_at

from .analysis import Comparison, MonthAnalysis, Rebate
from .figures import (
    FIGURES,
    SECTIONS,
    STORE_COLUMNS,
    YUAN,
    complaint_lines,
    lost_reason_lines,
    lost_to_lines,
    model_lines,
    product_lines,
    section_lines,
    stock_table,
    store_cells,
)

Cell = tuple[Any, str]  # a value and its unit ("yuan" gets the money format, other numbers the number format)


def _cell(cell: Cell | Any) -> Any:
    value, unit = cell if isinstance(cell, tuple) else (cell, "")
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        return value
    return Amount(value) if unit == YUAN else Figure(value)


def _sheet(book: Book, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell | Any]],
           widths: Sequence[int], described: Sequence[tuple[str, str]] = ()) -> None:
    """A sheet with the first column frozen beside the header, and the ``described`` lines above it."""
    sheet = book.sheet(title, header, widths=widths, frozen_columns=1,
                       above=[[Label(label), value] for label, value in described])
    for cells in rows:
        sheet.append([_cell(cell) for cell in cells])


def _summary_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    rows: list[list[Cell | Any]] = []
    for section in SECTIONS:
        for line in section_lines(analysis, section.key):
            unit = line.figure.unit
            rows.append([str(section.title), str(line.figure.label), (line.now, unit), (line.previous, unit),
                         (line.last_year, unit), (line.target, unit), (line.completion, "")])
    return rows


def _summary_header(analysis: MonthAnalysis) -> list[str]:
    months = [str(month) for _key, month in analysis.months.items()]
    return [_("Section"), _("Figure"), *months, _("Target"), _("Completion (%)")]


def _model_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    return [[line.name, line.units, line.share, line.orders, line.previous, line.last_year, line.target,
             line.completion] for line in model_lines(analysis)]


def _consultant_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    return [[line.rank, line.name, line.team, line.units, line.target, line.completion, line.orders,
             line.figures.get("new_leads"), line.figures.get("first_visits"), line.figures.get("test_drive_rate"),
             line.figures.get("visit_to_order_rate"), (line.figures.get("front_gross_profit"), YUAN),
             (line.figures.get("gross_profit_per_unit"), YUAN), line.follow_ups_due, line.follow_ups_on_time,
             line.follow_up_rate] for line in analysis.consultants]


def _product_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    return [[str(line.label), line.units, line.penetration.now, line.penetration.previous,
             line.penetration.last_year, (line.amount, YUAN), (line.income, YUAN), (line.income_per_unit, YUAN)]
            for line in product_lines(analysis)]


def _lost_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    reasons = lost_reason_lines(analysis.now)
    rivals = lost_to_lines(analysis.now, top=1000)
    rows: list[list[Cell | Any]] = [[_("Reason"), "", ""], *[list(item) for item in reasons], ["", "", ""],
                                    [_("Competitor model"), "", ""], *[list(item) for item in rivals]]
    return rows


def _stock_rows(analysis: MonthAnalysis) -> list[list[Cell | Any]]:
    table = stock_table(analysis.structure)
    return [*[[model, *cells] for model, cells in table.rows], [_("Total"), *table.totals]]


def _store_rows(comparison: Comparison) -> list[list[Cell | Any]]:
    rows = []
    for line in [*comparison.lines, comparison.total]:
        name = f"{line.store.code} {line.store.name}" if line.store else _("All stores")
        cells = [(value, figure.unit) for figure, value in store_cells(line.tally)]
        rows.append([name, line.target, line.completion, *cells])
    return rows


def _rebate_rows(rebate: Rebate) -> list[list[Cell | Any]]:
    earned = _("Rebate earned in the month") if rebate.projected is None else _("Rebate as the days over stand")
    rows = [[earned, Amount(rebate.earned)]]
    if rebate.projected is not None:
        rows.append([_("Rebate projected for the month"), Amount(rebate.projected)])
    return [*rows, [_("Rebate of the quarter"), Amount(rebate.quarter)],
            [_("Gross profit with the rebate"), Amount(rebate.gross_profit)]]


def monthly_workbook(analysis: MonthAnalysis, comparison: Comparison | None = None) -> bytes:
    store = f"{analysis.store.code} {analysis.store.name}"
    book = Book(title=f"{store} {analysis.months.now}")
    _sheet(book, _("Summary"), _summary_header(analysis), _summary_rows(analysis), [14, 36, 14, 14, 14, 14, 12],
           described=[(_("Store"), store), (_("Month"), str(analysis.months.now)), (_("Generated at"), generated_at())])
    _sheet(book, _("Models"), [_("Model"), _("Deliveries"), _("Share (%)"), _("Orders"), _("Previous month"),
                               _("Same month last year"), _("Target"), _("Completion (%)")],
           _model_rows(analysis), [16, 11, 11, 10, 14, 14, 10, 12])
    _sheet(book, _("Consultants"), [
        _("Rank"), _("Consultant"), _("Team"), _("Deliveries"), _("Target"), _("Completion (%)"), _("Orders"),
        _("Leads opened"), _("First visits with buying intent"), _("Test-drive rate (%)"),
        _("Order conversion (%)"), _("Front-end gross profit"), _("Front-end gross profit per unit"),
        _("Follow-ups due"), _("Follow-ups done on time"), _("On time (%)")],
        _consultant_rows(analysis), [6, 14, 12, *[11] * 13])
    _sheet(book, _("Derivatives"), [_("Product"), _("Deliveries carrying it"), _("Penetration (%)"),
                                    _("Previous month"), _("Same month last year"), _("Amount"),
                                    _("Income to the store"), _("Income per unit delivered")],
           _product_rows(analysis), [16, 12, 12, 14, 14, 14, 14, 14])
    _sheet(book, _("Lost sales"), ["", _("Lost sales"), _("Share (%)")], _lost_rows(analysis), [28, 11, 11])
    bands = stock_table(analysis.structure).bands
    _sheet(book, _("Stock"), [_("Model"), *bands, _("Total")], _stock_rows(analysis), [16, *[10] * (len(bands) + 1)])
    _sheet(book, _("Complaints"), [_("Channel"), _("Received"), _("Major"), _("Resolved")],
           [list(item) for item in complaint_lines(analysis.now)], [28, 10, 10, 10])
    if analysis.rebate is not None:
        _sheet(book, _("Rebate"), ["", _("Amount")], _rebate_rows(analysis.rebate), [36, 16])
    if comparison is not None:
        header = [_("Store"), _("Target"), _("Completion (%)"), *[str(FIGURES[key].label) for key in STORE_COLUMNS]]
        _sheet(book, _("Stores"), header, _store_rows(comparison), [22, *[12] * (len(header) - 1)])
    return book.save()

"""The two workbooks the page offers: the template of each kind (headers, an example row, how to fill it in)
and the error report (the file's rows as they were with a problems column; of a large file, its rows with
problems only)."""

from __future__ import annotations

from typing import IO

from django.utils import translation
from django.utils.translation import gettext as _

from dealerkpi.core.spreadsheets import Book, Highlighted, Label, SheetWriter

from .columns import COLUMNS, REPORT_COLUMN_NAMES, Column, normalised
from .reading import Limits, Table, open_table
from .report import Report
from .values import text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_CELLS = 100_000  # a file of up to this many cells (rows x columns) comes back whole in its error report
REPORT_ROWS = 1_000  # of a larger file, the report lists this many rows with problems


def header_names(columns: tuple[Column, ...]) -> list[str]:
    """The Chinese names for a Chinese interface, the English ones otherwise; both are always read."""
    chinese = (translation.get_language() or "").startswith("zh")
    return [column.chinese if chinese else column.key for column in columns]


def template(kind: str, store_code: str | None = None) -> bytes:
    columns = COLUMNS[kind]
    book = Book()
    rows = book.sheet(_("Rows"), header_names(columns))
    rows.append([store_code if column.key == "store" and store_code else column.example for column in columns])
    notes = book.sheet(_("How to fill in"), [_("Column"), _("Chinese name"), _("Required"), _("What to write")],
                       widths=(16, 16, 10, 90))
    for column in columns:
        notes.append([column.key, column.chinese, _("yes") if column.needed else _("no"), str(column.description)])
    for line in (
        _("The first row holds the column names, in English or in Chinese; other names of the table are read too."),
        _("Times without an offset are Shanghai time. Dates: 2026-10-05 or 2026/10/5."),
        _("If any row is wrong, nothing is imported: the page lists every problem by row and column."),
    ):
        notes.append([])
        notes.append([line])
    return book.save()


def error_report(raw: IO[bytes], name: str, report: Report, limits: Limits) -> bytes:
    """The file's rows as they were with a last column listing each row's problems (highlighted), so that it can
    be corrected and uploaded again (a problems column of an earlier report is left out). A file of more than
    ``REPORT_CELLS`` cells gets the rows with problems only: writing a cell costs openpyxl some 10 µs, so a
    report stays a few seconds' work. Blank rows are never copied."""
    problems = report.messages_by_row()
    book = Book()
    raw.seek(0)
    with open_table(raw, name, limits) as table:
        keep = [i for i, cell in enumerate(table.header) if normalised(text(cell)) not in REPORT_COLUMN_NAMES]
        header = [table.header[i] for i in keep]
        title = "\n".join(filter(None, [_("Problems"), problems.get(None), problems.get(1)]))
        if 0 < report.rows * len(keep) <= REPORT_CELLS and len(report.errors) == report.error_count:
            sheet = book.sheet(_("Problems"), [*header, title])
            for number, cells in table.filled_rows():
                row, message = [cells[i] if i < len(cells) else None for i in keep], problems.get(number)
                sheet.append([*row, Highlighted(message)] if message else row)
        else:
            _problem_rows(book.sheet(_("Problems"), [_("Row"), *header, title]), table, keep, report, problems)
    raw.seek(0)
    return book.save()


def _problem_rows(sheet: SheetWriter, table: Table, keep: list[int], report: Report,
                  problems: dict[int | None, str]) -> None:
    """The first ``REPORT_ROWS`` rows with problems, each after its row number, then how many more there are. A
    file whose header was wrong has none: its rows were not read."""
    wrong, listed = len(report.bad_rows - {1}), 0
    for number, cells in table.filled_rows() if wrong else ():
        message = problems.get(number)
        if message is None:
            continue
        if listed == REPORT_ROWS:
            break
        sheet.append([number, *(cells[i] if i < len(cells) else None for i in keep), Highlighted(message)])
        listed += 1
    if more := wrong - listed:
        sheet.append([Label(_("… and %(n)s more rows with problems. Correct these, then check the file again.")
                            % {"n": f"{more:,}"})])

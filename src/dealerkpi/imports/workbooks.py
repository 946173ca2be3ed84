"""The two workbooks the page offers: the template of each kind (headers, an example row, how to fill it in)
and the error report (the file's rows as they were, with a problems column)."""

from __future__ import annotations

from typing import IO

from django.utils import translation
from django.utils.translation import gettext as _

from dealerkpi.core.spreadsheets import Book, Highlighted

from .columns import COLUMNS, REPORT_COLUMN_NAMES, Column, normalised
from .reading import open_table
from .report import Report
from .values import text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def error_report(raw: IO[bytes], name: str, report: Report) -> bytes:
    """The file's rows with a last column listing each row's problems (highlighted). A problems column of an
    earlier report is left out, so a corrected report can be uploaded again and again."""
    problems = report.messages_by_row()
    book = Book()
    raw.seek(0)
    with open_table(raw, name) as table:
        keep = [i for i, cell in enumerate(table.header) if normalised(text(cell)) not in REPORT_COLUMN_NAMES]
        title = "\n".join(filter(None, [_("Problems"), problems.get(None), problems.get(1)]))
        sheet = book.sheet(_("Problems"), [*(table.header[i] for i in keep), title])
        for number, cells in table.rows():
            row = [cells[i] if i < len(cells) else None for i in keep]
            message = problems.get(number)
            sheet.append([*row, Highlighted(message)] if message else row)
    raw.seek(0)
    return book.save()

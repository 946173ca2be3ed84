"""The two workbooks the page offers: the template of each kind (headers, an example row, how to fill it in)
and the error report (the file's rows as they were, with a problems column)."""

from __future__ import annotations

import io
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _

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
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = _("Rows")
    sheet.append(header_names(columns))
    sheet.append([store_code if column.key == "store" and store_code else column.example for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) * 2 + 4)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("How to fill in"))
    notes.append([_("Column"), _("Chinese name"), _("Required"), _("What to write")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in columns:
        notes.append([column.key, column.chinese, _("yes") if column.needed else _("no"), str(column.description)])
    for line in (
        _("The first row holds the column names, in English or in Chinese; other names of the table are read too."),
        _("Times without an offset are Shanghai time. Dates: 2026-10-05 or 2026/10/5."),
        _("If any row is wrong, nothing is imported: the page lists every problem by row and column."),
    ):
        notes.append([])
        notes.append([line])
    for letter, width in zip("ABCD", (16, 16, 10, 90), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: Any, value: Any) -> Any:
    """A cell that shows the value as it was: text beginning with "=" is not made a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def error_report(raw: IO[bytes], name: str, report: Report) -> bytes:
    """The file's rows with a last column listing each row's problems (highlighted). A problems column of an
    earlier report is left out, so a corrected report can be uploaded again and again."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    problems = report.messages_by_row()
    fill, wrap = PatternFill("solid", fgColor="FFE0E0"), Alignment(wrap_text=True, vertical="top")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Problems"))
    raw.seek(0)
    with open_table(raw, name) as table:
        keep = [i for i, cell in enumerate(table.header) if normalised(text(cell)) not in REPORT_COLUMN_NAMES]
        title = _cell(sheet, "\n".join(filter(None, [_("Problems"), problems.get(None), problems.get(1)])))
        title.font = Font(bold=True)
        sheet.append([_cell(sheet, table.header[i]) for i in keep] + [title])
        for number, cells in table.rows():
            row = [_cell(sheet, cells[i]) if i < len(cells) else None for i in keep]
            message = problems.get(number)
            if message:
                note = _cell(sheet, message)
                note.fill, note.alignment = fill, wrap
                row.append(note)
            sheet.append(row)
    raw.seek(0)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

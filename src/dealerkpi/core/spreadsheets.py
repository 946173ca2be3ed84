"""Spreadsheets in one place: every file a user uploads or the plan engine reads goes through ``read_sheet``;
every workbook and CSV file the system hands out is written by ``Book`` or ``csv_bytes``.

Plain Python, no Django (an import-linter contract keeps it so), so the plan engine uses it too. Its refusals
are English message templates marked with ``gettext_noop``, so that makemessages collects them; a Django
caller passes ``translate=gettext`` and gets them in the user's language.

Reading
    CSV in UTF-8 (with or without BOM) or GBK/GB18030 as Chinese Excel saves it (detected by decoding the
    whole file, UTF-8 first), separated by comma, semicolon or tab, whichever the header line uses most; or
    an Excel workbook (.xlsx): its first sheet, or the one named, read with openpyxl in read-only mode. The
    header is row 1 and rows keep the numbers Excel shows. Cells come as text from a CSV file, and as Excel
    holds them from a workbook: str, int, Decimal (never float: a number is read through its shortest text,
    so 0.1 stays 0.1), bool, datetime. Every row is checked against the ``Limits`` as it is read, so a file
    too large is refused without being held in memory.

Writing
    The house style of the exports: the header row bold on a pale blue ground with a rule under it, frozen,
    with the columns beside it that the caller asks for; column widths; amounts of money (``Amount``) as
    ``#,##0.00``, other figures (``Figure``) as ``#,##0.####``; text is always text, never a formula.
    Workbooks are written row by row (openpyxl's write-only mode: memory stays flat). CSV files are UTF-8
    with a byte-order mark, so Excel opens the Chinese text, and amounts are written as plain ``1234.50``
    (rounded half-up to the fen, as ``core.money.fen``).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import IO, Any, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dealerkpi.core.money import fen

Translate = Callable[[str], str]
T = TypeVar("T")


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogue (makemessages knows this name) and return it as written."""
    return message


NOT_UTF8_OR_GBK = gettext_noop("The CSV file is neither UTF-8 nor GBK text.")
CSV_DAMAGED = gettext_noop("The CSV file cannot be read: %(problem)s")
NOT_A_WORKBOOK = gettext_noop("The file is not a readable Excel workbook (.xlsx).")
SAVE_AS_XLSX_OR_CSV = gettext_noop("Save the file as an Excel workbook (.xlsx) or as CSV and upload it again.")
NOT_A_SPREADSHEET = gettext_noop("Upload an Excel workbook (.xlsx) or a CSV file.")
TOO_LARGE = gettext_noop("The file is larger than %(megabytes)s MB.")
TOO_MANY_ROWS = gettext_noop("The file has more than %(n)s rows.")
TOO_MANY_COLUMNS = gettext_noop("Row %(row)s has %(found)s columns; a file may have at most %(limit)s.")
CELL_TOO_LARGE = gettext_noop(
    "Row %(row)s, column %(column)s holds %(found)s characters; a cell may hold at most %(limit)s.")

READABLE = (".csv", ".xlsx")
OTHER_SPREADSHEETS = (".xls", ".et", ".ods", ".numbers")  # refused with "save as .xlsx or CSV"
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
DELIMITERS = (",", ";", "\t")
MEGABYTE = 1 << 20
CHUNK = MEGABYTE


# --- reading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a reader accepts (None: no limit). A file beyond them is refused as soon as the reader meets the
    row or cell, so a wrong or hostile file cannot fill the memory."""

    rows: int | None = 100_000  # data rows with something in them (the header and blank rows are not counted)
    columns: int = 200  # cells of a row, up to its last filled one
    cell_characters: int = 32_767  # the most an Excel cell holds
    megabytes: int | None = 50


LIMITS = Limits()


class Unreadable(ValueError):
    """The file cannot be read as it is: ``message`` says why, in the reader's language; ``row`` and ``column``
    (a letter) say where, when the refusal is about one row or cell."""

    def __init__(self, message: str, row: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


class NotANumber(ValueError):
    """A cell that should hold a number and does not."""


@dataclass(frozen=True)
class _Reading:
    limits: Limits
    translate: Translate

    def refusal(self, template: str, row: int | None = None, column: str = "", **params: object) -> Unreadable:
        return Unreadable(self.translate(template) % {"row": row, "column": column, **params}, row, column)

    def check_size(self, raw: IO[bytes]) -> None:
        if self.limits.megabytes is None:
            return
        raw.seek(0, io.SEEK_END)
        size = raw.tell()
        raw.seek(0)
        if size > self.limits.megabytes * MEGABYTE:
            raise self.refusal(TOO_LARGE, megabytes=self.limits.megabytes)

    def checked(self, number: int, cells: Sequence[Any]) -> list[Any]:
        """The row's cells up to its last filled one, refused when there are too many or one is too long."""
        kept = _trimmed(cells)
        if len(kept) > self.limits.columns:
            raise self.refusal(TOO_MANY_COLUMNS, number, found=f"{len(kept):,}", limit=f"{self.limits.columns:,}")
        for index, cell in enumerate(kept):
            if isinstance(cell, str) and len(cell) > self.limits.cell_characters:
                raise self.refusal(CELL_TOO_LARGE, number, column_letter(index), found=f"{len(cell):,}",
                                   limit=f"{self.limits.cell_characters:,}")
        return kept


class Sheet:
    """What ``read_sheet`` opened: its ``header`` (row 1) and its rows, read and checked as they are asked for.
    Use it as a context manager: closing releases the file but leaves the caller's file object open."""

    def __init__(self, source: Iterator[Sequence[Any]], release: Callable[[], Any], reading: _Reading) -> None:
        self._source, self._release, self._reading = source, release, reading
        try:
            self.header: list[Any] = reading.checked(1, next(source, ()))
        except Unreadable:
            release()
            raise

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Every row after the header with its number, a blank row as []; a row ends at its last filled cell."""
        limit, filled = self._reading.limits.rows, 0
        for number, cells in enumerate(self._source, start=2):
            kept = self._reading.checked(number, cells)
            filled += bool(kept)
            if limit is not None and filled > limit:
                raise self._reading.refusal(TOO_MANY_ROWS, number, n=f"{limit:,}")
            yield number, kept

    def filled_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The rows with something in them."""
        return ((number, cells) for number, cells in self.rows() if cells)

    def close(self) -> None:
        self._release()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def readable(name: str) -> bool:
    """Whether ``read_sheet`` reads a file of this name: .csv or .xlsx."""
    return PurePath(name).suffix.lower() in READABLE


def read_sheet(raw: IO[bytes], name: str, limits: Limits = LIMITS, *, sheet: str | None = None,
               translate: Translate = gettext_noop) -> Sheet:
    """Open the spreadsheet in ``raw``, of the kind its file ``name`` says (.csv or .xlsx); for a workbook, the
    sheet called ``sheet`` when it has one, else the first. ``translate`` puts the refusals into the user's
    language (Django's gettext); without it they are in English. Raises ``Unreadable``, here or while the
    rows are read."""
    reading = _Reading(limits, translate)
    suffix = PurePath(name).suffix.lower()
    if suffix not in READABLE:
        raise reading.refusal(SAVE_AS_XLSX_OR_CSV if suffix in OTHER_SPREADSHEETS else NOT_A_SPREADSHEET)
    reading.check_size(raw)
    if suffix == ".csv":
        return Sheet(*_csv_rows(raw, reading), reading)
    return Sheet(*_workbook_rows(raw, sheet, reading), reading)


def _trimmed(cells: Sequence[Any]) -> list[Any]:
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    return list(cells[:end])


def _guarded(rows: Iterator[T], failure: type[Exception], refusal: Callable[[Exception], Unreadable]) -> Iterator[T]:
    """The rows of a reader, its failure part-way (a damaged file) turned into a refusal."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except failure as problem:
            raise refusal(problem) from problem
        yield row


def _decodes_as(raw: IO[bytes], encoding: str) -> bool:
    raw.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := raw.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        raw.seek(0)
    return True


def _encoding(raw: IO[bytes], reading: _Reading) -> str:
    for encoding in ENCODINGS:
        if _decodes_as(raw, encoding):
            return encoding
    raise reading.refusal(NOT_UTF8_OR_GBK)


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _csv_rows(raw: IO[bytes], reading: _Reading) -> tuple[Iterator[list[str]], Callable[[], Any]]:
    text = io.TextIOWrapper(raw, encoding=_encoding(raw, reading), newline="")
    first = text.readline()
    text.seek(0)
    rows = csv.reader(text, delimiter=_delimiter(first))
    return _guarded(rows, csv.Error, lambda problem: reading.refusal(CSV_DAMAGED, problem=problem)), text.detach


def _workbook_rows(raw: IO[bytes], sheet: str | None, reading: _Reading
                   ) -> tuple[Iterator[list[Any]], Callable[[], Any]]:
    try:
        book = load_workbook(raw, read_only=True, data_only=True)
        worksheet = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
    except Exception as problem:  # openpyxl raises many kinds for a file that is not a workbook
        raise reading.refusal(NOT_A_WORKBOOK) from problem
    worksheet.reset_dimensions()  # some programs write a wrong size; read what is there
    rows = _guarded(worksheet.iter_rows(values_only=True), Exception, lambda _problem: reading.refusal(NOT_A_WORKBOOK))
    return ([_exact(value) for value in row] for row in rows), book.close


def _exact(value: Any) -> Any:
    """A workbook's number as int or Decimal, through its shortest text (0.1 stays 0.1, 8.0 is 8)."""
    if not isinstance(value, float):
        return value
    return int(value) if value.is_integer() else Decimal(repr(value))


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    return get_column_letter(index + 1)


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Any) -> str:
    """A cell as the text the user sees: "" when empty, yes / no as 1 / 0, a date cell as its date, other
    times in ISO form (2026-10-05 14:30:00), surrounding spaces dropped."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time.min else cell.isoformat(sep=" ")
    return str(cell).strip()


def cell_number(cell: Any) -> Decimal | None:
    """A cell as a Decimal, None when it is blank; thousands separators are allowed (1,800,000). Raises
    ``NotANumber`` for other text, yes / no, dates and times."""
    if is_blank(cell):
        return None
    if isinstance(cell, bool) or not isinstance(cell, str | int | Decimal):
        raise NotANumber(cell_text(cell))
    try:
        number = Decimal(cell_text(cell).replace(",", ""))
    except InvalidOperation:
        raise NotANumber(cell_text(cell)) from None
    if not number.is_finite():
        raise NotANumber(cell_text(cell))
    return number


# --- writing -------------------------------------------------------------------------------------------------


MONEY_FORMAT = "#,##0.00"
FIGURE_FORMAT = "#,##0.####"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
HEADER_RULE = Border(bottom=Side(style="thin"))
TOTAL_RULES = Border(top=Side(style="thin"), bottom=Side(style="double"))
HIGHLIGHT_FILL = PatternFill("solid", fgColor="FFE0E0")
HIGHLIGHT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
NARROWEST, WIDEST = 10, 60  # column widths fitted to the header
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
CSV_FORMULA = re.compile(r"^[=+\-@\t\r]")


@dataclass(frozen=True, slots=True)
class Amount:
    """A cell holding an amount of money: ``#,##0.00`` in a workbook, ``1234.50`` in a CSV file."""

    value: Decimal | int | None


@dataclass(frozen=True, slots=True)
class Figure:
    """A cell holding another figure (a score, a rate, a count of cars): ``#,##0.####`` in a workbook."""

    value: Decimal | int | None


@dataclass(frozen=True, slots=True)
class Label:
    """A cell of bold text, such as the labels of the lines above a header."""

    text: str


@dataclass(frozen=True, slots=True)
class Highlighted:
    """A cell that catches the eye: text wrapped on a pink ground (the problems of an error report)."""

    text: str


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: without []:*?/\\ and at most 31 characters."""
    return SHEET_TITLE_FORBIDDEN.sub(" ", title)[:31] or "Sheet"


def _display_width(text: str) -> int:
    """The width of the longest line of ``text``, a Chinese character counting two."""
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                for line in text.splitlines()), default=0)


def _header_widths(header: Sequence[Any]) -> list[int]:
    """Column widths that fit the header's names, between 10 and 60."""
    return [min(WIDEST, max(NARROWEST, _display_width(cell_text(name)) + 4)) for name in header]


class SheetWriter:
    """A sheet of a ``Book``: the lines ``above`` the header (then an empty row), the header, the rows appended
    after it and perhaps a totals row. ``row`` is the number of the last row written."""

    def __init__(self, sheet: Any, header: Sequence[Any], widths: Sequence[float], frozen_columns: int,
                 above: Sequence[Sequence[Any]], filtered: bool) -> None:
        self._sheet, self._columns, self._filtered = sheet, len(header), filtered
        for index, width in enumerate(widths):
            sheet.column_dimensions[column_letter(index)].width = width
        self.header_row = len(above) + 2 if above else 1
        sheet.freeze_panes = f"{column_letter(frozen_columns)}{self.header_row + 1}"
        self.row = self._last_appended = 0
        for cells in above:
            self.append(cells)
        if above:
            self.append([])
        self._write([self._cell(name, font=BOLD, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT, border=HEADER_RULE)
                     for name in header])

    def append(self, values: Sequence[Any]) -> None:
        """The next row: plain values, or ``Amount``, ``Figure``, ``Label`` and ``Highlighted`` cells."""
        self._write([self._styled(value) for value in values])
        self._last_appended = self.row

    def totals(self, label: str, label_column: int, first: int, amounts: Sequence[Decimal]) -> None:
        """A totals row: ``label`` in bold in column ``label_column``, the ``amounts`` in bold from column
        ``first`` on, between a rule above and a double rule below (columns count from 1)."""
        cells: list[Any] = [None] * (first - 1 + len(amounts))
        cells[label_column - 1] = self._cell(label, font=BOLD)
        for offset, amount in enumerate(amounts):
            cells[first - 1 + offset] = self._cell(amount, number_format=MONEY_FORMAT, font=BOLD, border=TOTAL_RULES)
        self._write(cells)

    def _finish(self) -> None:
        """Filter buttons on the header over the rows appended (not the totals), when asked for."""
        if self._filtered and self._columns:
            last = column_letter(self._columns - 1)
            self._sheet.auto_filter.ref = f"A{self.header_row}:{last}{max(self._last_appended, self.header_row)}"

    def _write(self, cells: list[Any]) -> None:
        self._sheet.append(cells)
        self.row += 1

    def _styled(self, value: Any) -> Any:
        match value:
            case Amount(number):
                return self._cell(number, number_format=MONEY_FORMAT)
            case Figure(number):
                return self._cell(number, number_format=FIGURE_FORMAT)
            case Label(text):
                return self._cell(text, font=BOLD)
            case Highlighted(text):
                return self._cell(text, fill=HIGHLIGHT_FILL, alignment=HIGHLIGHT_ALIGNMENT)
        return self._cell(value)

    def _cell(self, value: Any, **style: Any) -> Any:
        """A cell showing ``value`` as it is: text is never taken for a formula, and the control characters
        Excel refuses are dropped."""
        if value is None:
            return None
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(self._sheet, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell


class Book:
    """A workbook in the house style, written row by row: ``sheet()`` adds a sheet, ``save()`` gives the .xlsx."""

    def __init__(self, title: str = "") -> None:
        self._book = Workbook(write_only=True)
        self._book.properties.creator = "dealerkpi"
        self._book.properties.title = title or None
        self._sheets: list[SheetWriter] = []

    def sheet(self, title: str, header: Sequence[Any], *, widths: Sequence[float] | None = None,
              frozen_columns: int = 0, above: Sequence[Sequence[Any]] = (), filtered: bool = False) -> SheetWriter:
        """A new sheet with its header, frozen with the ``frozen_columns`` beside it; ``widths`` fitted to the
        header unless given; ``above`` the header, lines that describe the sheet; filter buttons on the header
        when ``filtered``."""
        sheet = SheetWriter(self._book.create_sheet(_sheet_title(title)), header,
                            _header_widths(header) if widths is None else widths, frozen_columns, above, filtered)
        self._sheets.append(sheet)
        return sheet

    def save(self) -> bytes:
        for sheet in self._sheets:
            sheet._finish()
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


def _csv_text(value: Any) -> str:
    match value:
        case None | Amount(None) | Figure(None):
            return ""
        case Amount(number):
            return f"{fen(Decimal(number)):f}"
        case Figure(number):
            return str(number)
        case Label(text) | Highlighted(text) | str(text):
            return f"'{text}" if CSV_FORMULA.match(text) else text  # a spreadsheet would run it (CSV injection)
    return str(value)


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (so that Excel opens the Chinese text) and CRLF line ends:
    amounts as plain 1234.50, text a spreadsheet would take for a formula behind a quote ('=...)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_text(name) for name in header])
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")

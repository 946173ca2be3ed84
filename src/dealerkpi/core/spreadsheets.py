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
    so 0.1 stays 0.1), bool, datetime.

    Every reading is bounded by ``Limits`` (bench/hostile_files.py measures the worst files, docs/imports.md
    states the figures): the file's size first; a workbook's parts from the zip file's directory and then,
    read as streams, their elements and longest text, before openpyxl parses anything; then every row and
    cell as it is read, never the sheet's declared size. A malformed CSV file (a quote not closed) is refused,
    naming its line.

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
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import IO, Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from dealerkpi.core.money import fen

Translate = Callable[[str], str]
T = TypeVar("T")


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogue (makemessages knows this name) and return it as written."""
    return message


NOT_UTF8_OR_GBK = gettext_noop("The CSV file is neither UTF-8 nor GBK text.")
CSV_QUOTE_NOT_CLOSED = gettext_noop(
    "The CSV file cannot be read from line %(line)s on: a quote (\") there opens a cell that is not closed "
    "properly. A cell that starts with a quote must end with one, followed by a separator or the end of the line.")
CSV_CELL_TOO_LARGE = gettext_noop(
    "Line %(line)s of the CSV file holds a cell of more than %(found)s characters; a cell may hold at most "
    "%(limit)s.")
CSV_LINE_TOO_LONG = gettext_noop("Line %(line)s of the CSV file is longer than %(limit)s characters.")
NOT_A_WORKBOOK = gettext_noop("The file is not a readable Excel workbook (.xlsx).")
SAVE_AS_XLSX_OR_CSV = gettext_noop("Save the file as an Excel workbook (.xlsx) or as CSV and upload it again.")
NOT_A_SPREADSHEET = gettext_noop("Upload an Excel workbook (.xlsx) or a CSV file.")
TOO_LARGE = gettext_noop("The file is larger than %(megabytes)s MB.")
TOO_MANY_ROWS = gettext_noop("The file has more than %(n)s rows.")
BEYOND_EXCEL = gettext_noop("The file goes on beyond row %(n)s, the last row Excel has.")
TOO_MANY_COLUMNS = gettext_noop("Row %(row)s has %(found)s columns; a file may have at most %(limit)s.")
TOO_MANY_CELLS = gettext_noop(
    "The file has more than %(n)s cells, counting the empty cells up to the last one of each row.")
CELL_TOO_LARGE = gettext_noop(
    "Row %(row)s, column %(column)s holds %(found)s characters; a cell may hold at most %(limit)s.")
UNPACKS_TOO_LARGE = gettext_noop("The workbook unpacks to more than %(megabytes)s MB.")
PACKED_TOO_TIGHT = gettext_noop(
    "The part %(part)s of the workbook unpacks to %(ratio)s times its packed size; a spreadsheet's parts unpack "
    "to at most %(limit)s times theirs. The file is not read.")
TOO_MANY_ELEMENTS = gettext_noop(
    "The workbook holds more than %(n)s cells, rows and other elements. Delete the columns and sheets that are "
    "not imported, or split the file.")
TOO_MANY_FORMATS = gettext_noop(
    "The workbook holds too many texts, cell formats or names to be read here (more than %(n)s elements, a "
    "format or a name counting ten). Copy its cells into a new workbook (paste the values only) and save that.")
WORKBOOK_CELL_TOO_LARGE = gettext_noop("A cell of the workbook holds more than %(limit)s characters.")
NUL_IN_CELL = gettext_noop("The cell holds a NUL character (\\0), which is not text: delete it and save the file "
                           "again.")

READABLE = (".csv", ".xlsx")
OTHER_SPREADSHEETS = (".xls", ".et", ".ods", ".numbers")  # refused with "save as .xlsx or CSV"
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
DELIMITERS = (",", ";", "\t")
MEGABYTE = 1 << 20
EXCEL_ROWS = 1_048_576  # the last row number Excel has
CHUNK = MEGABYTE
TIGHT_PART = MEGABYTE  # a part of a workbook this large (unpacked) is checked for its compression ratio
BYTES_PER_CHARACTER = 10  # the most XML spends on one character of a cell: "&#128512;"
TAG_SLACK = 1024  # the tag's own name and attributes, written before its text
WORKSHEET_ROWS = ReadOnlyWorksheet._get_source.__code__  # where openpyxl opens a worksheet to read its rows
SHARED_TEXTS = ExcelReader.read_strings.__code__  # where it opens the shared strings to read them whole
OBJECT_WEIGHT = 10  # what an element of the other parts read whole counts against Limits.formats


# --- reading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a reader accepts. Each figure bounds the time and the memory one file can take (docs/imports.md
    measures them): a file beyond them is refused as soon as the reader meets what is too much, before it is
    parsed where that can be known (size, a workbook's parts) and otherwise at the first row or cell beyond."""

    megabytes: int = 20  # the file as it is uploaded
    rows: int = 100_000  # rows with something in them after the header (and blank rows up to EXCEL_ROWS)
    columns: int = 200  # cells of a row, up to its last filled one
    cell_characters: int = 10_000
    # An Excel workbook is a zip file of XML parts; these are checked before openpyxl parses any of them.
    unpacked_megabytes: int = 100  # all its parts, unpacked (a "zip bomb" packs gigabytes into kilobytes)
    compression_ratio: int = 100  # a part of over 1 MB unpacked is at most this many times its packed size
    elements: int = 2_500_000  # XML elements (rows, cells, texts, formats, ...) in all its parts
    # What openpyxl parses whole, before the first row: the shared texts, counted by their XML elements, and the
    # other parts (the styles, the workbook with its names, the relationships), whose elements count ten each,
    # for openpyxl builds an object of each (some 15 µs and 800 bytes, ten times a shared text's element).
    formats: int = 250_000

    @property
    def cells(self) -> int:
        """The most cells a file may have, counting the empty ones up to the last of each row (which a row beyond
        the columns may have only as empty cells)."""
        return self.rows * self.columns

    @property
    def line_characters(self) -> int:
        """The longest line of a CSV file within the limits: every cell full, quoted and separated."""
        return self.columns * (self.cell_characters + 3)


LIMITS = Limits()


class Unreadable(ValueError):
    """The file cannot be read as it is: ``message`` says why, in the reader's language; ``row`` and ``column``
    (a letter) say where, when the refusal is about one row or cell; ``code`` is the message as written here
    (one of the templates above) and ``figures`` what fills it in, for a caller that adds to it."""

    def __init__(self, message: str, row: int | None = None, column: str = "", code: str = "",
                 figures: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message, self.row, self.column, self.code = message, row, column, code
        self.figures = figures or {}


class NotANumber(ValueError):
    """A cell that should hold a number and does not."""


@dataclass
class _Reading:
    limits: Limits
    translate: Translate
    cells: int = 0  # read so far, empty ones up to the last of each row included

    def refusal(self, template: str, row: int | None = None, column: str = "", **figures: object) -> Unreadable:
        message = self.translate(template) % {"row": row, "column": column, **figures}
        return Unreadable(message, row, column, template, figures)

    def check_size(self, raw: IO[bytes]) -> None:
        raw.seek(0, io.SEEK_END)
        size = raw.tell()
        raw.seek(0)
        if size > self.limits.megabytes * MEGABYTE:
            raise self.refusal(TOO_LARGE, megabytes=self.limits.megabytes)

    def checked(self, number: int, cells: Sequence[Any]) -> list[Any]:
        """The row's cells up to its last filled one, refused when there are too many or one is too long."""
        self.cells += len(cells)
        if self.cells > self.limits.cells:
            raise self.refusal(TOO_MANY_CELLS, number, n=f"{self.limits.cells:,}")
        kept = _trimmed(cells, self.limits.columns)
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
            if number > EXCEL_ROWS:  # blank rows cost too: a workbook's next row may be numbered 99,999,999
                raise self._reading.refusal(BEYOND_EXCEL, number, n=f"{EXCEL_ROWS:,}")
            kept = self._reading.checked(number, cells)
            filled += bool(kept)
            if filled > limit:
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


def nul_cells(cells: Sequence[Any]) -> list[int]:
    """The indexes of the cells holding a NUL character: a CSV file can (a workbook cannot), and PostgreSQL
    refuses it in text, so a caller that stores cells reports these rows (``NUL_IN_CELL``) instead."""
    return [index for index, cell in enumerate(cells) if isinstance(cell, str) and "\x00" in cell]


def _trimmed(cells: Sequence[Any], columns: int) -> list[Any]:
    end = len(cells)
    if end > columns:  # an empty cell far to the right (column XFD) makes a row of 16,384: drop them at C speed
        beyond = cells[columns:]
        if beyond.count(None) + beyond.count("") == len(beyond):
            end = columns
    while end and is_blank(cells[end - 1]):
        end -= 1
    return list(cells[:end])


# --- CSV


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
    first = text.readline(reading.limits.line_characters)
    text.seek(0)
    # strict: a quote that is not closed is an error, where a lenient reader swallows the rows after it
    records = csv.reader(_bounded_lines(text, reading), delimiter=_delimiter(first), strict=True)
    return _csv_records(records, reading), text.detach


def _bounded_lines(text: Iterable[str], reading: _Reading) -> Iterator[str]:
    """The file's lines, refused at the first one longer than a row within the limits can be (the csv module
    would otherwise split it into millions of cells before the columns are counted)."""
    longest = reading.limits.line_characters
    for number, line in enumerate(text, start=1):
        if len(line) > longest:
            raise reading.refusal(CSV_LINE_TOO_LONG, line=f"{number:,}", limit=f"{longest:,}")
        yield line


def _csv_records(records: Any, reading: _Reading) -> Iterator[list[str]]:
    """The records of a CSV file; a malformed one refused, naming the line it starts on."""
    while True:
        line = records.line_num + 1
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as problem:
            if str(problem).startswith("field larger than field limit"):
                raise reading.refusal(CSV_CELL_TOO_LARGE, line=f"{line:,}", found=f"{csv.field_size_limit():,}",
                                      limit=f"{reading.limits.cell_characters:,}") from problem
            raise reading.refusal(CSV_QUOTE_NOT_CLOSED, line=f"{line:,}") from problem
        yield record


# --- Excel workbooks


def _workbook_rows(raw: IO[bytes], sheet: str | None, reading: _Reading
                   ) -> tuple[Iterator[list[Any]], Callable[[], Any]]:
    elements = _parts(raw, reading)
    try:
        book = _opened(raw, elements, reading)
        worksheet = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
    except Unreadable:
        raise
    except Exception as problem:  # openpyxl raises many kinds for a file that is not a workbook
        raise reading.refusal(NOT_A_WORKBOOK) from problem
    worksheet.reset_dimensions()  # some programs write a wrong size; read what is there
    rows = _guarded(worksheet.iter_rows(values_only=True), reading)
    return ([_exact(value) for value in row] for row in rows), book.close


def _parts(raw: IO[bytes], reading: _Reading) -> dict[str, int]:
    """The XML elements of each part of the workbook, and what openpyxl would unpack checked before it starts:
    from the zip file's directory, the size of every part unpacked and its compression ratio (Python's zipfile
    never unpacks more than a part declares: one that holds more fails its CRC check); then every part read
    once as a stream, nothing kept, for its elements and its longest text, so that no part is parsed that
    would take too long or hold a text beyond the limit of a cell."""
    limits = reading.limits
    try:
        with zipfile.ZipFile(raw) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > limits.unpacked_megabytes * MEGABYTE:
                raise reading.refusal(UNPACKS_TOO_LARGE, megabytes=limits.unpacked_megabytes)
            for part in parts:
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > TIGHT_PART and ratio > limits.compression_ratio:
                    raise reading.refusal(PACKED_TOO_TIGHT, part=part.filename, ratio=f"{ratio:,.0f}",
                                          limit=f"{limits.compression_ratio:,}")
            elements: dict[str, int] = {}
            for part in parts:
                with archive.open(part) as stream:
                    elements[part.filename] = _elements(stream, reading)
                if sum(elements.values()) > limits.elements:
                    raise reading.refusal(TOO_MANY_ELEMENTS, n=f"{limits.elements:,}")
            return elements
    except Unreadable:
        raise
    except Exception as problem:  # zipfile raises many kinds for a damaged file (BadZipFile, zlib.error, ...)
        raise reading.refusal(NOT_A_WORKBOOK) from problem
    finally:
        raw.seek(0)


def _elements(stream: IO[bytes], reading: _Reading) -> int:
    """The XML elements of a part (its opening and empty tags), refused at a text longer than a cell may be."""
    longest = reading.limits.cell_characters * BYTES_PER_CHARACTER + TAG_SLACK
    elements, since_tag = 0, b""
    while chunk := stream.read(CHUNK):
        elements += chunk.count(b"<") - chunk.count(b"</")
        text, start = since_tag + chunk, 0
        while len(text) - start > longest:  # a run of more than `longest` bytes without a tag
            tag = text.rfind(b"<", start, start + longest + 1)
            if tag < 0:
                raise reading.refusal(WORKBOOK_CELL_TOO_LARGE, limit=f"{reading.limits.cell_characters:,}")
            start = tag + 1
        since_tag = text[start:]
    return elements


class _Archive(zipfile.ZipFile):
    """The workbook's zip file as openpyxl opens it. A worksheet's rows it parses as they are asked for; every
    other part it reads it parses whole: the shared texts, and the styles, the workbook with its names and the
    relationships, into an object for each element. Once those weigh more than ``Limits.formats``, the next
    part is refused before it is parsed. Which part is which is told by where openpyxl opens it, not by its
    name, which the file chooses."""

    def __init__(self, raw: IO[bytes], elements: dict[str, int], reading: _Reading) -> None:
        super().__init__(raw)
        self.elements, self.reading, self.parsed_whole = elements, reading, 0
        self.refused: Unreadable | None = None

    def open(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        opener = sys._getframe(1).f_code
        if opener is not WORKSHEET_ROWS:
            weight = 1 if opener is SHARED_TEXTS else OBJECT_WEIGHT
            self.parsed_whole += weight * self.elements.get(getattr(name, "filename", name), 0)
            if self.parsed_whole > self.reading.limits.formats:
                self.refused = self.reading.refusal(TOO_MANY_FORMATS, n=f"{self.reading.limits.formats:,}")
                raise self.refused
        return super().open(name, *args, **kwargs)


def _opened(raw: IO[bytes], elements: dict[str, int], reading: _Reading) -> Any:
    """openpyxl's ``load_workbook(raw, read_only=True, data_only=True)``, reading through ``_Archive``."""
    reader = ExcelReader(raw, read_only=True, data_only=True)
    reader.archive.close()
    archive = reader.archive = _Archive(raw, elements, reading)
    try:
        reader.read()
    except Exception:
        if archive.refused is not None:  # openpyxl wraps what it meets in a ValueError of its own
            raise archive.refused from None
        raise
    return reader.wb


def _guarded(rows: Iterator[T], reading: _Reading) -> Iterator[T]:
    """The rows of a workbook, its failure part-way (a damaged file) turned into a refusal."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as problem:  # as in _workbook_rows
            raise reading.refusal(NOT_A_WORKBOOK) from problem
        yield row


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
        out = io.BytesIO()
        self.save_to(out)
        return out.getvalue()

    def save_to(self, out: IO[bytes]) -> None:
        """Write the .xlsx into ``out`` (a temporary file for a large export: the rows never all in memory)."""
        for sheet in self._sheets:
            sheet._finish()
        self._book.save(out)


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
    return b"".join(csv_lines(header, rows))


class _Line:
    """What csv.writer writes to: it keeps the last line written."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """``csv_bytes`` line by line, as the rows come (a streamed download holds one line at a time)."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    writer.writerow([_csv_text(name) for name in header])
    yield ("\ufeff" + line.text).encode("utf-8")
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        yield line.text.encode("utf-8")

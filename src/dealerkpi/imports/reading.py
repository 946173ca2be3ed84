"""Reading an uploaded file row by row, without holding it in memory: CSV (UTF-8 with or without BOM, or
GBK/GB18030 as Chinese Excel saves it; comma, semicolon or tab) or Excel .xlsx (openpyxl, read-only).

The first row is the header. Row numbers are the ones the user sees in Excel (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import IO, Any

from django.utils.translation import gettext as _

CHUNK = 1 << 20
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too


class Unreadable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Table:
    """A file's header and its rows; use as a context manager."""

    header: list[Any]

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file (the caller's file object stays open)."""

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fingerprint(raw: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of the whole file, for the audit."""
    raw.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := raw.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    raw.seek(0)
    return digest.hexdigest(), size


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


def detect_encoding(raw: IO[bytes]) -> str:
    for encoding in ENCODINGS:
        if _decodes_as(raw, encoding):
            return encoding
    raise Unreadable(_("The CSV file is neither UTF-8 nor GBK text."))


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


class CsvTable(Table):
    def __init__(self, raw: IO[bytes]) -> None:
        self.text = io.TextIOWrapper(raw, encoding=detect_encoding(raw), newline="")  # type: ignore[arg-type]
        first = self.text.readline()
        self.text.seek(0)
        self.reader = csv.reader(self.text, delimiter=_delimiter(first))
        self.header = next(self.reader, [])

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from enumerate(self.reader, start=2)
        except csv.Error as exc:
            raise Unreadable(_("The CSV file cannot be read: %(problem)s") % {"problem": exc}) from exc

    def close(self) -> None:
        self.text.detach()  # the caller owns the binary file


class XlsxTable(Table):
    def __init__(self, raw: IO[bytes]) -> None:
        from openpyxl import load_workbook

        try:
            self.book = load_workbook(raw, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise Unreadable(_("The file is not a readable Excel workbook (.xlsx).")) from exc
        sheet = self.book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        self.iterator = sheet.iter_rows(values_only=True)
        self.header = list(next(self.iterator, ()))

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from enumerate(self.iterator, start=2)
        except Exception as exc:  # a damaged sheet fails part-way
            raise Unreadable(_("The file is not a readable Excel workbook (.xlsx).")) from exc

    def close(self) -> None:
        self.book.close()


def open_table(raw: IO[bytes], name: str) -> Table:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return CsvTable(raw)
    if suffix == ".xlsx":
        return XlsxTable(raw)
    if suffix in (".xls", ".et", ".ods", ".numbers"):
        raise Unreadable(_("Save the file as an Excel workbook (.xlsx) or as CSV and upload it again."))
    raise Unreadable(_("Upload an Excel workbook (.xlsx) or a CSV file."))


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)

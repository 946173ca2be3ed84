"""What every kind of import shares: the header, the first pass over the rows (each cell typed, every problem
reported), the stores the importer may write to, and batches.

An importer reads the file once: each row becomes a small typed record (``slots`` dataclass) and the keys it
refers to are collected. Then it resolves all references with one query per kind of record (in chunks of
``CHUNK`` keys), checks every row against them, and writes in batches of ``BATCH`` while no row has failed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.spreadsheets import NUL_IN_CELL, nul_cells
from dealerkpi.org.models import Store

from .columns import REPORT_COLUMN_NAMES, Column, by_name, normalised
from .reading import Table, column_letter
from .report import Report
from .values import Invalid, is_blank, text

CHUNK = 10_000  # keys per IN (...) list: SQLite allows 32,766 parameters a statement
BATCH = 2_000  # rows per INSERT
FUTURE_SLACK = datetime.timedelta(minutes=5)
K = TypeVar("K")
Progress = Callable[[str, int], None]


def chunks(keys: Iterable[K], size: int = CHUNK) -> Iterator[list[K]]:
    ordered = sorted(keys)  # type: ignore[type-var]
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def parts(items: Iterable[K], size: int) -> Iterator[list[K]]:
    """The items in lists of ``size``, in their order, read as they come (a file's rows streamed)."""
    items = iter(items)
    while part := list(islice(items, size)):
        yield part


@dataclass
class Header:
    """Where each known column is in the file, and how to name it in a message ("B (A卡)")."""

    positions: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def label_at(self, index: int) -> str:
        """The label of the file's column at ``index``, known to the import or not."""
        key = next((key for key, position in self.positions.items() if position == index), None)
        return self.label(key) if key is not None else column_letter(index)


def read_header(cells: Sequence[Any], columns: tuple[Column, ...], report: Report,
                renames: dict[str, str] | None = None) -> Header | None:
    """Map the header row to the kind's columns, through a saved mapping's ``renames`` (the source's name,
    normalised -> the template's); None (with the problems reported) when it does not fit."""
    known, header, renames = by_name(columns), Header(), renames or {}
    names = [(index, text(cell)) for index, cell in enumerate(cells) if text(cell)]
    names = [(index, renames.get(normalised(name), name), name) for index, name in names]
    if not any(normalised(name) in known for _index, name, _source in names):
        report.file_error(_("The first row must hold the column names. Download the template for the layout."))
        return None
    for index, name, source in names:
        if normalised(source) in REPORT_COLUMN_NAMES:
            continue
        label = f"{column_letter(index)} ({source})"
        column = known.get(normalised(name))
        if column is None:
            report.add(1, label, source, _("Unknown column. Use the column names of the template."))
        elif column.key in header.positions:
            report.add(1, label, source, _("This column appears twice."))
        else:
            header.positions[column.key], header.labels[column.key] = index, label
    for column in columns:
        if column.required and column.key not in header.positions:
            report.add(1, "", column.key, _("The column “%(name)s” (%(chinese)s) is missing.") % {
                "name": column.key, "chinese": column.chinese})
    return header if report.ok else None


@dataclass
class Context:
    """One import: who imports, into which stores, now, and whether anything may be written."""

    viewer: Viewer
    report: Report
    now: datetime.datetime
    write: bool  # False for a dry run: check only
    header: Header = field(default_factory=Header)
    progress: Progress | None = None
    batch_id: int | None = None  # the ImportBatch the records made point back from (ImportedRecord)

    def error(self, number: int, key: str, value: object, message: str) -> None:
        if isinstance(value, datetime.datetime):
            value = f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
        self.report.add(number, self.header.label(key), "" if value is None else text(value), message)

    def tick(self, stage: str, done: int) -> None:
        if self.progress is not None:
            self.progress(stage, done)

    def locked(self, queryset: QuerySet) -> QuerySet:
        """Rows the import will change are locked when it writes (as the desk locks what it changes)."""
        return queryset.select_for_update(of=("self",)) if self.write else queryset


def typed_rows(table: Table, columns: tuple[Column, ...], context: Context) -> Iterator[tuple[int, dict, bool]]:
    """(row number, typed values by column key, whether a cell was wrong) for every non-blank row. A cell
    holding a NUL character is wrong whatever its column, and its value never reaches a query."""
    wanted = [(column, context.header.positions.get(column.key)) for column in columns]
    report = context.report
    for number, cells in table.rows():
        if all(is_blank(cell) for cell in cells):  # stops at the first filled cell
            continue
        report.rows += 1
        nul = nul_cells(cells)
        for index in nul:
            report.add(number, context.header.label_at(index), cells[index].replace("\x00", "\\0"), _(NUL_IN_CELL))
        values, bad = {}, bool(nul)
        for column, index in wanted:
            cell = cells[index] if index is not None and index < len(cells) else None
            values[column.key], wrong = (None, True) if index in nul else _typed(cell, column, number, context)
            bad = bad or wrong
        if report.rows % 1000 == 0:
            context.tick("read", report.rows)
        yield number, values, bad


def _typed(cell: Any, column: Column, number: int, context: Context) -> tuple[Any, bool]:
    if cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()):
        if column.needed:
            context.error(number, column.key, "", _("Fill in this cell."))
            return None, True
        return None, False
    try:
        return column.parse(cell), False
    except Invalid as problem:
        context.error(number, column.key, cell, problem.message)
        return None, True


def store_ids(codes: Iterable[str], context: Context) -> dict[str, int]:
    """Store codes to ids, among the stores the importer may write to (one query, locked when writing:
    two imports into the same store wait for each other)."""
    stores = visible_to(Store.objects.filter(code__in=sorted(codes)), context.viewer)
    return dict(context.locked(stores).values_list("code", "pk"))


def check_store(number: int, code: str | None, stores: dict[str, int], context: Context) -> int | None:
    if code is None:
        return None
    store_id = stores.get(code)
    if store_id is None:
        context.error(number, "store", code, _(
            "There is no store %(code)s among the stores you may import into.") % {"code": code})
    return store_id


def not_in_future(number: int, key: str, moment: datetime.datetime | None, context: Context) -> bool:
    if moment is not None and moment > context.now + FUTURE_SLACK:
        context.error(number, key, moment.isoformat(sep=" "), _("This time is in the future."))
        return False
    return True


class Writer:
    """Records (model instances or value tuples) waiting to be written: flushed every ``BATCH`` while the import
    is clean and may write."""

    def __init__(self, context: Context, flush: Callable[[list[Any]], None]) -> None:
        self.context, self.flush_batch = context, flush
        self.pending: list[Any] = []

    @property
    def writing(self) -> bool:
        return self.context.write and self.context.report.ok

    def add(self, record: Model | tuple | None) -> None:
        if record is None or not self.writing:
            self.pending.clear()
            return
        self.pending.append(record)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending and self.writing:
            self.flush_batch(self.pending)
            self.context.report.written += len(self.pending)
            self.context.tick("write", self.context.report.written)
        self.pending = []

"""Every browse table back out (docs/exports.md): `/records/<slug>/export.xlsx` and `.csv`, the rows of the list
page as the reader sees it (the same queryset: scope, parent, search and filters; the page's column sort), in the
reader's language. Streamed: the CSV line by line as the rows are read, the workbook written row by row to a
temporary file (openpyxl's write-only mode), so a table of a million rows never sits in memory. An export of a table
that names customers or staff (``Browse.personal``) is audited before it is sent: who, when, which table, the
filters and the rows."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from dealerkpi.core.audit import audit_export
from dealerkpi.core.registry import Browse
from dealerkpi.core.scope import Viewer
from dealerkpi.core.spreadsheets import Book, csv_lines
from dealerkpi.core.tables import ExportCells, export_header, table_class
from dealerkpi.org.scope import viewer_of
from dealerkpi.web.views import entry_of, listed_records

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
CHUNK = 2000  # rows read from the database at a time
NOT_FILTERS = ("page", "sort")


def _rows(cells: ExportCells, records: Iterable) -> Iterator[list[object]]:
    for record in records:
        yield cells.of(record)


def _in_language(language: str, lines: Iterator[bytes]) -> Iterator[bytes]:
    """The lines written in ``language``: a streamed body is written after the view has returned."""
    with translation.override(language):
        yield from lines


def _filters(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in sorted(request.GET) if name not in NOT_FILTERS}


def _as_sorted(request: HttpRequest, entry: Browse, viewer: Viewer, records: QuerySet) -> QuerySet:
    """The rows in the page's order: the column sort the reader chose (``?sort=``, read by django-tables2 as the page
    reads it: a name that is no sortable column of the table is ignored), else the page's default."""
    return table_class(entry, viewer)(records, order_by=request.GET.getlist("sort") or None).data.data


@login_required
@require_GET
def record_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(fmt)
    entry = entry_of(slug)
    viewer = viewer_of(request)
    _filterset, records = listed_records(request, entry, viewer)
    records = _as_sorted(request, entry, viewer, records)
    filename = f"{entry.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if entry.personal:
        audit_export(entry.model, entry.slug, filename, {
            "table": entry.slug, "filters": _filters(request), "rows": records.count(), "format": fmt})
    header = export_header(entry, viewer)
    rows = _rows(ExportCells(entry, viewer), records.iterator(chunk_size=CHUNK))
    if fmt == "csv":
        response: HttpResponse = StreamingHttpResponse(
            _in_language(translation.get_language() or "zh-hans", csv_lines(header, rows)), content_type=CSV)
    else:
        response = FileResponse(_workbook(entry, header, rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _workbook(entry: Browse, header: list[str], rows: Iterator[list[object]]) -> tempfile._TemporaryFileWrapper:
    """The workbook, written row by row into a temporary file (deleted once sent), rewound to be read."""
    book = Book(title=entry.verbose_name_plural)
    sheet = book.sheet(entry.verbose_name_plural, header, frozen_columns=1, filtered=True)
    for row in rows:
        sheet.append(row)
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse reads and closes it
    book.save_to(out)
    out.seek(0)
    return out

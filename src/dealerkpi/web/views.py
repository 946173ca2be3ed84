"""Browse pages: one list view and one detail view for every record type in web.browse."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BinaryField, ForeignKey, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django_filters import FilterSet
from django_tables2 import RequestConfig

from dealerkpi.core.forms import RecordIdField, asked
from dealerkpi.core.registry import Browse, browse_entry
from dealerkpi.core.scope import Viewer, shown_phone, visible_to
from dealerkpi.core.tables import detail_url, table_class
from dealerkpi.org.scope import viewer_of
from dealerkpi.web.filters import filterset_class

PER_PAGE = 50
DESK_PAGES = {"leads": "lead-detail", "orders": "order-detail", "vehicles": "vehicle-detail",
              "secondary-dealers": "dealer-detail", "faults": "fault-detail",
              "process-checks": "process-check-detail"}  # records that have a working page on the desk
RELATED_ROWS = 10


def entry_of(slug: str) -> Browse:
    try:
        return browse_entry(slug)
    except KeyError as exc:
        raise Http404(slug) from exc


def scoped_records(entry: Browse, viewer: Viewer) -> QuerySet:
    return visible_to(entry.model._default_manager.select_related(*entry.select_related), viewer)


def _parent_filter(entry: Browse, queryset: QuerySet, params: dict[str, str]) -> QuerySet:
    """``?lead=12`` narrows a list to the records of one parent (used by the links on detail pages); a value that
    is no id is ignored."""
    for name, value in params.items():
        try:
            field = entry.model._meta.get_field(name)
            parent = RecordIdField().clean(value)
        except (FieldDoesNotExist, ValidationError):
            continue
        if isinstance(field, ForeignKey) and name not in entry.filters:
            queryset = queryset.filter(**{field.attname: parent})
    return queryset


def _search(entry: Browse, queryset: QuerySet, text: str) -> QuerySet:
    if not (text and entry.search):
        return queryset
    condition = Q()
    for path in entry.search:
        condition |= Q(**{f"{path}__icontains": text})
    return queryset.filter(condition)


def listed_records(request: HttpRequest, entry: Browse, viewer: Viewer) -> tuple[FilterSet, QuerySet]:
    """The records a list page shows, newest first: the viewer's scope, then the parent, the search and the
    filters asked for. The page and its exports read this one queryset."""
    records = scoped_records(entry, viewer).order_by("-pk")
    records = _parent_filter(entry, records, request.GET.dict())
    records = _search(entry, records, (asked(request, "q") or "").strip())
    filterset = filterset_class(entry, viewer)(request.GET or None, queryset=records)
    return filterset, filterset.qs if filterset.is_bound else records


@login_required
def record_list(request: HttpRequest, slug: str) -> HttpResponse:
    entry = entry_of(slug)
    viewer = viewer_of(request)
    filterset, records = listed_records(request, entry, viewer)
    table = table_class(entry, viewer)(records)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(request, "web/record_list.html", {
        "entry": entry, "table": table, "filterset": filterset, "query": asked(request, "q") or "",
        "kept": kept.urlencode(),
    })


def _field_rows(record: Model, viewer: Viewer) -> list[tuple[str, object, str | None]]:
    rows = []
    for field in record._meta.concrete_fields:
        if field.primary_key or isinstance(field, BinaryField):  # a file kept in the row: its own page serves it
            continue
        if field.is_relation:
            value = getattr(record, field.name)
            link = detail_url(value) if value is not None else None
        else:
            display = getattr(record, f"get_{field.name}_display", None)
            value = display() if display else getattr(record, field.name)
            link = None
        if field.name == "phone":
            value = shown_phone(viewer, record, value)
        rows.append((str(field.verbose_name), value, link))
    return rows


@login_required
def record_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = entry_of(slug)
    viewer = viewer_of(request)
    related_fields = [f.name for f in entry.model._meta.concrete_fields if f.is_relation]
    record = get_object_or_404(scoped_records(entry, viewer).select_related(*related_fields), pk=pk)
    related_tables = []
    for related in entry.related:
        child = browse_entry(related.slug)
        rows = scoped_records(child, viewer).filter(**{related.field: record}).order_by("-pk")
        table = table_class(child, viewer)(rows[:RELATED_ROWS])
        related_tables.append({"entry": child, "table": table, "field": related.field})
    desk = DESK_PAGES.get(slug) if viewer.store_id else None
    return render(request, "web/record_detail.html", {
        "entry": entry, "record": record, "rows": _field_rows(record, viewer), "related_tables": related_tables,
        "desk_url": reverse(desk, args=[record.pk]) if desk else None,
    })

"""Tables of records, built from their Browse entry (django-tables2): the browse pages, and any page that lists
the records behind a figure."""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.db.models import Model
from django.urls import reverse

from dealerkpi.core.registry import Browse, slug_of
from dealerkpi.core.scope import Viewer, shown_phone


def detail_url(record: Model) -> str | None:
    slug = slug_of(type(record))
    return reverse("record-detail", args=[slug, record.pk]) if slug else None


class PhoneColumn(tables.Column):
    def __init__(self, viewer: Viewer, **kwargs: object) -> None:
        self.viewer = viewer
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def render(self, value: str, record: Model) -> str:
        return shown_phone(self.viewer, record, value)


def _link_to_value(value: Model) -> str | None:
    return detail_url(value) if isinstance(value, Model) else None


def _link_to_record(record: Model) -> str | None:
    return detail_url(record)


def table_class(entry: Browse, viewer: Viewer) -> type[tables.Table]:
    columns: dict[str, tables.Column] = {}
    for position, name in enumerate(entry.columns):
        field = entry.model._meta.get_field(name) if "__" not in name else None
        link: Callable | None = None
        if position == 0:
            link = _link_to_record
        elif field is not None and field.is_relation and slug_of(field.related_model) is not None:
            link = _link_to_value
        if name == "phone":
            columns[name] = PhoneColumn(viewer)
        elif link is not None:
            columns[name] = tables.Column(linkify=link)
    meta = type("Meta", (), {
        "model": entry.model,
        "fields": entry.columns,
        "attrs": {"class": "records"},
        "order_by": None,
    })
    return type(f"{entry.model.__name__}Table", (tables.Table,), {**columns, "Meta": meta})

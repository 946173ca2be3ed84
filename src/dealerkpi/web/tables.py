"""Tables for the browse pages, built from each Browse entry (django-tables2)."""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.db.models import Model
from django.urls import reverse

from dealerkpi.core.scope import Viewer
from dealerkpi.core.validators import mask_phone
from dealerkpi.web.browse import BROWSE, Browse

SLUG_BY_MODEL: dict[type[Model], str] = {entry.model: entry.slug for entry in BROWSE}


def detail_url(record: Model) -> str | None:
    slug = SLUG_BY_MODEL.get(type(record))
    return reverse("record-detail", args=[slug, record.pk]) if slug else None


def sees_phone(viewer: Viewer, record: Model) -> bool:
    """Only the consultant who owns the customer works with the full number; everyone else sees it masked."""
    return viewer.staff_id is not None and getattr(record, "owner_id", None) == viewer.staff_id


class PhoneColumn(tables.Column):
    def __init__(self, viewer: Viewer, **kwargs: object) -> None:
        self.viewer = viewer
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def render(self, value: str, record: Model) -> str:
        return value if sees_phone(self.viewer, record) else mask_phone(value)


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
        elif field is not None and field.is_relation and field.related_model in SLUG_BY_MODEL:
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

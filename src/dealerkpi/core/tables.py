"""Tables of records, built from their Browse entry (django-tables2): the browse pages, and any page that lists
the records behind a figure; and the same columns as the cells of an export (``export_header``,
``ExportCells``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import django_tables2 as tables
from django.db.models import Field, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.core.fields import MoneyField
from dealerkpi.core.registry import Browse, slug_of
from dealerkpi.core.scope import Viewer, shown_phone
from dealerkpi.core.spreadsheets import Amount, Figure


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
            # Django names every automatic key "ID", untranslated: headed in the reader's language instead.
            columns[name] = tables.Column(linkify=link, **({"verbose_name": _("ID")} if name == "id" else {}))
    meta = type("Meta", (), {
        "model": entry.model,
        "fields": entry.columns,
        "attrs": {"class": "records"},
        "order_by": None,
    })
    return type(f"{entry.model.__name__}Table", (tables.Table,), {**columns, "Meta": meta})


# --- the same columns in an export ------------------------------------------------------------------------------


def export_header(entry: Browse, viewer: Viewer) -> list[str]:
    """The columns' names as the page heads them, in the reader's language."""
    return [str(column.header) for column in table_class(entry, viewer)(entry.model._default_manager.none()).columns]


@dataclass(frozen=True)
class _Column:
    name: str
    path: tuple[str, ...]  # the relations walked to the record that holds the field
    field: Field
    labels: dict[object, str]  # a choice's label by its value, in the reader's language


def _column(model: type[Model], name: str) -> _Column:
    *path, last = name.split("__")
    for step in path:
        model = model._meta.get_field(step).related_model
    field = model._meta.get_field(last)
    return _Column(name, tuple(path), field, {value: str(label) for value, label in field.flatchoices})


class ExportCells:
    """A browse entry's rows as the page shows them to one reader (choices by their label, a related record by its
    name, a number masked as the page masks it), typed for a spreadsheet: amounts, figures, dates and local times,
    yes / no. The columns are worked out once, in the reader's language, for every row."""

    def __init__(self, entry: Browse, viewer: Viewer) -> None:
        self.viewer = viewer
        self.columns = [_column(entry.model, name) for name in entry.columns]
        self.yes, self.no = _("Yes"), _("No")

    def of(self, record: Model) -> list[object]:
        return [self._cell(column, record) for column in self.columns]

    def _cell(self, column: _Column, record: Model) -> object:
        owner: Model | None = record
        for step in column.path:
            owner = getattr(owner, step) if owner is not None else None
        value = None if owner is None else getattr(owner, column.field.name)
        if column.name == "phone":
            return shown_phone(self.viewer, record, value)
        if value is None or column.labels:
            return column.labels.get(value, value)
        return self._typed(column.field, value)

    def _typed(self, field: Field, value: object) -> object:
        match value:
            case Model():
                return str(value)
            case bool():
                return self.yes if value else self.no
            case datetime.datetime():
                return timezone.localtime(value).replace(tzinfo=None)  # the store's time, as the page shows it
            case Decimal():
                return Amount(value) if isinstance(field, MoneyField) else Figure(value)
        return value

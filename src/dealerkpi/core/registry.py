"""What apps declare and the shell reads (the NetBox pattern): each app registers its browse pages in its
``browse.py`` when Django loads it; ``web`` draws the browse lists and the menu's records section from here, and
any page can list the records behind a figure, without importing the app that declares them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import AppConfig
from django.db.models import Model

SECTIONS = ("funnel", "sales", "stock", "store", "market", "catalogue")


@dataclass(frozen=True)
class Related:
    """Records of another browse entry shown on a detail page: those whose ``field`` points at the record."""

    slug: str
    field: str


@dataclass(frozen=True)
class Browse:
    """One record type's list page, filters, table and detail page (one generic view, a small declaration)."""

    slug: str
    model: type[Model]
    columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    section: str = "sales"

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)


@dataclass
class Registry:
    browse: dict[str, Browse] = field(default_factory=dict)
    slug_by_model: dict[type[Model], str] = field(default_factory=dict)


registry = Registry()


def register_browse(*entries: Browse) -> None:
    for entry in entries:
        if entry.slug in registry.browse:
            raise ValueError(f"browse page {entry.slug!r} is registered twice")
        registry.browse[entry.slug] = entry
        registry.slug_by_model[entry.model] = entry.slug


def browse_entries() -> list[Browse]:
    """Every browse entry, section by section."""
    return sorted(registry.browse.values(), key=lambda entry: SECTIONS.index(entry.section))


def browse_entry(slug: str) -> Browse:
    return registry.browse[slug]


def slug_of(model: type[Model]) -> str | None:
    return registry.slug_by_model.get(model)


class RegisteringAppConfig(AppConfig):
    """An app that declares browse pages: its ``browse.py`` is loaded (and so registers) once Django has loaded
    every model."""

    def ready(self) -> None:
        importlib.import_module(f"{self.name}.browse")

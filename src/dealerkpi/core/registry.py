"""What apps declare and the shell reads (the NetBox pattern): each app registers its browse pages (in its
``browse.py``), its menu entries (``navigation.py``) and its approvals (``approvals.py``) when Django loads it; ``web``
draws lists, menus and the approvals inbox from here and imports no app by name."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db.models import Model

if TYPE_CHECKING:
    from dealerkpi.core.scope import Viewer

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


@dataclass(frozen=True)
class MenuItem:
    """A link of the menu: shown to the viewers ``shown_to`` accepts (the same rule the page itself applies)."""

    section: str
    label: str
    url_name: str
    shown_to: Callable[[Viewer], bool]
    order: int = 100
    testid: str = ""


@dataclass(frozen=True)
class Approvals:
    """A kind of decision waiting in the approvals inbox: ``pending(viewer)`` gives those the viewer may decide;
    ``template`` draws them."""

    key: str
    title: str
    pending: Callable[[Viewer], object]
    template: str
    order: int = 100


@dataclass
class Registry:
    browse: dict[str, Browse] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    approvals: list[Approvals] = field(default_factory=list)


registry = Registry()


def register_browse(*entries: Browse) -> None:
    for entry in entries:
        if entry.slug in registry.browse:
            raise ValueError(f"browse page {entry.slug!r} is registered twice")
        registry.browse[entry.slug] = entry


def register_menu(*items: MenuItem) -> None:
    registry.menu.extend(items)


def register_approvals(*kinds: Approvals) -> None:
    registry.approvals.extend(kinds)


def browse_entries() -> list[Browse]:
    """Every browse entry, section by section."""
    return sorted(registry.browse.values(), key=lambda entry: SECTIONS.index(entry.section))


def browse_entry(slug: str) -> Browse:
    return registry.browse[slug]


def slug_of(model: type[Model]) -> str | None:
    return next((entry.slug for entry in registry.browse.values() if entry.model is model), None)


class RegisteringAppConfig(AppConfig):
    """An app that declares browse pages, menu entries or approvals: its modules of those names are loaded (and so
    register) once Django has loaded every model."""

    DECLARATIONS = ("browse", "navigation", "approvals")

    def ready(self) -> None:
        for declaration in self.DECLARATIONS:
            module = f"{self.name}.{declaration}"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)

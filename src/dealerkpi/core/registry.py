"""What apps declare and the shell reads (the NetBox pattern): each app registers its browse pages in its
``browse.py``, and its menu entries and the decisions it puts in the approvals inbox in its ``menu.py``, when Django
loads it. ``web`` draws the browse lists, the menu and the approvals inbox from here, and any page can list the
records behind a figure, without importing the app that declares them."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db.models import Model, QuerySet

if TYPE_CHECKING:
    from dealerkpi.core.scope import Viewer

SECTIONS = ("funnel", "sales", "stock", "store", "market", "catalogue")  # of the browse pages
MENU_SECTIONS = ("main", "desk", "pay", "routines", "records")  # of the menu, in its order
# Records that name a person: a customer (by name; their number is masked), an A-card (its customer's name), a member
# of staff. A table that shows one is personal data (PIPL): its exports are audited.
PERSONAL_RECORDS = frozenset({"crm.Customer", "crm.Lead", "org.Staff"})


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

    @property
    def personal(self) -> bool:
        """Whether its rows name people (PERSONAL_RECORDS, or a column that shows one): its exports are audited."""
        return self.model._meta.label in PERSONAL_RECORDS or any(
            _shown_model(self.model, column) in PERSONAL_RECORDS for column in self.columns)


def _shown_model(model: type[Model], column: str) -> str:
    """The label of the record a column shows (``lead__customer`` shows a customer), or "" for a plain value."""
    for step in column.split("__"):
        field = model._meta.get_field(step)
        if not field.is_relation:
            return ""
        model = field.related_model
    return model._meta.label


@dataclass(frozen=True)
class MenuItem:
    """A link of the menu, shown to those who have ``permission``: the one its page checks or, for a page every
    signed-in user may open, the one that says whom the link is for (None: everyone with a menu)."""

    section: str  # one of MENU_SECTIONS
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100
    testid: str = ""


@dataclass(frozen=True)
class Approvals:
    """A kind of decision waiting in the approvals inbox, for those who have ``permission``: ``pending(viewer)``
    gives the ones the viewer may decide, ``template`` draws them (as ``items``)."""

    key: str
    permission: str
    pending: Callable[[Viewer], QuerySet]
    template: str
    order: int = 100


@dataclass
class Registry:
    browse: dict[str, Browse] = field(default_factory=dict)
    slug_by_model: dict[type[Model], str] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    approvals: dict[str, Approvals] = field(default_factory=dict)


registry = Registry()


def register_browse(*entries: Browse) -> None:
    for entry in entries:
        if entry.slug in registry.browse:
            raise ValueError(f"browse page {entry.slug!r} is registered twice")
        registry.browse[entry.slug] = entry
        registry.slug_by_model[entry.model] = entry.slug


def register_menu(*items: MenuItem) -> None:
    for item in items:
        if item.section not in MENU_SECTIONS:
            raise ValueError(f"menu entry {item.url_name!r}: no menu section {item.section!r}")
        if any(known.url_name == item.url_name for known in registry.menu):
            raise ValueError(f"menu entry {item.url_name!r} is registered twice")
        registry.menu.append(item)


def register_approvals(*kinds: Approvals) -> None:
    for kind in kinds:
        if kind.key in registry.approvals:
            raise ValueError(f"approvals {kind.key!r} are registered twice")
        registry.approvals[kind.key] = kind


def menu_items() -> list[MenuItem]:
    """Every menu entry, section by section, each section in its order."""
    return sorted(registry.menu, key=lambda item: (MENU_SECTIONS.index(item.section), item.order))


def approval_kinds() -> list[Approvals]:
    return sorted(registry.approvals.values(), key=lambda kind: kind.order)


def browse_entries() -> list[Browse]:
    """Every browse entry, section by section."""
    return sorted(registry.browse.values(), key=lambda entry: SECTIONS.index(entry.section))


def browse_entry(slug: str) -> Browse:
    return registry.browse[slug]


def slug_of(model: type[Model]) -> str | None:
    return registry.slug_by_model.get(model)


class RegisteringAppConfig(AppConfig):
    """An app that declares browse pages (``browse.py``), menu entries or approvals (``menu.py``): those modules
    are loaded (and so register) once Django has loaded every model."""

    DECLARATIONS = ("browse", "menu")

    def ready(self) -> None:
        for declaration in self.DECLARATIONS:
            module = f"{self.name}.{declaration}"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)

"""Saved column mappings on the page, for whoever may import: a store's mappings by those who may import into the
store, a group's (for every store of the group) by those who may import into every store of it (head office,
administrators). A mapping is made from a sample of the source's export: its header row is read (a small file:
``SAMPLE_LIMITS``) and each of its names is matched with a column of the kind, guessed where the name is one of
the column's names already.

    editable_mappings(viewer) -> the mappings the viewer may change or delete
    whole_groups(viewer)      -> the dealer groups whose every store the viewer may import into
    sample_header(file, name) -> the names in the first row of a sample file (Unreadable when it is not one)
"""

from __future__ import annotations

import dataclasses
from typing import IO

from django.db.models import Q, QuerySet

from dealerkpi.core.scope import Viewer
from dealerkpi.org.models import DealerGroup, Store

from .columns import COLUMNS, by_name, normalised
from .models import ColumnMapping
from .reading import Limits, open_table, web_limits
from .service import importable_stores
from .values import text

MAX_SOURCES = 200  # names in a header: the readers' column limit


def sample_limits() -> Limits:
    """A sample needs only its header: it is read in the request, within the targets import's small limits."""
    return dataclasses.replace(web_limits(), megabytes=2, rows=2_000)


def whole_groups(viewer: Viewer) -> QuerySet[DealerGroup]:
    stores = importable_stores(viewer)
    beyond = Store.objects.exclude(pk__in=stores.values("pk")).values("region__group")
    return DealerGroup.objects.filter(pk__in=stores.values("region__group")).exclude(pk__in=beyond).order_by("code")


def editable_mappings(viewer: Viewer) -> QuerySet[ColumnMapping]:
    stores = importable_stores(viewer).values("pk")
    return ColumnMapping.objects.filter(Q(store__in=stores) | Q(store__isnull=True, group__in=whole_groups(viewer))
                                        ).select_related("group", "store")


def sample_header(raw: IO[bytes], name: str) -> list[str]:
    """The names of the sample's first row, each once, in their order."""
    with open_table(raw, name, sample_limits()) as table:
        names = [text(cell) for cell in table.header]
    return list(dict.fromkeys(name for name in names if name))


def guess(kind: str, source: str) -> str:
    """The kind's column a source name is one of the names of, or ""."""
    column = by_name(COLUMNS[kind]).get(normalised(source))
    return column.key if column is not None else ""

"""Filters for the browse pages. Choices that list other records are scoped to what the viewer may see."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from dealerkpi.core.registry import Browse
from dealerkpi.core.scope import Viewer, visible_to


def filterset_class(entry: Browse, viewer: Viewer) -> type[django_filters.FilterSet]:
    meta = type("Meta", (), {"model": entry.model, "fields": list(entry.filters)})

    def __init__(self: django_filters.FilterSet, *args: object, **kwargs: object) -> None:
        django_filters.FilterSet.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
        for item in self.filters.values():
            if isinstance(item, django_filters.ModelChoiceFilter):
                queryset: QuerySet = item.queryset
                item.queryset = visible_to(queryset, viewer)

    return type(
        f"{entry.model.__name__}FilterSet", (django_filters.FilterSet,), {"Meta": meta, "__init__": __init__}
    )

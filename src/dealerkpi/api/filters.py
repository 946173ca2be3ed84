"""Filters of the list endpoints: those of the record type's browse page (its ``browse.py``, one declaration for the
page and the API), and dates. Choices that name other records are narrowed to what the viewer may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models

from dealerkpi.core.forms import DayField, MomentField
from dealerkpi.core.registry import browse_entry
from dealerkpi.core.scope import visible_to
from dealerkpi.org.scope import viewer_of

DATE_LOOKUPS = ["gte", "lte"]


class DayFilter(django_filters.DateFilter):
    field_class = DayField  # from 2000 to 2100, as every date the site reads


class MomentFilter(django_filters.DateTimeFilter):
    field_class = MomentField


class ScopedFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateField: {"filter_class": DayFilter},
        models.DateTimeField: {"filter_class": MomentFilter},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.request is None:
            return
        viewer = viewer_of(self.request)
        for item in self.filters.values():
            if isinstance(item, django_filters.ModelChoiceFilter):
                item.queryset = visible_to(item.queryset, viewer)


def filterset_for(model: type[models.Model], slug: str | None = None, *, dates: tuple[str, ...] = (),
                  fields: tuple[str, ...] = ()) -> type[django_filters.FilterSet]:
    """A FilterSet of ``model``: the filters of its browse page ``slug``, ``fields`` by value and ``dates`` by
    range (``<name>__gte``, ``<name>__lte``)."""
    names = (*browse_entry(slug).filters, *fields) if slug else fields
    lookups: dict[str, list[str]] = {name: ["exact"] for name in names}
    lookups.update({name: DATE_LOOKUPS for name in dates})
    meta = type("Meta", (), {"model": model, "fields": lookups})
    return type(f"{model.__name__}FilterSet", (ScopedFilterSet,), {"Meta": meta})

"""What every page about one store shares: the store shown (the viewer's own, or for head office the one chosen
with ``?store=`` among those it may see), the stores to choose from, and the store's staff on a day."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dealerkpi.core.forms import asked
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Staff, Store


def chosen_store(request: HttpRequest, viewer: Viewer) -> Store:
    """The store asked for (``?store=``, an id: anything else reads as not asked) among those the viewer may see,
    else their own, else the first."""
    stores = visible_to(Store.objects.all(), viewer)
    store_id = asked(request, "store")
    if store_id is not None:
        return get_object_or_404(stores, pk=store_id)
    if viewer.store_id:
        return get_object_or_404(stores, pk=viewer.store_id)
    store = stores.order_by("code").first()
    if store is None:
        raise Http404("no store")
    return store


def store_context(viewer: Viewer, store: Store, **extra: object) -> dict[str, object]:
    """The store shown and, for viewers of several stores, the stores to choose from."""
    stores = [] if viewer.store_id else list(visible_to(Store.objects.order_by("code"), viewer))
    return {"store": store, "stores": stores, **extra}


def store_staff(store: Store, day: datetime.date) -> QuerySet:
    """The store's staff employed on ``day``."""
    return (Staff.objects.filter(store=store, hire_date__lte=day)
            .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=day)).order_by("employee_no"))

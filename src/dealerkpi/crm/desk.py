"""What every page of the sales desk shares: who may open it, customers' numbers as the viewer may see them. Used
by the desk's pages in crm, sales and reports; their tabs (crm/_nav.html) show what the viewer may reach."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest

from dealerkpi.core.scope import Viewer, shown_phone
from dealerkpi.org.scope import viewer_of

SECTION_ROWS = 50  # rows of each section of a day page


def desk_viewer(request: HttpRequest, permission: str = "crm.view_desk") -> Viewer:
    """The viewer, if they have a desk and the ``permission`` for what they ask (e.g. "crm.add_lead"); else 403."""
    if not (request.user.has_perm("crm.view_desk") and request.user.has_perm(permission)):
        raise PermissionDenied
    return viewer_of(request)


def show_phones(viewer: Viewer, customers: Iterable[Model]) -> None:
    """Each customer's number as this viewer may see it (``core.scope.shown_phone``)."""
    for customer in customers:
        customer.shown_phone = shown_phone(viewer, customer, customer.phone)

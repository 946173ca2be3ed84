"""What every page of the sales desk shares: who may open it, the desk's tabs, customers' numbers as the
viewer may see them. Used by the desk's pages in crm, sales and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dealerkpi.core.scope import Viewer, sees_phone
from dealerkpi.crm import services
from dealerkpi.org.scope import viewer_of

SECTION_ROWS = 50  # rows of each section of a day page


def desk_viewer(request: HttpRequest, may: Callable[[Viewer], bool] = services.works_the_desk) -> Viewer:
    """The viewer, if they have a desk and ``may`` do what they ask (e.g. ``services.may_work_leads``); else 403."""
    viewer = viewer_of(request)
    if not (services.works_the_desk(viewer) and may(viewer)):
        raise PermissionDenied
    return viewer


def render_desk(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A desk page, with what the viewer's role may reach in the desk's tabs."""
    viewer = viewer_of(request)
    desk = {"work": services.may_work_leads(viewer), "lead": services.leads_others(viewer),
            "decide": services.may_decide(viewer), "grades": services.may_edit_grades(viewer)}
    return render(request, template, {"desk": desk, **context})


def show_phones(viewer: Viewer, customers: Iterable[Model]) -> None:
    """Each customer's number as this viewer may see it: in full to the owning consultant, masked otherwise."""
    for customer in customers:
        customer.shown_phone = customer.phone if sees_phone(viewer, customer) else customer.masked_phone

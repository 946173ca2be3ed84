"""The consultant's day (the desk's first page): the sales policy of the day and the spiffs running, follow-ups
due, appointments, test drives, deliveries and C-card calls of the day.
It lives in sales because it lists the day's deliveries beside the A-cards."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dealerkpi.core.pages import page_of
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.crm import services
from dealerkpi.crm.desk import SECTION_ROWS, desk_viewer, show_phones
from dealerkpi.crm.models import FollowUp, Lead, TestDrive
from dealerkpi.crm.services import day_bounds, open_leads
from dealerkpi.sales.models import Delivery, DeliveryFollowUp
from dealerkpi.sales.policy import policies_on, spiffs_running


def booked_on(day: datetime.date) -> dict[str, QuerySet]:
    """What is booked for the day, everywhere: appointments (follow-ups the customer agreed to come for), test
    drives not cancelled, deliveries scheduled. The consultant's day and the daily report both count these."""
    start, end = day_bounds(day)
    return {
        "appointments": FollowUp.objects.filter(outcome__in=services.BOOKED, next_due_on=day,
                                                lead__status=Lead.Status.OPEN),
        "test_drives": TestDrive.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=TestDrive.Status.CANCELLED),
        "deliveries": Delivery.objects.filter(scheduled_for__gte=start, scheduled_for__lt=end),
    }


def _today_sections(viewer: Viewer, day: datetime.date) -> dict[str, list]:
    booked = booked_on(day)
    sections = {
        "appointments": visible_to(booked["appointments"], viewer)
        .select_related("lead__customer", "lead__owner").order_by("lead__owner__name", "pk"),
        "test_drives": visible_to(booked["test_drives"], viewer)
        .select_related("lead__customer", "consultant", "vehicle__trim__vehicle_model").order_by("starts_at"),
        "deliveries": visible_to(booked["deliveries"], viewer)
        .select_related("order__customer", "order__consultant", "vehicle__trim__vehicle_model")
        .order_by("scheduled_for"),
        "c_cards": visible_to(DeliveryFollowUp.objects.filter(due_on__lte=day, done_at__isnull=True), viewer)
        .select_related("delivery__order__customer", "staff").order_by("due_on", "pk"),
    }
    return {name: list(records[:SECTION_ROWS]) for name, records in sections.items()}


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request)
    day = timezone.localdate()
    due = open_leads(viewer).filter(next_follow_up_on__lte=day).select_related(
        "customer", "owner", "intended_model").order_by("next_follow_up_on", "pk")
    page = page_of(request, due)
    sections = _today_sections(viewer, day)
    for lead in page:
        lead.days_overdue = (day - lead.next_follow_up_on).days
    show_phones(viewer, [lead.customer for lead in page])
    show_phones(viewer, [a.lead.customer for a in sections["appointments"]])
    show_phones(viewer, [d.delivery.order.customer for d in sections["c_cards"]])
    store = viewer.store_id
    return render(request, "crm/today.html", {
        "viewer": viewer, "day": day, "page": page, "show_owner": viewer.reach is not Reach.OWN,
        "section_rows": SECTION_ROWS, **sections,
        "policies": list(policies_on(store, day)) if store else [],
        "spiffs": list(spiffs_running(store, day)) if store else [],
    })

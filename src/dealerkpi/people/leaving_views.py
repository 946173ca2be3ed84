"""The store's staff and leaving (离职): who works in the store and holds how many open A-cards, the leavings of
the last 12 months, and recording one with the hand-over of the leaver's cards in one step.

The staff page shows one store (``?store=`` for head office); a person outside the viewer's scope answers 404, a
viewer who may not record answers 403. Changes are POST only, with CSRF.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import Lead
from dealerkpi.org.models import Staff
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.people import services
from dealerkpi.people.forms import DepartureForm
from dealerkpi.people.models import Departure

RECENT_DAYS = 365


@login_required
@require_GET
def store_staff_page(request: HttpRequest) -> HttpResponse:
    """The store's staff today with the open cards each holds, and the leavings of the last 12 months."""
    refuse_unless(request.user.has_perm("people.view_staff"), _("The store's management, HR and head office "
                                                                "see the staff."))
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    staff = (visible_to(store_staff(store, today), viewer).select_related("departure")
             .annotate(open_cards=Count("leads", filter=Q(leads__status=Lead.Status.OPEN))))
    departures = (visible_to(Departure.objects.filter(store=store), viewer)
                  .filter(left_on__gte=today - datetime.timedelta(days=RECENT_DAYS))
                  .select_related("staff", "recorded_by"))
    return render(request, "people/staff.html", store_context(
        viewer, store, staff=staff, departures=departures, today=today,
        may_record=request.user.has_perm("people.record_departure", store),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def departure_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a person leaves and hand their open cards to colleagues, in one step."""
    viewer = viewer_of(request)
    leaver = get_object_or_404(visible_to(Staff.objects.filter(store__isnull=False), viewer)
                               .select_related("store"), pk=pk)
    store, today = leaver.store, timezone.localdate()
    refuse_unless(request.user.has_perm("people.record_departure", store),
                  _("The store's management and HR record leavings."))
    cards = list(services.open_cards(leaver))
    form = DepartureForm(request.POST or None, leaver=leaver, cards=cards,
                         heirs=services.heirs(store, leaver, today), initial={"left_on": today})
    if Departure.objects.filter(staff=leaver).exists():
        form.add_error(None, _("%(name)s's leaving is already recorded.") % {"name": leaver.name})
    elif request.method == "POST" and form.is_valid():
        try:
            departure = services.record_departure(leaver, form.leaving(), form.handover(),
                                                  get_object_or_404(Staff, pk=viewer.staff_id), request.user,
                                                  timezone.now())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded the leaving of %(name)s; %(n)s cards handed over.")
                             % {"name": leaver.name, "n": departure.cards_handed_over})
            return HttpResponseRedirect(f"{reverse('store-staff')}?{urlencode({'store': store.pk})}")
    return render(request, "people/departure_form.html", store_context(
        viewer, store, leaver=leaver, form=form, cards=cards,
    ))

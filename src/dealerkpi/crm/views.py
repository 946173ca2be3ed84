"""The sales desk in the browser: A-cards, follow-ups, lost sales, the showroom log, test drives, and the
supervisor's follow-up quality. (The consultant's day is in sales.today, the team board in reports.team_board.)

Every query goes through the viewer's data scope: records outside it answer 404. HR and finance read but
do not change (403 on POST); head office and logins without a store have no desk (403). Changes are POST
only (with CSRF). Pages answer htmx requests with the fragment they swap.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerkpi.core.forms import asked
from dealerkpi.core.pages import PER_PAGE, page_of
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.crm import claims, rotation, services
from dealerkpi.crm.desk import desk_viewer, show_phones
from dealerkpi.crm.forms import (
    ClaimForm,
    EndDriveForm,
    FollowUpForm,
    GradeFormSet,
    LeadSearchForm,
    LostSaleForm,
    OpenCardForm,
    ReassignForm,
    TestDriveForm,
    VisitForm,
    normalised_phone,
)
from dealerkpi.crm.models import Decision, IntentGrade, Lead, ShowroomVisit, TestDrive
from dealerkpi.crm.services import GradeBook, day_bounds, open_leads
from dealerkpi.org.models import Staff, Store

SEARCH_ROWS = 20

# --- shared -------------------------------------------------------------------------------------------------


def _me(viewer: Viewer) -> Staff:
    return Staff.objects.get(pk=viewer.staff_id)


def _store(viewer: Viewer) -> Store:
    return Store.objects.get(pk=viewer.store_id)


def _lead(viewer: Viewer, pk: int) -> Lead:
    leads = Lead.objects.select_related("customer", "owner", "intended_model__brand", "store")
    return get_object_or_404(visible_to(leads, viewer), pk=pk)


def _lead_to_change(request: HttpRequest, viewer: Viewer, pk: int) -> Lead:
    """The card if the viewer may see it (404 otherwise) and work on it (403 otherwise)."""
    lead = _lead(viewer, pk)
    if not request.user.has_perm("crm.change_lead", lead):
        raise PermissionDenied
    return lead


def _day(request: HttpRequest) -> datetime.date:
    """``?day=`` (core.forms.Asked), else today."""
    return asked(request, "day") or timezone.localdate()


def _day_links(day: datetime.date) -> dict[str, datetime.date]:
    """A day page's day and the days either side, for its navigation."""
    return {"day": day, "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1)}


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _form_errors_to(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the consultant's day ---------------------------------------------------------------------------------


# --- A-cards ------------------------------------------------------------------------------------------------


def _visit_to_link(viewer: Viewer, pk: int | None) -> ShowroomVisit | None:
    if pk is None:
        return None
    return visible_to(ShowroomVisit.objects.filter(lead__isnull=True), viewer).filter(pk=pk).first()


def _card_form(request: HttpRequest, viewer: Viewer, data: object = None) -> OpenCardForm:
    today = timezone.localdate()
    consultants = None if viewer.reach is Reach.OWN else services.desk_consultants(viewer, today)
    initial = {"visit": asked(request, "visit"), "source": request.GET.get("source", "walk_in")}
    return OpenCardForm(data, initial=initial, store=_store(viewer), grades=GradeBook.of_store(viewer.store_id),
                        consultants=consultants)


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.add_lead")
    form = _card_form(request, viewer, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data.get("owner") or _me(viewer)
        try:
            lead = services.open_card(viewer.store_id, owner, form.new_card(), GradeBook.of_store(viewer.store_id),
                                      timezone.now())
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            visit = _visit_to_link(viewer, form.cleaned_data.get("visit"))
            if visit is not None:
                ShowroomVisit.objects.filter(pk=visit.pk).update(lead=lead)
            messages.success(request, _("A-card A-%(card)s opened for %(name)s.") % {
                "card": lead.pk, "name": lead.customer.name})
            return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    return render(request, "crm/lead_new.html", {"form": form, "viewer": viewer})


@login_required
@require_POST
def lead_phone_check(request: HttpRequest) -> HttpResponse:
    """As the consultant types: is this number already on an open card of the store? (POST: numbers stay out
    of the URL and the logs.)"""
    viewer = desk_viewer(request, "crm.add_lead")
    phone = normalised_phone(request.POST.get("phone", ""))
    card = services.open_card_with_phone(viewer.store_id, phone) if len(phone) == 11 else None
    message = services.duplicate_message(card) if card is not None else ""
    claimable = card is not None and card.owner_id != viewer.staff_id and viewer.staff_id is not None
    return render(request, "crm/_phone_check.html", {
        "message": message, "claim_form": ClaimForm(initial={"phone": phone}) if claimable else None})


@login_required
@require_POST
def lead_claim(request: HttpRequest) -> HttpResponse:
    """Claim the customer of another consultant's open card, found by the number (撞单): a supervisor decides."""
    viewer = desk_viewer(request, "crm.add_lead")
    form = ClaimForm(request.POST)
    card = services.open_card_with_phone(viewer.store_id, normalised_phone(form.data.get("phone", "")))
    if not form.is_valid() or card is None or viewer.staff_id is None:
        messages.error(request, _("Say why the customer is yours, on the number of an open card of the store."))
        return HttpResponseRedirect(reverse("lead-new"))
    try:
        claims.claim_card(card, Staff.objects.get(pk=viewer.staff_id), form.cleaned_data["reason"], timezone.now())
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("Your claim to the customer of A-%(card)s waits for a supervisor's decision.")
                         % {"card": card.pk})
    return HttpResponseRedirect(reverse("lead-new"))


@login_required
@require_POST
def lead_search(request: HttpRequest) -> HttpResponse:
    """Open cards the viewer may see, by customer name or phone number (``LeadSearchForm``: as far as the viewer
    may search numbers)."""
    viewer = desk_viewer(request)
    form = LeadSearchForm(request.POST, by_phone=request.user.has_perm("crm.search_by_phone"),
                          by_part_of_phone=request.user.has_perm("crm.search_by_part_of_phone"))
    leads: list[Lead] = []
    searched = form.is_valid() and bool(form.cleaned_data["lead_q"])
    if searched:
        leads = list(open_leads(viewer).filter(form.match(viewer.staff_id)).select_related("customer", "owner")
                     .order_by("customer__name", "pk")[:SEARCH_ROWS])
    show_phones(viewer, [lead.customer for lead in leads])
    return render(request, "crm/_lead_options.html", {"leads": leads, "searched": searched, "form": form})


def _lead_context(request: HttpRequest, viewer: Viewer, lead: Lead, **forms: Form) -> dict:
    may_work = request.user.has_perm("crm.change_lead", lead) and lead.status == Lead.Status.OPEN
    grades = GradeBook.of_store(lead.store_id)
    pending = lead.lost_sales.filter(status=Decision.REQUESTED).select_related("requested_by").first()
    show_phones(viewer, [lead.customer])
    context = {
        "viewer": viewer, "lead": lead, "grade": grades.get(lead.grade), "may_work": may_work,
        "follow_ups": lead.follow_ups.select_related("staff").order_by("-at", "-pk")[:PER_PAGE],
        "test_drives": lead.test_drives.select_related("vehicle__trim__vehicle_model", "consultant")
        .order_by("-starts_at")[:PER_PAGE],
        "visits": lead.visits.select_related("consultant").order_by("-arrived_at")[:PER_PAGE],
        "lost_sales": lead.lost_sales.select_related("requested_by", "decided_by", "competitor_model__brand")
        .order_by("-requested_at")[:PER_PAGE],
        "reassignments": lead.reassignments.select_related("from_owner", "to_owner", "decided_by")[:PER_PAGE],
        "pending_lost": pending, "today": timezone.localdate(),
    }
    if may_work:
        context["followup_form"] = forms.get("followup_form") or FollowUpForm(
            lead=lead, grades=grades, today=context["today"])
        context["lost_form"] = forms.get("lost_form") or LostSaleForm()
    if may_work and request.user.has_perm("crm.reassign_lead"):
        context["reassign_form"] = ReassignForm(
            leads=open_leads(viewer, "change"), consultants=services.desk_consultants(viewer, context["today"]))
    return context


@login_required
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request)
    lead = _lead(viewer, pk)
    return render(request, "crm/lead_detail.html", _lead_context(request, viewer, lead))


# --- follow-ups ---------------------------------------------------------------------------------------------


def _followup_response(request: HttpRequest, lead: Lead, form: FollowUpForm, inline: bool) -> HttpResponse:
    context = {"lead": lead, "form": form, "inline": inline, "today": form.today}
    if request.htmx:
        return render(request, "crm/_followup_form.html", context)
    return render(request, "crm/followup_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def followup_new(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request, "crm.change_lead")
    lead = _lead_to_change(request, viewer, pk)
    grades, today = GradeBook.of_store(lead.store_id), timezone.localdate()
    inline = bool(request.htmx) and request.POST.get("from", request.GET.get("from", "today")) == "today"
    form = FollowUpForm(request.POST if request.method == "POST" else None, lead=lead, grades=grades, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_follow_up(lead, _me(viewer), form.contact(), grades, timezone.now())
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            return _followup_saved(request, viewer, pk, inline)
    if request.method == "POST" and not inline and not request.htmx:
        return render(request, "crm/lead_detail.html", _lead_context(request, viewer, lead, followup_form=form))
    return _followup_response(request, lead, form, inline)


def _followup_saved(request: HttpRequest, viewer: Viewer, pk: int, inline: bool) -> HttpResponse:
    lead = _lead(viewer, pk)
    if not inline:
        messages.success(request, _("Follow-up logged."))
        return HttpResponseRedirect(reverse("lead-detail", args=[pk]))
    show_phones(viewer, [lead.customer])
    response = render(request, "crm/_lead_item.html", {
        "lead": lead, "done": True, "show_owner": viewer.reach is not Reach.OWN, "day": timezone.localdate(),
    })
    response["HX-Retarget"] = f"#lead-{pk}"
    response["HX-Reswap"] = "outerHTML"
    return response


# --- lost sales -------------------------------------------------------------------------------------------


@login_required
@require_POST
def lostsale_new(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request, "crm.change_lead")
    lead = _lead_to_change(request, viewer, pk)
    form = LostSaleForm(request.POST)
    if form.is_valid():
        try:
            services.request_lost_sale(lead, _me(viewer), form.request(), timezone.now())
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            messages.success(request, _("Lost-sale request sent for approval; the card stays open until then."))
            return HttpResponseRedirect(reverse("lead-detail", args=[pk]))
    return render(request, "crm/lead_detail.html", _lead_context(request, viewer, lead, lost_form=form))


@login_required
@require_GET
def lost_sale_list(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.decide_lost_sale")
    page = page_of(request, services.pending_lost_sales(viewer))
    return render(request, "crm/lost_sales.html", {"page": page, "viewer": viewer})


@login_required
@require_POST
def lost_sale_decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request, "crm.decide_lost_sale")
    lost = get_object_or_404(services.pending_lost_sales(viewer), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or reject."))
    else:
        try:
            services.decide_lost_sale(lost, _me(viewer), decision == "approve", timezone.now())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Lost sale approved: the card is closed as lost.") if decision == "approve"
                             else _("Lost sale rejected: the card stays open."))
    return _back(request, reverse("lost-sale-list"))


# --- grades -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grade_settings(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request)
    editable = request.user.has_perm("crm.change_grade")
    if request.method == "POST" and not editable:
        raise PermissionDenied
    GradeBook.of_store(viewer.store_id)
    grades = IntentGrade.objects.filter(store_id=viewer.store_id).order_by("position", "code")
    formset = GradeFormSet(request.POST if request.method == "POST" else None, queryset=grades)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():  # every changed grade or none
            changed = formset.save()
        messages.success(request, _("%(count)d grade(s) saved.") % {"count": len(changed)})
        return HttpResponseRedirect(reverse("grade-settings"))
    return render(request, "crm/grade_settings.html", {"formset": formset, "editable": editable})


# --- the showroom -------------------------------------------------------------------------------------------


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request)
    day = _day(request)
    start, end = day_bounds(day)
    visits = visible_to(ShowroomVisit.objects.filter(arrived_at__gte=start, arrived_at__lt=end), viewer)
    page = page_of(request, visits.select_related("consultant", "lead__customer").order_by("-arrived_at", "-pk"))
    totals = visits.aggregate(parties=Count("pk"), first=Count("pk", filter=Q(is_first_visit=True)),
                              test_drives=Count("pk", filter=Q(test_drive_taken=True)))
    return render(request, "crm/visit_list.html", {"page": page, "totals": totals, **_day_links(day)})


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.add_visit")
    today = timezone.localdate()
    consultants = services.desk_consultants(viewer, today)
    turn = rotation.floor(viewer.store_id).next
    suggested = turn.staff.pk if turn and consultants.filter(pk=turn.staff.pk).exists() else viewer.staff_id
    initial = {"arrived_at": timezone.localtime().replace(second=0, microsecond=0), "consultant": suggested}
    form = VisitForm(request.POST if request.method == "POST" else None, initial=initial, consultants=consultants,
                     leads=open_leads(viewer, "change"))
    if request.method == "POST" and form.is_valid():
        visit = form.save(commit=False)
        visit.store_id = viewer.store_id
        rotation.receive(visit)
        if visit.lead_id is None:
            messages.success(request, _("Visit logged. Open an A-card for this party if they left their details."))
            return HttpResponseRedirect(f"{reverse('lead-new')}?visit={visit.pk}")
        messages.success(request, _("Visit logged on A-%(card)s.") % {"card": visit.lead_id})
        return HttpResponseRedirect(reverse("visit-list"))
    return render(request, "crm/visit_new.html", {"form": form, "picked": form.picked_lead(), "turn": turn})


@login_required
@require_POST
def visit_left(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request, "crm.change_visit")
    visit = get_object_or_404(visible_to(ShowroomVisit.objects.all(), viewer, "change"), pk=pk)
    services.end_visit(visit, timezone.now())
    return _back(request, reverse("visit-list"))


# --- test drives --------------------------------------------------------------------------------------------


@login_required
@require_GET
def testdrive_board(request: HttpRequest) -> HttpResponse:
    """The store's demo vehicles and their bookings of the day. Colleagues' slots show as booked, without the
    customer, so nobody books over them."""
    viewer = desk_viewer(request)
    day = _day(request)
    start, end = day_bounds(day)
    vehicles = list(services.demo_vehicles(viewer.store_id))
    drives = TestDrive.objects.filter(store_id=viewer.store_id, starts_at__gte=start, starts_at__lt=end).exclude(
        status=TestDrive.Status.CANCELLED).select_related("consultant", "lead__customer").order_by("starts_at")
    mine = set(visible_to(drives, viewer).values_list("pk", flat=True))
    by_vehicle: dict[int, list[TestDrive]] = {vehicle.pk: [] for vehicle in vehicles}
    for drive in drives:
        drive.visible = drive.pk in mine
        by_vehicle.setdefault(drive.vehicle_id, []).append(drive)
    rows = [(vehicle, services.vehicle_label(vehicle), by_vehicle[vehicle.pk]) for vehicle in vehicles]
    return render(request, "crm/testdrive_board.html", {"rows": rows, **_day_links(day)})


@login_required
@require_http_methods(["GET", "POST"])
def testdrive_new(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.add_testdrive")
    today = timezone.localdate()
    leads = open_leads(viewer, "change")
    lead_id = asked(request, "lead")
    initial = {"day": _day(request), "minutes": 30,
               "lead": leads.select_related("customer").filter(pk=lead_id).first() if lead_id else None}
    form = TestDriveForm(request.POST if request.method == "POST" else None, initial=initial, leads=leads,
                         vehicles=services.demo_vehicles(viewer.store_id), today=today)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.slot()
        try:
            drive = services.book_test_drive(form.cleaned_data["lead"], form.cleaned_data["vehicle"].pk,
                                             starts_at, ends_at)
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            messages.success(request, _("Test drive booked."))
            day = timezone.localdate(drive.starts_at)
            return HttpResponseRedirect(f"{reverse('testdrive-board')}?day={day.isoformat()}")
    return render(request, "crm/testdrive_new.html", {"form": form, "picked": form.picked_lead()})


@login_required
@require_POST
def testdrive_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    viewer = desk_viewer(request, "crm.change_testdrive")
    drive = get_object_or_404(visible_to(TestDrive.objects.all(), viewer, "change"), pk=pk)
    feedback = EndDriveForm(request.POST)
    feedback.is_valid()
    try:
        services.advance_test_drive(drive, step, timezone.now(), feedback.cleaned_data.get("feedback", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    day = timezone.localdate(drive.starts_at)
    return _back(request, f"{reverse('testdrive-board')}?day={day.isoformat()}")


# --- supervisor and manager ---------------------------------------------------------------------------------


def _quality_context(request: HttpRequest, viewer: Viewer, form: ReassignForm | None = None) -> dict:
    today = timezone.localdate()
    neglected = services.neglected_leads(viewer, today).select_related("customer", "owner")
    page = page_of(request, neglected.order_by("owner__name", "next_follow_up_on", "pk"))
    per_consultant = neglected.order_by().values("owner__name").annotate(n=Count("pk")).order_by("owner__name")
    pool = services.pooled_leads(viewer).select_related("customer", "owner").order_by("created_at")[:PER_PAGE]
    if form is None and request.user.has_perm("crm.reassign_lead"):
        form = ReassignForm(leads=open_leads(viewer, "change"), consultants=services.desk_consultants(viewer, today))
    grades = {(g.store_id, g.code): g.follow_up_days for g in visible_to(IntentGrade.objects.all(), viewer)}
    for lead in page:
        lead.interval = grades.get((lead.store_id, lead.grade))
        lead.untouched_days = (today - lead.last_on).days
    show_phones(viewer, [lead.customer for lead in page])
    return {"page": page, "per_consultant": list(per_consultant), "pool": list(pool), "form": form,
            "today": today,
            "ticked": {str(pk) for pk in (form.data.getlist("leads") if form is not None and form.is_bound else [])}}


@login_required
@require_GET
def followup_quality(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.view_followup_quality")
    return render(request, "crm/followup_quality.html", _quality_context(request, viewer))


@login_required
@require_POST
def lead_reassign(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "crm.reassign_lead")
    today = timezone.localdate()
    form = ReassignForm(request.POST, leads=open_leads(viewer, "change"),
                        consultants=services.desk_consultants(viewer, today))
    if not form.is_valid():
        return render(request, "crm/followup_quality.html", _quality_context(request, viewer, form))
    to_owner = form.cleaned_data["to_owner"]
    moved = services.reassign_leads(form.cleaned_data["leads"], to_owner, form.cleaned_data["reason"],
                                    _me(viewer), request.user, timezone.now())
    if to_owner is None:
        messages.success(request, _("%(count)d card(s) returned to the pool.") % {"count": moved})
    else:
        messages.success(request, _("%(count)d card(s) given to %(name)s.") % {"count": moved, "name": to_owner.name})
    return _back(request, reverse("followup-quality"))

"""Complaint pages: the list (overdue first), recording a complaint, and its page where it is handled.

Managers and the GM of the store record and assign complaints; the handler moves them on and resolves
them; consultants see the complaints about them (read-only), supervisors their team's, HR and head office
read. Complaints are audited (who changed what, when), and the page shows that history.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.audit import history_of
from dealerkpi.core.pages import page_of, refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.complaint_forms import ComplaintForm, ComplaintUpdateForm
from dealerkpi.crm.models import Complaint
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of

YES_NO = [("", gettext_lazy("All")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class ComplaintFilter(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All")), *Complaint.Status.choices])
    major = forms.ChoiceField(label=gettext_lazy("Major"), required=False, choices=YES_NO)
    overdue = forms.ChoiceField(label=gettext_lazy("Overdue"), required=False, choices=YES_NO)


def overdue_condition(today: datetime.date) -> Q:
    return Q(due_on__lt=today) & ~Q(status=Complaint.Status.RESOLVED)


def with_overdue(complaints: QuerySet, today: datetime.date) -> QuerySet:
    """Marks overdue complaints; unresolved ones come before resolved ones, each by due date, so the overdue
    (the unresolved with a due date before today) come first."""
    flag = {"default": Value(False), "output_field": BooleanField()}
    return complaints.annotate(
        is_overdue=Case(When(overdue_condition(today), then=Value(True)), **flag),
        is_resolved=Case(When(status=Complaint.Status.RESOLVED, then=Value(True)), **flag),
    ).order_by("is_resolved", "due_on", "-received_at", "-pk")


def filtered(complaints: QuerySet, data: dict[str, str], today: datetime.date) -> QuerySet:
    if data.get("status"):
        complaints = complaints.filter(status=data["status"])
    if data.get("major"):
        complaints = complaints.filter(is_major=data["major"] == "yes")
    if data.get("overdue") == "yes":
        complaints = complaints.filter(overdue_condition(today))
    elif data.get("overdue") == "no":
        complaints = complaints.exclude(overdue_condition(today))
    return complaints


@login_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    filters = ComplaintFilter(request.GET)
    filters.is_valid()
    complaints = visible_to(Complaint.objects.filter(store=store), viewer)
    complaints = filtered(with_overdue(complaints, today), filters.cleaned_data, today)
    page = page_of(request, complaints.select_related("about_staff", "handler"))
    return render(request, "crm/complaints/list.html", store_context(
        viewer, store, filters=filters, page=page, today=today,
        may_create=request.user.has_perm("crm.add_complaint", store),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    store = chosen_store(request, viewer)
    refuse_unless(request.user.has_perm("crm.add_complaint", store),
                  _("The store's managers and GM record complaints."))
    form = ComplaintForm(request.POST or None, store=store, colleagues=store_staff(store, timezone.localdate()),
                         initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        form.instance.store = store
        complaint = form.save()
        messages.success(request, _("Recorded the complaint; it is due on %(day)s.") % {"day": complaint.due_on})
        return HttpResponseRedirect(reverse("complaint-detail", args=[complaint.pk]))
    return render(request, "crm/complaints/form.html", store_context(viewer, store, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    complaints = visible_to(Complaint.objects.all(), viewer)
    complaint = get_object_or_404(complaints.select_related("store", "customer", "about_staff", "handler"), pk=pk)
    today = timezone.localdate()
    form = None
    if request.user.has_perm("crm.change_complaint", complaint):
        # A fresh instance for the form: a refused change must not show on the page as if it were saved.
        editing = Complaint.objects.get(pk=complaint.pk) if request.method == "POST" else complaint
        form = ComplaintUpdateForm(request.POST or None, instance=editing,
                                   manages=request.user.has_perm("crm.assign_complaint", complaint),
                                   colleagues=store_staff(complaint.store, today))
    if request.method == "POST":
        refuse_unless(form is not None, _("Only the handler and the store's managers change a complaint."))
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved the complaint."))
            return HttpResponseRedirect(request.path)
    overdue = complaint.due_on < today and complaint.status != Complaint.Status.RESOLVED
    return render(request, "crm/complaints/detail.html", store_context(
        viewer, complaint.store, complaint=complaint, form=form, overdue=overdue, history=history_of(complaint),
    ))

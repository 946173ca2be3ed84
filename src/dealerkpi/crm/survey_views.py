"""The manufacturer's satisfaction surveys (CSI, SSI) of a store: the latest results in the reader's scope, and the
form the store's management types a result in with (files of them are imported: imports/surveys.py)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi.core.forms import DayField, not_in_future
from dealerkpi.core.pages import page_of, refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import SurveyResult
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.org.scope import viewer_of


class SurveyResultForm(forms.ModelForm):
    class Meta:
        model = SurveyResult
        fields = ["kind", "reference", "consultant", "surveyed_on", "score", "note"]
        field_classes = {"surveyed_on": DayField}

    def __init__(self, *args: object, consultants: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["consultant"].queryset = consultants

    def clean_surveyed_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["surveyed_on"])


@login_required
@require_http_methods(["GET", "POST"])
def survey_results(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    store = chosen_store(request, viewer)
    may_add = request.user.has_perm("crm.add_survey_result", store)
    form = None
    if may_add:
        sellers = store_staff(store, timezone.localdate()).filter(role__in=SALES_FORCE)
        form = SurveyResultForm(request.POST or None, consultants=sellers)
    if request.method == "POST":
        refuse_unless(form is not None, _("The store's GM and managers enter survey results."))
        if form.is_valid() and _saved(form, store):
            messages.success(request, _("Saved the survey result."))
            return HttpResponseRedirect(request.get_full_path())
    results = visible_to(SurveyResult.objects.filter(store=store), viewer).select_related("consultant")
    return render(request, "crm/surveys.html", store_context(viewer, store, form=form, page=page_of(request, results)))


def _saved(form: SurveyResultForm, store: Store) -> bool:
    """Saved, or the survey number reported as the store's already (the constraint decides, so a double click too)."""
    form.instance.store = store
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        form.add_error("reference", _("The store has this survey number already."))
        return False
    return True

"""The checks every admin page makes beyond Django's, mixed into every admin by the site (``org.admin_site``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Field, ManyToManyField, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import RecordIdField, RecordsField, within_our_years


class CheckedAdmin:
    """Mixed into every admin (and its inlines) by the site (``org.admin_site``): dates within the years the site
    works in (core.forms), many-to-many choices and the records ticked for an action read as ids (every model here
    has an integer id). Django would save year 9999 and look up whatever is sent: a server error, not an answer."""

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if isinstance(formfield, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            formfield.validators.append(within_our_years)
        return formfield

    def formfield_for_manytomany(self, db_field: ManyToManyField, request: HttpRequest,
                                 **kwargs: Any) -> forms.ModelMultipleChoiceField | None:
        kwargs.setdefault("form_class", RecordsField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def response_action(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                RecordIdField().clean(value)
        except ValidationError:
            self.message_user(request, _("The records ticked are not records of this list."),  # type: ignore[attr-defined]
                              messages.ERROR)
            return None
        return super().response_action(request, queryset)  # type: ignore[misc]

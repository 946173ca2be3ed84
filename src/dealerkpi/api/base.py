"""What every endpoint shares: records through the viewer's data scope (core.scope.visible_to, as the pages), the
audit trail's actor for token requests, and errors as 400 with field errors (never a 500).

Who may act is asked of the apps' ``rules`` permissions and done by their service functions; nothing here decides
a scope or a workflow of its own."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler
from rest_framework.viewsets import GenericViewSet

from dealerkpi.api.models import ApiToken
from dealerkpi.core.audit import acting_as
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.scope import viewer_of

NON_FIELD = "non_field_errors"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]] | list[str]:
    """A Django ValidationError (a form's or a service's) as DRF's field errors."""
    if hasattr(error, "error_dict"):
        return {NON_FIELD if name == NON_FIELD_ERRORS else name: [str(message) for message in messages]
                for name, messages in error.message_dict.items()}
    return {NON_FIELD: [str(message) for message in error.messages]}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and a service's ValidationError or a database constraint as a 400."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(field_errors(exc))
    elif isinstance(exc, IntegrityError):
        exc = ValidationError({NON_FIELD: [_("This conflicts with a record that exists already.")]})
    return exception_handler(exc, context)


def run_form(form: forms.Form) -> dict[str, Any]:
    """The desk's form decides what is valid: its errors are the request's field errors."""
    if not form.is_valid():
        raise ValidationError({NON_FIELD if name == NON_FIELD_ERRORS else name: list(messages)
                               for name, messages in form.errors.items()})
    return form.cleaned_data


def form_data(serializer: serializers.Serializer) -> dict[str, Any]:
    """What the client sent, with the serializer's defaults, as a desk form reads it (the serializer's fields have
    checked the types; the form checks the rest)."""
    return {name: value for name, value in serializer.validated_data.items() if value is not None}


class ScopedViewSet(GenericViewSet):
    """Records of ``queryset`` that the viewer may see (``visible_to``); others answer 404 like the pages'.
    Requests with a token are audited as the token's user."""

    ordering = ("-pk",)
    lookup_value_regex = "[0-9]+"  # a record's id; anything else is not a URL of the API (404)

    @property
    def viewer(self) -> Viewer:
        return viewer_of(self.request)

    def scoped(self, queryset: QuerySet) -> QuerySet:
        return visible_to(queryset, self.viewer)

    def get_queryset(self) -> QuerySet:
        return self.scoped(super().get_queryset())

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiToken):  # the session's user is the audit actor already (AuditMiddleware)
            self._acting = ExitStack()
            self._acting.enter_context(acting_as(request.user))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        acting = getattr(self, "_acting", None)
        if acting is not None:
            acting.close()
            self._acting = None
        return super().finalize_response(request, response, *args, **kwargs)


"""A form sent twice saves once. An entry that may rightly be made twice (two deductions of 100 yuan for the same
person; two payments of the same amount) has no rule the database could hold it to, so a double click or a resent
form would make two. Such a form carries a token made when it was shown; the record keeps it in a unique column,
so the second save of the same form finds it taken, even when both arrive at the same moment."""

from __future__ import annotations

import uuid

from django import forms
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _


def token_column() -> models.UUIDField:
    """The record's column keeping the token of the form that made it (empty for records made otherwise); unique
    by ``one_record_per_token``."""
    return models.UUIDField(_("form token"), null=True, blank=True, editable=False)


def one_record_per_token(name: str) -> models.UniqueConstraint:
    """The constraint keeping a token to one record: with the store first, as a distributed table's unique keys
    must be (docs/architecture.md)."""
    return models.UniqueConstraint(fields=["store", "entry_token"], name=name)


class OnceForm(forms.Form):
    """A form with the hidden token: fresh each time the form is shown, sent back with what was typed."""

    entry_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


def save_once(record: models.Model, token: uuid.UUID | None) -> bool:
    """Save a new record made by a form with ``token``; False when a record with that token exists already (the
    same form was sent before, or at the same moment by another request, which won)."""
    model = type(record)
    record.entry_token = token  # type: ignore[attr-defined]
    if token is not None and model._default_manager.filter(entry_token=token).exists():
        return False
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        if token is not None and model._default_manager.filter(entry_token=token).exists():
            return False
        raise
    return True

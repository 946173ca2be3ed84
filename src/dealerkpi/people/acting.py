"""What the people pages' forms share: run a step once its form is valid; the step's refusal (ValidationError)
becomes a form error, its message a success message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


def act_on(request: HttpRequest, form: Form, step: Callable[[Form], str]) -> bool:
    """Whether the step was taken: the form is valid and the step did not refuse."""
    if not form.is_valid():
        return False
    try:
        messages.success(request, step(form))
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True

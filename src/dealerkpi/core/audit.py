"""Writes the audit trail: a snapshot before and after each save or delete of an AuditedModel.

The acting user comes from ``acting_as`` (set per request by AuditMiddleware, or by a command).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_actor", default=None)
_PRIVATE_FIELDS = frozenset({"password"})


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _actor.set(user if user is not None and getattr(user, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _actor.reset(token)


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)


def snapshot(instance: Model) -> dict[str, Any]:
    encoder = DjangoJSONEncoder()
    values = {}
    for f in instance._meta.concrete_fields:
        if f.name in _PRIVATE_FIELDS:
            continue
        value = getattr(instance, f.attname)
        values[f.attname] = value if isinstance(value, (str, int, bool, type(None))) else encoder.default(value)
    return values


def _write(instance: Model, action: str, before: dict | None, after: dict | None) -> None:
    from dealerkpi.core.models import AuditEntry

    if before is not None and after is not None and before == after:
        return
    AuditEntry.objects.create(
        actor=_actor.get(),
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )


def _remember_before(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None


def _after_save(sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    _write(instance, "create" if before is None else "update", before, snapshot(instance))


def _after_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    _write(instance, "delete", snapshot(instance), None)


def connect_signals() -> None:
    from django.apps import apps

    from dealerkpi.core.models import AuditedModel

    for model in apps.get_models():
        if issubclass(model, AuditedModel):
            pre_save.connect(_remember_before, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
            post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}")
            post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")

"""Writes the audit trail: a snapshot before and after each save, delete or queryset update of an AuditedModel;
logins, failed logins, logouts, password and permission changes; downloads of personal data.

The acting user comes from ``acting_as`` (set per request by AuditMiddleware, with the client's address; by a
command from ``--as``; by a job from the user who queued it).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from dealerkpi.core.models import AuditedModel, AuditEntry

M = TypeVar("M", bound=Model)

_PRIVATE_FIELDS = frozenset({"password"})


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, else a name saying what acted ("cli:alice", "job"); and from which address."""

    user: Any = None
    name: str = ""
    ip: str | None = None

    def fields(self) -> dict[str, Any]:
        """The entry's fields that say who acted."""
        name = self.user.get_username() if self.user is not None else self.name
        return {"actor": self.user, "actor_name": name[:150], "ip": self.ip}


NOBODY = Actor()  # outside a request, command or job
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=NOBODY)


@contextmanager
def acting_as(user: Any, name: str = "", ip: str | None = None) -> Iterator[None]:
    """Entries written inside are by ``user`` (``name`` when there is none); the address is kept from the
    request around unless given."""
    known = user if user is not None and getattr(user, "is_authenticated", False) else None
    token = _actor.set(Actor(known, name, ip or _actor.get().ip))
    try:
        yield
    finally:
        _actor.reset(token)


def acting_user() -> Any:
    """The user entries are written for now, or None."""
    return _actor.get().user


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None), ip=request.META.get("REMOTE_ADDR") or None):
            return self.get_response(request)


def _unaudited(model: type[Model]) -> frozenset[str]:
    return _PRIVATE_FIELDS | getattr(model, "audit_ignore", frozenset())


def snapshot(instance: Model) -> dict[str, Any]:
    encoder = DjangoJSONEncoder()
    skipped = _unaudited(type(instance))
    values = {}
    for f in instance._meta.concrete_fields:
        if f.name in skipped:
            continue
        value = getattr(instance, f.attname)
        values[f.attname] = value if isinstance(value, (str, int, bool, type(None))) else encoder.default(value)
    return values


def entry(action: str, instance: Model, before: dict | None = None, after: dict | None = None,
          detail: str = "") -> AuditEntry:
    """An unsaved entry by the acting user about ``instance`` (an unsaved one when the record is not there,
    e.g. the login tried at a failed login)."""
    return AuditEntry(
        **_actor.get().fields(), action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id="" if instance.pk is None else str(instance.pk), object_repr=str(instance)[:200],
        before=before, after=after, detail=detail[:200],
    )


def record(action: str, instance: Model, detail: str = "") -> None:
    """An event on ``instance`` that changes nothing in it, e.g. a download of it."""
    entry(action, instance, detail=detail).save()


def audit_export(model: type[Model], table: str, filename: str, facts: dict[str, Any]) -> None:
    """A download of many records of ``model`` (a table, as filtered): who, when, which table, and ``facts``
    (the filters, the rows, the format)."""
    AuditEntry(**_actor.get().fields(), action=AuditEntry.Action.DOWNLOAD,
               content_type=ContentType.objects.get_for_model(model, for_concrete_model=True), object_id="",
               object_repr=table[:200], after=facts, detail=filename[:200]).save()


def history_of(record: Model) -> list[tuple[AuditEntry, list[str]]]:
    """The record's audit trail, oldest first, each change with the names (verbose) of the fields it changed."""
    labels = {f.attname: str(f.verbose_name) for f in record._meta.concrete_fields}
    found = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk),
    ).select_related("actor__staff").order_by("at", "pk")
    return [(entry, [labels.get(name, name) for name in entry.changed_fields()]) for entry in found]


def _changed_action(model: type[Model], action: str, before: dict | None, after: dict | None) -> str | None:
    """The action of a change from ``before`` to ``after`` (None: nothing changed). A change to a field that
    decides what someone may do is a permission change (creating a role assignment grants one too)."""
    before, after = before or {}, after or {}
    changed = {model._meta.get_field(name).name for name in before.keys() | after.keys()
               if before.get(name) != after.get(name)}
    if not changed:
        return None
    return AuditEntry.Action.PERMISSIONS if changed & getattr(model, "audit_access", frozenset()) else action


def entries(action: str, changes: Iterable[tuple[Model, dict | None, dict | None]]) -> list[AuditEntry]:
    """The entries of records that changed, each (record, before, after)."""
    written = []
    for instance, before, after in changes:
        kind = _changed_action(type(instance), action, before, after)
        if kind is not None:
            written.append(entry(kind, instance, before, after))
    return written


def audited_create(model: type[M], records: list[M]) -> list[M]:
    """``bulk_create(records)``, audited like saves: one insert of the records, one of their entries."""
    created = model._default_manager.bulk_create(records)
    AuditEntry.objects.bulk_create(entries(AuditEntry.Action.CREATE, ((r, None, snapshot(r)) for r in created)))
    return created


def audited_update(queryset: QuerySet, **changes: Any) -> int:
    """``queryset.update(**changes)``, audited like saves: the rows are locked and read before, updated, read
    again, and one insert writes an entry per row that changed, in the caller's transaction. A change of only
    fields the model leaves out of the audit (``audit_ignore``) is a plain update."""
    model = queryset.model
    if {model._meta.get_field(name).name for name in changes} <= _unaudited(model):
        return queryset.update(**changes)
    with transaction.atomic(using=queryset.db, savepoint=False):
        before = {row.pk: snapshot(row) for row in queryset.select_for_update(of=("self",)).order_by("pk")}
        if not before:
            return 0
        rows = model._default_manager.using(queryset.db).filter(pk__in=list(before))
        count = rows.update(**changes)
        after = rows.select_related()  # the records' names often show what they point at
        AuditEntry.objects.using(queryset.db).bulk_create(
            entries(AuditEntry.Action.UPDATE_BULK, ((row, before[row.pk], snapshot(row)) for row in after))
        )
    return count


def _skips(model: type[Model], update_fields: Iterable[str] | None) -> bool:
    """A save of only fields left out of the audit (a login's last_login, a run's progress)."""
    return update_fields is not None and set(update_fields) <= _unaudited(model)


def _remember_before(sender: type[Model], instance: Model, raw: bool = False,
                     update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    if raw or instance.pk is None or _skips(sender, update_fields):
        instance._audit_before = None
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None


def _after_save(sender: type[Model], instance: Model, created: bool, raw: bool = False,
                update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    if raw or _skips(sender, update_fields):
        return
    before = getattr(instance, "_audit_before", None)
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    for written in entries(action, [(instance, before, snapshot(instance))]):
        written.save()


def _after_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    for written in entries(AuditEntry.Action.DELETE, [(instance, snapshot(instance), None)]):
        written.save()


def connect_signals() -> None:
    for model in apps.get_models():
        if issubclass(model, AuditedModel):
            pre_save.connect(_remember_before, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
            post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}")
            post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")

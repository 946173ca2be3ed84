"""Logins in the audit trail: sign-ins, failed sign-ins (the name tried and the address, never the password),
sign-outs, password changes, and changes of a login's groups and permissions. A login's own fields that grant
rights (superuser, staff, active) are audited with the user model (``AuditedModel.audit_access``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save
from django.http import HttpRequest

from dealerkpi.core.audit import acting_as, entries, entry, record
from dealerkpi.core.models import AuditEntry


def _logged_in(sender: type[Model], request: HttpRequest | None, user: Model, **kwargs: Any) -> None:
    with acting_as(user):
        record(AuditEntry.Action.LOGIN, user)


def _logged_out(sender: type[Model], request: HttpRequest | None, user: Model | None, **kwargs: Any) -> None:
    if user is not None:
        record(AuditEntry.Action.LOGOUT, user)


def _login_failed(sender: str, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    """The login tried (an unsaved one when there is no such login); Django has masked the password in
    ``credentials``, and it is not read here either."""
    users = get_user_model()
    tried = {users.USERNAME_FIELD: str(credentials.get(users.USERNAME_FIELD, ""))}
    entry(AuditEntry.Action.LOGIN_FAILED, users._default_manager.filter(**tried).first() or users(**tried)).save()


def _password_set(sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """set_password() keeps the new password until the save that follows (``_password``, only tested for being
    set): a new hash of the same password at login, when the hasher changed, is not a change."""
    if not (raw or created) and instance._password is not None:
        record(AuditEntry.Action.PASSWORD, instance)


@dataclass(frozen=True)
class _Grant:
    """A relation through which a login holds rights (groups, permissions): its table and how a row is named."""

    relation: str
    through: type[Model]
    user: str  # the table's column to the login
    target: str  # ... to what it grants
    labels: tuple[str, ...]

    def held(self, user_ids: Iterable[int]) -> dict[int, list[str]]:
        """What each user holds through the relation, by name."""
        held: dict[int, list[str]] = {pk: [] for pk in user_ids}
        rows = self.through.objects.filter(**{f"{self.user}__in": list(held)}).values_list(
            self.user, *(f"{self.target}__{label}" for label in self.labels))
        for user_id, *names in rows:
            held[user_id].append(".".join(names))
        return {pk: sorted(names) for pk, names in held.items()}

    def users_touched(self, instance: Model, reverse: bool, pk_set: set[int] | None) -> list[int]:
        """From the user's side the user; from a group's (or permission's) the users given, or all its holders."""
        if not reverse:
            return [instance.pk]
        if pk_set is not None:
            return list(pk_set)
        return list(self.through.objects.filter(**{self.target: instance.pk}).values_list(self.user, flat=True))


@cache
def _grants() -> dict[type[Model], _Grant]:
    users = get_user_model()
    grants = {}
    for relation, labels in (("groups", ("name",)), ("user_permissions", ("content_type__app_label", "codename"))):
        field = users._meta.get_field(relation)
        grants[field.remote_field.through] = _Grant(relation, field.remote_field.through, field.m2m_field_name(),
                                                   field.m2m_reverse_field_name(), labels)
    return grants


def _grants_changed(sender: type[Model], instance: Model, action: str, reverse: bool, pk_set: set[int] | None,
                    **kwargs: Any) -> None:
    """What each user touched held before and after, one entry per user whose rights changed, in one insert."""
    grant = _grants()[sender]
    if action.startswith("pre_"):
        instance._audit_held = grant.held(grant.users_touched(instance, reverse, pk_set))
        return
    before = instance._audit_held
    after = grant.held(before)
    users = get_user_model()._default_manager.in_bulk(list(before))
    AuditEntry.objects.bulk_create(entries(AuditEntry.Action.PERMISSIONS, (
        (users[pk], {grant.relation: before[pk]}, {grant.relation: after[pk]}) for pk in before if pk in users)))


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    post_save.connect(_password_set, sender=get_user_model(), dispatch_uid="audit-password")
    for through in _grants():
        m2m_changed.connect(_grants_changed, sender=through, dispatch_uid=f"audit-{through._meta.label}")

"""Cross-cutting models: the audit trail that every audited model writes to by inheritance."""

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditedModel(models.Model):
    """Changes to subclasses (plans, targets, approvals, adjustments, master data) keep who, when, before, after.

    ``audit_ignore``: fields left out of the snapshots (a run's progress counters); a change of only these is not
    recorded. ``audit_access``: fields that decide what someone may do; an entry that changes one of them is a
    permission change."""

    audit_ignore: ClassVar[frozenset[str]] = frozenset()
    audit_access: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        UPDATE_BULK = "update-bulk", _("Changed in bulk")
        PERMISSIONS = "permissions", _("Permissions changed")
        PASSWORD = "password", _("Password changed")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login-failed", _("Login failed")
        LOGOUT = "logout", _("Logged out")
        DOWNLOAD = "download", _("Downloaded")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("who"),
        related_name="+",
    )
    actor_name = models.CharField(_("acting as"), max_length=150, blank=True,
                                  help_text=_("The login, or the command line or job when no user acted."))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record id"), max_length=40)
    object_repr = models.CharField(_("record"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True, help_text=_("The file downloaded."))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))

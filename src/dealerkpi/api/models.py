"""Tokens for integrations: a DMS, a spreadsheet robot or a BI tool calls the API as the user who made the token.

Only a hash of the key is kept: the key is shown once, when the token is made. A token is revoked, never deleted,
so the audit trail (core.audit: creation, revocation) keeps pointing at it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.models import AuditedModel

PREFIX_LENGTH = 8  # the key's first characters, kept in clear to find the token and to tell tokens apart


class ApiToken(AuditedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, e.g. the DMS nightly sync."))
    prefix = models.CharField(_("key starts with"), max_length=PREFIX_LENGTH, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    audit_ignore = frozenset({"key_hash", "last_used_at"})
    audit_access = frozenset({"revoked_at"})  # a token is a way in: revoking it changes what can be done

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

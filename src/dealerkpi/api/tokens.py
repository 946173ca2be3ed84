"""Making, finding and revoking API tokens. The key is ``<prefix><secret>``: the prefix finds the token, a SHA-256
hash of the whole key (a random key of 40 characters needs no slow hash) proves it."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dealerkpi.api.models import PREFIX_LENGTH, ApiToken
from dealerkpi.core.audit import audited_update
from dealerkpi.org.models import User

KEY_LENGTH = 40
ALPHABET = string.ascii_letters + string.digits
TOUCH_EVERY = datetime.timedelta(minutes=1)  # "last used" is written at most this often


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once, never stored


def create_token(user: User, name: str) -> NewToken:
    """A new token for ``user``; its key is in the result and nowhere else. Audited (core.audit) as created."""
    while True:
        key = "".join(secrets.choice(ALPHABET) for _ in range(KEY_LENGTH))
        if not ApiToken.objects.filter(prefix=key[:PREFIX_LENGTH]).exists():
            break
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=_hash(key),
                                    created_at=timezone.now())
    return NewToken(token, key)


def active_token(key: str) -> ApiToken | None:
    """The token this key opens: known, not revoked, of an active login; else None."""
    if len(key) != KEY_LENGTH:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=key[:PREFIX_LENGTH], revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)) or not token.user.is_active:
        return None
    return token


def touch(token: ApiToken, now: datetime.datetime) -> None:
    """Remember when the token was last used (not audited: ``audit_ignore``)."""
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        audited_update(ApiToken.objects.filter(pk=token.pk), last_used_at=now)


@transaction.atomic
def revoke(token: ApiToken, now: datetime.datetime | None = None) -> bool:
    """Revoke the token (under a row lock: twice at once revokes once). False if it was revoked already."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = now or timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    return True

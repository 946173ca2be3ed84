"""Refusing to serve without a secret key: the settings leave it empty rather than fail on import, so that commands
which sign nothing (makemigrations, migrate, collectstatic) still run; `check --deploy` and the WSGI application
(wsgi.py) refuse."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured


def refuse_without_secret_key() -> None:
    if settings.SECRET_KEY_MISSING:
        raise ImproperlyConfigured(settings.MISSING_SECRET_KEY)


@register(deploy=True)
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:  # noqa: ANN401 - Django's signature
    return [Error(settings.MISSING_SECRET_KEY, id="dealerkpi.E001")] if settings.SECRET_KEY_MISSING else []

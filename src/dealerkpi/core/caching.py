"""Pages that show pay are never stored (``Cache-Control: private, no-store``): not by a proxy, not in the browser's
cache for the next person at a shared showroom computer. The pay app wraps its URL patterns in ``never_stored``."""

from __future__ import annotations

from django.urls import URLPattern
from django.views.decorators.cache import cache_control

no_store = cache_control(private=True, no_store=True)


def never_stored(patterns: list[URLPattern]) -> list[URLPattern]:
    return [URLPattern(p.pattern, no_store(p.callback), p.default_args, p.name) for p in patterns]

"""Behind the reverse proxy (``DEALERKPI_BEHIND_PROXY=1``, docs/deploy.md) every request comes from the proxy's
address; the proxy passes the client's in X-Real-IP. The audit trail and login throttling read REMOTE_ADDR."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ClientAddressFromProxy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if address := request.META.get("HTTP_X_REAL_IP", "").strip():
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)

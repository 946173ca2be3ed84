"""A database too busy to take a write (SQLite's single writer, held by a long import) is an answer the user can act
on, not a server error: 503 with Retry-After and a page saying to try again. The request's transaction has been
rolled back, so nothing was half written."""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RETRY_AFTER_SECONDS = 3
BUSY = ("database is locked", "database table is locked")  # SQLite's words for a write it had to give up


def is_busy(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and any(words in str(error) for words in BUSY)


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

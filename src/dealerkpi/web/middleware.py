"""The interface speaks zh-Hans unless the user chose another language with the language menu."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ChineseUnlessChosen:
    """Ignore the browser's Accept-Language: a store's staff share computers with English-language browsers,
    and the interface is Chinese first. A choice made with the menu (the language cookie) is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

"""``Authorization: Token <key>`` for integrations (tokens.py); the browser uses its session (with CSRF)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from dealerkpi.api import tokens
from dealerkpi.api.models import ApiToken
from dealerkpi.org.models import User

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        words = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not words or words[0].lower() != KEYWORD.lower():
            return None
        if len(words) != 2:
            raise AuthenticationFailed(_("Send the header as: Authorization: Token <key>."))
        token = tokens.active_token(words[1])
        if token is None:
            raise AuthenticationFailed(_("Unknown or revoked token."))
        tokens.touch(token, timezone.now())
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD  # a request without credentials answers 401, with this challenge


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "dealerkpi.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": str(_("Token authentication: \"Token <key>\"; make a key on the API tokens page."))}

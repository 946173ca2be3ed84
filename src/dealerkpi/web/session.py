"""Who is signed in, as JSON: a session check for scripts and monitoring, and the trivial authenticated page the
web benchmark measures the other pages against (bench/web_load.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@login_required
@require_GET
def session(request: HttpRequest) -> JsonResponse:
    user = request.user
    staff = getattr(user, "staff", None)  # the name as the header shows it (王宇立, not the login's "宇立 王")
    return JsonResponse({"username": user.get_username(), "name": staff.name if staff else user.get_username()})

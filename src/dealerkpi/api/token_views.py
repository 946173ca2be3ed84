"""The page where a signed-in user lists, makes and revokes their own API tokens (linked from the top bar). The key
of a new token is shown once, on the answer to the POST that made it, and never stored (``Cache-Control:
no-store``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dealerkpi.api import tokens
from dealerkpi.api.models import ApiToken
from dealerkpi.core.caching import no_store


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What is it for?"), max_length=80,
                           help_text=gettext_lazy("E.g. the DMS nightly sync. The token acts as you, with what you "
                                                  "may see and do."))


@no_store
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = tokens.create_token(request.user, form.cleaned_data["name"].strip())
        form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "created": created, "tokens": ApiToken.objects.filter(user=request.user),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)  # another user's: 404
    if tokens.revoke(token):
        messages.success(request, _("Token %(name)s revoked: it opens nothing any more.") % {"name": token.name})
    return HttpResponseRedirect(reverse("api:tokens"))

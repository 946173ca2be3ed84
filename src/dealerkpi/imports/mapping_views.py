"""The page of saved column mappings, for whoever may import (``imports.mappings``): the list, a new mapping from
a sample of the source's export, a mapping's columns changed, and deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dealerkpi.core.scope import Viewer

from .forms import MappingForm, RowsForm, SampleForm
from .mappings import MAX_SOURCES, editable_mappings, guess, sample_header, whole_groups
from .models import ColumnMapping, ImportBatch
from .reading import Unreadable
from .service import importable_stores
from .views import importer


def _places(viewer: Viewer) -> dict[str, object]:
    return {"stores": importable_stores(viewer), "groups": whole_groups(viewer)}


@login_required
@require_http_methods(["GET", "POST"])
def mappings_page(request: HttpRequest) -> HttpResponse:
    """The viewer's mappings and the form for a new one; a sample posted here comes back as the new mapping's
    columns, to be checked and saved (``mapping_new``)."""
    viewer = importer(request)
    kind = request.POST.get("kind") if request.POST.get("kind") in ImportBatch.Kind.values else ""
    form = SampleForm(request.POST or None, request.FILES or None, kind=kind, **_places(viewer))
    if form.is_valid():
        try:
            header = sample_header(form.cleaned_data["file"], form.cleaned_data["file"].name)
        except Unreadable as problem:
            form.add_error("file", problem.message)
        else:
            sources = [(name, guess(kind, name)) for name in header[:MAX_SOURCES - 1]] + [("", "")]
            columns = MappingForm(kind=kind, sources=sources, initial={
                "name": form.cleaned_data["name"], "place": form.cleaned_data["place"]}, **_places(viewer))
            return render(request, "imports/mapping.html", {"form": columns, "kind": kind, "new": True})
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/mappings.html", {"form": form, "mappings": editable_mappings(viewer).order_by(
        "kind", "name")}, status=status)


@login_required
@require_POST
def mapping_new(request: HttpRequest, kind: str) -> HttpResponse:
    viewer = importer(request)
    if kind not in ImportBatch.Kind.values:
        raise Http404
    return _saved(request, viewer, kind, None)


@login_required
@require_http_methods(["GET", "POST"])
def mapping_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = importer(request)
    mapping = editable_mappings(viewer).filter(pk=pk).first()
    if mapping is None:
        raise Http404
    return _saved(request, viewer, mapping.kind, mapping)


def _saved(request: HttpRequest, viewer: Viewer, kind: str, mapping: ColumnMapping | None) -> HttpResponse:
    """The mapping's form: shown, or saved (then the list), or shown again with its errors (400)."""
    if request.method == "POST":
        rows = RowsForm(request.POST)
        if not rows.is_valid():  # the page always sends it: a hand-made request
            return HttpResponseBadRequest(_("The form was not sent whole; open the page again."))
        sources = [("", "")] * rows.cleaned_data["rows"]
    else:
        assert mapping is not None
        sources = [*mapping.columns.items(), ("", "")]
    place = f"store-{mapping.store_id}" if mapping and mapping.store_id else f"group-{mapping.group_id}" if mapping \
        else None
    form = MappingForm(request.POST if request.method == "POST" else None, kind=kind, sources=sources,
                       instance=mapping, initial={"name": mapping.name if mapping else "", "place": place},
                       **_places(viewer))
    if form.is_valid():
        saved = form.save()
        messages.success(request, _("The column mapping “%(name)s” is saved.") % {"name": saved.name})
        return redirect("imports-mappings")
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/mapping.html", {"form": form, "kind": kind, "mapping": mapping,
                                                    "new": mapping is None}, status=status)


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = importer(request)
    mapping = editable_mappings(viewer).filter(pk=pk).first()
    if mapping is None:
        raise Http404
    mapping.delete()  # the imports that used it keep their record of it as none (SET_NULL)
    messages.success(request, _("The column mapping “%(name)s” is deleted.") % {"name": mapping.name})
    return redirect("imports-mappings")

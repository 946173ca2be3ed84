"""The import page: upload a file (or only check it), follow it while a job reads it and see what was imported or
every problem, download the templates and a rejected file's error report; the recent imports of the viewer's
stores."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerkpi.core.audit import record
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.scope import viewer_of

from . import undo, uploads
from .columns import COLUMNS
from .forms import ImportForm
from .models import ImportBatch
from .reading import web_limits
from .service import NOT_ALLOWED, importable_stores, mappings_for
from .tasks import import_upload
from .workbooks import XLSX, template

HISTORY = 20


def importer(request: HttpRequest) -> Viewer:
    refuse_unless(request.user.has_perm("imports.import_data"), _(NOT_ALLOWED))
    return viewer_of(request)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """The form; a valid upload is kept and queued for its job, and the page follows it."""
    viewer = importer(request)
    form = ImportForm(request.POST or None, request.FILES or None, mappings=mappings_for(viewer))
    if request.method == "POST":
        if form.is_valid():
            asked, user = form.cleaned_data, request.user
            batch = uploads.queue(asked["kind"], asked["file"], user, asked["dry_run"],  # type: ignore[arg-type]
                                  get_language() or settings.LANGUAGE_CODE, asked["mapping"])
            transaction.on_commit(partial(import_upload, batch.pk))
            return redirect("imports-batch", batch.pk)
        return render(request, "imports/page.html", _context(request, viewer, form, None), status=400)
    return render(request, "imports/page.html", _context(request, viewer, form, None))


@login_required
@require_http_methods(["GET", "POST"])
def batch_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One's own upload: how far its job is (the fragment htmx polls while it is queued or being read, which
    reloads the page once it is done), then what it found; POST runs again an upload whose job was lost."""
    viewer = importer(request)
    batch = (uploads.followed(request.user, viewer).filter(pk=pk).defer("content", "report")  # type: ignore[arg-type]
             .annotate(has_report=Q(report__isnull=False)).first())
    if batch is None:
        raise Http404
    if request.method == "POST":
        if uploads.again(batch):
            transaction.on_commit(partial(import_upload, batch.pk))
        return redirect("imports-batch", batch.pk)
    if not request.htmx:
        return render(request, "imports/page.html",
                      _context(request, viewer, ImportForm(mappings=mappings_for(viewer)), batch))
    response = render(request, "imports/batch.html", {"batch": batch})
    if not batch.busy:
        response["HX-Refresh"] = "true"  # done or given up: the page shows the result and the history with it
    return response


@login_required
@require_POST
def undo_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete what an import made, unless something made since depends on it (then nothing, and what does)."""
    viewer = importer(request)
    if not undo.undoable(viewer).filter(pk=pk).exists():
        raise Http404
    done = undo.undo(pk, viewer)
    if done.ok:
        messages.success(request, _("The import was undone: %(n)s records deleted.") % {"n": done.deleted})
        return redirect("imports")
    context = _context(request, viewer, ImportForm(mappings=mappings_for(viewer)), None)
    context["blocked"] = done
    return render(request, "imports/page.html", context, status=409)


def _context(request: HttpRequest, viewer: Viewer, form: ImportForm, batch: ImportBatch | None
             ) -> dict[str, object]:
    visible = visible_to(ImportBatch.objects.all(), viewer).values("pk")
    mine = Q(imported_by=request.user) if request.user.is_authenticated else Q(pk__in=[])
    history = list(ImportBatch.objects.filter(Q(pk__in=visible) | mine).defer("report", "content")
                   .order_by("-started_at", "-pk")[:HISTORY])
    may_undo = set(undo.undoable(viewer).filter(pk__in=[past.pk for past in history]).values_list("pk", flat=True))
    return {"may_undo": may_undo,
        "form": form, "batch": batch, "viewer": viewer, "history": history, "web_rows": web_limits().rows,
        "stores": importable_stores(viewer)[:50],
        "kinds": [(kind, label, COLUMNS[kind]) for kind, label in ImportBatch.Kind.choices],
        "made": undo.made_count(batch) if batch is not None else [],
    }


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    viewer = importer(request)
    if kind not in ImportBatch.Kind.values:
        raise Http404
    store = importable_stores(viewer).first()
    response = HttpResponse(template(kind, store.code if store else None), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dealerkpi-{kind}-template.xlsx"'
    return response


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A rejected file's rows with their problems: only for who uploaded it (``uploads.followed``). It repeats the
    file's rows (customers' and staff's names, notes), so every download is in the audit trail."""
    viewer = importer(request)
    batch = uploads.followed(request.user, viewer).filter(pk=pk, report__isnull=False).first()  # type: ignore[arg-type]
    if batch is None:
        raise Http404
    filename = f"dealerkpi-{batch.kind}-{batch.pk}-problems.xlsx"
    record(AuditEntry.Action.DOWNLOAD, batch, detail=filename)
    response = HttpResponse(bytes(batch.report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

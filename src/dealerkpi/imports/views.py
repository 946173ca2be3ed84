"""The import page: upload a file (or only check it), see what was imported or every problem, download the
templates and a rejected file's error report; the recent imports of the viewer's stores."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.audit import record
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.scope import viewer_of

from .columns import COLUMNS
from .forms import ImportForm
from .models import ImportBatch
from .reading import web_limits
from .service import Options, Outcome, import_file, importable_stores
from .workbooks import XLSX, template

HISTORY = 20


def _importer(request: HttpRequest) -> Viewer:
    refuse_unless(request.user.has_perm("imports.import_data"),
                  _("Imports are for sales managers, general managers and head office."))
    return viewer_of(request)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    viewer = _importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = _import(request, viewer, form)
            if outcome.ok and not form.cleaned_data["dry_run"]:
                messages.success(request, _("Imported %(n)s rows from %(file)s.") % {
                    "n": outcome.report.written, "file": outcome.batch.file_name})
                return redirect(f"{reverse('imports')}?batch={outcome.batch.pk}")
            status = 200 if outcome.ok else 400
    return render(request, "imports/page.html", _context(request, viewer, form, outcome), status=status)


def _import(request: HttpRequest, viewer: Viewer, form: ImportForm) -> Outcome:
    upload = form.cleaned_data["file"]
    options = Options(dry_run=form.cleaned_data["dry_run"], user=request.user)  # type: ignore[arg-type]
    return import_file(form.cleaned_data["kind"], getattr(upload, "file", upload), upload.name, viewer, options)


def _context(request: HttpRequest, viewer: Viewer, form: ImportForm, outcome: Outcome | None) -> dict[str, object]:
    visible = visible_to(ImportBatch.objects.all(), viewer).values("pk")
    mine = Q(imported_by=request.user) if request.user.is_authenticated else Q(pk__in=[])
    history = list(ImportBatch.objects.filter(Q(pk__in=visible) | mine).defer("report")
                   .order_by("-started_at", "-pk")[:HISTORY])
    shown = request.GET.get("batch", "")
    return {
        "form": form, "outcome": outcome, "viewer": viewer, "history": history, "web_rows": web_limits().rows,
        "stores": importable_stores(viewer)[:50],
        "shown": next((b for b in history if str(b.pk) == shown), None) if outcome is None else None,
        "kinds": [(kind, label, COLUMNS[kind]) for kind, label in ImportBatch.Kind.choices],
    }


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    viewer = _importer(request)
    if kind not in ImportBatch.Kind.values:
        raise Http404
    store = importable_stores(viewer).first()
    response = HttpResponse(template(kind, store.code if store else None), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dealerkpi-{kind}-template.xlsx"'
    return response


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A rejected file's rows with their problems: only for who uploaded it. It repeats the file's rows (customers'
    and staff's names, notes), so every download is in the audit trail."""
    _importer(request)
    batch = ImportBatch.objects.filter(pk=pk, imported_by=request.user, report__isnull=False).first()
    if batch is None:
        raise Http404
    filename = f"dealerkpi-{batch.kind}-{batch.pk}-problems.xlsx"
    record(AuditEntry.Action.DOWNLOAD, batch, detail=filename)
    response = HttpResponse(bytes(batch.report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

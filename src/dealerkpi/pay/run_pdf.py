"""A run's statements as one PDF, made by a job rather than in the request: WeasyPrint takes a few tenths of a
second a page, so a store of 80 people would hold a web worker for half a minute (docs/exports.md).

The PDF holds the statements its reader may see (a supervisor gets their team's), in their language, so it is
made for one person and given to them alone (``RunPdf``, one per run and person). When the run's status (an
approval drops the DRAFT watermark), the statements they may see or their language have changed since, it is
out of date and is made again when they ask. A PDF still being made after ``PAY_RUN_STALLED_MINUTES`` lost its
job (Huey does not hand a job out twice) and may be asked for again.

    wanted(run, statement_ids, language)  -> what an up-to-date PDF would be made of
    state(pdf, wanted)                     -> whether the reader's PDF is missing, being made, ready or out of date
    ask(run, user, wanted)                 -> the PDF to make, marked as being prepared (then queue ``make``)
    make(pdf_id)                           -> the job: made as the user who asked would see it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from dealerkpi.org.models import User
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import exports
from dealerkpi.pay.models import Run, RunPdf
from dealerkpi.pay.visibility import visible_runs, visible_statements

MISSING, PREPARING, READY, OUT_OF_DATE, FAILED = "missing", "preparing", "ready", "out_of_date", "failed"


@dataclass(frozen=True)
class Wanted:
    """What an up-to-date PDF is made of: the run as it stands, the statements the reader may see, their
    language."""

    run_status: str
    statement_ids: list[int]
    language: str


def wanted(run: Run, statement_ids: list[int], language: str) -> Wanted:
    return Wanted(run.status, sorted(statement_ids), language)


def of(run: Run, user: User) -> RunPdf | None:
    """The reader's PDF of the run, without its content."""
    return RunPdf.objects.defer("content").filter(run=run, requested_by=user).first()


def state(pdf: RunPdf | None, wants: Wanted) -> str:
    if pdf is None:
        return MISSING
    if pdf.status == RunPdf.Status.PREPARING:
        stalled = timezone.now() - pdf.requested_at > timedelta(minutes=settings.PAY_RUN_STALLED_MINUTES)
        return FAILED if stalled else PREPARING
    if pdf.status == RunPdf.Status.FAILED:
        return FAILED
    made_of = Wanted(pdf.run_status, pdf.statement_ids, pdf.language)
    return READY if made_of == wants else OUT_OF_DATE


def ask(run: Run, user: User, wants: Wanted) -> RunPdf:
    """The reader's PDF, to be made afresh: the one they had is emptied (one PDF per run and person)."""
    pdf, _created = RunPdf.objects.update_or_create(run=run, requested_by=user, defaults={
        "requested_at": timezone.now(), "status": RunPdf.Status.PREPARING, "language": wants.language,
        "run_status": wants.run_status, "statement_ids": wants.statement_ids, "content": None, "made_at": None,
    })
    return pdf


def make(pdf_id: int) -> None:
    """Make the PDF as its reader sees the run now (their data scope, their language) and keep it. A PDF asked
    for again meanwhile is left to the later job; one whose reader may no longer see the run fails."""
    pdf = RunPdf.objects.defer("content").select_related("requested_by").filter(
        pk=pdf_id, status=RunPdf.Status.PREPARING).first()
    if pdf is None:
        return
    viewer = viewer_for(pdf.requested_by)
    run = visible_runs(viewer).filter(pk=pdf.run_id).first()
    statements = visible_statements(viewer).filter(run_id=pdf.run_id)
    ids = list(statements.values_list("pk", flat=True))
    if run is None or not ids:
        _keep(pdf, None, None)
        return
    try:
        with translation.override(pdf.language):
            content = exports.statements_pdf(statements)
    except Exception:
        _keep(pdf, None, None)
        raise
    _keep(pdf, content, wanted(run, ids, pdf.language))


def _keep(asked: RunPdf, content: bytes | None, made_of: Wanted | None) -> None:
    """The PDF made (or, without content, failed), unless it was asked for again meanwhile."""
    with transaction.atomic():
        pdf = RunPdf.objects.select_for_update().defer("content").filter(pk=asked.pk).first()
        if pdf is None or pdf.requested_at != asked.requested_at:
            return
        if content is None or made_of is None:
            pdf.status = RunPdf.Status.FAILED
            pdf.save(update_fields=["status"])
            return
        pdf.status, pdf.content, pdf.made_at = RunPdf.Status.READY, content, timezone.now()
        pdf.run_status, pdf.statement_ids = made_of.run_status, made_of.statement_ids
        pdf.save(update_fields=["status", "content", "made_at", "run_status", "statement_ids"])

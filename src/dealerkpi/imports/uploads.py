"""A file uploaded on the page is imported by a job, not in the request: a clean 50,000-row workbook takes some
17 s (docs/performance.md). The request checks the form (the kind, a .csv or .xlsx name, the size), keeps the file
with a batch *queued* and queues ``imports.tasks.import_upload``; the job takes the batch (*working*) and checks and
imports the file as its uploader may now (their data scope, their language), in one transaction with the
batch's result, and drops the file.

Huey does not hand a job out twice: one whose worker was killed is lost. A batch still queued or being read
``IMPORT_STALLED_MINUTES`` after it was queued or taken is given up (``ImportBatch.given_up``: shown as stopped,
and its job, if it comes after all, leaves it alone); its uploader may run it again from the file it kept.

    queue(kind, upload, user, check_only, language) -> the batch, queued (the caller queues the job on commit)
    run(batch_id)                                   -> the job
    again(batch)                                    -> a given-up batch queued again (the caller queues the job)
    followed(user, viewer)                          -> the uploads a viewer may follow and whose report they get
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from dealerkpi.core.audit import acting_as
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Store, User
from dealerkpi.org.scope import viewer_for

from .models import ColumnMapping, ImportBatch
from .service import Options, attempt, importable_stores, mappings_for


def queue(kind: str, upload: UploadedFile, user: User, check_only: bool, language: str,
          mapping: ColumnMapping | None = None) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, outcome=ImportBatch.Outcome.QUEUED, via=ImportBatch.Via.WEB, file_name=(upload.name or "")[-200:],
        file_size=upload.size or 0, imported_by=user, actor=user.get_username()[:150], started_at=timezone.now(),
        check_only=check_only, language=language, content=b"".join(upload.chunks()), mapping=mapping,
    )


def run(batch_id: int) -> None:
    """Check and import the batch's file, unless it is no longer queued (run by another job, or given up)."""
    taken = _take(batch_id)
    if taken is None:
        return
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(
                pk=taken.pk, outcome=ImportBatch.Outcome.WORKING, started_at=taken.started_at).first()
            if batch is None:  # given up and queued again meanwhile: that job reads it
                return
            user = User.objects.filter(pk=batch.imported_by_id).first()
            viewer = viewer_for(user) if user else Viewer(Reach.NOTHING)
            with translation.override(batch.language or settings.LANGUAGE_CODE), acting_as(user, name="job"):
                mapping = mappings_for(viewer).filter(pk=batch.mapping_id).first() if batch.mapping_id else None
                attempt(batch, io.BytesIO(bytes(batch.content)), viewer,
                        Options(dry_run=batch.check_only, user=user, mapping=mapping))
    except Exception:
        ImportBatch.objects.filter(pk=taken.pk, outcome=ImportBatch.Outcome.WORKING).update(
            outcome=ImportBatch.Outcome.FAILED)
        raise


def _take(batch_id: int) -> ImportBatch | None:
    """The batch, now being read (committed, so that the page shows it), if it was queued and not given up."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().defer("content", "report").filter(
            pk=batch_id, outcome=ImportBatch.Outcome.QUEUED).first()
        if batch is None:
            return None
        if batch.given_up:  # its uploader was told it stopped: they run it again, or not
            batch.outcome = ImportBatch.Outcome.FAILED
            batch.save(update_fields=["outcome"])
            return None
        batch.outcome, batch.started_at = ImportBatch.Outcome.WORKING, timezone.now()
        batch.save(update_fields=["outcome", "started_at"])
        return batch


def again(batch: ImportBatch) -> bool:
    """Queue a given-up upload again, from the file it kept; False when it was not given up (any more)."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().defer("content", "report").filter(
            pk=batch.pk, content__isnull=False).first()
        if locked is None or not locked.given_up:
            return False
        locked.outcome, locked.started_at = ImportBatch.Outcome.QUEUED, timezone.now()
        locked.save(update_fields=["outcome", "started_at"])
        return True


def followed(user: User, viewer: Viewer) -> QuerySet[ImportBatch]:
    """The uploads a viewer follows on the page and whose problems they get: their own, none of whose stores is
    beyond those they may import into now (the problems repeat the file's rows)."""
    beyond = Store.objects.exclude(pk__in=importable_stores(viewer).values("pk"))
    return ImportBatch.objects.filter(imported_by=user).exclude(stores__in=beyond)

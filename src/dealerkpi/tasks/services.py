"""A task's way: open -> done (with its evidence) or cancelled, each re-checked under a row lock so that a double
click closes it once.

    complete(task, note, upload, by, at) -> done, with the evidence note and, when given, a file (core.uploads)
    cancel(task, by, at)                 -> no longer asked for

Functions raise ValidationError with a message for the user; views turn it into a form error.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from dealerkpi.core.uploads import document_type, kept_name
from dealerkpi.tasks.models import EvidenceFile, Task


def _locked_open(task: Task) -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already %(status)s.") % {"status": locked.get_status_display()})
    return locked


def _close(task: Task, status: str, by_id: int | None, at: datetime.datetime) -> None:
    task.status, task.closed_by_id, task.closed_at = status, by_id, at
    task.save()


@transaction.atomic
def complete(task: Task, note: str, upload: UploadedFile | None, by_id: int | None, at: datetime.datetime) -> Task:
    """The task done: the evidence note is required; a file, when given, is checked and kept in the database."""
    if not note.strip():
        raise ValidationError(_("Say what was done: the evidence is required."))
    kind = document_type(upload) if upload else ""
    locked = _locked_open(task)
    locked.evidence_note = note.strip()
    if upload:
        locked.evidence_name = kept_name(upload)
        EvidenceFile.objects.create(task=locked, content=upload.read(), content_type=kind)
    _close(locked, Task.Status.DONE, by_id, at)
    return locked


@transaction.atomic
def cancel(task: Task, by_id: int | None, at: datetime.datetime) -> Task:
    locked = _locked_open(task)
    _close(locked, Task.Status.CANCELLED, by_id, at)
    return locked

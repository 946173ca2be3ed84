"""Undoing an import: the records a batch made (``ImportedRecord``) are deleted, newest model first, while nothing
made since depends on them and nobody has corrected them since (an imported order with a delivery, a payment or a
follow-up logged after it, or an imported day of attendance corrected at the desk, blocks the undo), and the
blockers are named. The records it changed (the A-cards a follow-up moved; the orders, vehicles and
A-cards a delivery completed; C-card calls marked done) get their fields back as they were, while they are as the
import left them (locked while they are checked and put back). Who may: whoever may import into every store of the
batch (for the catalogue, which has none, head office and administrators).

    undoable(viewer)       -> the batches the viewer may undo (imported, with records)
    blockers(batch)        -> what depends on the batch's records, in words ([] when it can be undone)
    undo(batch_id, viewer) -> Undone(batch, deleted, blockers): deleted, or nothing and why
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.utils.translation import gettext as _

from dealerkpi.core.audit import entries, entry, snapshot
from dealerkpi.core.models import AuditedModel, AuditEntry
from dealerkpi.core.scope import Viewer
from dealerkpi.org.models import Store

from .catalogue import MASTER_DATA_REACH
from .engine import BATCH, chunks
from .models import ImportBatch, ImportedRecord
from .records import parents_first
from .service import importable_stores

SHOWN = 20  # blockers named


@dataclass
class Undone:
    batch: ImportBatch | None
    deleted: int = 0
    blockers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch is not None and not self.blockers


def undoable(viewer: Viewer) -> QuerySet[ImportBatch]:
    beyond = Store.objects.exclude(pk__in=importable_stores(viewer).values("pk"))
    batches = ImportBatch.objects.filter(outcome=ImportBatch.Outcome.IMPORTED, records__isnull=False).exclude(
        stores__in=beyond).distinct()
    if viewer.reach not in MASTER_DATA_REACH:
        batches = batches.filter(stores__isnull=False)
    return batches


def made_by(batch: ImportBatch) -> dict[type[Model], list[int]]:
    """The records the batch made, by model."""
    made: dict[int, list[int]] = defaultdict(list)
    for kind_id, object_id in ImportedRecord.objects.filter(batch=batch, before__isnull=True).order_by(
            "pk").values_list("content_type_id", "object_id"):
        made[kind_id].append(object_id)
    return {ContentType.objects.get_for_id(kind_id).model_class(): ids  # type: ignore[misc]
            for kind_id, ids in made.items()}


def made_count(batch: ImportBatch) -> list[tuple[str, int]]:
    """What the batch made: (the record type's name, how many), in one query."""
    counted = ImportedRecord.objects.filter(batch=batch).values_list("content_type").annotate(n=Count("pk"))
    return [(str(ContentType.objects.get_for_id(kind_id).model_class()._meta.verbose_name_plural), n)
            for kind_id, n in counted.order_by("content_type")]


def blockers(batch: ImportBatch, made: dict[type[Model], list[int]] | None = None) -> list[str]:
    """Records outside the batch that point at its records (one query per relation and chunk of ids)."""
    made = made if made is not None else made_by(batch)
    mine = {model: set(ids) for model, ids in made.items()}
    found: list[str] = []
    for model, ids in made.items():
        for relation in _relations(model):
            dependent, name = relation.related_model, relation.field.name
            for chunk in chunks(ids):
                rows = dependent.objects.filter(**{f"{name}__in": chunk}).values_list("pk", name)
                for pk, target in rows[:SHOWN + len(mine.get(dependent, ()))]:
                    if pk not in mine.get(dependent, ()):
                        found.append(_("%(record)s %(id)s has %(dependent)s %(dependent_id)s") % {
                            "record": model._meta.verbose_name, "id": target,
                            "dependent": dependent._meta.verbose_name, "dependent_id": pk})
                if len(found) >= SHOWN:
                    return found
    return found


def corrected_since(batch: ImportBatch, made: dict[type[Model], list[int]]) -> list[str]:
    """The audited records the batch made that someone changed after the import (their audit trail says so; one
    query per model and chunk of ids): deleting them would lose that correction."""
    finished = batch.started_at + datetime.timedelta(seconds=batch.seconds)
    found: list[str] = []
    for model, ids in made.items():
        if not issubclass(model, AuditedModel):
            continue
        kind = ContentType.objects.get_for_model(model)
        for chunk in chunks(ids):
            later = AuditEntry.objects.filter(content_type=kind, action=AuditEntry.Action.UPDATE, at__gt=finished,
                                              object_id__in=[str(pk) for pk in chunk])
            found += [_("%(record)s %(id)s was changed after the import") % {
                "record": model._meta.verbose_name, "id": pk} for pk in later.values_list(
                    "object_id", flat=True).distinct().order_by("object_id")[:SHOWN]]
            if len(found) >= SHOWN:
                return found[:SHOWN]
    return found


def _relations(model: type[Model]) -> list:
    """Every foreign key and one-to-one pointing at the model, those named "+" too."""
    return [f for f in model._meta.get_fields(include_hidden=True)
            if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)]


def undo(batch_id: int, viewer: Viewer) -> Undone:
    """Delete the batch's records in one transaction, under a lock on the batch (state re-checked), newest model
    first; refused, with nothing deleted, while anything depends on them."""
    with transaction.atomic():
        allowed = undoable(viewer).filter(pk=batch_id).values("pk")
        batch = ImportBatch.objects.select_for_update().filter(pk__in=allowed).defer("report", "content").first()
        if batch is None:
            return Undone(None)
        made, changed = made_by(batch), changed_by(batch)
        waiting = blockers(batch, made) + corrected_since(batch, made) + changed_since(changed)
        if waiting:
            return Undone(batch, blockers=waiting[:SHOWN])
        deleted = _restore(changed)  # first: a record changed may point at one the batch made (an order's vehicle)
        deleted += sum(_delete(model, made[model]) for model in reversed(parents_first(made)))  # children first
        before = {"outcome": batch.outcome}
        batch.outcome = ImportBatch.Outcome.UNDONE
        batch.save(update_fields=["outcome"])
        entry(AuditEntry.Action.UPDATE, batch, before, {"outcome": batch.outcome},
              detail=f"undone: {deleted} records").save()
        return Undone(batch, deleted)


def changed_by(batch: ImportBatch) -> dict[type[Model], list[tuple[Model, dict[str, Any]]]]:
    """The records the batch changed, by model: each as it was before the import (an unsaved instance with the
    changed fields), and the fields as the import left them (as the JSON holds them)."""
    changed: dict[type[Model], list[tuple[Model, dict[str, Any]]]] = defaultdict(list)
    for kind_id, object_id, before, after in ImportedRecord.objects.filter(batch=batch, before__isnull=False).order_by(
            "pk").values_list("content_type_id", "object_id", "before", "after"):
        model = ContentType.objects.get_for_id(kind_id).model_class()
        record = model(pk=object_id)  # type: ignore[misc]
        for name, value in before.items():  # the JSON's text back to the field's type (a time, a day...)
            setattr(record, name, model._meta.get_field(name).to_python(value))  # type: ignore[union-attr]
        changed[model].append((record, after or {}))  # type: ignore[index]
    return changed


def changed_since(changed: dict[type[Model], list[tuple[Model, dict[str, Any]]]]) -> list[str]:
    """The records the batch changed that were changed again since (one query per model and chunk, locking them
    until they are put back): putting them back would undo that later change too."""
    found: list[str] = []
    for model, records in changed.items():
        left = {record.pk: after for record, after in records}
        fields = sorted({name for after in left.values() for name in after})
        for chunk in chunks(left):
            for pk, *now in model.objects.select_for_update().filter(pk__in=chunk).values_list("pk", *fields):
                as_left = {name: model._meta.get_field(name).to_python(left[pk][name]) for name in left[pk]}
                if any(as_left[name] != value for name, value in zip(fields, now, strict=True) if name in as_left):
                    found.append(_("%(record)s %(id)s was changed after the import") % {
                        "record": model._meta.verbose_name, "id": pk})
            if len(found) >= SHOWN:
                return found[:SHOWN]
    return found


def _restore(changed: dict[type[Model], list[tuple[Model, dict[str, Any]]]]) -> int:
    """Put the records the batch changed back as they were: one bulk update per model and set of fields."""
    restored = 0
    for model, records in changed.items():
        by_fields: dict[tuple[str, ...], list[Model]] = defaultdict(list)
        for record, after in records:
            by_fields[tuple(sorted(after))].append(record)
        for fields, same in by_fields.items():
            model.objects.bulk_update(same, fields, batch_size=BATCH)  # type: ignore[attr-defined]
            restored += len(same)
    return restored


def _delete(model: type[Model], ids: list[int]) -> int:
    """Delete the records in chunks. An audited model's deletions are recorded in one insert per chunk (the
    records read first) and the rows deleted without Django's per-record signals: nothing outside the batch points
    at them (``blockers``) and the batch's own children are deleted before."""
    deleted = 0
    for chunk in chunks(ids):
        found = model.objects.filter(pk__in=chunk)
        if issubclass(model, AuditedModel):
            records = list(found)
            AuditEntry.objects.bulk_create(entries(AuditEntry.Action.DELETE,
                                                   [(record, snapshot(record), None) for record in records]))
            deleted += found._raw_delete(found.db)
        else:
            deleted += found.delete()[1].get(model._meta.label, 0)
    return deleted


def may_undo(viewer: Viewer, batch: ImportBatch) -> bool:
    return undoable(viewer).filter(pk=batch.pk).exists()

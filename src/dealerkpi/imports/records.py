"""What the kinds that create records share (staff, catalogue, targets, customers and A-cards, visits, orders,
payments): each row has a natural key (an employee number, a trim code, an order number, a mobile and the store,
...). A row whose key the database holds already is left as it is, so importing the same file again changes
nothing; a key twice in the file is refused on the later row. The file is streamed in parts of ``PART`` rows, each
checked and written before the next is read (a later wrong row rolls everything back: the import runs in a
savepoint), so a file of a million rows takes the memory of a part and of its natural keys. The records are
written with one bulk insert per model (parents first), their audit entries (for audited
master data and targets) in one insert, and the batch's list of what it made (``ImportedRecord``), so the batch
can be undone while nothing depends on it (``imports.undo``).

A kind subclasses ``RecordImport``: ``columns``, ``resolve`` (the references of a part's rows, one query per kind
of record in chunks; what earlier parts made is in the database then, when the import writes), ``key`` (the row's
natural key) and ``existing`` (which of the keys are there), and ``build`` (the row's new records through
``make``, or None with the problems reported).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _

from dealerkpi.core.audit import entries, snapshot
from dealerkpi.core.bulk import BulkWriter
from dealerkpi.core.bulk import Table as BulkTable
from dealerkpi.core.models import AuditedModel, AuditEntry
from dealerkpi.org.models import RoleAssignment, Staff, Store

from .columns import Column
from .engine import BATCH, Context, check_store, chunks, parts, store_ids, typed_rows
from .models import ImportedRecord
from .reading import Table

Values = dict[str, Any]
PART = 10_000  # rows read, checked and written before the next are read: bounds the memory a file takes


class RecordImport:
    columns: tuple[Column, ...] = ()
    part_rows: int | None = PART  # None: the whole file at once (a kind whose checks span the file)

    def __init__(self, context: Context) -> None:
        self.context = context
        self.stores: dict[str, int] = {}
        self.groups: dict[int, int] = {}  # store id -> its dealer group
        self.first_row: dict[Hashable, int] = {}
        self.made: dict[type[Model], list[Model]] = defaultdict(list)  # waiting to be written
        self.changed: dict[tuple[type[Model], tuple[str, ...]], list[tuple[Model, dict[str, Any]]]] = defaultdict(
            list)  # records to update, with their fields as they were
        self.pending = 0
        self.links = Links(context)

    # --- the run ------------------------------------------------------------------------------------------

    def run(self, table: Table) -> None:
        """The file streamed in parts of ``part_rows`` rows: each part's references and existing keys read, its rows
        checked and its records written (while the file is clean) before the next part is read. What is kept from
        part to part is the file's natural keys (a key twice in the file) and the stores."""
        good = ((number, values) for number, values, bad in typed_rows(table, self.columns, self.context) if not bad)
        done = 0
        for part in parts(good, self.part_rows or sys.maxsize):
            self._stores({values.get("store") for _number, values in part} - {None} - set(self.stores))
            self.resolve([values for _number, values in part])
            keys = {number: self.key(values) for number, values in part}
            there = self.existing({key for key in keys.values() if key is not None})
            for number, values in part:
                self._row(number, values, keys[number], there)
                done += 1
                if self.pending >= BATCH:
                    self.save()
                if done % 1000 == 0:
                    self.context.tick("check", done)
            self.save()  # the next part's queries see what this one made

    def _row(self, number: int, values: Values, key: Hashable | None, there: set[Any]) -> None:
        if key is None or self._twice(number, key) or not self._reachable(number, values):
            return
        if key in there:
            self.context.report.unchanged += 1
        elif self.build(number, values):
            self.context.report.written += 1

    def _stores(self, codes: set[str]) -> None:
        if not codes:
            return
        self.stores.update(store_ids(codes, self.context))
        self.groups.update(Store.objects.filter(pk__in=sorted(self.stores.values()))
                           .values_list("pk", "region__group_id"))

    def store(self, number: int, values: Values) -> int | None:
        """The row's store among those the importer may import into (reported when it is not)."""
        return check_store(number, values.get("store"), self.stores, self.context)

    def _reachable(self, number: int, values: Values) -> bool:
        """A row of a store beyond the importer's is refused before its key is looked at: whether its record is
        there is not told."""
        return "store" not in values or self.store(number, values) is not None

    def _twice(self, number: int, key: Hashable) -> bool:
        first = self.first_row.setdefault(key, number)
        if first != number:
            self.context.error(number, "", "", _("Also in row %(row)s of the file.") % {"row": first})
            return True
        return False

    # --- what a kind says -----------------------------------------------------------------------------------

    def resolve(self, rows: list[Values]) -> None:
        """Read what the rows refer to (one query per kind of record, in chunks)."""

    def key(self, values: Values) -> Hashable | None:
        """The row's natural key; None when the row is wrong (reported)."""
        raise NotImplementedError

    def existing(self, keys: set[Any]) -> set[Any]:
        """The keys the database holds already."""
        raise NotImplementedError

    def build(self, number: int, values: Values) -> bool:
        """Make the row's records (``make``); False with the problems reported when the row is wrong."""
        raise NotImplementedError

    # --- writing ------------------------------------------------------------------------------------------

    def make(self, record: Model) -> Model:
        self.made[type(record)].append(record)
        self.pending += 1
        return record

    def change(self, record: Model, fields: tuple[str, ...], before: dict[str, Any]) -> None:
        """Update the record's ``fields`` (a record the kind changes rather than makes); ``before`` is kept with the
        batch, so undoing it puts them back."""
        self.changed[type(record), fields].append((record, before))
        self.pending += 1

    def error(self, number: int, key: str, value: object, message: str) -> None:
        self.context.error(number, key, value, message)

    def save(self) -> None:
        """Write what is waiting while the file is clean and this is no dry run (a later wrong row rolls it back:
        the import runs in a savepoint): one bulk insert per model, parents first (a child's foreign key takes
        its parent's new id); then the audit entries of audited records and the batch's list of what it made."""
        made, self.made, self.pending = self.made, defaultdict(list), 0
        changed, self.changed = self.changed, defaultdict(list)
        if not (self.context.write and self.context.report.ok):
            return
        for (model, fields), records in changed.items():
            model.objects.bulk_update([record for record, _before in records], fields,  # type: ignore[attr-defined]
                                      batch_size=BATCH)
            self.links.changed(model, [(record.pk, before, {name: getattr(record, name) for name in fields})
                                       for record, before in records])
        for model in parents_first(made):
            records = made[model]
            model.objects.bulk_create(records, batch_size=BATCH)  # type: ignore[attr-defined]
            if issubclass(model, AuditedModel):
                AuditEntry.objects.bulk_create(created_entries(records), batch_size=BATCH)
            self.links.made(model, [record.pk for record in records])
        self.context.tick("write", self.context.report.written)


class Links:
    """The batch's list of what an import made and changed (``ImportedRecord``), so it can be undone. What it made
    is copied in (COPY on PostgreSQL) without an id column: the ids come from the table's sequence. What it changed
    is listed with the changed fields as they were and as the import left them."""

    def __init__(self, context: Context) -> None:
        self.context, self.bulk = context, BulkWriter()
        self.table: BulkTable | None = None

    def made(self, model: type[Model], ids: list[int]) -> None:
        if self.context.batch_id is None or not ids:
            return
        if self.table is None:
            self.table = self.bulk.table(ImportedRecord, ("batch_id", "content_type_id", "object_id"))
        kind_id = ContentType.objects.get_for_model(model).pk
        self.table.rows.extend((self.context.batch_id, kind_id, pk) for pk in ids)
        self.bulk.flush()

    def changed(self, model: type[Model], records: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
        """(id, the fields before, the fields after) of each record changed."""
        if self.context.batch_id is None or not records:
            return
        kind_id = ContentType.objects.get_for_model(model).pk
        ImportedRecord.objects.bulk_create([
            ImportedRecord(batch_id=self.context.batch_id, content_type_id=kind_id, object_id=pk, before=before,
                           after=after) for pk, before, after in records], batch_size=BATCH)


def parents_first(models: Iterable[type[Model]]) -> list[type[Model]]:
    """The models in an order where each comes after those it has a foreign key to."""
    waiting, placed = list(models), []
    while waiting:
        ready = [m for m in waiting if not {f.related_model for f in m._meta.concrete_fields if f.is_relation}
                 & (set(waiting) - {m})]
        if not ready:  # a cycle: the models of this importer have none
            ready = waiting[:1]
        placed.extend(ready)
        waiting = [m for m in waiting if m not in ready]
    return placed


def created_entries(records: Iterable[Model]) -> list[AuditEntry]:
    return entries(AuditEntry.Action.CREATE, [(record, None, snapshot(record)) for record in records])


class People:
    """Staff members named by employee number, with the stores their role history has them in (one query each,
    in chunks)."""

    def __init__(self, numbers: set[str]) -> None:
        self.ids: dict[str, int] = {}
        self.stores: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(numbers):
            self.ids.update(Staff.objects.filter(employee_no__in=chunk).values_list("employee_no", "pk"))
        for chunk in chunks(set(self.ids.values())):
            for staff_id, store_id in RoleAssignment.objects.filter(staff_id__in=chunk).values_list("staff_id",
                                                                                                   "store_id"):
                self.stores[staff_id].add(store_id)

    def of_store(self, kind: RecordImport, number: int, key: str, values: Values, store_id: int) -> int | None:
        """The id of the row's person (column ``key``) when they have held a role in the store; else reported."""
        staff_id = self.ids.get(values[key])
        if staff_id is None or store_id not in self.stores[staff_id]:
            kind.error(number, key, values[key], _("Store %(store)s has no staff member %(no)s.") % {
                "store": values["store"], "no": values[key]})
            return None
        return staff_id

"""Importing a file: who may, into which stores, in one transaction, and the audit record of every attempt.

    importable_stores(viewer)             -> the stores a viewer may import into ("imports.import_data", rules.py)
    import_file(kind, file, name, viewer) -> Outcome(batch, report): everything written, or nothing
    attempt(batch, file, viewer, options) -> the same for a batch that exists: an upload, read by its job
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import IO

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Store, User

from .attendance import AttendanceImport
from .catalogue import CatalogueImport
from .ccards import CCardImport
from .columns import COLUMNS, renamed
from .complaints import ComplaintImport
from .deliveries import DeliveryImport
from .engine import Context, Progress, read_header
from .followups import FollowUpImport
from .leads import LeadImport, TestDriveImport, VisitImport
from .models import ColumnMapping, ImportBatch
from .orders import OrderImport, PaymentImport
from .reading import COMMAND_LIMITS, Limits, Unreadable, fingerprint, open_table, refusal, web_limits
from .report import Report
from .staff import StaffImport
from .surveys import SurveyImport
from .targets import TargetImport
from .training import TrainingImport
from .vehicles import VehicleImport
from .workbooks import error_report

Kind = ImportBatch.Kind
IMPORTERS = {Kind.STAFF: StaffImport, Kind.CATALOGUE: CatalogueImport, Kind.TARGETS: TargetImport,
             Kind.LEADS: LeadImport, Kind.FOLLOW_UPS: FollowUpImport, Kind.VISITS: VisitImport,
             Kind.TEST_DRIVES: TestDriveImport,
             Kind.ORDERS: OrderImport, Kind.PAYMENTS: PaymentImport, Kind.VEHICLES: VehicleImport,
             Kind.DELIVERIES: DeliveryImport, Kind.ATTENDANCE: AttendanceImport, Kind.SURVEYS: SurveyImport,
             Kind.COMPLAINTS: ComplaintImport, Kind.C_CARDS: CCardImport, Kind.TRAINING: TrainingImport}
NOT_ALLOWED = gettext_noop("Imports are for sales managers, general managers and head office.")


def importable_stores(viewer: Viewer) -> QuerySet[Store]:
    if not may_import(viewer):
        return Store.objects.none()
    return visible_to(Store.objects.all(), viewer).order_by("code")


def mappings_for(viewer: Viewer) -> QuerySet[ColumnMapping]:
    """The saved column mappings a viewer may choose: their stores', and their stores' groups' (for every store)."""
    stores = importable_stores(viewer)
    groups = stores.values("region__group")
    return ColumnMapping.objects.filter(Q(store__in=stores.values("pk")) | Q(store__isnull=True, group__in=groups))


def may_import(viewer: Viewer) -> bool:
    return rules.has_perm("imports.import_data", viewer)


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    user: User | None = None
    actor: str = ""
    via: str = ImportBatch.Via.WEB
    keep_report: bool = True  # store the error report (.xlsx) with the batch
    progress: Progress | None = None
    mapping: ColumnMapping | None = None  # the source's column names, saved

    @property
    def limits(self) -> Limits:
        """What the file may hold: the page's limits, or the command's (far larger)."""
        return web_limits() if self.via == ImportBatch.Via.WEB else COMMAND_LIMITS


@dataclass(frozen=True)
class Outcome:
    batch: ImportBatch
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def import_file(kind: str, raw: IO[bytes], name: str, viewer: Viewer, options: Options | None = None) -> Outcome:
    """Check every row of the file and, unless it is a dry run, write them all in one transaction; nothing is
    written when any row is wrong. Every attempt is recorded as an ImportBatch, in that transaction."""
    options = options or Options()
    if not may_import(viewer):
        raise PermissionDenied(_(NOT_ALLOWED))
    batch = ImportBatch(kind=kind, via=options.via, file_name=name[-200:], check_only=options.dry_run,
                        imported_by=options.user, mapping=options.mapping,
                        actor=(options.actor or (options.user.get_username() if options.user else ""))[:150])
    with transaction.atomic():
        return attempt(batch, raw, viewer, options)


def attempt(batch: ImportBatch, raw: IO[bytes], viewer: Viewer, options: Options) -> Outcome:
    """Check the batch's file and, unless only checking, write its rows; keep the result on the batch, saved in the
    caller's transaction: the rows and their audit record are committed together, or neither. A viewer who may
    not import (any more) has the file refused. The uploaded file the batch kept is dropped."""
    started, clock = timezone.now(), time.perf_counter()
    batch.file_sha256, batch.file_size = fingerprint(raw)
    if batch.pk is None:  # saved first: the records it makes point back from ImportedRecord
        batch.outcome, batch.started_at = ImportBatch.Outcome.WORKING, started
        batch.save()
    context = Context(viewer, Report(), started, write=not options.dry_run, progress=options.progress,
                      batch_id=batch.pk)
    if may_import(viewer):
        stores, readable = _run(batch.kind, raw, batch.file_name, context, options)
    else:
        context.report.refused(_(NOT_ALLOWED))
        stores, readable = [], False
    report = context.report
    keep = options.keep_report and readable and not report.ok
    batch.report = error_report(raw, batch.file_name, report, options.limits) if keep else None
    batch.outcome = (ImportBatch.Outcome.REJECTED if not report.ok
                     else ImportBatch.Outcome.CHECKED if options.dry_run else ImportBatch.Outcome.IMPORTED)
    batch.rows, batch.written, batch.error_count = report.rows, report.written, report.error_count
    batch.unchanged = report.unchanged
    batch.bad_rows, batch.problems = len(report.bad_rows), [asdict(error) for error in report.shown()]
    batch.started_at, batch.seconds = started, round(time.perf_counter() - clock, 3)
    batch.content = None
    batch.save()
    batch.stores.set(stores)
    return Outcome(batch, report)


def _run(kind: str, raw: IO[bytes], name: str, context: Context, options: Options) -> tuple[list[int], bool]:
    """(ids of the file's stores, whether the file was read to its end). Rolls back (to its savepoint) unless clean
    and writing: a row lock taken meanwhile is released then."""
    report = context.report
    try:
        with open_table(raw, name, options.limits) as table, transaction.atomic():
            mapping = options.mapping
            if mapping is not None and mapping.kind != kind:
                report.file_error(_("The column mapping “%(name)s” is for another kind of file.") % {
                    "name": mapping.name})
                return [], True
            header = read_header(table.header, COLUMNS[kind], report, renamed(mapping.columns) if mapping else None)
            if header is None:
                return [], True
            context.header = header
            importer = IMPORTERS[kind](context)  # type: ignore[index]
            importer.run(table)
            if report.rows == 0 and report.ok:
                report.file_error(_("The file has no rows to import."))
            if not (report.ok and context.write):
                report.written = 0
                transaction.set_rollback(True)
            else:  # PostgreSQL's deferred foreign keys, checked here rather than when the caller commits
                connection.check_constraints(table_names=[])
            return sorted(set(importer.stores.values())), True
    except Unreadable as problem:
        report.written = 0
        report.refused(refusal(problem, web=options.via == ImportBatch.Via.WEB))
    except IntegrityError:  # a concurrent change the checks could not see; the transaction is rolled back
        report.written = 0
        report.file_error(_("The database refused the import because records changed meanwhile; nothing was "
                            "saved. Import the file again."))
    return [], False

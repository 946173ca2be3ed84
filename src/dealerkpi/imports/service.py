"""Importing a file: who may, into which stores, in one transaction, and the audit record of every attempt.

    importable_stores(viewer)             -> the stores a viewer may import into ("imports.import_data", rules.py)
    import_file(kind, file, name, viewer) -> Outcome(batch, report): everything written, or nothing
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import IO

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Store, User

from .columns import COLUMNS
from .deliveries import DeliveryImport
from .engine import Context, Progress, read_header
from .followups import FollowUpImport
from .models import ImportBatch
from .reading import COMMAND_LIMITS, Limits, Unreadable, fingerprint, open_table, refusal, web_limits
from .report import Report
from .workbooks import error_report

IMPORTERS = {ImportBatch.Kind.FOLLOW_UPS: FollowUpImport, ImportBatch.Kind.DELIVERIES: DeliveryImport}


def importable_stores(viewer: Viewer) -> QuerySet[Store]:
    if not rules.has_perm("imports.import_data", viewer):
        return Store.objects.none()
    return visible_to(Store.objects.all(), viewer).order_by("code")


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    user: User | None = None
    actor: str = ""
    via: str = ImportBatch.Via.WEB
    keep_report: bool = True  # store the error report (.xlsx) with the batch
    progress: Progress | None = None

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
    written when any row is wrong. Every attempt is recorded as an ImportBatch."""
    options = options or Options()
    if not rules.has_perm("imports.import_data", viewer):
        raise PermissionDenied(_("Imports are for sales managers, general managers and head office."))
    started, clock = timezone.now(), time.perf_counter()
    digest, size = fingerprint(raw)
    context = Context(viewer, Report(), started, write=not options.dry_run, progress=options.progress)
    stores, readable = _run(kind, raw, name, context, options)
    report = context.report
    keep = options.keep_report and readable and not report.ok
    blob = error_report(raw, name, report, options.limits) if keep else None
    outcome = (ImportBatch.Outcome.REJECTED if not report.ok
               else ImportBatch.Outcome.CHECKED if options.dry_run else ImportBatch.Outcome.IMPORTED)
    batch = ImportBatch.objects.create(
        kind=kind, outcome=outcome, via=options.via, file_name=name[-200:], file_size=size, file_sha256=digest,
        rows=report.rows, written=report.written, error_count=report.error_count, imported_by=options.user,
        actor=(options.actor or (options.user.get_username() if options.user else ""))[:150], started_at=started,
        seconds=round(time.perf_counter() - clock, 3), report=blob,
    )
    batch.stores.set(stores)
    return Outcome(batch, report)


def _run(kind: str, raw: IO[bytes], name: str, context: Context, options: Options) -> tuple[list[int], bool]:
    """(ids of the file's stores, whether the file was read to its end). Rolls back unless clean and writing."""
    report = context.report
    try:
        with open_table(raw, name, options.limits) as table, transaction.atomic():
            header = read_header(table.header, COLUMNS[kind], report)
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
            return sorted(set(importer.stores.values())), True
    except Unreadable as problem:
        report.written = 0
        report.refused(refusal(problem, web=options.via == ImportBatch.Via.WEB))
    except IntegrityError:  # a concurrent change the checks could not see; the transaction is rolled back
        report.written = 0
        report.file_error(_("The database refused the import because records changed meanwhile; nothing was "
                            "saved. Import the file again."))
    return [], False

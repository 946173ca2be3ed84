"""`dealerkpi import KIND FILE [--dry-run] [--mapping NAME]`: import a file as an administrator (any store). KIND is
staff, catalogue, targets, leads, followups, visits, vehicles, orders, payments or deliveries.

Exit status 0 when the file was imported (or, with --dry-run, is correct), 1 when any row is wrong (nothing is
written; the problems are printed by row and column), 2 for a wrong command line.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealerkpi.core.commands import acting_for, add_acting_option
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.imports.models import ColumnMapping, ImportBatch
from dealerkpi.imports.report import SHOWN
from dealerkpi.imports.service import Options, Outcome, import_file

KINDS = {"followups": ImportBatch.Kind.FOLLOW_UPS, "follow_ups": ImportBatch.Kind.FOLLOW_UPS,
         "follow-ups": ImportBatch.Kind.FOLLOW_UPS,
         **{kind.value: kind for kind in ImportBatch.Kind if kind != ImportBatch.Kind.FOLLOW_UPS}}
STAGES = {"read": "reading rows", "check": "checking rows", "write": "writing records"}


class Command(BaseCommand):
    help = "Import records of one kind (staff, orders, deliveries...) from a CSV or Excel (.xlsx) file, for any store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
        parser.add_argument("file", type=Path, help="the .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--mapping", help="the name of a saved column mapping of the source (master data)")
        parser.add_argument("--report", type=Path, help="write the error report (.xlsx) here when rows are wrong")
        parser.add_argument("--max-errors", type=int, default=SHOWN, help=f"problems printed (default {SHOWN})")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=[c for c, _ in settings.LANGUAGES],
                            help="language of the messages (default: the site's)")
        add_acting_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        console = Console(file=self.stdout, highlight=False)
        kind = KINDS[options["kind"]]
        options["mapping"] = saved_mapping(kind, options["mapping"])
        with translation.override(options["language"]), acting_for(options), path.open("rb") as raw:
            outcome = self.run(console, kind, raw, path, options)
            self.summary(console, outcome, options)
        if not outcome.ok:
            raise CommandError(f"{outcome.report.error_count} problem(s); nothing was imported", returncode=1)

    def run(self, console: Console, kind: str, raw: Any, path: Path, options: dict[str, Any]) -> Outcome:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=None)
                bar.update(tasks[stage], completed=done)

            choices = Options(dry_run=options["dry_run"], actor=f"command line ({getpass.getuser()})",
                              via=ImportBatch.Via.COMMAND, keep_report=options["report"] is not None,
                              progress=progress, mapping=options["mapping"])
            return import_file(kind, raw, path.name, Viewer(Reach.EVERYTHING), choices)

    def summary(self, console: Console, outcome: Outcome, options: dict[str, Any]) -> None:
        report, batch = outcome.report, outcome.batch
        if outcome.ok:
            verb = "checked, nothing written" if options["dry_run"] else f"imported {report.written:,} records"
            console.print(f"{path_name(batch)}: {report.rows:,} rows {verb} (import #{batch.pk}, {batch.seconds}s).")
            if report.unchanged:
                console.print(f"{report.unchanged:,} rows were there already and were left as they are.")
            return
        table = Table("row", "column", "value", title=f"{path_name(batch)}: nothing was imported")
        table.add_column("problem", overflow="fold")
        for error in report.sorted_errors()[:options["max_errors"]]:
            table.add_row(str(error.row or "-"), error.column or "-", error.value, error.message)
        console.print(table)
        more = report.error_count - min(report.error_count, options["max_errors"])
        console.print(f"{report.error_count:,} problem(s) in {len(report.bad_rows):,} of {report.rows:,} rows"
                      + (f"; {more:,} more not printed" if more else "") + ".")
        if options["report"] is not None and batch.report:
            options["report"].write_bytes(bytes(batch.report))
            console.print(f"Error report: {options['report']}")


def path_name(batch: ImportBatch) -> str:
    return f"{batch.get_kind_display()} {batch.file_name}"


def saved_mapping(kind: str, name: str | None) -> ColumnMapping | None:
    """The saved column mapping of that name for the kind; a wrong name is a wrong command line (status 2)."""
    if not name:
        return None
    found = list(ColumnMapping.objects.filter(kind=kind, name=name)[:2])
    if len(found) != 1:
        raise CommandError(f"{'no' if not found else 'more than one'} column mapping {name!r} for {kind}",
                           returncode=2)
    return found[0]

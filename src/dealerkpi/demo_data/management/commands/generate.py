"""`dealerkpi generate --scale S|M|L --seed N`: fill an empty database with a realistic dealer group."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealerkpi.demo_data.generate import SH, AlreadyPopulated, Generator
from dealerkpi.demo_data.manufacturer import seed_manufacturer
from dealerkpi.demo_data.oem import seed_oem
from dealerkpi.demo_data.pay import seed_pay
from dealerkpi.demo_data.scales import SCALES
from dealerkpi.demo_data.store_rules import seed_store_rules


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--until takes a date as YYYY-MM-DD, not {value!r}.") from exc


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise CommandError(f"expected a positive number, not {value}")
    return number


class _RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def phase(self, name: str, total: int) -> None:
        self.tasks[name] = self.progress.add_task(name, total=total)

    def advance(self, name: str, steps: int = 1) -> None:
        self.progress.advance(self.tasks[name], steps)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic dealer group: S = 2 stores x 14 months (the demo), "
        "M = 50 stores x 12 months, L = 1,000 stores x 1 month. The same seed and --until give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="S", help="S, M or L (default S)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--until",
            type=_date,
            default=None,
            help="last day of the data, YYYY-MM-DD (default: today in Shanghai)",
        )
        parser.add_argument(
            "--stores", type=_positive, default=None, help="number of stores (overrides the scale)"
        )
        parser.add_argument(
            "--months", type=_positive, default=None, help="number of months (overrides the scale)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = SCALES[options["scale"]].override(stores=options["stores"], months=options["months"])
        until = options["until"]
        if isinstance(until, str):  # from call_command(), which does not run the argument's type
            until = _date(until)
        until = until or timezone.now().astimezone(SH).date()
        console = Console(file=self.stdout, stderr=False, highlight=False, force_terminal=None)
        began = time.perf_counter()
        console.print(
            f"Generating scale {scale.name}: {scale.stores} store(s) in {scale.regions} region(s), "
            f"{scale.months} month(s) up to {until:%Y-%m-%d}, seed {options['seed']}"
        )
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            generator = Generator(
                seed=options["seed"],
                scale=scale,
                until=until,
                using=options["database"],
                reporter=_RichReporter(progress),
            )
            try:
                result = generator.run()
            except AlreadyPopulated as exc:
                raise CommandError(
                    f"{exc} Generate into a fresh database (e.g. remove the SQLite file, or create a new "
                    "PostgreSQL database and migrate it)."
                ) from exc
            result.counts.update(seed_pay(generator.window_start, until, options["seed"]))
            result.counts.update(seed_manufacturer(until, options["seed"]))  # invoice days: before the policy's targets
            result.counts.update(seed_oem(generator.window_start, until, options["seed"]))
            result.counts.update(seed_store_rules(until, options["seed"]))
        table = Table(title="Rows written")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for label, count in result.counts.items():
            table.add_row(label, f"{count:,}")
        table.add_row("[bold]total[/bold]", f"[bold]{sum(result.counts.values()):,}[/bold]")
        console.print(table)
        console.print(f"Done in {time.perf_counter() - began:.1f} s. Every user's password is 'demo1234'.")

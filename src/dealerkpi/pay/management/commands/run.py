"""`dealerkpi run --period YYYY-MM --store CODE ... [--as USERNAME]`: compute bonus runs from the command line,
with progress. The runs are started by, and audited as, the user named by ``--as`` (else ``cli:<login>``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealerkpi.core.commands import acting_for, add_acting_option
from dealerkpi.org.models import DealerGroup, Store
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run, with_payout
from dealerkpi.plans.engine import Period


class Command(BaseCommand):
    help = "Compute the month's bonus run of one or more stores (a new version of each store's run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="the month, YYYY-MM")
        parser.add_argument("--store", action="append", default=[], help="store code (repeat for several)")
        parser.add_argument("--group", help="every store of this dealer group")
        parser.add_argument("--batch", type=int, default=runs.STORES_READ_TOGETHER,
                            help="stores whose plans and records are read together (memory grows with it)")
        parser.add_argument("--workers", type=int, default=1,
                            help="processes computing batches side by side (PostgreSQL; e.g. the number of cores)")
        add_acting_option(parser)

    def stores(self, options: dict[str, Any]) -> list[Store]:
        stores = Store.objects.select_related("region__group").order_by("code")
        if options["group"]:
            if not DealerGroup.objects.filter(code=options["group"]).exists():
                raise CommandError(f"no dealer group with code {options['group']!r}")
            return list(stores.filter(region__group__code=options["group"]))
        if not options["store"]:
            raise CommandError("name the stores with --store CODE, or a whole group with --group CODE")
        found = list(stores.filter(code__in=options["store"]))
        missing = sorted(set(options["store"]) - {store.code for store in found})
        if missing:
            raise CommandError(f"no store with code {', '.join(missing)}")
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        console = Console(file=self.stdout)
        done: list[Run] = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        stores = self.stores(options)
        with acting_for(options), Progress(*columns, console=console, transient=False) as bar:
            if len(stores) == 1:
                job = bar.add_task(f"{stores[0].code} {period}", total=None)
                done.append(runs.compute(runs.new_run(stores[0], period),
                                         lambda n, total: bar.update(job, completed=n, total=total)))
            else:
                job = bar.add_task(f"{len(stores)} stores {period}", total=len(stores))
                for run in runs.compute_stores_in_workers(stores, period, options["workers"], options["batch"]):
                    done.append(run)
                    bar.update(job, advance=1, description=f"{run.store.code} {period}")
        self.summary(console, done)
        if any(run.status == Run.Status.FAILED for run in done):
            raise CommandError("some runs failed; the previous versions are unchanged")

    @staticmethod
    def summary(console: Console, done: list[Run]) -> None:
        table = Table("store", "month", "version", "status", "people", "total")
        shown = with_payout(Run.objects.filter(pk__in=[run.pk for run in done])).select_related("store").in_bulk()
        for run in (shown[run.pk] for run in done):
            table.add_row(run.store.code, f"{run.period:%Y-%m}", str(run.number), run.get_status_display(),
                          str(run.people), f"{run.payout or 0:,.2f}" if run.status != Run.Status.FAILED else run.error)
        console.print(table)

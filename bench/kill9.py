"""kill -9 during a bonus run, an import and the job worker: is anything left half-written or stuck?

    .venv/bin/python bench/kill9.py                      # an SQLite file under /tmp/dealerkpi-kill9
    .venv/bin/python bench/kill9.py --postgres postgres://postgres@127.0.0.1:5432/dealerkpi_kill9

A fresh database (the SQLite file, or the PostgreSQL database dropped and created again: its name must say
`bench` or `kill9`) is migrated and filled by `dealerkpi generate` (scale S, October 2026). Then, for each
scenario, one unkilled reference and `--trials` trials, each a real `dealerkpi` process killed with SIGKILL
at a random moment (seeded) of its work: after the sign that its work began, within the time the reference
took from that sign to its end as the database shows it. *Killed mid-way*: the process was still running
and its work was not all in the database (a run not yet a draft; the file's rows or their import record
missing). A reference slower than the trials (the first run on a fresh database) sends some kills after the
end: they are counted as trials, not as mid-way.

- **run**: `dealerkpi run --period 2026-10 --group G` (each store its own run). Begun: its first run row.
  Half-written: a run queued, computing or failed with statements; a finished run whose statements are not
  one per person it counted, whose totals differ from the reference's, or a statement whose total is not the
  sum of its lines. Then the stall timeout passes (the runs' heartbeats are set back by
  `PAY_RUN_STALLED_MINUTES` + 1 minutes) and `pay.runs.give_up_stalled` runs, as the run page does; stuck: a
  run still queued or computing. Done again: `dealerkpi run` once more gives the reference's totals.
- **import**: `dealerkpi import followups FILE` of `--rows` A-card follow-ups taken out of the database
  (contacts older than their card's latest, so they come back as history). Begun: the process has the file
  open. Half-written: some but not all of the file's rows in the database, or all of them without their
  import record (`ImportBatch`), or the record without them. Done again: the same command imports every row;
  stuck: it does not end.
- **worker**: `dealerkpi run_huey` (the Huey consumer, its SQLite storage under the work folder) computing a
  store's run queued as the run page queues it (`runs.new_run`, then `pay.tasks.compute_run`). Begun: the run
  is computing. Half-written as for *run*. Then the heartbeat is set back and the worker started again: its
  start-up gives up the stalled run; stuck: the run still busy a minute later. Done again: a new run
  queued to the restarted worker gives the reference's totals.

Prints the table of docs/reliability.md (and a BENCH-RESULT line); exits 1 if anything is half-written,
stuck or not done again. Linux only (it reads /proc/<pid>/fd).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from common import emit, setup_django

PERIOD = "2026-10"
UNTIL = "2026-10-31"
WAIT = 60.0  # seconds: longer than anything here takes, so a wait that runs out is something stuck
POLL = 0.005
FEN = Decimal("0.01")
SCENARIOS = ("run", "import", "worker")


@dataclass
class Tally:
    scenario: str
    trials: int = 0
    mid_way: int = 0  # kills that landed while the work was under way
    half_written: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    done_again: int = 0
    seconds: float = 0.0
    window: float = 0.0  # seconds from the sign that the reference's work began to its end, seen in the database

    def note(self, trials: list[str], problems: list[str]) -> None:
        """A trial that left `problems`: one entry of `trials` (half-written or stuck), naming the first few."""
        if problems:
            more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
            trials.append(f"trial {self.trials}: {'; '.join(problems[:3])}{more}")


@dataclass
class Bench:
    workdir: Path
    rng: random.Random
    rows: int
    logs: int = 0

    def launch(self, *args: str) -> subprocess.Popen:
        """A `dealerkpi` process, its output in a log file of the work folder, in a session of its own."""
        self.logs += 1
        with (self.workdir / "logs" / f"{self.logs:03d}-{args[0]}.log").open("wb") as log:
            return subprocess.Popen([sys.executable, "-m", "dealerkpi.cli", *args], stdout=log,
                                    stderr=subprocess.STDOUT, env=os.environ, start_new_session=True)

    def kill_within(self, process: subprocess.Popen, window: float) -> bool:
        """kill -9 at a random moment within `window` seconds from now; whether it was still running."""
        time.sleep(self.rng.uniform(0, window))
        alive = process.poll() is None
        if alive:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return alive


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    return True


def finished(process: subprocess.Popen, timeout: float = WAIT * 4) -> int | None:
    """The exit status of a process left to finish; None if it hangs (it is then killed)."""
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return None


# --- the database -----------------------------------------------------------------------------------------


def fresh_database(database_url: str) -> None:
    """An empty database: the SQLite file removed, the PostgreSQL database dropped and created again."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        return
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name and "kill9" not in name:
        raise SystemExit(f"{name}: the database is dropped and created again; give it a name with bench or kill9")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')


def prepare(args: argparse.Namespace, database_url: str) -> None:
    """The environment every process here shares, a fresh database with generated data, Django set up."""
    workdir: Path = args.workdir
    shutil.rmtree(workdir / "var", ignore_errors=True)
    shutil.rmtree(workdir / "logs", ignore_errors=True)
    (workdir / "logs").mkdir(parents=True)
    os.environ.update({"DATABASE_URL": database_url, "DEALERKPI_DEV": "1", "DJANGO_DEBUG": "0",
                       "DJANGO_SETTINGS_MODULE": "dealerkpi.settings", "DEALERKPI_VAR": str(workdir / "var"),
                       "DEALERKPI_TASKS_IMMEDIATE": "0"})
    os.environ.pop("DEALERKPI_TASKS_REDIS_URL", None)  # the embedded set-up: Huey's SQLite storage
    fresh_database(database_url)
    generate = ["generate", "--scale", args.scale, "--seed", str(args.seed), "--until", UNTIL]
    for command in (["migrate", "-v0"], generate + (["--months", str(args.months)] if args.months else [])):
        done = subprocess.run([sys.executable, "-m", "dealerkpi.cli", *command], capture_output=True, text=True,
                              env=os.environ, check=False)
        if done.returncode:
            raise SystemExit(f"dealerkpi {' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    setup_django(database_url)


# --- what a killed run may leave ---------------------------------------------------------------------------

Totals = dict[int, dict[int, object]]  # store id -> staff id -> total


def totals_of(runs: object) -> Totals:
    from dealerkpi.pay.models import Statement

    found: Totals = {}
    for store, staff, total in Statement.objects.filter(run__in=runs).values_list("store_id", "staff_id", "total"):
        found.setdefault(store, {})[staff] = total
    return found


def half_written_runs(runs: object, reference: Totals) -> list[str]:
    """What is half-written among `runs`: statements of a run that did not finish, a finished run with
    statements missing or other totals than the reference's, a statement whose lines do not add up to it."""
    from django.db.models import Count, Sum

    from dealerkpi.pay.models import Run, Statement

    found = []
    unfinished = (*Run.BUSY, Run.Status.FAILED)
    for run in Run.objects.filter(pk__in=runs).annotate(written=Count("statements")).order_by("pk"):
        if run.status in unfinished:
            if run.written:
                found.append(f"run {run.pk} {run.status} with {run.written} statements")
        elif run.written == 0 or run.written != run.progress_total:
            found.append(f"run {run.pk} {run.status}: {run.written} statements of {run.progress_total} people")
        elif totals_of([run.pk])[run.store_id] != reference[run.store_id]:
            found.append(f"run {run.pk}: totals other than the reference's")
    sums = (Statement.objects.filter(run__in=runs).annotate(lines_sum=Sum("lines__amount", default=Decimal(0)))
            .values_list("pk", "total", "lines_sum"))  # compared here: SQLite sums money as floats
    found += [f"statement {pk}: total {total} is not the sum of its lines, {lines}" for pk, total, lines in sums
              if total != Decimal(lines).quantize(FEN)]
    return found


def stalled_by_now(runs: object) -> None:
    """The stall timeout passes: the busy runs' last sign of progress is set back beyond it."""
    from django.conf import settings
    from django.utils import timezone

    from dealerkpi.pay.models import Run

    past = timezone.now() - datetime.timedelta(minutes=settings.PAY_RUN_STALLED_MINUTES + 1)
    busy = Run.objects.filter(pk__in=runs, status__in=Run.BUSY)
    busy.filter(heartbeat_at__isnull=False).update(heartbeat_at=past)
    busy.update(created_at=past)


# --- the scenarios ------------------------------------------------------------------------------------------


def new_runs_since(last: int) -> object:
    from dealerkpi.pay.models import Run

    return Run.objects.filter(pk__gt=last)


def latest_run() -> int:
    from django.db.models import Max

    from dealerkpi.pay.models import Run

    return Run.objects.aggregate(last=Max("pk"))["last"] or 0


def scenario_run(bench: Bench, trials: int) -> Tally:
    """`dealerkpi run --group` killed; the runs given up once stalled and computed again."""
    from dealerkpi.org.models import DealerGroup, Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run

    group = DealerGroup.objects.get()
    stores = Store.objects.filter(region__group=group).count()
    command = ("run", "--period", PERIOD, "--group", group.code)
    tally = Tally("run")

    def all_drafts(since: int) -> bool:
        return new_runs_since(since).filter(status=Run.Status.DRAFT).count() == stores

    last = latest_run()
    process = bench.launch(*command)
    wait_for(lambda: new_runs_since(last).exists())
    began = time.monotonic()
    wait_for(lambda: all_drafts(last) or process.poll() is not None)
    tally.window = time.monotonic() - began
    if finished(process) != 0 or not all_drafts(last):
        raise SystemExit("the reference run failed: see the logs of the work folder")
    reference = totals_of(new_runs_since(last))
    started = time.monotonic()
    for _trial in range(trials):
        tally.trials += 1
        last = latest_run()
        process = bench.launch(*command)
        wait_for(lambda: new_runs_since(last).exists() or process.poll() is not None)  # noqa: B023
        killed = bench.kill_within(process, tally.window)
        mine = list(new_runs_since(last).values_list("pk", flat=True))
        tally.mid_way += killed and not all_drafts(last)
        tally.note(tally.half_written, half_written_runs(mine, reference))
        stalled_by_now(mine)
        runs.give_up_stalled()
        tally.note(tally.stuck, [f"run {pk} still {status}" for pk, status in
                                 Run.objects.filter(pk__in=mine, status__in=Run.BUSY).values_list("pk", "status")])
        again = latest_run()
        if finished(bench.launch(*command)) == 0 and all_drafts(again) \
                and totals_of(new_runs_since(again)) == reference:
            tally.done_again += 1
    tally.seconds = time.monotonic() - started
    return tally


def take_out_follow_ups(path: Path, rows: int) -> int:
    """The file to import: `rows` contacts, each older than its card's latest, written as a store's system
    exports them (the importer's English column names, local times) and deleted. How many."""
    from django.db import transaction
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.imports.columns import FOLLOW_UP_COLUMNS

    later = FollowUp.objects.filter(lead=OuterRef("lead"), at__gt=OuterRef("at"))
    chosen = list(FollowUp.objects.filter(Exists(later)).order_by("pk").values_list("pk", flat=True)[:rows])
    table = (FollowUp.objects.filter(pk__in=chosen).order_by("pk")
             .values_list("store__code", "lead_id", "staff__employee_no", "at", "channel", "outcome",
                          "grade_after", "due_on", "next_due_on", "note"))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([column.key for column in FOLLOW_UP_COLUMNS])
        for store, lead, staff, at, *rest in table.iterator(chunk_size=5000):
            writer.writerow([store, lead, staff, timezone.localtime(at).isoformat(),
                             *("" if value is None else value for value in rest)])
    with transaction.atomic():
        FollowUp.objects.filter(pk__in=chosen).delete()
    return len(chosen)


def has_open(pid: int, path: Path) -> bool:
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(folder / fd) == str(path) for fd in os.listdir(folder))
    except OSError:  # the process has ended, or a descriptor closed while listed
        return False


def scenario_import(bench: Bench, trials: int) -> Tally:
    """`dealerkpi import followups` killed; all rows or none, then the same import again."""
    from django.db.models import Max

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.imports.models import ImportBatch

    path = (bench.workdir / "follow_ups.csv").resolve()
    rows = take_out_follow_ups(path, bench.rows)
    top = FollowUp.objects.aggregate(top=Max("pk"))["top"] or 0
    command = ("import", "followups", str(path))
    tally = Tally("import")

    def written() -> int:
        return FollowUp.objects.filter(pk__gt=top).count()

    def take_back_out() -> None:
        FollowUp.objects.filter(pk__gt=top).delete()

    process = bench.launch(*command)
    wait_for(lambda: has_open(process.pid, path) or process.poll() is not None)
    began = time.monotonic()
    wait_for(lambda: written() == rows or process.poll() is not None)
    tally.window = time.monotonic() - began
    if finished(process) != 0 or written() != rows:
        raise SystemExit("the reference import failed: see the logs of the work folder")
    take_back_out()
    started = time.monotonic()
    for _trial in range(trials):
        tally.trials += 1
        batches = ImportBatch.objects.aggregate(last=Max("pk"))["last"] or 0
        process = bench.launch(*command)
        wait_for(lambda: has_open(process.pid, path) or process.poll() is not None)  # noqa: B023
        killed = bench.kill_within(process, tally.window)
        found = written()
        recorded = ImportBatch.objects.filter(pk__gt=batches, outcome=ImportBatch.Outcome.IMPORTED).exists()
        tally.mid_way += killed and not (found == rows and recorded)
        if (found or recorded) and (found != rows or not recorded):
            tally.note(tally.half_written, [f"{found} of {rows} rows written" + ("" if recorded else ", no record")])
        take_back_out()
        status = finished(bench.launch(*command))
        if status is None:
            tally.note(tally.stuck, ["the import again did not end"])
        elif status == 0 and written() == rows:
            tally.done_again += 1
        take_back_out()
    tally.seconds = time.monotonic() - started
    return tally


def scenario_worker(bench: Bench, trials: int) -> Tally:
    """The job worker killed while it computes; started again, it gives the run up; a new run computes."""
    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run
    from dealerkpi.pay.tasks import compute_run
    from dealerkpi.plans.engine import Period

    store = Store.objects.order_by("code").first()
    period = Period.parse(PERIOD)
    tally = Tally("worker")

    def queue() -> Run:
        run = runs.new_run(store, period)
        compute_run(run.pk, run.created_by_id)
        return run

    def status_of(run: Run) -> str:
        return Run.objects.filter(pk=run.pk).values_list("status", flat=True).get()

    worker = bench.launch("run_huey")
    run = queue()
    wait_for(lambda: status_of(run) != Run.Status.QUEUED)
    began = time.monotonic()
    if not wait_for(lambda: status_of(run) not in Run.BUSY) or status_of(run) != Run.Status.DRAFT:
        raise SystemExit("the reference run of the worker failed: see the logs of the work folder")
    tally.window = time.monotonic() - began
    reference = totals_of([run.pk])
    started = time.monotonic()
    try:
        for _trial in range(trials):
            tally.trials += 1
            run = queue()
            if not wait_for(lambda: status_of(run) != Run.Status.QUEUED):  # noqa: B023
                tally.note(tally.stuck, [f"run {run.pk} never taken by the worker"])
            killed = bench.kill_within(worker, tally.window)
            tally.mid_way += killed and status_of(run) == Run.Status.COMPUTING
            tally.note(tally.half_written, half_written_runs([run.pk], reference))
            stalled_by_now([run.pk])
            worker = bench.launch("run_huey")  # its start-up gives up the runs whose job died
            if not wait_for(lambda: status_of(run) not in Run.BUSY):  # noqa: B023
                tally.note(tally.stuck, [f"run {run.pk} still {status_of(run)} after the worker restarted"])
            again = queue()
            if wait_for(lambda: status_of(again) == Run.Status.DRAFT) and totals_of([again.pk]) == reference:  # noqa: B023
                tally.done_again += 1
    finally:
        worker.send_signal(signal.SIGINT)  # Huey's graceful stop
        if finished(worker, WAIT) is None:
            tally.stuck.append("the worker did not stop")
    tally.seconds = time.monotonic() - started
    return tally


# --- the report ---------------------------------------------------------------------------------------------


def table(database: str, tallies: list[Tally]) -> str:
    lines = [f"{database}:", "",
             "| scenario | trials | killed mid-way | half-written | stuck | done again | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {t.scenario} | {t.trials} | {t.mid_way} | {len(t.half_written)} | {len(t.stuck)} | "
              f"{t.done_again} | {t.seconds:.0f} |" for t in tallies]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database (dropped and created again), "
                                                          "postgres://user@host:port/name; default: SQLite")
    parser.add_argument("--trials", type=int, default=10, help="kills per scenario (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="the data's and the kill moments' seed")
    parser.add_argument("--scale", default="S", choices=["S", "M"], help="dealerkpi generate --scale")
    parser.add_argument("--months", type=int, help="dealerkpi generate --months (default: the scale's)")
    parser.add_argument("--rows", type=int, default=20_000, help="follow-ups in the imported file")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="only these (repeat)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dealerkpi-kill9"),
                        help="the SQLite file, the worker's queue, the file imported and the logs")
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    database_url = args.postgres or f"sqlite:///{args.workdir / 'kill9.sqlite3'}"
    started = time.monotonic()
    prepare(args, database_url)
    prepared = time.monotonic() - started
    bench = Bench(args.workdir, random.Random(args.seed), args.rows)
    chosen = args.scenario or SCENARIOS
    run_each = {"run": scenario_run, "import": scenario_import, "worker": scenario_worker}
    tallies = [run_each[name](bench, args.trials) for name in SCENARIOS if name in chosen]
    from django.db import connection

    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(table(f"{database} ({args.scale} scale, seed {args.seed}; data generated in {prepared:.0f} s)", tallies))
    for tally in tallies:
        for problem in tally.half_written + tally.stuck:
            print(f"{tally.scenario}: {problem}")
    emit({"database": database, "prepared": prepared, "tallies": [asdict(t) for t in tallies]})
    failed = any(t.half_written or t.stuck or t.done_again < t.trials for t in tallies)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

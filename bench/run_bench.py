"""Month-end bonus run: wall time and peak memory of computing every store's run for a month.

    .venv/bin/python bench/run_bench.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores N] [--repeat 3]

Each repetition is a fresh child process that does what `dealerkpi run --period P --group G` does:
`runs.compute_stores(stores, period, batch=N)` in store-code order (`--way runs`, the default; `--batch`, default
50 = `runs.STORES_READ_TOGETHER`): for each batch of stores, everything the runs read (plans, people,
targets, ratings, history, stage, adjustments, and the metrics and deals grouped by store) in one set of
queries, then for each store a new run version, the engine, and its statements written in one transaction.
`--way per_store` computes store by store as before (`runs.compute(runs.new_run(store, period))`, each
store reading its own inputs). It reports the wall time of the loop, the child's peak RSS, the number of SQL
statements, and where the time went: read = `read_store_months` / `read_store_month` plus any metrics read
during evaluation (`metrics.period_inputs*`), engine = `runs.evaluate_store` without the metrics it reads,
write = `runs.write_statements`; the rest is the run rows (new version, status, progress). On PostgreSQL, from
the second batch on, reading happens in a thread while the batch before computes and writes (`runs._read_ahead`),
so read + engine + write add up to more than the wall time. Between
repetitions the parent deletes the runs the child made (not timed), so every repetition starts from the same
database.

`--stores N` takes the first N stores by code (the scaling benchmark uses this). `--way metrics_per_store`
times only the metrics a run reads (`metrics.period_inputs` store by store); `--way metrics_group` times a
group-wide metrics pass (`metrics.period_inputs` over all the stores at once, or `--batch N` stores a pass).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import threading
import time

from common import emit, peak_rss_mb, peak_rss_of_children_mb, record, run_child, setup_django, spread


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection
    from django.db.backends.signals import connection_created

    from dealerkpi import metrics
    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run
    from dealerkpi.plans.engine import Period

    spent = {"read": 0.0, "metrics": 0.0, "engine": 0.0, "write": 0.0}

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    metrics.period_inputs = timed("metrics", metrics.period_inputs)
    metrics.period_inputs_by_store = timed("metrics", metrics.period_inputs_by_store)
    runs.read_store_months = timed("read", runs.read_store_months)
    runs.read_store_month = timed("read", runs.read_store_month)
    runs.evaluate_store = timed("engine", runs.evaluate_store)
    runs.write_statements = timed("write", runs.write_statements)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    collecting = {"seconds": 0.0, "started": 0.0, "full": 0}

    def garbage_collection(phase: str, info: dict) -> None:  # the time Python's cyclic collector takes
        if phase == "start":
            collecting["started"] = time.perf_counter()
            return
        collecting["seconds"] += time.perf_counter() - collecting["started"]
        collecting["full"] += info["generation"] == 2

    gc.callbacks.append(garbage_collection)
    period = Period.parse(args.period)
    stores = Store.objects.select_related("region__group").order_by("code")
    if args.group:
        stores = stores.filter(region__group__code=args.group)
    stores = list(stores[: args.stores] if args.stores else stores)
    rss_before = peak_rss_mb()
    statements = failed = 0
    if args.way.startswith("metrics"):  # the metrics alone: per store as a run reads them, or group-wide in batches
        metrics_only(args, stores, period, count, rss_before)
        return
    profiler = cProfile.Profile() if args.profile else None
    reader_profiler = profile_the_reading_thread() if args.profile else None
    connection.ensure_connection()
    # a run reads its next batch on a second connection, in a thread (runs._read_ahead): count its statements too
    connection_created.connect(lambda sender, connection, **kwargs: connection.execute_wrappers.append(count),
                               weak=False)
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        if args.way == "per_store":
            done = (runs.compute(runs.new_run(store, period)) for store in stores)
        else:
            batch = args.batch or runs.STORES_READ_TOGETHER
            done = runs.compute_stores_in_workers(stores, period, args.workers, batch)
        for run in done:
            if run.status == Run.Status.FAILED:
                failed += 1
                print("FAILED", run.store.code, run.error)
            else:
                statements += run.progress_total
        wall = time.perf_counter() - started
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if reader_profiler:
        reader_profiler.dump_stats(f"{args.profile}.reader")
    # the metrics a batch reads are inside "read"; those a store reads while evaluating inside "engine"
    engine_alone = spent["engine"] - (spent["metrics"] if args.way == "per_store" else 0.0)
    read = spent["read"] + (spent["metrics"] if args.way == "per_store" else 0.0)
    emit({
        "way": args.way, "batch": args.batch if args.way == "runs" else None,
        "stores": len(stores), "statements": statements, "failed": failed, "seconds": round(wall, 3),
        "seconds_per_store": round(wall / max(len(stores), 1), 4), "queries": queries[0],
        "read_seconds": round(read, 3), "metrics_seconds": round(spent["metrics"], 3),
        "engine_seconds": round(engine_alone, 3), "write_seconds": round(spent["write"], 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_after_setup_mb": round(rss_before, 1),
        "gc_seconds": round(collecting["seconds"], 3), "gc_full_collections": collecting["full"],
        "workers": args.workers, "worker_peak_rss_mb": round(peak_rss_of_children_mb(), 1),
    })


def profile_the_reading_thread() -> cProfile.Profile:
    """A profiler of what the thread reading ahead does (cProfile sees one thread): runs._read_batch wrapped to
    enable it there; in the main thread the main profiler already sees it."""
    from dealerkpi.pay import runs

    reader_profiler, read_batch = cProfile.Profile(), runs._read_batch

    def read_batch_profiled(stores, period):  # noqa: ANN202
        if threading.current_thread() is threading.main_thread():
            return read_batch(stores, period)
        reader_profiler.enable()
        try:
            return read_batch(stores, period)
        finally:
            reader_profiler.disable()

    runs._read_batch = read_batch_profiled
    return reader_profiler


def metrics_only(args, stores, period, count, rss_before) -> None:
    from django.db import connection

    from dealerkpi import metrics

    queries = [0]

    def counting(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    rows = 0
    with connection.execute_wrapper(counting):
        started = time.perf_counter()
        if args.way == "metrics_per_store":
            for store in stores:
                actuals, deals = metrics.period_inputs(store, period)
                rows += len(actuals)
        else:
            ids = [store.pk for store in stores]
            batch = args.batch or len(ids)
            for at in range(0, len(ids), batch):
                actuals, deals = metrics.period_inputs(ids[at: at + batch], period)
                rows += len(actuals)
        wall = time.perf_counter() - started
    emit({"way": args.way, "batch": args.batch, "stores": len(stores), "rows": rows, "seconds": round(wall, 3),
          "seconds_per_store": round(wall / max(len(stores), 1), 4), "queries": queries[0],
          "peak_rss_mb": round(peak_rss_mb(), 1), "rss_after_setup_mb": round(rss_before, 1)})


def max_run_id(database_url: str) -> int:
    setup_django(database_url)
    from django.db.models import Max

    from dealerkpi.pay.models import Run

    return Run.objects.aggregate(m=Max("pk"))["m"] or 0


def delete_runs_after(run_id: int) -> None:
    """Remove the runs a repetition made, with their statements (set-based; not timed)."""
    from django.db import connection, transaction

    from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine, StatementQuery

    run, statement = Run._meta.db_table, Statement._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (StatementQuery, StatementLine, StatementIndicator):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE statement_id IN "
                f"(SELECT id FROM {statement} WHERE run_id > %s)", [run_id])
        cursor.execute(f"DELETE FROM {statement} WHERE run_id > %s", [run_id])
        cursor.execute(f"UPDATE {run} SET previous_id = NULL WHERE id > %s", [run_id])
        cursor.execute(f"DELETE FROM {run} WHERE id > %s", [run_id])
    from django.contrib.contenttypes.models import ContentType

    from dealerkpi.core.models import AuditEntry

    gone = [str(pk) for pk in AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Run))
            .values_list("object_id", flat=True).distinct() if int(pk) > run_id]
    for at in range(0, len(gone), 5000):  # the runs' audit trail (created, computed) goes with them
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Run),
                                  object_id__in=gone[at: at + 5000])._raw_delete(AuditEntry.objects.db)


def measure(database_url: str, period: str, stores: int | None, repeat: int, group: str | None = None,
            way: str = "runs", batch: int = 0, workers: int = 1) -> dict:
    """`repeat` child runs over the same stores; the database is put back after each."""
    base = max_run_id(database_url)
    results = []
    for _ in range(repeat):
        args = ["--database-url", database_url, "--period", period, "--way", way, "--batch", str(batch),
                "--workers", str(workers)]
        if stores:
            args += ["--stores", str(stores)]
        if group:
            args += ["--group", group]
        result = run_child("run_bench.py", args)
        print(result, flush=True)
        results.append(result)
        delete_runs_after(base)
    if way.startswith("metrics"):
        return {"way": way, "batch": batch, "stores": results[0]["stores"], "rows": results[0]["rows"],
                "queries": results[0]["queries"], "seconds": spread([r["seconds"] for r in results]),
                "seconds_per_store": spread([r["seconds_per_store"] for r in results]),
                "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]), "runs": results}
    return {
        "way": way, "batch": results[0]["batch"], "stores": results[0]["stores"],
        "statements": results[0]["statements"], "queries": results[0]["queries"], "failed": results[0]["failed"],
        **{name: spread([r[name] for r in results]) for name in (
            "seconds", "seconds_per_store", "read_seconds", "metrics_seconds", "engine_seconds", "write_seconds",
            "worker_peak_rss_mb")},
        "workers": workers,
        "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]),
        "runs": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--stores", type=int, default=None, help="only the first N stores by code")
    parser.add_argument("--group", default=None, help="only this dealer group's stores")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="a note stored with the result")
    parser.add_argument("--way", default="runs",
                        choices=("runs", "per_store", "metrics_per_store", "metrics_group"),
                        help="runs: the real bonus runs, as `dealerkpi run --group` (default); per_store: store by "
                             "store, each reading its own inputs; metrics_per_store: only metrics.period_inputs per "
                             "store; metrics_group: metrics.period_inputs over all the stores at once")
    parser.add_argument("--batch", type=int, default=0,
                        help="runs: stores read together (0: the product's default, 50); metrics_group: stores per "
                             "pass (0: all at once)")
    parser.add_argument("--workers", type=int, default=1,
                        help="runs: worker processes (as `dealerkpi run --workers N`); the read / engine / write "
                             "split is then not measured (it happens in the workers)")
    parser.add_argument("--profile", default="",
                        help="runs: one child, its cProfile stats written to this file (the thread reading ahead's "
                             "to this file .reader)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.profile:
        base = max_run_id(args.database_url)
        print(run_child("run_bench.py", ["--database-url", args.database_url, "--period", args.period, "--profile",
                                         args.profile, "--batch", str(args.batch),
                                         *(["--stores", str(args.stores)] if args.stores else [])]))
        delete_runs_after(base)
        return
    result = measure(args.database_url, args.period, args.stores, args.repeat, args.group, args.way, args.batch,
                     args.workers)
    record("run", {"database": args.database_url, "period": args.period, "label": args.label, **result})


if __name__ == "__main__":
    main()

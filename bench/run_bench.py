"""Month-end bonus run: wall time and peak memory of computing every store's run for a month.

    .venv/bin/python bench/run_bench.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores N] [--repeat 3]

Each repetition is a fresh child process that does what `dealerkpi run --period P --group G` does, store by
store in store-code order: `runs.new_run(store, period)` then the real `runs.compute(run)` (metrics, deals,
targets, history, the engine, the statements written in one transaction). It reports the wall time of the
loop, the child's peak RSS, the number of SQL statements, and where the time went (metrics = the
`metrics.period_inputs` calls; write = `runs.write_statements`; the rest is plans, members, targets,
history and the engine). Between repetitions the parent deletes the runs the child made (not timed), so
every repetition starts from the same database.

`--stores N` takes the first N stores by code (the scaling benchmark uses this). `--way metrics_per_store`
times only the metrics a run reads (`metrics.period_inputs` store by store); `--way metrics_group` times a
group-wide metrics pass (`metrics.period_inputs` over all the stores at once, or `--batch N` stores a pass),
which is what a group-wide run could read instead.
"""

from __future__ import annotations

import argparse
import time

from common import emit, peak_rss_mb, record, run_child, setup_django, spread


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection

    from dealerkpi.kpi import metrics, runs
    from dealerkpi.kpi.engine import Period
    from dealerkpi.kpi.models import Run
    from dealerkpi.org.models import Store

    spent = {"metrics": 0.0, "write": 0.0}

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    metrics.period_inputs = timed("metrics", metrics.period_inputs)
    runs.write_statements = timed("write", runs.write_statements)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    period = Period.parse(args.period)
    stores = Store.objects.select_related("region__group").order_by("code")
    if args.group:
        stores = stores.filter(region__group__code=args.group)
    stores = list(stores[: args.stores] if args.stores else stores)
    rss_before = peak_rss_mb()
    statements = failed = 0
    if args.way != "runs":  # the metrics alone: per store as a run reads them, or group-wide in batches
        metrics_only(args, stores, period, count, rss_before)
        return
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        for store in stores:
            run = runs.compute(runs.new_run(store, period))
            if run.status == Run.Status.FAILED:
                failed += 1
                print("FAILED", store.code, run.error)
            else:
                statements += run.progress_total
        wall = time.perf_counter() - started
    emit({
        "stores": len(stores), "statements": statements, "failed": failed, "seconds": round(wall, 3),
        "seconds_per_store": round(wall / max(len(stores), 1), 4), "queries": queries[0],
        "metrics_seconds": round(spent["metrics"], 3), "write_seconds": round(spent["write"], 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_after_setup_mb": round(rss_before, 1),
    })


def metrics_only(args, stores, period, count, rss_before) -> None:
    from django.db import connection

    from dealerkpi.kpi import metrics

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

    from dealerkpi.kpi.models import Run

    return Run.objects.aggregate(m=Max("pk"))["m"] or 0


def delete_runs_after(run_id: int) -> None:
    """Remove the runs a repetition made, with their statements (set-based; not timed)."""
    from django.db import connection, transaction

    from dealerkpi.kpi.models import Run, Statement, StatementIndicator, StatementLine
    from dealerkpi.kpi.models.runs import StatementQuery

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
            way: str = "runs", batch: int = 0) -> dict:
    """`repeat` child runs over the same stores; the database is put back after each."""
    base = max_run_id(database_url)
    results = []
    for _ in range(repeat):
        args = ["--database-url", database_url, "--period", period, "--way", way, "--batch", str(batch)]
        if stores:
            args += ["--stores", str(stores)]
        if group:
            args += ["--group", group]
        result = run_child("run_bench.py", args)
        print(result, flush=True)
        results.append(result)
        delete_runs_after(base)
    if way != "runs":
        return {"way": way, "batch": batch, "stores": results[0]["stores"], "rows": results[0]["rows"],
                "queries": results[0]["queries"], "seconds": spread([r["seconds"] for r in results]),
                "seconds_per_store": spread([r["seconds_per_store"] for r in results]),
                "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]), "runs": results}
    return {
        "stores": results[0]["stores"], "statements": results[0]["statements"], "queries": results[0]["queries"],
        "failed": results[0]["failed"],
        "seconds": spread([r["seconds"] for r in results]),
        "seconds_per_store": spread([r["seconds_per_store"] for r in results]),
        "metrics_seconds": spread([r["metrics_seconds"] for r in results]),
        "write_seconds": spread([r["write_seconds"] for r in results]),
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
    parser.add_argument("--way", default="runs", choices=("runs", "metrics_per_store", "metrics_group"),
                        help="runs: the real bonus runs (default); metrics_per_store: only metrics.period_inputs "
                             "per store; metrics_group: metrics.period_inputs over all the stores at once")
    parser.add_argument("--batch", type=int, default=0, help="metrics_group: stores per pass (0: all at once)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    result = measure(args.database_url, args.period, args.stores, args.repeat, args.group, args.way, args.batch)
    record("run", {"database": args.database_url, "period": args.period, "label": args.label, **result})


if __name__ == "__main__":
    main()

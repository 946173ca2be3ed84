"""The manufacturer's policy evaluated for the stores (oem.policy), as the policy page and head office's table do.

    .venv/bin/python bench/oem.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m \
        --scope store|group --month 2026-10 --today 2026-10-20 [--repeat 3]

Generated data carries the example policy of each brand, the manufacturer's targets and scores
(`demo_data/oem.py`). Each repetition is a fresh child process that evaluates the month for one store (`--scope
store`, the first by code: the quarter's months in order, the month to date and projected when `--today` falls in
it, and one more sale of each of the brand's models) or for every store of the group (`--scope group`: the table
head office reads). It reports the wall time, the SQL statements, the time reading the stores' figures and in the
engine, and the peak RSS.
"""

from __future__ import annotations

import argparse
import datetime
import time

from common import QueryCount, emit, peak_rss_mb, record, run_child, setup_django, spread, time_spent_in


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection

    from dealerkpi.catalog.models import VehicleModel
    from dealerkpi.oem import policy
    from dealerkpi.org.models import Store
    from dealerkpi.plans.engine import Period

    stores = list(Store.objects.select_related("region").filter(brand__isnull=False).order_by("code"))
    if args.scope == "store":
        stores = stores[:1]
    spent = {"read": 0.0, "engine": 0.0}

    time_spent_in(spent, "read", policy, "read_store_months")
    time_spent_in(spent, "engine", policy.engine, "evaluate_period")
    queries = QueryCount()

    today = datetime.date.fromisoformat(args.today)
    with connection.execute_wrapper(queries):
        started = time.perf_counter()
        found = policy.standings(stores, Period.parse(args.month), today)
        added = []
        if args.scope == "store" and found:
            standing = found[stores[0].pk]
            models = list(VehicleModel.objects.filter(brand_id=stores[0].brand_id))
            added = policy.one_more_sale(standing, models)
        wall = time.perf_counter() - started
    emit({
        "scope": args.scope, "stores": len(found), "month": args.month, "today": args.today,
        "rebates": str(sum(s.month.rebate for s in found.values())), "one_more_models": len(added),
        "seconds": round(wall, 3), "queries": queries.count, "read_seconds": round(spent["read"], 3),
        "engine_seconds": round(spent["engine"], 3), "peak_rss_mb": round(peak_rss_mb(), 1),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scope", choices=["store", "group"], default="store")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--today", default="2026-10-20", help="the day the month is read on (in it: projected)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    forwarded = ["--database-url", args.database_url, "--scope", args.scope, "--month", args.month,
                 "--today", args.today]
    results = [run_child("oem.py", forwarded) for _ in range(args.repeat)]
    summary = {"scope": args.scope, "month": args.month, "today": args.today, "stores": results[0]["stores"],
               "queries": results[0]["queries"], "seconds": spread([r["seconds"] for r in results]),
               "read_seconds": spread([r["read_seconds"] for r in results]),
               "engine_seconds": spread([r["engine_seconds"] for r in results]),
               "peak_rss_mb": max(r["peak_rss_mb"] for r in results), "rebates": results[0]["rebates"]}
    record("oem", summary)
    print(summary)


if __name__ == "__main__":
    main()

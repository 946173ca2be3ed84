"""What-if on history: a draft of the consultants' plan replayed on past months beside what was paid.

    .venv/bin/python bench/whatif.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m --prepare
    .venv/bin/python bench/whatif.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m \
        --scope store [--store CODE] --last 2026-10 --months 12 [--repeat 3] [--cold]

`--prepare` (once, not timed) computes and approves the bonus run of every month from `--first` to `--last`
for every store, month after month as a group's month-end does (`runs.compute_stores_in_workers`, `--workers`), so
that the months have final runs (what the published version paid) and their kept figures; and it starts a draft
of the group's consultant plan whose per-car award is 50 yuan higher (`studio.workflow.start_draft`); then ANALYZE.
Months that already have a final run are left as they are.

Each repetition is a fresh child process that does what the what-if page does for the draft, less the HTML:
`studio.whatif.what_if(draft, stores, periods)` for one store (`--scope store`, the first by code unless
`--store`), or every store of the group (`--scope group`), over the `--months` months ending `--last`: the replay
(`studio.replay.replay`) and every total, distribution and ranking of the page. It reports the wall time, the
SQL statements, the peak RSS and where the time went (reading the months, the engine, the statements paid).
`--cold` first deletes the figures runs kept (`pay.PeriodFigures`) of those stores and months, so the
repetition computes them from the records (and keeps them again): the cost of a first what-if on months whose
runs were made before figures were kept.
"""

from __future__ import annotations

import argparse
import time

from common import QueryCount, emit, peak_rss_mb, record, run_child, setup_django, spread, time_spent_in

DRAFT_NOTE = "bench: unit award +50"


def months(last: str, count: int) -> list:
    from dealerkpi.metrics.period import shift
    from dealerkpi.plans.engine import Period

    end = Period.parse(last)
    return [shift(end, n) for n in range(1 - count, 1)]


def prepare(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from dealerkpi.core.audit import audited_update
    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.inputs import FINAL
    from dealerkpi.pay.models import Run
    from dealerkpi.plans.models import Plan
    from dealerkpi.studio import workflow
    from dealerkpi.studio.models import PlanDraft

    stores = list(Store.objects.select_related("region__group").order_by("code"))
    for period in months(args.last, args.months):
        done = set(Run.objects.filter(period=period.first_day, status__in=FINAL).values_list("store_id", flat=True))
        todo = [store for store in stores if store.pk not in done]
        started = time.perf_counter()
        made = [run.pk for run in runs.compute_stores_in_workers(todo, period, args.workers)] if todo else []
        audited_update(Run.objects.filter(pk__in=made, status=Run.Status.DRAFT), status=Run.Status.APPROVED,
                       approved_at=timezone.now())
        print(f"{period}: {len(made)} runs computed and approved in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the statements just written: plans for the tables as they now are
    plan = Plan.objects.get(role="consultant", store__isnull=True)
    if not PlanDraft.objects.filter(plan=plan, note=DRAFT_NOTE).exists():
        writer = get_user_model().objects.filter(is_superuser=False, staff__role="head_office").first()
        draft = workflow.start_draft(plan, writer)
        document = draft.document.replace("amount: 150\n", "amount: 200\n", 1)
        assert document != draft.document, "the consultant plan has no per-car award of 150 to change"
        workflow.save_draft(draft, document, draft.effective_from, DRAFT_NOTE)
        print(f"draft {draft.pk} of {plan.code}")


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection

    from dealerkpi.org.models import Store
    from dealerkpi.pay import period_figures
    from dealerkpi.pay.models import PeriodFigures
    from dealerkpi.studio import replay, whatif
    from dealerkpi.studio.models import PlanDraft

    draft = PlanDraft.objects.select_related("plan").get(note=DRAFT_NOTE)
    stores = Store.objects.select_related("region__group").order_by("code")
    if args.scope == "store":
        stores = stores.filter(code=args.store) if args.store else stores[:1]
    stores = list(stores)
    periods = months(args.last, args.months)
    if args.cold:
        PeriodFigures.objects.filter(store__in=stores, period__in=[p.first_day for p in periods]).delete()
    spent = {"read": 0.0, "figures": 0.0, "engine": 0.0, "paid": 0.0}

    time_spent_in(spent, "read", replay, "read_store_months")
    time_spent_in(spent, "figures", period_figures.metrics, "period_inputs_by_store")
    time_spent_in(spent, "engine", replay, "evaluate_store")
    time_spent_in(spent, "paid", replay, "paid_results")
    queries = QueryCount()

    rss_before = peak_rss_mb()
    with connection.execute_wrapper(queries):
        started = time.perf_counter()
        result = whatif.what_if(draft, stores, periods)
        wall = time.perf_counter() - started
    emit({
        "scope": args.scope, "stores": len(stores), "months": len(periods), "cold": args.cold,
        "person_months": result.person_months, "old_total": str(result.totals.old),
        "new_total": str(result.totals.new), "seconds": round(wall, 3), "queries": queries.count,
        "read_seconds": round(spent["read"], 3), "computed_figures_seconds": round(spent["figures"], 3),
        "engine_seconds": round(spent["engine"], 3), "paid_seconds": round(spent["paid"], 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_after_setup_mb": round(rss_before, 1),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prepare", action="store_true", help="compute and approve the months' runs; a draft")
    parser.add_argument("--workers", type=int, default=2, help="with --prepare: processes computing the runs")
    parser.add_argument("--scope", choices=["store", "group"], default="store")
    parser.add_argument("--store", default="", help="the store's code (default: the first by code)")
    parser.add_argument("--last", default="2026-10", help="the last month, YYYY-MM")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--cold", action="store_true", help="delete the kept figures of those months first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args)
        return
    if args.child:
        child(args)
        return
    forwarded = ["--database-url", args.database_url, "--scope", args.scope, "--store", args.store,
                 "--last", args.last, "--months", str(args.months), *(["--cold"] if args.cold else [])]
    results = [run_child("whatif.py", forwarded) for _ in range(args.repeat)]
    summary = {key: spread([r[key] for r in results])
               for key in ("seconds", "read_seconds", "computed_figures_seconds", "engine_seconds", "paid_seconds",
                           "peak_rss_mb")}
    record("whatif", {**{k: results[0][k] for k in ("scope", "stores", "months", "cold", "person_months",
                                                      "queries", "old_total", "new_total")}, **summary})


if __name__ == "__main__":
    main()

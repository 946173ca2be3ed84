"""The same figures before and after a change: the month-end run of the stores, every statement written out.

    BENCH_SRC=/tmp/wt-before/src .venv/bin/python bench/same_figures.py --database-url postgres://... \
        --period 2026-10 --stores 100 --out /tmp/before.jsonl
    .venv/bin/python bench/same_figures.py --database-url postgres://... --period 2026-10 --stores 100 \
        --out /tmp/after.jsonl --compare /tmp/before.jsonl

Computes the run of the first `--stores` stores by code (`runs.compute_stores`, as `dealerkpi run` does) with the
code measured (BENCH_SRC, or this checkout), writes every statement as one JSON line (its store, person, plan
version, totals, scores, figures read, gates, warnings, and its indicators and lines with every value, input and
deal behind them), then deletes the runs it made, so the database is as it was. With `--compare`, it says how
many statements differ from an earlier file's and shows the first differences; it exits 1 if any does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import setup_django
from run_bench import delete_runs_after

STATEMENT = ("staff_id", "plan_version_id", "team_id", "weight_set", "stage", "total_score", "coefficient", "total",
             "carried_balance", "draw_outstanding", "paid_for_deals", "actuals", "targets", "month_metrics",
             "month_targets", "gates", "notes", "warnings", "error")
INDICATOR = ("position", "code", "metric", "actual", "target", "achievement", "score", "weight", "weighted_score",
             "skipped", "note", "rule_wording")
LINE = ("position", "category", "kind", "rule", "label", "amount", "exact", "inputs", "values", "deals",
        "wording")


def statements(period: str, stores: int) -> list[str]:
    from django.db.models import Max

    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine
    from dealerkpi.plans.engine import Period

    chosen = list(Store.objects.select_related("region__group").order_by("code")[:stores])
    before = Run.objects.aggregate(top=Max("pk"))["top"] or 0
    made = [run.pk for run in runs.compute_stores(chosen, Period.parse(period))]
    failed = Run.objects.filter(pk__in=made).exclude(status=Run.Status.DRAFT).count()
    indicators: dict[int, list] = {}
    for row in StatementIndicator.objects.filter(statement__run_id__in=made).order_by("position").values(
            "statement_id", *INDICATOR):
        indicators.setdefault(row.pop("statement_id"), []).append(row)
    lines: dict[int, list] = {}
    for row in StatementLine.objects.filter(statement__run_id__in=made).order_by("position").values(
            "statement_id", *LINE):
        lines.setdefault(row.pop("statement_id"), []).append(row)
    found = [
        json.dumps({"store": row.pop("run__store__code"), **row, "indicators": indicators.get(pk, []),
                    "lines": lines.get(pk, [])}, sort_keys=True, default=str, ensure_ascii=False)
        for pk, row in ((row.pop("id"), row) for row in Statement.objects.filter(run_id__in=made).values(
            "id", "run__store__code", *STATEMENT))
    ]
    delete_runs_after(before)
    if failed:
        raise SystemExit(f"{failed} run(s) failed")
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    setup_django(args.database_url)
    found = statements(args.period, args.stores)
    args.out.write_text("".join(f"{line}\n" for line in found), encoding="utf-8")
    print(f"{len(found)} statements of {args.stores} stores written to {args.out}")
    if args.compare is None:
        return
    earlier = args.compare.read_text(encoding="utf-8").splitlines()
    differ = [(a, b) for a, b in zip(earlier, found, strict=False) if a != b]
    print(f"{len(earlier)} statements in {args.compare}, {len(found)} now; {len(differ)} differ")
    for a, b in differ[:3]:
        print(f"- {a[:400]}\n+ {b[:400]}")
    if differ or len(earlier) != len(found):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The run's Python parts alone, each repeated in one process and its best time kept: what a change to the code
does to them, with less of the machine's drift than a whole run shows.

    .venv/bin/python bench/parts.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores 100] [--repeat 5] [--label TEXT]

A fresh child process reads what the first `--stores` stores' runs read (`pay.inputs.read_store_months`, as one
batch of the group run reads it), `--repeat` times, then evaluates every store from the last read
(`runs.evaluate_store`, as the run does, nothing written) `--repeat` times. It reports the fastest read and the
fastest evaluation (wall and CPU time of the process), and the people evaluated. Writing is not measured here:
run_bench.py measures the whole run. Alternate two copies of the code (`BENCH_SRC`) to compare them.
"""

from __future__ import annotations

import argparse
import time

from common import emit, record, run_child, setup_django


def timed(work) -> tuple[float, float, object]:  # noqa: ANN001
    """Wall and CPU seconds of `work()`, and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    return time.perf_counter() - wall, time.process_time() - cpu, done


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.inputs import read_store_months
    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    stores = list(Store.objects.select_related("region__group").order_by("code")[: args.stores])
    reads = [timed(lambda: read_store_months(stores, period)) for _ in range(args.repeat)]
    months = reads[-1][2]
    evaluations = [timed(lambda: [runs.evaluate_store(months[store.pk]) for store in stores])
                   for _ in range(args.repeat)]
    emit({
        "stores": len(stores), "people": sum(len(evaluated) for evaluated in evaluations[-1][2]),
        "read_seconds": round(min(wall for wall, _, _ in reads), 3),
        "read_cpu_seconds": round(min(cpu for _, cpu, _ in reads), 3),
        "engine_seconds": round(min(wall for wall, _, _ in evaluations), 3),
        "engine_cpu_seconds": round(min(cpu for _, cpu, _ in evaluations), 3),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    result = run_child("parts.py", ["--database-url", args.database_url, "--period", args.period,
                                    "--stores", str(args.stores), "--repeat", str(args.repeat)])
    print(result)
    record("parts", {"database": args.database_url, "period": args.period, "label": args.label, **result})


if __name__ == "__main__":
    main()

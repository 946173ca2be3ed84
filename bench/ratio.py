"""The month-end run against its bound: run / (read bound + write bound), measured in alternation.

    .venv/bin/python bench/ratio.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores N] [--repeat 3] [--workers 2]

Each round, every part a fresh child process, one after the other on the same machine: the read bound
(`lower_bound.py`), the group run in one process (`run_bench.py`, as `dealerkpi run --group`), the write bound
on that run's output (`lower_bound.py --write`), then, with `--workers N`, the group run in N processes; the
runs are deleted after each (not timed). The load average is taken before each part. The summary gives the
medians and the ratios of the run's medians to the sum of the bounds' medians, and the run's peak memory.
"""

from __future__ import annotations

import argparse
import os

import run_bench
from common import record, run_child, spread


def part(name: str, script: str, args: list[str]) -> dict:
    load = os.getloadavg()[0]
    result = run_child(script, args)
    print(name, {k: v for k, v in result.items() if k not in ("timings", "rows")}, flush=True)
    return {**result, "loadavg_before": round(load, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--stores", type=int, default=None, help="only the first N stores by code")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="also the run in N worker processes")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    common = ["--database-url", args.database_url, "--period", args.period,
              *(["--stores", str(args.stores)] if args.stores else [])]
    base = run_bench.max_run_id(args.database_url)
    rounds = []
    for _ in range(args.repeat):
        measured = {"read": part("read bound", "lower_bound.py", common),
                    "run": part("run, 1 process", "run_bench.py", common),
                    "write": part("write bound", "lower_bound.py", [*common, "--write"])}
        run_bench.delete_runs_after(base)
        if args.workers > 1:
            measured["workers"] = part(f"run, {args.workers} workers", "run_bench.py",
                                       [*common, "--workers", str(args.workers)])
            run_bench.delete_runs_after(base)
        rounds.append(measured)
    medians = {name: spread([r[name]["seconds"] for r in rounds]) for name in rounds[0]}
    bound = medians["read"]["median"] + medians["write"]["median"]
    summary = {
        "stores": rounds[0]["run"]["stores"], "workers": args.workers, "seconds": medians,
        "bound_seconds": round(bound, 3),
        "ratio_one_process": round(medians["run"]["median"] / bound, 2),
        **({"ratio_workers": round(medians["workers"]["median"] / bound, 2)} if "workers" in medians else {}),
        "run_split": {name: spread([r["run"][f"{name}_seconds"] for r in rounds])["median"]
                      for name in ("read", "metrics", "engine", "write")},
        "run_peak_rss_mb": spread([r["run"]["peak_rss_mb"] for r in rounds]),
        "loadavg_before": [[r[name]["loadavg_before"] for name in r] for r in rounds],
        "rounds": rounds,
    }
    record("ratio", {"database": args.database_url, "period": args.period, "label": args.label, **summary})


if __name__ == "__main__":
    main()

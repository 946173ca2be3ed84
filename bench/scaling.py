"""Scaling: the bonus run at 1, 10, 100 and 1,000 stores of the same database, time per store.

    .venv/bin/python bench/scaling.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--sizes 1,10,100,1000] [--repeat 3] [--way runs|per_store|metrics_per_store|metrics_group] \
        [--workers N]

Every size takes the first N stores by code of the same L database, so the per-store volume is the same
(about 1,000 new cards, 5,000 follow-ups and 100 deliveries a store-month) and only the number of stores
changes. Each size is run `--repeat` times by bench/run_bench.py's measured child (fresh process, database
put back after each); the 1,000-store size is repeated `--repeat-largest` times (default 1: it takes ~10
minutes). Linear or better = the time per store does not grow with the number of stores.
"""

from __future__ import annotations

import argparse

from common import record
from run_bench import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-largest", type=int, default=1)
    parser.add_argument("--way", default="runs", choices=("runs", "per_store", "metrics_per_store", "metrics_group"))
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    table = []
    for size in sizes:
        repeat = args.repeat_largest if size == max(sizes) and size >= 1000 else args.repeat
        result = measure(args.database_url, args.period, size, repeat, way=args.way, workers=args.workers)
        table.append({
            "stores": result["stores"], "repeat": repeat, "seconds": result["seconds"],
            "seconds_per_store": result["seconds_per_store"], "peak_rss_mb": result["peak_rss_mb"],
            "queries": result["queries"],
        })
    record("scaling", {"database": args.database_url, "period": args.period, "way": args.way,
                       "workers": args.workers, "sizes": table})


if __name__ == "__main__":
    main()

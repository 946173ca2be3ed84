"""Where one page's time goes: one request at a time (no load), production settings, the web benchmark's pages.

    .venv/bin/python bench/page_profile.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m \
        --period 2026-10 [--only NAME,NAME] [--repeat 5] [--statements 8] [--profile DIR] [--cold]

The pages and logins are bench/web_load.py's (its set-up, run first: a run of the month, the compared months
approved). Each page is requested once to warm up, then `--repeat` times; for each it prints the median time, the
number of SQL statements a request runs and the time they take in the database driver (the rest is Python: the
ORM building statements, shaping rows, templates), and the `--statements` slowest statements of the last request.
The medians are appended to bench/results/ as every benchmark's are. `--profile DIR` writes each page's requests
under cProfile to DIR/<page>.prof (the medians are then the profiler's, slower). `--cold` empties what the process
keeps between requests (Django's caches: a statement's body, pay.views.statement_body) before each request: each
page as its first reader in a web process gets it.
"""

from __future__ import annotations

import argparse
import cProfile
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import web_load  # its set-up configures Django
from common import record


class StatementClock:
    """A database execute wrapper that times each statement a request runs."""

    def __init__(self) -> None:
        self.timings: list[tuple[float, str]] = []

    def __call__(self, execute: Callable, sql: str, params: object, many: bool, context: object) -> object:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append((time.perf_counter() - started, sql))


def profile(page: dict, repeat: int, statements: int, profiles: Path | None, cold: bool) -> dict:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    client = Client()
    client.cookies["sessionid"] = page["session"]
    assert client.get(page["path"]).status_code == 200, page["path"]
    times, sql_times, counts = [], [], []
    clock = StatementClock()
    profiler = cProfile.Profile() if profiles else None
    for _ in range(repeat):
        if cold:
            for cache in caches.all():
                cache.clear()
        clock = StatementClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get(page["path"])
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, page["path"]
        sql_times.append(sum(seconds for seconds, _ in clock.timings))
        counts.append(len(clock.timings))
    if profiler and profiles:
        profiler.dump_stats(profiles / f"{re.sub(r'[^a-z]+', '-', page['name']).strip('-')}.prof")
    whole, sql = statistics.median(times) * 1000, statistics.median(sql_times) * 1000
    print(f"\n{page['name']}: {whole:.0f} ms, {statistics.median(counts):.0f} SQL statements taking {sql:.0f} ms, "
          f"the rest {whole - sql:.0f} ms")
    for seconds, sql_text in sorted(clock.timings, reverse=True)[:statements]:
        print(f"  {seconds * 1000:7.1f} ms  {sql_text[:220]}")
    return {"page": page["name"], "path": page["path"], "ms": round(whole, 1), "sql_ms": round(sql, 1),
            "statements": statistics.median(counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--statements", type=int, default=8)
    parser.add_argument("--profile", type=Path, help="a directory: each page's requests under cProfile, a file a page")
    parser.add_argument("--cold", action="store_true", help="empty Django's caches before each request")
    args = parser.parse_args()

    plan = web_load.setup(args)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    pages = [profile(page, args.repeat, args.statements, args.profile, args.cold) for page in plan["pages"]]
    record("page_profile", {"database": args.database_url, "repeat": args.repeat, "cold": args.cold, "pages": pages})


if __name__ == "__main__":
    main()

"""What every benchmark script shares: Django set-up from --database-url, a measured child process (wall
time and peak RSS), medians with their spread, the machine, and a results log.

Each benchmark runs its measured work in a fresh child process (`python bench/<script>.py --child ...`), so
the peak RSS a child reports (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that work's alone, and
nothing one repetition caches helps the next (PostgreSQL's and the OS's caches aside: every figure is warm).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every measurement's summary, one JSON line each, in a file per UTC day: committed, so that every published
# figure can be traced to its raw line (BENCH_RESULTS: another file, e.g. for trying things out).
RESULTS_DIR = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def setup_django(database_url: str) -> None:
    """Configure Django for `database_url` with production settings (DEBUG off: no query log in memory)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "0")
    # Development mode (docs/deploy.md): plain HTTP and a built-in key; gunicorn in web_load.py inherits it.
    os.environ.setdefault("DEALERKPI_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerkpi.settings")
    # BENCH_SRC: measure another checkout's code (e.g. the code before a change) against the same data.
    sys.path.insert(0, os.environ.get("BENCH_SRC") or str(ROOT / "src"))
    import django

    django.setup()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_of_children_mb() -> float:
    """The largest peak resident set size among this process's finished children (worker processes), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def emit(result: dict) -> None:
    """A child's result: one JSON line on stdout, tagged so the parent finds it among other output."""
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def run_child(script: str, args: list[str], env: dict | None = None) -> dict:
    """Run `bench/<script> --child args...` and return the JSON it emitted."""
    command = [PYTHON, str(ROOT / "bench" / script), "--child", *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"child failed: {' '.join(command)}")
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line[len("BENCH-RESULT "):])
            result.setdefault("process_seconds", round(time.perf_counter() - started, 3))
            return result
    raise SystemExit(f"child emitted no result: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def spread(values: list[float]) -> dict:
    """Median, min and max of repeated measurements (n = how many)."""
    return {
        "n": len(values),
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def loadavg() -> tuple[float, float, float]:
    return os.getloadavg()


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    try:
        pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"],
                            capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        pg = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
    }


def commit() -> str:
    """The code measured: the commit of BENCH_SRC's checkout or this one, with '+' when it has uncommitted changes."""
    where = Path(os.environ.get("BENCH_SRC") or ROOT)
    head = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return head + ("+" if dirty else "")


def record(benchmark: str, result: dict) -> None:
    """Append a parent's summary to bench/results/<day>.jsonl (with the time, the load average and the commit)."""
    results = Path(os.environ.get("BENCH_RESULTS") or RESULTS_DIR / time.strftime("%Y-%m-%d.jsonl", time.gmtime()))
    results.parent.mkdir(parents=True, exist_ok=True)
    at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    entry = {"benchmark": benchmark, "at": at, "loadavg": loadavg(), "commit": commit(), **result}
    with results.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry, default=str) + "\n")
    print(json.dumps(entry, indent=2, default=str))


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def time_spent_in(spent: dict[str, float], name: str, module: object, function_name: str) -> None:
    """Add the time every call of `module.function_name` takes to `spent[name]` (this process only)."""
    function = getattr(module, function_name)

    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started
    setattr(module, function_name, timed)


class QueryCount:
    """A database execute wrapper counting the SQL statements run: `with connection.execute_wrapper(counted)`."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204 - Django's wrapper signature
        self.count += 1
        return execute(sql, params, many, context)

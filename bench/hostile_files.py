"""Oversized and malformed files: what each hostile spreadsheet of tests/hostile.py costs the import page, and
what the worst files within the page's limits cost, through the product's importer as the page runs it
(``imports.service.import_file``: the page's limits, head office's reach, the error report kept).

    .venv/bin/python bench/hostile_files.py [--database-url sqlite:////work/main/var/bench/hostile.sqlite3]

Each file is built, then imported in a fresh child process: its wall time and how far it raised the child's
resident memory at the peak (the peak is reset just before, by writing 5 to /proc/self/clear_refs; Linux), so
the figures are that import's alone. The database needs only the schema (the files name no store that
exists): the first run migrates an SQLite file under var/bench/. Prints a Markdown table (docs/reliability.md
holds the one measured here) and appends the results to bench/results/<day>.jsonl.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, emit, machine, record, run_child, setup_django

DEFAULT_DATABASE = f"sqlite:///{ROOT / 'var' / 'bench' / 'hostile.sqlite3'}"


def resident_megabytes(field: str) -> float:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def child(database_url: str, label: str) -> None:
    setup_django(database_url)
    sys.path.insert(0, str(ROOT))
    from django.utils import translation

    from dealerkpi.core.scope import Reach, Viewer
    from dealerkpi.imports.service import Options, import_file
    from tests.hostile import HOSTILE, WITHIN

    name, build = {**HOSTILE, **WITHIN}[label]
    data = build()
    Path("/proc/self/clear_refs").write_text("5")
    before, started = resident_megabytes("VmRSS"), time.perf_counter()
    with translation.override("en"):
        outcome = import_file("follow_ups", io.BytesIO(data), name, Viewer(Reach.EVERYTHING), Options(actor="bench"))
    seconds = time.perf_counter() - started
    report = outcome.report
    happens = (report.errors[0].message if report.errors and report.errors[0].row is None else
               f"read: {report.rows:,} rows, {report.error_count:,} problems, error report "
               f"{len(outcome.batch.report or b''):,} bytes")
    emit({"file": label, "bytes": len(data), "happens": happens, "seconds": round(seconds, 2),
          "peak_mb": round(resident_megabytes("VmHWM") - before, 1)})


def migrated(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEALERKPI_DEV": "1"}
    subprocess.run([str(ROOT / ".venv" / "bin" / "dealerkpi"), "migrate", "--verbosity", "0"], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database_url, args.file)
        return
    sys.path.insert(0, str(ROOT))
    from tests.hostile import HOSTILE, WITHIN

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    migrated(args.database_url)
    results = [run_child("hostile_files.py", ["--database-url", args.database_url, "--file", label])
               for label in [*HOSTILE, *WITHIN]]
    print("| file | size | what happens | time | peak memory |")
    print("|---|---:|---|---:|---:|")
    for result in results:
        print(f"| {result['file']} | {result['bytes'] / (1 << 20):,.1f} MB | {result['happens']} | "
              f"{result['seconds']:.1f} s | {result['peak_mb']:.0f} MB |")
    record("hostile_files", {"machine": machine(), "database": args.database_url.split(":", 1)[0],
                             "results": results})


if __name__ == "__main__":
    main()

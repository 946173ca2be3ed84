"""kill -9 during a bonus run, an import and the job worker leaves nothing half-written or stuck, and each is done
again: bench/kill9.py, two kills of each on small data (docs/reliability.md, "Killed with kill -9"). Its processes
share a database on disk of the suite's kind: SQLite, a file in tmp_path (a database in memory is not shared with
another process); PostgreSQL, a scratch database beside the suite's, dropped afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "kill9.py"
SUITE_DATABASE = os.environ.get("DATABASE_URL", "sqlite:///:memory:")


@pytest.fixture
def postgres_scratch() -> Iterator[list[str]]:
    """The bench's options for its database: none on SQLite (a file in its work folder); on PostgreSQL a scratch
    database, which the bench creates and this drops."""
    if SUITE_DATABASE.startswith("sqlite"):
        yield []
        return
    parts = urlsplit(SUITE_DATABASE)
    name = f"{parts.path.lstrip('/')}_kill9"
    yield ["--postgres", urlunsplit(parts._replace(path=f"/{name}"))]
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_kill_9_leaves_nothing_half_written_or_stuck(tmp_path: Path, postgres_scratch: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--trials", "2", "--months", "2", "--rows", "3000", "--workdir", str(tmp_path),
         *postgres_scratch],
        capture_output=True, text=True, timeout=300, check=False,
    )
    printed = done.stdout + done.stderr
    results = [json.loads(line.removeprefix("BENCH-RESULT ")) for line in done.stdout.splitlines()
               if line.startswith("BENCH-RESULT ")]
    assert results, printed[-4000:]
    tallies = {tally["scenario"]: tally for tally in results[0]["tallies"]}
    assert sorted(tallies) == ["import", "run", "worker"]
    for tally in tallies.values():
        assert (tally["trials"], tally["half_written"], tally["stuck"], tally["done_again"]) == (2, [], [], 2), printed
    assert sum(tally["mid_way"] for tally in tallies.values()) >= 1, printed  # some kills landed in the work
    assert done.returncode == 0, printed[-4000:]

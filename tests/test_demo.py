"""`dealerkpi demo` end to end, as `make demo` runs it: migrate, generate once, print one login per role.
The demo always runs on its own SQLite file, whichever database the rest of the suite uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROLES = ("销售顾问", "销售主管", "销售经理", "总经理", "人事", "集团")


def demo(database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "dealerkpi.cli", "demo", "--no-serve"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def test_demo_prepares_once_then_reuses_the_database(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    first = demo(database)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Rows written" in first.stdout
    assert all(role in first.stdout for role in ROLES), first.stdout[-3000:]
    assert "demo1234" in first.stdout
    again = demo(database)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Rows written" not in again.stdout, "the second run reuses the generated group"
    assert all(role in again.stdout for role in ROLES)

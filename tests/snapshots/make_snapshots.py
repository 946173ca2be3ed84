"""The two scenarios of test_statements_unchanged.py, how their data and runs are made, and their snapshot files.

A snapshot is the statements of a scenario's runs (statements.statement_snapshot) as a JSON array with one
record per line, so that a change of pay shows in ``git diff`` as the lines of the people it touches.

Regenerate the snapshots only when pay is *meant* to change, then read the diff before committing it::

    DATABASE_URL=sqlite:///:memory: .venv/bin/python -m pytest tests/test_statements_unchanged.py --make-snapshots

or, the same::

    DATABASE_URL=sqlite:///:memory: .venv/bin/python -m tests.snapshots.make_snapshots

Either runs the tests of test_statements_unchanged.py in "write" mode: each builds its data and runs exactly as
the test does, writes its file instead of comparing, and is reported as skipped with the file written. Then run
the test without the option on both databases (SQLite and PostgreSQL): both must pass with the same files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from tests.snapshots.statements import KIND_ORDER, Record, statement_snapshot, store_codes

HERE = Path(__file__).resolve().parent
SHOWN = 8  # differing records shown when a snapshot does not match
LONGEST_VALUE = 160  # characters of a value shown in a difference


@dataclass(frozen=True)
class Scenario:
    """Generated data (the options of ``dealerkpi generate``), then the bonus runs of one month: every store of the
    dealer group ``group`` together (``dealerkpi run --group``), or with no group each store alone
    (``dealerkpi run --store CODE``, one call per store, as the demo's user would)."""

    name: str
    generate: dict[str, Any]
    period: str
    group: str | None = None
    run_options: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return HERE / f"{self.name}.json"


# `dealerkpi demo` generates scale S with seed 1 up to today; here up to a fixed day, so that October is the
# same month of the same data whenever the test runs.
DEMO_OCTOBER = Scenario("demo_october", {"scale": "S", "seed": 1, "until": "2026-11-30"}, period="2026-10")

# The M preset cut down to 4 stores (in 4 regions) and 2 months, February and March 2026; February is the month
# run, whole, with March after it (as at a real month-end, the next month's first records exist).
M_GROUP_FEBRUARY = Scenario(
    "m_group_february",
    {"scale": "M", "seed": 2, "until": "2026-03-31", "stores": 4, "months": 2},
    period="2026-02",
    group="HT",
)


def build(scenario: Scenario) -> list[Record]:
    """Generate the scenario's data into the (empty) test database, compute its runs through the management
    commands, and return the snapshot of their statements."""
    out = StringIO()
    call_command("generate", stdout=out, **scenario.generate)
    if scenario.group is not None:
        call_command("run", period=scenario.period, group=scenario.group, stdout=out, **scenario.run_options)
    else:
        for code in store_codes():
            call_command("run", period=scenario.period, store=[code], stdout=out, **scenario.run_options)
    return statement_snapshot(scenario.period)


def dumps(records: list[Record]) -> str:
    """A JSON array, one record per line."""
    lines = [json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def load(path: Path) -> list[Record]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(scenario: Scenario, records: list[Record]) -> Path:
    scenario.path.write_text(dumps(records), encoding="utf-8")
    return scenario.path


def _identity(record: Record) -> tuple:
    return record["store"], record.get("staff", ""), KIND_ORDER[record["kind"]], record.get("position", 0)


def _title(record: Record) -> str:
    """Which record: store, person, and the indicator or line."""
    match record["kind"]:
        case "run":
            return f"{record['store']} run {record['period']}"
        case "statement":
            return f"{record['store']} {record['staff']} {record['name']} statement ({record['plan']})"
        case "indicator":
            return f"{record['store']} {record['staff']} indicator {record['position']} {record['code']}"
        case _:
            return (f"{record['store']} {record['staff']} line {record['position']} "
                    f"{record['category']}/{record['rule'] or record['line_kind']} {record['label']!r}")


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE] + "…"


def _item(n: int, old: object, new: object) -> object:
    """An item of a list by its own name when it has one (a deal by its VIN), else by its place."""
    if isinstance(old, list) and isinstance(new, list) and old and new and old[0] == new[0]:
        return old[0]
    return n


def _changes(name: str, old: object, new: object) -> list[str]:
    """What changed in a field: the keys of a mapping or the items of a list that changed, else the whole value."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [change for key in dict.fromkeys([*old, *new])
                for change in _changes(f"{name}.{key}", old.get(key), new.get(key))]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [change for n, (was, now) in enumerate(zip(old, new, strict=True))
                for change in _changes(f"{name}[{_item(n, was, now)}]", was, now)]
    return [f"{name} {_shown(old)} -> {_shown(new)}"]


def differences(expected: list[Record], actual: list[Record], shown: int = SHOWN) -> str:
    """The first ``shown`` records that differ, field by field; empty when none does."""
    actual = json.loads(json.dumps(actual))  # what the file would hold
    if expected == actual:
        return ""
    before = {_identity(record): record for record in expected}
    now = {_identity(record): record for record in actual}
    found = []
    for key in sorted(before.keys() | now.keys()):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        if old is None or new is None:
            present = old or new
            found.append(f"{_title(present)}: {'gone' if new is None else 'new'}, {_shown(present)}")
            continue
        changed = [change for name in dict.fromkeys([*old, *new]) for change in _changes(name, old.get(name),
                                                                                          new.get(name))]
        found.append(f"{_title(new)}: " + "; ".join(changed))
    if not found:  # the same records in another order
        found.append("the same records, in another order")
    return (f"{len(found)} of {max(len(expected), len(actual))} records differ from the snapshot; the first "
            f"{min(shown, len(found))}:\n  " + "\n  ".join(found[:shown]))


if __name__ == "__main__":
    import pytest

    test_file = str(HERE.parent / "test_statements_unchanged.py")
    sys.exit(pytest.main([test_file, "--make-snapshots", "-q", "-ra", *sys.argv[1:]]))

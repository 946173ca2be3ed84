"""Pay does not change: the statements of two fixed scenarios, recomputed, equal their snapshots line by line.

Each test generates its data with ``dealerkpi generate``, computes the month's bonus runs with ``dealerkpi run``
(both through call_command) and compares every statement, indicator and pay line with the snapshot in
tests/snapshots/. The snapshots were taken before a refactor; a difference means the refactor changed what
somebody is paid, or how it is explained. When pay is meant to change, regenerate them deliberately
(tests/snapshots/make_snapshots.py says how) and read the diff. The same files hold on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.snapshots.make_snapshots import DEMO_OCTOBER, M_GROUP_FEBRUARY, Scenario, build, differences, load, write

pytestmark = pytest.mark.django_db


def check(scenario: Scenario, request: pytest.FixtureRequest) -> None:
    snapshot = build(scenario)
    assert snapshot, "the runs gave no statements"
    if request.config.getoption("--make-snapshots"):
        path = write(scenario, snapshot)
        pytest.skip(f"wrote {path} ({len(snapshot)} records)")
    assert scenario.path.exists(), f"no snapshot {scenario.path}; make it with --make-snapshots"
    difference = differences(load(scenario.path), snapshot)
    if difference:
        pytest.fail(f"{scenario.path.name}: {difference}", pytrace=False)


def test_the_demo_groups_october_pays_what_it_paid(request: pytest.FixtureRequest) -> None:
    """The demo dealer group as ``dealerkpi demo`` makes it (scale S: 2 stores in 2 regions, seed 1, the example
    pay plans and monthly targets) but generated up to a fixed day, 2026-11-30 (14 months, 2025-10-01 to
    2026-11-30); then the October 2026 run of each store alone (``dealerkpi run --period 2026-10 --store CODE``)."""
    check(DEMO_OCTOBER, request)


def test_a_groups_month_end_pays_what_it_paid(request: pytest.FixtureRequest) -> None:
    """The M preset cut down to 4 stores (in 4 regions) and 2 months: ``dealerkpi generate --scale M --seed 2
    --until 2026-03-31 --stores 4 --months 2`` (2026-02-01 to 2026-03-31, with the example pay plans and monthly
    targets); then the group's month-end for February 2026, all 4 stores read and computed together
    (``dealerkpi run --period 2026-02 --group HT``)."""
    check(M_GROUP_FEBRUARY, request)

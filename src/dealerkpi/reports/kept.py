"""Past months kept with their final bonus run: the monthly analysis's tally of a store's month
(``analysis.tally``) is stored (``KeptMonth``) once the month has a final run (approved or locked,
``pay.inputs.FINAL``), and read back instead of being tallied again from the records on every request.

    tallies(store, periods, today) -> Tallies    1 query when every month asked for is kept

A month is kept under the latest final run of the store's month and read back only while that run is still the
latest final one: a new run of the month, computed and approved, makes it be tallied again (and kept under the new
run). A month without a final run (the month under way, or one not approved yet) is always tallied from the
records. As with the figures a run keeps (``pay.period_figures``), a late record changes nothing kept until the
month is run again. What is kept is exactly what ``analysis.tally`` returned (amounts as the text of their Decimal,
so they read back equal), never a second computation.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dealerkpi.org.models import Store
from dealerkpi.pay.inputs import FINAL
from dealerkpi.pay.models import Run
from dealerkpi.plans.engine import Period

from . import analysis
from .models import KeptMonth


@dataclass(frozen=True)
class FinalRun:
    """The latest final run of a store's month, and the month's tally kept with it (None: not kept with it)."""

    pk: int
    number: int
    kept: dict[str, Any] | None


@dataclass(frozen=True)
class Tallies:
    """Each month's tally; `runs`: the number of the final run each kept month is shown as at."""

    tallies: dict[Period, analysis.Tally]
    runs: dict[Period, int]


# --- a tally as stored -----------------------------------------------------------------------------------------


def _stored_values(counter: Counter[str]) -> dict[str, int | str]:
    return {key: value if isinstance(value, int) else str(value) for key, value in counter.items()}


def _values(stored: dict[str, int | str]) -> Counter[str]:
    return Counter({key: value if isinstance(value, int) else Decimal(value) for key, value in stored.items()})


def stored(figures: analysis.Tally) -> dict[str, object]:
    return {
        "counts": _stored_values(figures.counts),
        "models": {code: _stored_values(counts) for code, counts in figures.models.items()},
        "model_names": figures.model_names,
        "lost_reasons": _stored_values(figures.lost_reasons), "lost_to": _stored_values(figures.lost_to),
        "complaints": {channel: _stored_values(counts) for channel, counts in figures.complaints.items()},
        "people": {str(pk): _stored_values(counts) for pk, counts in figures.people.items()},
    }


def restored(store_id: int, data: dict[str, Any]) -> analysis.Tally:
    return analysis.Tally(
        store_id, _values(data["counts"]),
        {code: _values(counts) for code, counts in data["models"].items()}, dict(data["model_names"]),
        _values(data["lost_reasons"]), _values(data["lost_to"]),
        {channel: _values(counts) for channel, counts in data["complaints"].items()},
        {int(pk): _values(counts) for pk, counts in data["people"].items()},
    )


# --- kept or tallied -------------------------------------------------------------------------------------------


def final_runs(store: Store, periods: Sequence[Period]) -> dict[Period, FinalRun]:
    """The latest final run of each month that has one, with the tally kept under it: one query."""
    by_day = {period.first_day: period for period in periods}
    rows = (Run.objects.filter(store=store, status__in=FINAL, period__in=list(by_day))
            .order_by("period", "number").values_list("period", "pk", "number", "kept_months__tally"))
    return {by_day[month]: FinalRun(pk, number, tally) for month, pk, number, tally in rows}  # the latest wins


def _keep(store_id: int, months: dict[Period, tuple[FinalRun, analysis.Tally]]) -> None:
    """One statement, whether the months were kept (under an older run) before or not."""
    now = timezone.now()
    KeptMonth.objects.bulk_create(
        [KeptMonth(store_id=store_id, month=period.first_day, run_id=run.pk, tally=stored(figures), computed_at=now)
         for period, (run, figures) in months.items()],
        update_conflicts=True, unique_fields=["store", "month"], update_fields=["run", "tally", "computed_at"])


def tallies(store: Store, periods: Sequence[Period], today: datetime.date) -> Tallies:
    """The store's tally of each month: as kept with the month's latest final run, else tallied from the records
    (and kept under that run, if the month is over and has one)."""
    runs = final_runs(store, [period for period in periods if period.last_day < today])
    found = {period: restored(store.pk, run.kept) for period, run in runs.items() if run.kept is not None}
    for period in periods:
        if period not in found:
            found[period] = analysis.tally([store.pk], period, today)[store.pk]
    if to_keep := {period: (run, found[period]) for period, run in runs.items() if run.kept is None}:
        _keep(store.pk, to_keep)
    return Tallies(found, {period: run.number for period, run in runs.items()})

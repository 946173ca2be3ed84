"""The figures a run read for a store's month, kept (``PeriodFigures``) so that history is not computed again from
the records each time it is looked at: a what-if replays twelve months of a group on them.

    keep_figures(period, {store_id: (records, names)})    # runs, with their statements: what they read
    figures_by_store(store_ids, period, crediting, names)  # as metrics.period_inputs_by_store, from the kept ones

A store's month is kept once per crediting policy, for the metrics computed then. ``figures_by_store`` reads the
kept figures of every store in one query, and computes from the records (in one computation for all of them) and
keeps, in one transaction, only those of the stores whose month is not kept or lacks a metric asked for. A late
record changes nothing kept until the month is run again: the figures are those of the store's latest run.

What is kept is exactly what ``metrics.period_inputs_by_store`` gave: each value as the text of its Decimal (so it
reads back equal), the rows of the engine's actuals in order, the deals with their credits. Asked for fewer metrics
than were computed, the rows give those metrics only, and a row left with none is left out. One difference is
possible from a computation of those metrics alone: a person with no record of theirs in the month's figures asked
for, who is not on the store's books but has records counted by another metric (a consultant who moved store,
with follow-ups in the old one), keeps a row of zeros where that computation would give no row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.bulk import FieldValues, insert_field_values
from dealerkpi.pay.models import PeriodFigures
from dealerkpi.plans import engine

Inputs = tuple[tuple[engine.Actuals, ...], tuple[engine.Deal, ...]]


# --- as stored -----------------------------------------------------------------------------------------------------


def _figures(values: dict[str, Decimal]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


def _decimals(values: dict[str, str], wanted: frozenset[str] | None = None) -> dict[str, Decimal]:
    return {name: Decimal(value) for name, value in values.items() if wanted is None or name in wanted}


def stored_actuals(actuals: Iterable[engine.Actuals]) -> list[list[object]]:
    return [[row.person, row.team, _figures(dict(row.metrics))] for row in actuals]


def stored_deals(deals: Iterable[engine.Deal]) -> list[dict[str, object]]:
    return [
        {"id": deal.id, "on": deal.delivered_on.isoformat(), "figures": _figures(dict(deal.figures)),
         "credits": [[credit.person, str(credit.share), credit.team] for credit in deal.credits],
         "model": deal.model_code, "class": deal.margin_class,
         "unwound": deal.unwound_on.isoformat() if deal.unwound_on else None}
        for deal in deals
    ]


def read_actuals(rows: list[list], wanted: frozenset[str]) -> tuple[engine.Actuals, ...]:
    """The rows, with the wanted metrics only; a row left with none is left out."""
    found = ((person, team, _decimals(values, wanted)) for person, team, values in rows)
    return tuple(engine.Actuals(person, team, values) for person, team, values in found if values)


def read_deals(rows: list[dict]) -> tuple[engine.Deal, ...]:
    return tuple(
        engine.Deal(row["id"], datetime.date.fromisoformat(row["on"]),
                    tuple(engine.Credit(person, Decimal(share), team) for person, share, team in row["credits"]),
                    _decimals(row["figures"]), row["model"], row["class"],
                    datetime.date.fromisoformat(row["unwound"]) if row["unwound"] else None)
        for row in rows
    )


def _row(store_id: int, period: engine.Period, crediting: str, names: Iterable[str], inputs: Inputs,
         now: datetime.datetime) -> FieldValues:
    actuals, deals = inputs
    return {"store_id": store_id, "period": period.first_day, "crediting": crediting, "metrics": sorted(names),
            "actuals": stored_actuals(actuals), "deals": stored_deals(deals), "computed_at": now}


def _keep(rows: list[FieldValues]) -> None:
    """Insert the rows, or replace those of the same store, month and crediting: one bulk insert."""
    insert_field_values(PeriodFigures, rows, replacing=("store", "period", "crediting"))


# --- writing and reading -----------------------------------------------------------------------------------------


def keep_figures(period: engine.Period, by_store: dict[int, tuple[dict[str, Inputs], dict[str, Sequence[str]]]],
                 ) -> None:
    """Keep what runs read for their stores' month: by store, the records by crediting policy and the metrics
    computed for each policy. One statement; the caller's transaction writes them with its statements."""
    now = timezone.now()
    _keep([_row(store_id, period, crediting, names[crediting], inputs, now)
           for store_id, (records, names) in by_store.items() for crediting, inputs in records.items()])


def figures_by_store(store_ids: Sequence[int], period: engine.Period, crediting: str,
                     names: Sequence[str]) -> dict[int, Inputs]:
    """metrics.period_inputs_by_store() of the stores, from their kept figures. The stores whose month is not kept,
    or kept without one of ``names``, are computed together (for ``names`` and the metrics they kept) and kept, in
    one transaction, first."""
    wanted = frozenset(names)
    rows = PeriodFigures.objects.filter(store_id__in=store_ids, period=period.first_day, crediting=crediting)
    kept, lacking = {}, set()
    for store_id, computed, actuals, deals in rows.values_list("store_id", "metrics", "actuals", "deals"):
        if wanted <= set(computed):
            kept[store_id] = (read_actuals(actuals, wanted), read_deals(deals))
        else:
            lacking.update(computed)
    missing = [store_id for store_id in store_ids if store_id not in kept]
    if missing:
        both = sorted(wanted | lacking)
        computed = metrics.period_inputs_by_store(missing, period, crediting, both)
        now = timezone.now()
        with transaction.atomic():
            _keep([_row(store_id, period, crediting, both, inputs, now) for store_id, inputs in computed.items()])
        kept.update((store_id, (_only(actuals, wanted), deals)) for store_id, (actuals, deals) in computed.items())
    return kept


def _only(actuals: Iterable[engine.Actuals], wanted: frozenset[str]) -> tuple[engine.Actuals, ...]:
    """The rows with the wanted metrics only, as read_actuals() gives them."""
    found = ((row, {name: value for name, value in row.metrics.items() if name in wanted}) for row in actuals)
    return tuple(engine.Actuals(row.person, row.team, values) for row, values in found if values)

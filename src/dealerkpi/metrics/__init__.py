"""The metrics library: every figure of the engine's catalogue, computed from the store's records for everyone
in a set of stores and a calendar month (Asia/Shanghai), set-based, on SQLite and PostgreSQL alike.

    actuals = compute(["units_delivered", "insurance_penetration"], store_ids, Period(2026, 10))
    actuals.for_engine()                        # engine Actuals: one row per person and team of the day
    records("units_delivered", store_ids, Period(2026, 10), staff_id)   # the deliveries behind the figure
    deals(store_ids, Period(2026, 10))          # engine Deals for commissions and clawbacks
    compute(["orders"], store_ids, Days.month_to_date(today), as_of=today)   # a page's month so far
    standing(["overdue_cards"], store_ids, today)   # what stands open on a day (metrics/now.py)

Definitions: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.org.models import Store
from dealerkpi.plans.engine import Actuals, Deal, Period
from dealerkpi.plans.engine.catalogue import MARGIN_CLASSES, METRICS, PARAMETERISED

from .base import Behind, RecordSet
from .compute import (
    Member,
    PeriodActuals,
    Row,
    compute,
    compute_by_store,
    compute_by_store_of,
    compute_of,
    people_in_scope,
    records,
)
from .deals import deals, deals_by_store, deals_by_store_of, deals_of
from .now import Standing, standing
from .people import UNRECORDED_LEAVERS
from .period import Crediting, Days, Frame
from .registry import DEFINITIONS, PAGE_FIGURES, UnknownMetric, definition_of


def all_names(model_codes: Sequence[str] = ()) -> list[str]:
    """Every metric name: the plain ones, units_by_margin_class for each margin class of the catalogue and
    units_by_model for each of `model_codes`."""
    names = [name for name in METRICS if name not in PARAMETERISED]
    names += [f"units_by_margin_class:{code}" for code in MARGIN_CLASSES]
    names += [f"units_by_model:{code}" for code in model_codes]
    return names


def period_inputs(
    stores: Store | QuerySet[Store] | Sequence[int],
    period: Period,
    crediting: Crediting | str = Crediting.DELIVERED,
    names: Sequence[str] | None = None,
) -> tuple[tuple[Actuals, ...], tuple[Deal, ...]]:
    """Everything a run hands the engine from the records: the metrics and the deals. `names`: the metrics
    wanted (a run passes those its plans refer to); None = every metric (units_by_model for each model of
    the group's own brands)."""
    frame = Frame.of([stores.pk] if isinstance(stores, Store) else stores, period, crediting)
    return compute_of(frame, _names_or_all(names)).for_engine(), deals_of(frame)


def period_inputs_by_store(
    store_ids: Sequence[int],
    period: Period,
    crediting: Crediting | str = Crediting.DELIVERED,
    names: Sequence[str] | None = None,
) -> dict[int, tuple[tuple[Actuals, ...], tuple[Deal, ...]]]:
    """period_inputs() of each store on its own, computed for all the stores at once (a few queries in all)."""
    frame = Frame.of(store_ids, period, crediting)
    actuals = compute_by_store_of(frame, _names_or_all(names))
    found = deals_by_store_of(frame)
    return {store_id: (actuals[store_id].for_engine(), found[store_id]) for store_id in actuals}


def _names_or_all(names: Sequence[str] | None) -> Sequence[str]:
    """`names`, or every metric (units_by_model for each model of the group's own brands)."""
    if names is not None:
        return names
    codes = VehicleModel.objects.filter(brand__is_competitor=False).order_by("code").values_list("code", flat=True)
    return all_names(list(codes))


__all__ = [
    "Behind",
    "DEFINITIONS",
    "Crediting",
    "Days",
    "Frame",
    "Member",
    "PAGE_FIGURES",
    "PeriodActuals",
    "RecordSet",
    "Row",
    "Standing",
    "UNRECORDED_LEAVERS",
    "UnknownMetric",
    "all_names",
    "compute",
    "compute_by_store",
    "deals",
    "deals_by_store",
    "definition_of",
    "people_in_scope",
    "period_inputs",
    "period_inputs_by_store",
    "records",
    "standing",
]

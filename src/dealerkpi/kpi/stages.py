"""Which lifecycle stage a store is in: the stage of its main model in force on a day."""

from __future__ import annotations

import datetime

from dealerkpi.catalog.models import LifecycleStage
from dealerkpi.org.models import Store


def stage_in_force(store: Store, day: datetime.date) -> str | None:
    """The stage code (introduction, growth, maturity, run_out) that chooses a plan's weight set, if any."""
    if store.main_model_id is None:
        return None
    return (
        LifecycleStage.objects.filter(LifecycleStage.in_force_on(day), vehicle_model_id=store.main_model_id)
        .order_by("-valid_from")
        .values_list("stage", flat=True)
        .first()
    )

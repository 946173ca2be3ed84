"""The bulk writer's JSON (``core.bulk``, a run's statements and kept figures): written by orjson, it reads back
as json.dumps would have written it, Chinese text as it is, and what json.dumps refuses is refused, nothing
written."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dealerkpi.core.bulk import insert_field_values
from dealerkpi.pay.models import PeriodFigures
from tests.world import build_world

pytestmark = pytest.mark.django_db


def figures_row(store_id: int, deals: object) -> dict[str, object]:
    return {"store_id": store_id, "period": datetime.date(2026, 10, 1), "crediting": "delivered",
            "metrics": ["units_delivered"], "actuals": [], "deals": deals, "computed_at": timezone.now()}


def test_json_values_read_back_as_json_dumps_wrote_them() -> None:
    store = build_world().stores["S1"]
    deals = [{"deal": "17", "车型": "轩逸 2026款", "quantity": "1", "amount": "1029.14"},
             {1: [True, None, 2.5, -3], "quote\"d": "back\\slash\nnew line", "": {}}]
    insert_field_values(PeriodFigures, [figures_row(store.pk, deals)])
    kept = PeriodFigures.objects.get(store=store)
    assert kept.deals == json.loads(json.dumps(deals))
    assert kept.deals[0]["车型"] == "轩逸 2026款"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT deals FROM {PeriodFigures._meta.db_table}")
        (text,) = cursor.fetchone()
    assert connection.vendor == "postgresql" or "轩逸" in text, "Chinese is written as it is, not escaped"


def test_what_json_dumps_refuses_is_refused_and_nothing_is_written() -> None:
    store = build_world().stores["S1"]
    for refused in (Decimal("1.5"), datetime.date(2026, 10, 1), object()):
        with pytest.raises(TypeError):
            json.dumps([refused])
        with pytest.raises(TypeError), transaction.atomic():
            insert_field_values(PeriodFigures, [figures_row(store.pk, [{"amount": refused}])])
        assert not PeriodFigures.objects.exists()

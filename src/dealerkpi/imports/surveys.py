"""The manufacturer's satisfaction surveys (CSI, SSI) from its report: each row a survey of a store, named by the
store, the survey and the manufacturer's survey number (a result the store has is left as it is), attributed to the
consultant who sold the car (a staff member of the store), with the car's VIN when the report gives it."""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.crm.models import SurveyResult
from dealerkpi.stock.models import Vehicle

from .columns import SURVEY_COLUMNS
from .engine import chunks
from .records import People, RecordImport, Values

TOP_SCORE = Decimal(100)


class SurveyImport(RecordImport):
    columns = SURVEY_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row["consultant"] for row in rows})
        self.vehicles: dict[str, tuple[int, int]] = {}
        for chunk in chunks({row["vin"] for row in rows if row.get("vin")}):
            self.vehicles.update((vin, (pk, store_id)) for vin, pk, store_id in
                                 Vehicle.objects.filter(vin__in=chunk).values_list("vin", "pk", "store_id"))

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["kind"], values["reference"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks({key[2] for key in keys}):
            found.update(SurveyResult.objects.filter(store_id__in=sorted(self.stores.values()), reference__in=chunk)
                         .values_list("store__code", "kind", "reference"))
        return found

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        consultant_id = self.people.of_store(self, number, "consultant", values, store_id)
        vehicle_id = self._vehicle(number, values, store_id)
        if values["score"] > TOP_SCORE:
            self.error(number, "score", values["score"], _("A survey scores from 0 to 100."))
            return False
        if consultant_id is None or vehicle_id is False:
            return False
        self.make(SurveyResult(store_id=store_id, kind=values["kind"], reference=values["reference"],
                               consultant_id=consultant_id, vehicle_id=vehicle_id or None,
                               surveyed_on=values["surveyed_on"], score=values["score"], note=values.get("note") or ""))
        return True

    def _vehicle(self, number: int, values: Values, store_id: int) -> int | bool | None:
        """The car's id; None without a VIN; False (reported) for a VIN the store does not have."""
        if not values.get("vin"):
            return None
        found = self.vehicles.get(values["vin"])
        if found is None or found[1] != store_id:
            self.error(number, "vin", values["vin"], _("The store has no vehicle with this VIN."))
            return False
        return found[0]

"""Models, trims and price lists from a file (the manufacturer's price list): each row a trim's price from a day,
with its model and trim made when the catalogue has no such code. A trim and the day its price takes effect name
the row: a price the catalogue has from that day is left as it is. The catalogue is shared by every store, so
only head office (and administrators) import it, as they edit it in the master data."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.catalog.models import MODEL_CODE, Brand, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.core.scope import Reach

from .columns import CATALOGUE_COLUMNS
from .engine import chunks
from .records import RecordImport, Values

MASTER_DATA_REACH = frozenset({Reach.EVERYTHING, Reach.GROUP})


class CatalogueImport(RecordImport):
    columns = CATALOGUE_COLUMNS

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.brands: dict[str, int] = {}
        self.classes: dict[str, int] = {}
        self.models: dict[str, VehicleModel] = {}
        self.trims: dict[str, Trim] = {}

    def run(self, table: Any) -> None:
        if self.context.viewer.reach not in MASTER_DATA_REACH:
            self.context.report.file_error(_("The catalogue is shared by every store: head office imports it."))
            return
        super().run(table)

    def resolve(self, rows: list[Values]) -> None:
        self.brands = dict(Brand.objects.filter(code__in=sorted({r["brand"] for r in rows}))
                           .values_list("code", "pk"))
        self.classes = dict(MarginClass.objects.filter(code__in=sorted({r["margin_class"] for r in rows}))
                            .values_list("code", "pk"))
        for chunk in chunks({r["model"] for r in rows}):
            self.models.update((m.code, m) for m in VehicleModel.objects.filter(code__in=chunk))
        for chunk in chunks({r["trim"] for r in rows}):
            self.trims.update((t.code, t) for t in Trim.objects.filter(code__in=chunk))

    def key(self, values: Values) -> Hashable | None:
        return values["trim"], values["price_from"]

    def existing(self, keys: set[Any]) -> set[Any]:
        known = {self.trims[code].pk: code for code, _day in keys if code in self.trims}
        found: set[Any] = set()
        for chunk in chunks(known):
            prices = TrimPrice.objects.filter(trim_id__in=chunk).values_list("trim_id", "valid_from")
            found.update((known[trim_id], day) for trim_id, day in prices)
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        brand_id, class_id = self.brands.get(values["brand"]), self.classes.get(values["margin_class"])
        if brand_id is None:
            self.error(number, "brand", values["brand"], _("There is no brand with this code in the master data."))
        if class_id is None:
            self.error(number, "margin_class", values["margin_class"], _("There is no margin class with this code."))
        if values["floor_price"] > values["guide_price"]:
            self.error(number, "floor_price", values["floor_price"], _("The floor price is above the guide price."))
            return False
        if brand_id is None or class_id is None:
            return False
        trim = self._trim(number, values, brand_id, class_id)
        if trim is None:
            return False
        self.make(TrimPrice(trim=trim, valid_from=values["price_from"], guide_price=values["guide_price"],
                            floor_price=values["floor_price"], cost=values["cost"]))
        return True

    def _trim(self, number: int, values: Values, brand_id: int, class_id: int) -> Trim | None:
        model = self.models.get(values["model"])
        if model is None and not MODEL_CODE.regex.match(values["model"]):
            self.error(number, "model", values["model"], str(MODEL_CODE.message))
            return None
        if model is None:
            model = self.models[values["model"]] = self.make(VehicleModel(
                brand_id=brand_id, code=values["model"], name=values["model_name"], segment=values["segment"] or ""))
        trim = self.trims.get(values["trim"])
        if trim is None:
            trim = self.trims[values["trim"]] = self.make(Trim(vehicle_model=model, code=values["trim"],
                                                               name=values["trim_name"], margin_class_id=class_id))
        elif trim.vehicle_model_id != model.pk:
            self.error(number, "trim", values["trim"], _("This trim belongs to another model in the catalogue."))
            return None
        return trim

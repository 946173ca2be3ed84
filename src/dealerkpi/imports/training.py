"""Training records from a file (the store's or the brand's training log): a person of the store trained on a
course on a day for some hours, passed or not, and the colleague who trained them when one did (it counts toward
developing people). The store, the person, the course and the day name a record: one the store has is left as
it is."""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.people.models import TrainingRecord

from .columns import TRAINING_COLUMNS
from .engine import chunks
from .records import People, RecordImport, Values
from .values import local_day

TENTH = Decimal("0.1")


class TrainingImport(RecordImport):
    columns = TRAINING_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row[key] for row in rows for key in ("employee_no", "trainer") if row[key]})

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["employee_no"], values["course"], values["held_on"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks({key[3] for key in keys}):
            found.update(TrainingRecord.objects.filter(store_id__in=sorted(self.stores.values()), held_on__in=chunk)
                         .values_list("store__code", "staff__employee_no", "course", "held_on"))
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        staff_id = self.people.of_store(self, number, "employee_no", values, store_id)
        trainer_id = self.people.of_store(self, number, "trainer", values, store_id) if values["trainer"] else None
        hours, held_on = values["hours"], values["held_on"]
        fine = True
        if not (0 < hours <= 24 and hours == hours.quantize(TENTH)):
            self.error(number, "hours", hours, _("Training hours in one day are between 0 and 24, to a tenth."))
            fine = False
        if held_on > local_day(self.context.now):
            self.error(number, "held_on", held_on, _("This day is in the future."))
            fine = False
        if trainer_id is not None and trainer_id == staff_id:
            self.error(number, "trainer", values["trainer"], _("A person is not their own trainer."))
            fine = False
        if staff_id is None or (values["trainer"] and trainer_id is None) or not fine:
            return False
        self.make(TrainingRecord(store_id=store_id, staff_id=staff_id, course=values["course"], held_on=held_on,
                                 hours=hours, passed=values["passed"] is not False, trainer_id=trainer_id))
        return True

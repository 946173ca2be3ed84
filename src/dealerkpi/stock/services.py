"""Stock figures: what is on hand, its structure by model and age band, the stock coefficient; transfers to
and from secondary dealers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, QuerySet, Value, When
from django.utils.translation import gettext as _

from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle

ON_HAND = (Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED)
WARNING_LINE = Decimal("1.5")
SALES_WINDOW = datetime.timedelta(days=30)
# (label, oldest day of the band); a vehicle is in the first band its age fits.
AGE_BANDS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("90+", None))
NO_DATE = "no_date"


def age_band(today: datetime.date) -> Case:
    """The age band of a vehicle (days since arrival) as a database expression."""
    whens = [When(arrived_on__isnull=True, then=Value(NO_DATE))]
    for label, oldest in AGE_BANDS:
        if oldest is not None:
            whens.append(When(arrived_on__gte=today - datetime.timedelta(days=oldest), then=Value(label)))
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


@dataclass
class Structure:
    """Counts by model and age band; ``labels`` are the bands shown, in order."""

    counts: dict[str, dict[str, int]]
    labels: tuple[str, ...]

    def lines(self) -> list[tuple[str, list[int], int]]:
        """(model, count per band, total) for each model, by name."""
        return [(model, [bands.get(label, 0) for label in self.labels], sum(bands.values()))
                for model, bands in sorted(self.counts.items())]

    def totals(self) -> tuple[list[int], int]:
        per_band = [sum(bands.get(label, 0) for bands in self.counts.values()) for label in self.labels]
        return per_band, sum(per_band)


def structure(on_hand: QuerySet[Vehicle], today: datetime.date) -> Structure:
    """Vehicles on hand by model and age band, counted in one grouped query."""
    counts = (on_hand.order_by().annotate(band=age_band(today))
              .values("trim__vehicle_model__name", "band").annotate(n=Count("pk")))
    by_model: dict[str, dict[str, int]] = {}
    for item in counts:
        by_model.setdefault(item["trim__vehicle_model__name"], {})[item["band"]] = item["n"]
    labels = tuple(label for label, _oldest in AGE_BANDS)
    if any(NO_DATE in bands for bands in by_model.values()):
        labels += (NO_DATE,)
    return Structure(by_model, labels)


def coefficient(stock: int | Decimal, deliveries: int | Decimal) -> Decimal | None:
    """Stock coefficient = vehicles on hand / deliveries of the last 30 days; no value without deliveries."""
    if deliveries <= 0:
        return None
    return (Decimal(stock) / Decimal(deliveries)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def transfer(vehicle: Vehicle, to_dealer: SecondaryDealer | None, moved_on: datetime.date) -> Transfer:
    """Move a vehicle in stock to a secondary dealer, between dealers, or back to the store (``to_dealer`` None)."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if vehicle.status != Vehicle.Status.IN_STOCK:
        raise ValidationError(_("Only a vehicle in stock and not allocated can be moved."))
    if to_dealer is not None and to_dealer.store_id != vehicle.store_id:
        raise ValidationError({"to_dealer": _("The secondary dealer belongs to another store.")})
    moved = Transfer(store_id=vehicle.store_id, vehicle=vehicle, moved_on=moved_on,
                     from_dealer_id=vehicle.secondary_dealer_id, to_dealer=to_dealer)
    moved.full_clean()
    moved.save()
    vehicle.secondary_dealer = to_dealer
    vehicle.save(update_fields=["secondary_dealer"])
    return moved

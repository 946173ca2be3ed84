"""Figures as of a moment: what stands open on a day (A-cards due or overdue, deliveries scheduled, stock on
hand), counted per store and person in one grouped query each (the open A-card figures in one together). The
period figures are in compute().

    standing(["overdue_cards", "open_cards"], store_ids, today).of(staff_id, "overdue_cards")
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, Q, QuerySet

from dealerkpi.crm.models import FollowUp, Lead
from dealerkpi.sales.models import Delivery
from dealerkpi.stock.models import Vehicle
from dealerkpi.stock.services import ON_HAND

from .period import Frame, midnight
from .registry import UnknownMetric


def open_cards(store_ids: Sequence[int], day: datetime.date) -> QuerySet[Lead]:
    """A-cards still being worked (open), by their owner."""
    return Lead.objects.filter(store_id__in=store_ids, status=Lead.Status.OPEN)


def _any(day: datetime.date) -> Q:
    return Q()


def _overdue(day: datetime.date) -> Q:
    return Q(next_follow_up_on__lt=day)


def _due(day: datetime.date) -> Q:
    return Q(next_follow_up_on=day)


def overdue_cards(store_ids: Sequence[int], day: datetime.date) -> QuerySet[Lead]:
    """Open A-cards whose next follow-up was due before `day`."""
    return open_cards(store_ids, day).filter(_overdue(day))


def cards_due(store_ids: Sequence[int], day: datetime.date) -> QuerySet[Lead]:
    """Open A-cards whose next follow-up is due on `day`."""
    return open_cards(store_ids, day).filter(_due(day))


# the figures that are open A-cards of a kind, by the condition on a day, counted together in one query
OF_OPEN_CARDS: dict[str, Callable[[datetime.date], Q]] = {
    "open_cards": _any, "overdue_cards": _overdue, "cards_due": _due,
}


def follow_ups_logged(store_ids: Sequence[int], day: datetime.date) -> QuerySet[FollowUp]:
    """A-card contacts logged on `day` (Shanghai), by who made them."""
    after = midnight(day + datetime.timedelta(days=1))
    return FollowUp.objects.filter(store_id__in=store_ids, at__gte=midnight(day), at__lt=after)


def deliveries_scheduled(store_ids: Sequence[int], day: datetime.date) -> QuerySet[Delivery]:
    """Deliveries booked and not yet made, by the consultant of the order."""
    return Delivery.objects.filter(store_id__in=store_ids, delivered_at__isnull=True, scheduled_for__isnull=False)


def stock_on_hand(store_ids: Sequence[int], day: datetime.date) -> QuerySet[Vehicle]:
    """Vehicles in stock or allocated to an order and not yet delivered (a store figure: no person)."""
    return Vehicle.objects.filter(store_id__in=store_ids, status__in=ON_HAND)


def closing_stock(frame: Frame) -> QuerySet[Vehicle]:
    """Vehicles on hand at the month's end (today, for the current month): arrived by then, and on hand now
    (in stock or allocated, at the store or a secondary dealer) or delivered after the month's end."""
    delivered_after = Delivery.objects.filter(store_id__in=frame.store_ids, delivered_at__gte=frame.end)
    arrived = Q(arrived_on__lte=frame.last_day)
    on_hand_now = Q(status__in=ON_HAND) & (arrived | Q(arrived_on__isnull=True))
    return Vehicle.objects.filter(store_id__in=frame.store_ids).filter(
        on_hand_now | (arrived & Q(pk__in=delivered_after.values("vehicle_id")))
    )


# figure -> (its records on a day, the lookup naming the person it belongs to; None: a store figure)
STANDING: dict[str, tuple[Callable[[Sequence[int], datetime.date], QuerySet], str | None]] = {
    "open_cards": (open_cards, "owner_id"),
    "overdue_cards": (overdue_cards, "owner_id"),
    "cards_due": (cards_due, "owner_id"),
    "follow_ups_logged": (follow_ups_logged, "staff_id"),
    "deliveries_scheduled": (deliveries_scheduled, "order__consultant_id"),
    "stock_on_hand": (stock_on_hand, None),
}


@dataclass(frozen=True)
class Standing:
    """Counts per figure by (store, person); person None for store figures and records without one."""

    day: datetime.date
    counts: dict[str, dict[tuple[int, int | None], int]]

    def of(self, staff_id: int, name: str) -> int:
        return self._by_person[name][staff_id]

    def of_store(self, store_id: int, name: str) -> int:
        return self._by_store[name][store_id]

    @cached_property
    def _by_store(self) -> dict[str, Counter[int | None]]:
        return self._summed(0)

    @cached_property
    def _by_person(self) -> dict[str, Counter[int | None]]:
        return self._summed(1)

    def _summed(self, part: int) -> dict[str, Counter[int | None]]:
        """Each figure summed by store (part 0 of its keys) or by person (1), once: a page reads it for every line."""
        found: dict[str, Counter[int | None]] = {}
        for name, counts in self.counts.items():
            summed = found[name] = Counter()
            for key, n in counts.items():
                summed[key[part]] += n
        return found

    def total(self, name: str, people: Iterable[int] | None = None) -> int:
        """The figure over everyone (people None) or over these people."""
        if people is None:
            return sum(self.counts[name].values())
        wanted = set(people)
        return sum(n for (_, person), n in self.counts[name].items() if person in wanted)


def records(name: str, store_ids: Sequence[int], day: datetime.date) -> QuerySet:
    """The records a standing figure counts."""
    if name not in STANDING:
        raise UnknownMetric(f"unknown figure {name!r}")
    return STANDING[name][0](store_ids, day)


Counts = dict[tuple[int, int | None], int]


def _counted(found: QuerySet, person: str | None) -> Counts:
    keys = ("store_id", person) if person else ("store_id",)
    rows = found.order_by().values(*keys).annotate(n=Count("pk"))
    return {(row["store_id"], row[person] if person else None): row["n"] for row in rows}


def _cards_counted(names: Sequence[str], store_ids: Sequence[int], day: datetime.date) -> dict[str, Counts]:
    """Open A-card figures (OF_OPEN_CARDS) in one grouped query: each a count of the open cards in its condition,
    as its records (`records`) are the open cards filtered by it."""
    counts = {name: Count("pk", filter=OF_OPEN_CARDS[name](day)) for name in names}  # Q(): no filter
    owner = STANDING["open_cards"][1]
    rows = open_cards(store_ids, day).order_by().values("store_id", owner).annotate(**counts)
    return {name: {(row["store_id"], row[owner]): row[name] for row in rows if row[name]} for name in names}


def standing(names: Iterable[str], store_ids: Sequence[int], day: datetime.date) -> Standing:
    """The named figures as they stand on `day`: the open A-card figures in one grouped query, each other in one."""
    wanted = list(dict.fromkeys(names))
    cards = [name for name in wanted if name in OF_OPEN_CARDS]
    counts = _cards_counted(cards, store_ids, day) if cards else {}
    counts.update({name: _counted(records(name, store_ids, day), STANDING[name][1])
                   for name in wanted if name not in OF_OPEN_CARDS})
    return Standing(day, {name: counts[name] for name in wanted})

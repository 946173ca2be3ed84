"""What one store's simulation knows, shared by the parts that make up ``StoreSim`` (staff, stock, the
showroom funnel, the order desk, the store's routines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING

from dealerkpi.core.bulk import Row, Table
from dealerkpi.crm.models import Lead
from dealerkpi.demo_data import names
from dealerkpi.demo_data.clock import DAY
from dealerkpi.demo_data.draws import Weighted
from dealerkpi.demo_data.tables import Tables

if TYPE_CHECKING:
    from dealerkpi.demo_data.catalogue import BrandInfo, ModelInfo, TrimInfo
    from dealerkpi.demo_data.generate import Generator

# Rows of a card that may not be kept (one closed before the period is dropped with its history).
PendingRows = list[tuple[Table, Row]]
ReleasedCar = tuple[int, int, str, "ModelInfo", "TrimInfo"]  # (vehicle id, arrived, colour, model, trim)


@dataclass
class Person:
    id: int
    role: str
    hire: int
    leave: int  # NEVER when still employed
    rest: int  # weekday of the weekly rest day
    team: int | None = None
    skill: float = 1.0  # a consultant's conversion relative to the average


Tenure = tuple[Person, int, int]  # (person, first day, last day); first day 0 for a founding member


@dataclass
class Slot:
    """A consultant position in a team and who held it when."""

    team: int
    chain: list[Tenure] = field(default_factory=list)


@dataclass
class Card:
    """A lead (A-card) being followed up: what the customer will do, and the card as it stands."""

    t0: int  # first contact
    slot: Slot  # the consultant's position the card was given to
    source: str
    true_grade: str  # how soon the customer will really buy
    model: ModelInfo
    fate: str  # "order", "dormant" or "lost"
    order_day: int  # NEVER unless the fate is an order
    contacts_left: int  # before a lost card is given up or a dormant one goes quiet
    lead_id: int
    customer_id: int
    will_visit: bool  # a customer who did not walk in will be invited to the showroom
    repeat_p: float  # the chance of booking another visit after one
    rows: PendingRows = field(default_factory=list)
    grade: str = "N"
    next_due: int | None = None
    visited: bool = False
    last_t: int = 0
    last_follow: int | None = None
    booked: tuple[int, bool | None, bool] | None = None  # (visit day, test drive planned, first visit)
    status: str = Lead.Status.OPEN
    closed_t: int | None = None
    pending_drive: int | None = None  # a test drive booked for after the end: its start

    @property
    def d0(self) -> int:
        return self.t0 // DAY

    @property
    def walk_in(self) -> bool:
        return self.source == "walk_in"


@dataclass
class Delivered:
    delivery_id: int
    order_id: int
    customer_id: int
    consultant: int
    delivered_t: int
    team: int


class StoreBase:
    g: Generator
    t: Tables
    rng: Random
    index: int
    sid: int  # the store's id
    code: str
    opened: int  # ordinal
    brand: BrandInfo
    city: names.City
    territory: list[str]  # the districts the store serves
    others: list[str]  # the city's other districts
    elsewhere: list[str]  # the next city's districts and counties: where a cross-region (窜货) buyer lives
    dealers: list[tuple[int, list[str]]]  # secondary dealers: (id, territory)
    colours: Weighted
    # staff.py
    people: list[Person]
    slots: list[Slot]
    supervisors: list[list[Tenure]]  # by team
    managers: dict[str, Person]  # by role
    team_ids: list[int]
    promotions: list[tuple[Person, int]]  # (consultant promoted to supervisor, day)
    duty: dict[int, list[Slot]]  # by day: the slots whose holder is at work
    # stock.py
    demo: dict[int, list[int]]  # demo vehicles by model id
    all_demo: list[int]
    released: dict[int, list[ReleasedCar]]  # cars released by cancelled orders, by trim id
    vehicles_on_hand: int
    # funnel.py and orders.py
    drive_slots: dict[tuple[int, int], list[tuple[int, int]]]  # (vehicle, day): booked (start, end)
    discipline: list[float]  # by team: the share of follow-ups made by their due day
    order_district: str | None  # where the buyer of the card's order lives, when the order decides it
    deliveries: list[Delivered]  # delivered in the period

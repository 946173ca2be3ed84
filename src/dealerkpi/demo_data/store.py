"""One store simulated day by day: its place and staff, then every day's customers, then its closing stock,
complaints and monthly records."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from dealerkpi.demo_data import names
from dealerkpi.demo_data.draws import Weighted, rng_for
from dealerkpi.demo_data.funnel import (
    GRADE_MIX_COLD,
    GRADE_MIX_WARM,
    GRADES,
    LOST_REASONS,
    PARTY_SIZES,
    SOURCES,
    Showroom,
)
from dealerkpi.demo_data.newcomers import Newcomers
from dealerkpi.demo_data.orders import DELIVERY_LAG, OrderDesk
from dealerkpi.demo_data.staff import PhoneBook, StaffRoster, person_name
from dealerkpi.demo_data.stock import SALE_AGE_BANDS, StockKeeping
from dealerkpi.demo_data.store_routines import StoreRoutines

if TYPE_CHECKING:
    from dealerkpi.demo_data.generate import Generator

SATISFACTION = ((5, 60), (4, 28), (3, 8), (2, 3), (1, 1))
# A team's follow-up discipline: the share of A-card calls made by their due day. It is the team's more than each
# consultant's (the supervisor checks the calls, 回访抽查): some teams keep the 95% a plan asks for, most do not.
DISCIPLINE = (0.83, 0.98)
# The monthly minimum wage of each city's urban districts and the day it took effect: demo figures close to each
# province's first tier in 2025, not a reference. A store sets its own from the local announcement (最低工资标准).
MINIMUM_WAGES = {
    city: (datetime.date(2025, month, 1), Decimal(amount))
    for month, amount, cities in (
        (1, "2490.00", ("杭州", "宁波", "苏州", "南京")),
        (3, "2500.00", ("广州",)),
        (3, "2200.00", ("佛山", "东莞")),
        (1, "2200.00", ("合肥", "武汉", "长沙", "南昌", "福州")),
        (1, "2200.00", ("济南", "青岛", "郑州", "石家庄", "沈阳")),
        (1, "2200.00", ("成都", "重庆", "西安", "昆明", "南宁")),
    )
    for city in cities
}


class StoreSim(StaffRoster, Newcomers, StockKeeping, Showroom, OrderDesk, StoreRoutines):
    def __init__(self, gen: Generator, index: int) -> None:
        self.g = gen
        self.t = gen.t
        self.index = index
        self.rng = rng_for(gen.seed, "store", index)
        self.sid = self.t.store.new_id()
        self.code = f"S{index + 1:04d}"
        self.people = []
        self.slots = []
        self.deliveries = []
        self.vehicles_on_hand = 0
        self.released = {}
        self.drive_slots = {}

    def run(self) -> None:
        g = self.g
        self.colours = Weighted(names.COLOURS)
        self._store()
        self._grades()
        self._staff()
        self._write_newcomers()
        self._dealers()
        self._demo_vehicles()
        self._attendance()
        self._draw_store_habits()
        self._model_tables()
        for d in range(g.sim_start.toordinal(), g.until_ord + 1):
            self._day(d)
            g.writer.maybe_flush()
        self._closing_stock()
        self._complaints()
        self._monthly()

    def _draw_store_habits(self) -> None:
        """How this store sells: its penetration rates, test-drive rate and traffic (as many consultants' positions as
        it has, give or take 5%), and the fixed tables."""
        rng = self.rng
        self.customer_phones = PhoneBook(rng, self.index + 1)
        self.ins_p = rng.uniform(0.83, 0.87)
        self.fin_p = rng.uniform(0.40, 0.45)
        self.acc_p = rng.uniform(0.65, 0.70)
        self.ew_p = rng.uniform(0.18, 0.22)
        self.trade_p = rng.uniform(0.13, 0.17)
        self.drive_p = rng.uniform(0.36, 0.43)
        self.discipline = [rng.uniform(*DISCIPLINE) for _ in self.team_ids]
        self.traffic = len(self.slots) * rng.uniform(0.95, 1.05)
        self.sources = Weighted(SOURCES)
        self.warm_grades = Weighted(GRADE_MIX_WARM)
        self.cold_grades = Weighted(GRADE_MIX_COLD)
        self.reasons = Weighted(LOST_REASONS)
        self.party = Weighted(PARTY_SIZES)
        self.satisfaction = Weighted(SATISFACTION)
        self.sale_age = Weighted(SALE_AGE_BANDS)
        self.lag = Weighted(DELIVERY_LAG)

    def _store(self) -> None:
        """Where the store is: its region and city, the districts it serves, its brand, when it opened."""
        g, rng, t = self.g, self.rng, self.t
        n_regions = len(g.regions)
        region_pos = self.index * n_regions // g.scale.stores
        first_in_region = -(-region_pos * g.scale.stores // n_regions)
        k = self.index - first_in_region
        cities = names.REGION_CITIES[region_pos % len(names.REGION_CITIES)]
        self.city = names.CITIES[cities[k % len(cities)]]
        self.brand = g.brands[self.index % len(g.brands)]
        districts = self.city.districts
        start = (k // len(cities)) * 2 % len(districts)
        width = 2 + rng.randint(0, 1)
        self.territory = [districts[(start + j) % len(districts)] for j in range(width)]
        self.others = [d for d in districts if d not in self.territory] or list(districts)
        neighbour = names.CITIES[(names.CITIES.index(self.city) + 1) % len(names.CITIES)]
        self.elsewhere = list(neighbour.districts + neighbour.counties)
        self.order_district = None
        name = f"{self.city.name}{self.brand.spec.name}{self.territory[0].rstrip('区')}店"
        opened = datetime.date(rng.randint(2008, 2019), rng.randint(1, 12), rng.randint(1, 28))
        self.opened = opened.toordinal()
        territory = "\n".join(self.territory)
        region_id = g.regions[region_pos][0]
        t.store.add((self.sid, region_id, self.code, name, self.brand.id, self.city.name, territory, opened))
        t.minwage.add((t.minwage.new_id(), self.sid, *MINIMUM_WAGES[self.city.name]))

    def _grades(self) -> None:
        t = self.t
        for position, (code, name, days, is_open) in enumerate(GRADES):
            t.grade.add((t.grade.new_id(), self.sid, code, name, days, is_open, position))

    def _dealers(self) -> None:
        """Two to four secondary dealers (二级网点), each in one of the city's counties."""
        rng, t = self.rng, self.t
        self.dealers = []
        counties = list(self.city.counties)
        rng.shuffle(counties)
        for j in range(min(len(counties), rng.randint(2, 4))):
            dealer_id = t.dealer.new_id()
            surname, given = person_name(rng)
            suffix = names.SECONDARY_DEALER_SUFFIXES[j % len(names.SECONDARY_DEALER_SUFFIXES)]
            name = f"{counties[j]}{self.brand.spec.name}{suffix}"
            t.dealer.add((dealer_id, self.sid, f"{self.code}-D{j + 1}", name, counties[j], surname + given, True))
            self.dealers.append((dealer_id, [counties[j]]))

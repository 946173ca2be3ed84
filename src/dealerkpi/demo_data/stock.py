"""Vehicles: VINs, the vehicle records, each store's demo cars and its closing stock (free stock in the
age bands, some at secondary dealers, some on the way from the OEM)."""

from __future__ import annotations

from dealerkpi.core.bulk import Row
from dealerkpi.core.validators import vin_check_digit
from dealerkpi.demo_data.catalogue import SEGMENT_WEIGHT, STAGE_WEIGHT, TRIM_POPULARITY, ModelInfo, TrimInfo
from dealerkpi.demo_data.clock import DAY
from dealerkpi.demo_data.draws import Weighted, money
from dealerkpi.demo_data.store_base import PendingRows, StoreBase
from dealerkpi.stock.models import Vehicle

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model years 2010, 2011, ...
# Days a vehicle spends in stock before it is sold, and in closing stock (库龄 bands 0-30/31-60/61-90/90+).
SALE_AGE_BANDS = (((1, 30), 45), ((31, 60), 30), ((61, 90), 15), ((91, 150), 10))
STOCK_AGE_BANDS = (((0, 30), 42), ((31, 60), 27), ((61, 90), 16), ((91, 180), 15))

Transfer = tuple[int, int | None, int | None]  # (day, from dealer, to dealer); None is the store


def make_vin(wmi: str, model_no: int, trim_no: int, year: int, serial: int) -> str:
    """A 17-character VIN with a valid check digit; the vehicle's id makes the plant code and serial."""
    vds = VIN_CHARS[10 + model_no % 23] + str(1 + trim_no % 9) + "A4" + VIN_CHARS[10 + (model_no * 7 + trim_no) % 23]
    rest = (
        YEAR_CODES[(year - 2010) % len(YEAR_CODES)] + VIN_CHARS[serial // 1_000_000 % 33] + f"{serial % 1_000_000:06d}"
    )
    partial = wmi + vds + "0" + rest
    return partial[:8] + vin_check_digit(partial) + partial[9:]


class StockKeeping(StoreBase):
    def _vehicle(
        self,
        model: ModelInfo,
        trim: TrimInfo,
        colour: str,
        arrived: int | None,
        status: str,
        dealer: int | None,
        cost_day: int,
        rows: PendingRows | None = None,
        vid: int | None = None,
    ) -> int:
        """Write a vehicle (to ``rows`` when given, for a card that may not be kept); returns its id."""
        g, t = self.g, self.t
        vid = t.vehicle.new_id() if vid is None else vid
        year_day = g.day(arrived if arrived is not None else g.until_ord)
        model_year = year_day.year + (1 if year_day.month >= 10 else 0)
        vin = make_vin(self.brand.spec.wmi, model.no, trim.no, model_year, vid)
        cost = trim.price_on(cost_day)[2]
        arrived_on = None if arrived is None else g.day(arrived)
        row: Row = (vid, self.sid, vin, trim.id, colour, money(cost), arrived_on, status, dealer)
        if rows is None:
            t.vehicle.add(row)
        else:
            rows.append((t.vehicle, row))
        return vid

    def _demo_vehicles(self) -> None:
        """The top trim of each model as a demo car; two of the model in the most popular segment."""
        rng, g = self.rng, self.g
        self.demo = {}
        self.all_demo = []
        models = sorted(self.brand.models, key=lambda m: -SEGMENT_WEIGHT[m.spec.segment])
        for k, m in enumerate(models):
            for _ in range(2 if k == 0 else 1):
                arrived = max(m.launch - 5, g.sim_start.toordinal() - rng.randint(30, 300))
                vid = self._vehicle(m, m.trims[-1], self.colours.pick(rng), arrived, Vehicle.Status.DEMO, None, arrived)
                self.demo.setdefault(m.id, []).append(vid)
                self.all_demo.append(vid)

    # stock at the end ------------------------------------------------------------------------------------

    def _closing_stock(self) -> None:
        """Free stock of ~1.5 months of sales over the age bands; some at secondary dealers or on the way."""
        target = round(self._monthly_sales() * self.rng.uniform(1.42, 1.58))
        self._write_released_cars()
        ages = Weighted(STOCK_AGE_BANDS)
        mix = self._stock_mix()
        for _ in range(max(0, target - self.vehicles_on_hand)):
            self._free_stock_vehicle(mix, ages)
        for _ in range(round(target * 0.1)):  # ordered from the OEM, on the way
            m, trim = mix.pick(self.rng)
            self._vehicle(m, trim, self.colours.pick(self.rng), None, Vehicle.Status.IN_TRANSIT, None, self.g.until_ord)

    def _monthly_sales(self) -> float:
        """Deliveries a month over the last 91 days (of the period)."""
        g = self.g
        until = g.until_ord
        recent = [d for d in self.deliveries if d.delivered_t >= (until - 91) * DAY]
        span = min(91, until - g.window_start.toordinal() + 1)
        return len(recent) / span * 30.44 if span > 0 else 100

    def _write_released_cars(self) -> None:
        """Cars of cancelled orders that no later order took: back in stock."""
        for pool in self.released.values():
            for vid, arrived, colour, m, trim in pool:
                self._vehicle(m, trim, colour, arrived, Vehicle.Status.IN_STOCK, None, arrived, vid=vid)
                self.vehicles_on_hand += 1

    def _stock_mix(self) -> Weighted:
        """Which trims stand in stock: what sells, plus run-out models that sell slowly and top trims."""
        weights = []
        for m in self.brand.models:
            for trim in m.trims:
                slow = 1.6 if m.spec.stage == "run_out" else 1.0
                weight = (
                    STAGE_WEIGHT[m.spec.stage]
                    * SEGMENT_WEIGHT[m.spec.segment]
                    * slow
                    * TRIM_POPULARITY[trim.margin]
                    * (1.3 if trim.margin == "high" else 1.0)
                )
                weights.append(((m, trim), weight))
        return Weighted(weights)

    def _free_stock_vehicle(self, mix: Weighted, ages: Weighted) -> None:
        g, rng, t = self.g, self.rng, self.t
        until = g.until_ord
        m, trim = mix.pick(rng)
        lo, hi = ages.pick(rng)
        arrived = until - rng.randint(lo, hi)
        if arrived < m.launch - 3:  # a new model's stock is as young as the model
            arrived = until - rng.randint(0, until - m.launch + 3)
        moves = self._moves_to_secondary_dealer(arrived)
        dealer = moves[-1][2] if moves else None
        vid = self._vehicle(m, trim, self.colours.pick(rng), arrived, Vehicle.Status.IN_STOCK, dealer, arrived)
        for moved, source, to in moves:
            t.transfer.add((t.transfer.new_id(), self.sid, vid, g.day(moved), source, to))

    def _moves_to_secondary_dealer(self, arrived: int) -> list[Transfer]:
        """Some stock goes out to a secondary dealer; some of that comes back to the store."""
        rng, until = self.rng, self.g.until_ord
        if not (self.dealers and rng.random() < 0.14):
            return []
        to = self.dealers[int(rng.random() * len(self.dealers))][0]
        moved = min(until, arrived + rng.randint(1, 10))
        moves: list[Transfer] = [(moved, None, to)]
        back = moved + rng.randint(5, 20)
        if rng.random() < 0.15 and back <= until:
            moves.append((back, to, None))
        return moves

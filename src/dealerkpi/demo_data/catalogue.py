"""The catalogue: competitor brands, the group's own brands with their models' lifecycles, trims and price
lines, and the same kept in Python for the stores to sell from."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING

from dealerkpi.demo_data import names
from dealerkpi.demo_data.clock import NEVER
from dealerkpi.demo_data.draws import Weighted, money, round100

if TYPE_CHECKING:
    from dealerkpi.demo_data.generate import Generator

MARGIN_CLASSES = (("high", "高毛利"), ("normal", "常规"), ("low", "低毛利"))
MARGIN = {  # cost and floor as a share of the guide price, by margin class
    "high": (0.86, 0.91),
    "normal": (0.90, 0.905),
    "low": (0.94, 0.90),  # the price fighter: floor below cost, the back end and rebates carry it
}
TRIM_POPULARITY = {"low": 35, "normal": 45, "high": 20}
STAGE_WEIGHT = {"introduction": 1.6, "growth": 1.4, "maturity": 1.0, "run_out": 0.45}
SEGMENT_WEIGHT = {
    "紧凑型轿车": 1.0,
    "中型轿车": 0.8,
    "紧凑型SUV": 1.3,
    "中型SUV": 1.0,
    "中大型SUV": 0.6,
    "MPV": 0.45,
    "纯电SUV": 1.0,
}
STAGES = ("introduction", "growth", "maturity", "run_out")
LAUNCH_DAYS_AGO = {"introduction": (50, 70), "growth": (220, 500), "maturity": (800, 1800), "run_out": (1900, 2600)}
STAGE_STARTS = (0, 120, 485)  # days after the launch that introduction, growth and maturity begin

PriceLine = tuple[int, int, int, int, int]  # (from ordinal, to ordinal, guide, floor, cost) in yuan


@dataclass
class TrimInfo:
    id: int
    no: int
    margin: str
    lines: list[PriceLine]

    def price_on(self, day: int) -> tuple[int, int, int]:
        for start, end, guide, floor, cost in self.lines:
            if start <= day <= end:
                return guide, floor, cost
        first = self.lines[0]
        return first[2], first[3], first[4]


@dataclass
class ModelInfo:
    id: int
    no: int
    spec: names.ModelSpec
    launch: int  # ordinal
    trims: list[TrimInfo] = field(default_factory=list)
    trim_pick: Weighted | None = None
    competitors: list[tuple[int, int]] = field(default_factory=list)  # (model id, guide price)


@dataclass
class BrandInfo:
    id: int
    spec: names.BrandSpec
    models: list[ModelInfo] = field(default_factory=list)


def write_catalogue(gen: Generator, rng: Random) -> list[BrandInfo]:
    """Write the competitors' and the group's brands; returns the group's own brands."""
    competitors = _write_competitors(gen)
    return [_write_own_brand(gen, rng, spec, competitors) for spec in names.OWN_BRANDS]


def _write_competitors(gen: Generator) -> list[tuple[int, names.ModelSpec]]:
    t = gen.t
    competitors = []
    for spec in names.COMPETITOR_BRANDS:
        brand_id = t.brand.new_id()
        t.brand.add((brand_id, spec.code, spec.name, True))
        for m in spec.models:
            model_id = t.model.new_id()
            t.model.add((model_id, brand_id, m.code, m.name, m.segment))
            competitors.append((model_id, m))
    return competitors


def _write_own_brand(
    gen: Generator, rng: Random, spec: names.BrandSpec, competitors: list[tuple[int, names.ModelSpec]]
) -> BrandInfo:
    t = gen.t
    brand = BrandInfo(t.brand.new_id(), spec)
    t.brand.add((brand.id, spec.code, spec.name, False))
    for no, m in enumerate(spec.models):
        model_id = t.model.new_id()
        t.model.add((model_id, brand.id, m.code, m.name, m.segment))
        model = ModelInfo(model_id, no, m, _write_lifecycle(gen, rng, model_id, m.stage))
        model.competitors = [(cid, c.base_price) for cid, c in competitors if c.segment == m.segment] or [
            (cid, c.base_price) for cid, c in competitors[:3]
        ]
        _write_trims(gen, rng, model)
        brand.models.append(model)
    return brand


def _write_trims(gen: Generator, rng: Random, model: ModelInfo) -> None:
    m = model.spec
    trim_names = names.TRIM_NAMES[m.trims]
    step = round(m.base_price * 0.12 / 1000) * 1000
    # A price cut in the generated period (a price war); none for a model just launched.
    window_len = max(1, gen.until_ord - gen.window_start.toordinal())
    price_cut = gen.window_start.toordinal() + int(window_len * rng.uniform(0.3, 0.7))
    for k, trim_name in enumerate(trim_names):
        margin = "low" if k == 0 else "high" if k == len(trim_names) - 1 else "normal"
        trim_id = gen.t.trim.new_id()
        gen.t.trim.add((trim_id, model.id, f"{m.code}-{k + 1}", trim_name, gen.margin_ids[margin]))
        lines = _price_lines(gen, model, m.base_price + k * step, margin, price_cut)
        for start, end, guide, floor, cost in lines:
            gen.t.price.add(
                (
                    gen.t.price.new_id(),
                    gen.day(start),
                    None if end == NEVER else gen.day(end),
                    trim_id,
                    money(guide),
                    money(floor),
                    money(cost),
                )
            )
        model.trims.append(TrimInfo(trim_id, k, margin, lines))
    model.trim_pick = Weighted([(trim, TRIM_POPULARITY[trim.margin]) for trim in model.trims])


def _price_lines(gen: Generator, model: ModelInfo, guide: int, margin: str, price_cut: int) -> list[PriceLine]:
    cost_share, floor_share = MARGIN[margin]
    cost, floor = round100(guide * cost_share), round100(guide * floor_share)
    if model.spec.stage == "introduction" or price_cut <= model.launch:
        return [(model.launch, NEVER, guide, floor, cost)]
    first = min(model.launch, gen.history_start.toordinal() - 365)
    cut_floor, cut_cost = round100(floor - guide * 0.02), round100(cost - guide * 0.01)
    return [(first, price_cut - 1, guide, floor, cost), (price_cut, NEVER, guide, cut_floor, cut_cost)]


def _write_lifecycle(gen: Generator, rng: Random, model_id: int, final: str) -> int:
    """Write the model's lifecycle stages up to ``final``; returns its launch date (ordinal)."""
    until = gen.until_ord
    launch = until - rng.randint(*LAUNCH_DAYS_AGO[final])
    starts = [launch + days for days in STAGE_STARTS[: STAGES.index(final) + 1]]
    if final == "run_out":
        starts.append(until - rng.randint(90, 240))
    for k, start in enumerate(starts):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else None
        row = (gen.t.stage.new_id(), gen.day(start), None if end is None else gen.day(end), model_id, STAGES[k])
        gen.t.stage.add(row)
    return launch

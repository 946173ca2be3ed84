"""Every figure of the monthly analysis: its name, unit, how it derives from a Tally, and the catalogue metric its
target is set on. The page, the head-office table and the workbook all read this one list (docs/reports.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.money import HUNDRED, ZERO
from dealerkpi.crm.models import Complaint, LostReason
from dealerkpi.metrics.base import ratio
from dealerkpi.plans.metric_labels import LABELS
from dealerkpi.sales.models import DerivativeSale
from dealerkpi.stock import services as stock

from .analysis import ONE, PRODUCTS, MonthAnalysis, Tally

UNITS, COUNT, YUAN, PERCENT, RATIO = "units", "count", "yuan", "percent", "ratio"
ADDITIVE = (UNITS, COUNT, YUAN)  # a target of these is reached by completion (actual / target)
Value = Callable[[Tally], Decimal | None]


def _count(name: str) -> Value:
    return lambda tally: tally[name]


def _rate(numerator: str, denominator: str, scale: Decimal = HUNDRED) -> Value:
    return lambda tally: ratio(tally[numerator], tally[denominator], scale)


def _late(tally: Tally) -> Decimal:
    return tally["follow_ups_due"] - tally["follow_ups_on_time"] - tally["follow_ups_missed"]


def _coefficient(tally: Tally) -> Decimal | None:
    return stock.coefficient(tally["closing_stock"], tally["units"])


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    unit: str
    value: Value
    metric: str = ""  # the catalogue metric a target of this figure is set on
    warn_above: Decimal | None = None
    part: bool = False  # shown indented, as a part of the figure above
    lower_is_better: bool = False  # a rise is shown as a change for the worse

    def of(self, tally: Tally) -> Decimal | None:
        return self.value(tally)


Kind = DerivativeSale.Kind
PRODUCT_LABELS = dict(Kind.choices)
PENETRATION_LABELS = {  # a figure with a catalogue metric is named by the metric's label (plans/metric_labels.py)
    Kind.INSURANCE: LABELS["insurance_penetration"], Kind.FINANCE: LABELS["finance_penetration"],
    Kind.ACCESSORIES: _("Accessories penetration"), Kind.EXTENDED_WARRANTY: LABELS["extended_warranty_penetration"],
    Kind.TRADE_IN: LABELS["trade_in_penetration"],
}
PRODUCT_METRICS = {kind: f"{kind}_penetration" for kind in PRODUCTS if kind != Kind.ACCESSORIES}


def _product_figures() -> list[Figure]:
    return [Figure(f"{kind}_penetration", PENETRATION_LABELS[kind], PERCENT, _rate(f"{kind}_units", "units"),
                   PRODUCT_METRICS.get(kind, "")) for kind in PRODUCTS]


_FIGURES = (
    Figure("units", _("Deliveries (units)"), UNITS, _count("units"), "units_delivered"),
    Figure("orders", _("Orders placed"), COUNT, _count("orders")),
    Figure("delivery_rate", _("Deliveries / orders"), PERCENT, _rate("units", "orders")),
    Figure("sales_amount", LABELS["sales_amount"], YUAN, _count("sales_amount"), "sales_amount"),
    Figure("front_gross", LABELS["front_gross_profit"], YUAN, _count("front_gross"), "front_gross_profit"),
    Figure("front_per_unit", LABELS["gross_profit_per_unit"], YUAN, _rate("front_gross", "units", ONE),
           "gross_profit_per_unit"),
    Figure("back_gross", _("Back-end gross profit (derivative income)"), YUAN, _count("back_gross")),
    Figure("back_per_unit", _("Back-end gross profit per unit"), YUAN, _rate("back_gross", "units", ONE)),
    Figure("gross_per_unit", _("Total gross profit per unit"), YUAN,
           lambda t: ratio(t["front_gross"] + t["back_gross"], t["units"], ONE)),
    *_product_figures(),
    Figure("parties", _("Showroom visits (parties)"), COUNT, _count("parties")),
    Figure("first_parties", _("First visits"), COUNT, _count("first_parties"), part=True),
    Figure("repeat_parties", _("Repeat visits"), COUNT, lambda t: t["parties"] - t["first_parties"], part=True),
    Figure("intent_visits", _("Visits with buying intent"), COUNT, _count("intent_visits")),
    Figure("first_intent_visits", LABELS["first_visits"], COUNT, _count("first_intent_visits"),
           "first_visits"),
    Figure("invited_visits", _("Invited visits"), COUNT, _count("invited_visits")),
    Figure("leads", LABELS["new_leads"], COUNT, _count("leads"), "new_leads"),
    Figure("test_drives", _("Test drives done"), COUNT, _count("test_drives")),
    Figure("test_drive_rate", LABELS["test_drive_rate"], PERCENT, _rate("test_drives", "first_intent_visits"),
           "test_drive_rate"),
    Figure("conversion", LABELS["visit_to_order_rate"], PERCENT, _rate("orders", "intent_visits"),
           "visit_to_order_rate"),
    Figure("lead_to_order", LABELS["lead_to_order_rate"], PERCENT, _rate("orders", "leads"), "lead_to_order_rate"),
    Figure("lost", _("Lost sales approved"), COUNT, _count("lost"), lower_is_better=True),
    Figure("lost_rate", LABELS["lost_sale_rate"], PERCENT, _rate("lost", "leads"), "lost_sale_rate",
           lower_is_better=True),
    Figure("closing_stock", _("Closing stock (vehicles)"), UNITS, _count("closing_stock"), lower_is_better=True),
    Figure("coefficient", _("Stock coefficient"), RATIO, _coefficient, warn_above=stock.WARNING_LINE,
           lower_is_better=True),
    Figure("follow_ups_due", _("A-card follow-ups due"), COUNT, _count("follow_ups_due")),
    Figure("follow_ups_on_time", _("Done on time"), COUNT, _count("follow_ups_on_time"), part=True),
    Figure("follow_ups_late", _("Done late"), COUNT, _late, part=True, lower_is_better=True),
    Figure("follow_ups_missed", _("Missed"), COUNT, _count("follow_ups_missed"), part=True, lower_is_better=True),
    Figure("follow_up_rate", _("A-card follow-ups on time"), PERCENT, _rate("follow_ups_on_time", "follow_ups_due")),
    Figure("c_cards_due", _("C-card calls due"), COUNT, _count("c_cards_due")),
    Figure("c_card_rate", _("C-card calls on time"), PERCENT, _rate("c_cards_on_time", "c_cards_due")),
    Figure("compliance", LABELS["follow_up_compliance"], PERCENT,
           lambda t: ratio(t["follow_ups_on_time"] + t["c_cards_on_time"], t["follow_ups_due"] + t["c_cards_due"]),
           "follow_up_compliance"),
    Figure("complaints", _("Complaints received"), COUNT, _count("complaints"), lower_is_better=True),
    Figure("major_complaints", _("Of which major"), COUNT, _count("major_complaints"), part=True, lower_is_better=True),
    Figure("unresolved_complaints", _("Not yet resolved"), COUNT,
           lambda t: t["complaints"] - t["resolved_complaints"], part=True, lower_is_better=True),
)
FIGURES: dict[str, Figure] = {figure.key: figure for figure in _FIGURES}


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    figures: tuple[str, ...]


SECTIONS = (
    Section("volume", _("Volume"), ("units", "orders", "delivery_rate")),
    Section("profit", _("Profit"), ("sales_amount", "front_gross", "front_per_unit", "back_gross", "back_per_unit",
                                   "gross_per_unit")),
    Section("funnel", _("Funnel"), ("parties", "first_parties", "repeat_parties", "intent_visits",
                                   "first_intent_visits", "invited_visits", "leads", "test_drives", "test_drive_rate",
                                   "orders", "conversion", "lead_to_order", "lost", "lost_rate")),
    Section("stock", _("Stock"), ("closing_stock", "coefficient")),
    Section("discipline", _("Follow-up discipline"), ("follow_ups_due", "follow_ups_on_time", "follow_ups_late",
                                                     "follow_ups_missed", "follow_up_rate", "c_cards_due",
                                                     "c_card_rate", "compliance")),
    Section("complaints", _("Complaints"), ("complaints", "major_complaints", "unresolved_complaints")),
)
SECTION = {section.key: section for section in SECTIONS}
# The head office's table of its stores and the figures at the top of the page.
STORE_COLUMNS = ("units", "orders", "front_per_unit", "back_per_unit", "insurance_penetration",
                 "finance_penetration", "leads", "test_drive_rate", "conversion", "lost_rate", "closing_stock",
                 "coefficient", "complaints")
HEADLINE = ("units", "orders", "front_per_unit", "back_per_unit", "coefficient", "follow_up_rate", "complaints")


def _difference(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    return None if now is None or then is None else now - then


@dataclass(frozen=True)
class Line:
    """A figure of the month beside the previous month and the same month last year, with its target."""

    figure: Figure
    now: Decimal | None
    previous: Decimal | None
    last_year: Decimal | None
    target: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        return _difference(self.now, self.previous)

    @property
    def change_year(self) -> Decimal | None:
        return _difference(self.now, self.last_year)

    @property
    def completion(self) -> Decimal | None:
        if self.figure.unit not in ADDITIVE:
            return None
        return ratio(self.now, self.target)

    @property
    def warn(self) -> bool:
        line = self.figure.warn_above
        return line is not None and self.now is not None and self.now > line


def line(analysis: MonthAnalysis, key: str) -> Line:
    figure = FIGURES[key]
    values = [figure.of(analysis.tallies[month]) for month in ("now", "previous", "last_year")]
    return Line(figure, *values, target=analysis.targets.of(figure.metric))


def section_lines(analysis: MonthAnalysis, section: str) -> list[Line]:
    return [line(analysis, key) for key in SECTION[section].figures]


@dataclass(frozen=True)
class SectionLines:
    section: Section
    lines: list[Line]

    @property
    def targeted(self) -> bool:
        """Whether any figure of the section has a target this month (else the page leaves the columns out)."""
        return any(item.target is not None for item in self.lines)


def sections_of(analysis: MonthAnalysis) -> dict[str, SectionLines]:
    return {section.key: SectionLines(section, section_lines(analysis, section.key)) for section in SECTIONS}


@dataclass(frozen=True)
class ModelLine:
    code: str
    name: str
    units: Decimal
    share: Decimal | None
    orders: Decimal
    previous: Decimal
    last_year: Decimal
    target: Decimal | None

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.units, self.target)


def model_lines(analysis: MonthAnalysis) -> list[ModelLine]:
    """Each model delivered or ordered in the month (or with a target): units, share of the units, orders,
    the comparison months' units and the target."""
    now, previous, last_year = (analysis.tallies[key] for key in ("now", "previous", "last_year"))
    names = {**last_year.model_names, **previous.model_names, **now.model_names}
    targeted = {metric.partition(":")[2] for metric in analysis.targets.store if metric.startswith("units_by_model:")}
    codes = set(now.models) | {code for code in targeted if code in names}
    lines = []
    for code in codes:
        units = Decimal(now.models.get(code, {}).get("units", 0))
        lines.append(ModelLine(
            code, names.get(code, code), units, ratio(units, now["units"]),
            Decimal(now.models.get(code, {}).get("orders", 0)),
            Decimal(previous.models.get(code, {}).get("units", 0)),
            Decimal(last_year.models.get(code, {}).get("units", 0)),
            analysis.targets.of(f"units_by_model:{code}"),
        ))
    return sorted(lines, key=lambda item: (-item.units, -item.orders, item.name))


@dataclass(frozen=True)
class ProductLine:
    """A derivative product: deliveries carrying it, penetration (with the comparison months), amount, income."""

    kind: str
    label: str | Promise
    units: Decimal
    penetration: Line
    amount: Decimal
    income: Decimal
    income_per_unit: Decimal | None


def product_lines(analysis: MonthAnalysis) -> list[ProductLine]:
    now = analysis.now
    return [
        ProductLine(kind, PRODUCT_LABELS[kind], now[f"{kind}_units"], line(analysis, f"{kind}_penetration"),
                    now[f"{kind}_amount"], now[f"{kind}_income"], ratio(now[f"{kind}_income"], now["units"], ONE))
        for kind in PRODUCTS
    ]


def share_lines(counts: dict[str, int], labels: dict[str, str] | None = None) -> list[tuple[str, int, Decimal]]:
    """(label, count, share of the total in percent), largest first."""
    total = Decimal(sum(counts.values()))
    named = [((labels or {}).get(key, key), n) for key, n in counts.items()]
    return [(label, n, ratio(Decimal(n), total) or ZERO) for label, n in sorted(named, key=lambda x: (-x[1], x[0]))]


@dataclass(frozen=True)
class StockTable:
    """The closing stock by model (rows) and age band (columns, the last one the model's total)."""

    bands: list[str]
    rows: list[tuple[str, list[int]]]
    totals: list[int]


def stock_table(structure: stock.Structure) -> StockTable:
    bands = [str(_("no arrival date")) if label == stock.NO_DATE else label for label in structure.labels]
    per_band, total = structure.totals()
    return StockTable(bands, [(model, [*counts, whole]) for model, counts, whole in structure.lines()],
                      [*per_band, total])


def lost_reason_lines(tally: Tally) -> list[tuple[str, int, Decimal]]:
    """(reason, lost sales approved, share of them) for the month."""
    return share_lines(tally.lost_reasons, {reason: str(label) for reason, label in LostReason.choices})


def lost_to_lines(tally: Tally, top: int = 10) -> list[tuple[str, int, Decimal]]:
    """(competitor model, sales lost to it, share of the sales lost to a named model), the most first."""
    return share_lines(tally.lost_to)[:top]


def complaint_lines(tally: Tally) -> list[tuple[str, int, int, int]]:
    """(channel, received, major, resolved) for each channel with complaints in the month, most first."""
    labels = dict(Complaint.Channel.choices)
    lines = [(str(labels.get(channel, channel)), counts["complaints"], counts["major_complaints"],
              counts["resolved_complaints"]) for channel, counts in tally.complaints.items()]
    return sorted(lines, key=lambda item: (-item[1], item[0]))


def store_cells(tally: Tally) -> list[tuple[Figure, Decimal | None]]:
    """The head office's columns for one store (or the total)."""
    return [(FIGURES[key], FIGURES[key].of(tally)) for key in STORE_COLUMNS]

"""The monthly sales analysis (月度销售分析): a store's month from its records, set-based.

    tally(store_ids, period, today)         -> {store id: Tally}   15 queries, whatever the number of stores,
                                                                    consultants or models
    month_analysis(store, period, today)    -> MonthAnalysis      the month, the previous month and the same month
                                                                    last year (a month with a final bonus run as
                                                                    kept with it: reports/kept.py), targets,
                                                                    consultants, stock structure
    store_comparison(stores, period, today) -> Comparison         head office: one line per store, and the total

Definitions are the metrics library's (docs/metrics.md), grouped by store here rather than by person: deals and
their moments (`with_moments`: counted at delivery, net of unwinds) and figures (`with_figures`), orders placed,
visits, leads, test drives, approved lost sales, follow-ups due; the stock coefficient and age bands are the
stock page's (`stock.services`). Definitions of every figure: docs/reports.md.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.catalog.models import Trim, VehicleModel
from dealerkpi.core.money import ZERO, fen
from dealerkpi.crm.models import Complaint
from dealerkpi.metrics import care, funnel, now
from dealerkpi.metrics.base import SUM_FIELD, ratio, tidy
from dealerkpi.metrics.period import Frame, shift
from dealerkpi.metrics.sales import delivered_since, placed_orders, with_figures, with_moments
from dealerkpi.oem import policy
from dealerkpi.org.models import Role, Store, Team
from dealerkpi.plans.engine import Period
from dealerkpi.sales.models import Delivery, DerivativeSale
from dealerkpi.stock import services as stock
from dealerkpi.targets.models import Target
from dealerkpi.targets.services import is_additive

from . import kept

ONE = Decimal(1)
PRODUCTS: tuple[str, ...] = tuple(DerivativeSale.Kind.values)
# How far before and after the month the page looks for the contact that answered a due date, and before it for
# the request behind a lost sale decided in the month: keeps the queries on the indexed store/date columns.
LOOKBACK = datetime.timedelta(days=92)
LOST_SALE_LOOKBACK = datetime.timedelta(days=31)
CONSULTANT_METRICS = ("units_delivered", "front_gross_profit", "gross_profit_per_unit", "new_leads", "first_visits",
                      "test_drive_rate", "visit_to_order_rate")


def money(value: Decimal | float | int | None) -> Decimal:
    """A database sum of amounts in yuan as an exact Decimal (SQLite sums in floating point)."""
    return fen(tidy(value))


# --- the months ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Months:
    """The month analysed and the two it is compared with."""

    now: Period

    @property
    def previous(self) -> Period:
        return shift(self.now, -1)

    @property
    def last_year(self) -> Period:
        return shift(self.now, -12)

    def items(self) -> tuple[tuple[str, Period], ...]:
        return (("now", self.now), ("previous", self.previous), ("last_year", self.last_year))


def current_month(today: datetime.date) -> Period:
    return Period(today.year, today.month)


def last_complete_month(today: datetime.date) -> Period:
    return shift(current_month(today), -1)


def asked_month(text: str, today: datetime.date) -> Period:
    """`?month=YYYY-MM`: empty means the last complete month; raises ValueError for anything that is not a
    month from 2000 up to the current one."""
    if not text.strip():
        return last_complete_month(today)
    period = Period.parse(text)
    if period.year < 2000 or period > current_month(today):
        raise ValueError(text)
    return period


# --- one store's month: the tally ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What one store's records say about one month.

    counts: units, amounts and counts by name (see FAMILIES; every figure of figures.py derives from them);
    models: model code -> units and orders; lost_reasons, lost_to (competitor model): approved lost sales;
    complaints: channel -> received, major, resolved; people: staff id -> follow-ups due and on time.
    """

    store_id: int
    counts: Counter[str] = field(default_factory=Counter)
    models: dict[str, Counter[str]] = field(default_factory=dict)
    model_names: dict[str, str] = field(default_factory=dict)
    lost_reasons: Counter[str] = field(default_factory=Counter)
    lost_to: Counter[str] = field(default_factory=Counter)
    complaints: dict[str, Counter[str]] = field(default_factory=dict)
    people: dict[int, Counter[str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Decimal:
        return Decimal(self.counts[name])

    def add(self, name: str, value: Decimal | int) -> None:
        self.counts[name] += value

    def model(self, code: str, name: str) -> Counter[str]:
        self.model_names[code] = name
        return self.models.setdefault(code, Counter())

    def person(self, staff_id: int) -> Counter[str]:
        return self.people.setdefault(staff_id, Counter())

    @classmethod
    def combined(cls, tallies: Iterable[Tally]) -> Tally:
        """The counts of several stores added up (breakdowns are left out)."""
        total = cls(0)
        for tally in tallies:
            total.counts.update(tally.counts)
        return total


def _deliveries(frame: Frame) -> QuerySet[Delivery]:
    """Deliveries that count in the month or are unwound in it, each with its `deal_sign` (+1, -1, 0).

    `with_moments` decides; the candidates it looks at (delivered from the earliest delivery that can count or be
    unwound in the month, `delivered_since`) keep the query on the (store, delivered_at) index."""
    since = delivered_since(frame)
    candidates = Q(order__delivery__delivered_at__gte=since, order__delivery__delivered_at__lt=frame.end)
    return with_moments(Delivery.objects.filter(store_id__in=frame.store_ids, delivered_at__gte=since,
                                                delivered_at__lt=frame.end).filter(candidates), frame)


def _add_deals(deliveries: QuerySet[Delivery], tallies: dict[int, Tally]) -> None:
    """Units, sales amount and front-end gross profit, net of unwinds, by store and model (of the delivered
    vehicle's trim: grouped by trim, named from the catalogue, so the database joins no catalogue per row)."""
    rows = list(
        with_figures(deliveries).order_by()
        .values("store_id", "deal_sign", trim=F("vehicle__trim_id"))
        .annotate(units=Count("pk"), amount=Sum("fig_sales_amount", output_field=SUM_FIELD),
                  front=Sum("fig_front_gross_profit", output_field=SUM_FIELD))
    )
    models = {pk: (code, name) for pk, code, name in Trim.objects.filter(pk__in={row["trim"] for row in rows})
              .values_list("pk", "vehicle_model__code", "vehicle_model__name")}
    for row in rows:
        tally, sign = tallies[row["store_id"]], row["deal_sign"]
        tally.add("units", sign * row["units"])
        tally.add("sales_amount", sign * money(row["amount"]))
        tally.add("front_gross", sign * money(row["front"]))
        tally.model(*models[row["trim"]])["units"] += sign * row["units"]


def _add_products(deliveries: QuerySet[Delivery], tallies: dict[int, Tally]) -> None:
    """Derivative business carried by those deliveries, by product: deliveries, amount, income to the store."""
    rows = (
        deliveries.order_by()
        .values("store_id", "deal_sign", kind=F("order__derivatives__kind"))
        .annotate(n=Count("order__derivatives"),
                  amount=Sum("order__derivatives__amount", output_field=SUM_FIELD),
                  income=Sum("order__derivatives__income", output_field=SUM_FIELD))
    )
    for row in rows:
        if row["kind"] is None:
            continue
        tally, sign, kind = tallies[row["store_id"]], row["deal_sign"], row["kind"]
        tally.add(f"{kind}_units", sign * row["n"])
        tally.add(f"{kind}_amount", sign * money(row["amount"]))
        tally.add(f"{kind}_income", sign * money(row["income"]))
        tally.add("back_gross", sign * money(row["income"]))


def _add_units(frame: Frame, tallies: dict[int, Tally]) -> None:
    """Units delivered, net of unwinds, by store, and nothing else of the deals (the pages that steer): the rows
    `_add_deals` counts, without the amounts, the models or the derivative business. Two queries."""
    for row in _deliveries(frame).order_by().values("store_id", "deal_sign").annotate(units=Count("pk")):
        tallies[row["store_id"]].add("units", row["deal_sign"] * row["units"])


def _add_sales(frame: Frame, tallies: dict[int, Tally]) -> None:
    """The deliveries of the month and their derivative business: four queries."""
    deliveries = _deliveries(frame)
    _add_deals(deliveries, tallies)
    _add_products(deliveries, tallies)


def _add_orders(frame: Frame, tallies: dict[int, Tally]) -> None:
    rows = (placed_orders(frame).order_by()
            .values("store_id", code=F("trim__vehicle_model__code"), name=F("trim__vehicle_model__name"))
            .annotate(n=Count("pk")))
    for row in rows:
        tally = tallies[row["store_id"]]
        tally.add("orders", row["n"])
        tally.model(row["code"], row["name"])["orders"] += row["n"]


VISIT_COUNTS = {
    "parties": Q(),
    "first_parties": Q(is_first_visit=True),
    "intent_visits": funnel.VISIT_PARTS["intent_visits"],
    "first_intent_visits": funnel.VISIT_PARTS["first_visits"],
    "invited_visits": Q(was_invited=True),
}


def _add_counts(records: QuerySet, counts: dict[str, Q], tallies: dict[int, Tally]) -> None:
    """Counts of `records` by store, one per named condition: one query."""
    aggregates = {name: Count("pk", filter=condition) for name, condition in counts.items()}
    for row in records.order_by().values("store_id").annotate(**aggregates):
        for name in counts:
            tallies[row["store_id"]].add(name, row[name])


def _add_visits(frame: Frame, tallies: dict[int, Tally]) -> None:
    _add_counts(funnel.visits(frame), VISIT_COUNTS, tallies)


def _add_leads(frame: Frame, tallies: dict[int, Tally]) -> None:
    _add_counts(funnel.opened_leads(frame), {"leads": Q()}, tallies)


def _add_test_drives(frame: Frame, tallies: dict[int, Tally]) -> None:
    _add_counts(funnel.test_drives_done(frame), {"test_drives": Q()}, tallies)


def lost_sales(frame: Frame) -> QuerySet:
    """Lost sales approved in the month, requested at most LOST_SALE_LOOKBACK before it (the index on the request
    date)."""
    return funnel.approved_lost_sales(frame).filter(requested_at__gte=frame.start - LOST_SALE_LOOKBACK,
                                                    requested_at__lt=frame.end)


def _add_lost_sales(frame: Frame, tallies: dict[int, Tally]) -> None:
    """Approved lost sales by reason and competitor model (named from the catalogue afterwards): two queries."""
    rows = list(lost_sales(frame).order_by().values("store_id", "reason", "competitor_model_id")
                .annotate(n=Count("pk")))
    rivals = {pk: f"{brand} {name}" for pk, brand, name in VehicleModel.objects.filter(
        pk__in={row["competitor_model_id"] for row in rows}).values_list("pk", "brand__name", "name")}
    for row in rows:
        tally = tallies[row["store_id"]]
        tally.add("lost", row["n"])
        tally.lost_reasons[row["reason"]] += row["n"]
        if row["competitor_model_id"]:
            tally.lost_to[rivals[row["competitor_model_id"]]] += row["n"]


def _add_stock(frame: Frame, tallies: dict[int, Tally]) -> None:
    _add_counts(now.closing_stock(frame), {"closing_stock": Q()}, tallies)


def answered_follow_ups(frame: Frame) -> QuerySet:
    """A-card contacts that answered a due date in the month, made at most LOOKBACK before or after it."""
    return care.answered_follow_ups(frame).filter(at__gte=frame.start - LOOKBACK, at__lt=frame.end + LOOKBACK)


def _add_per_person(tally: Tally, staff_id: int | None, due: int, on_time: int) -> None:
    if staff_id is not None:
        person = tally.person(staff_id)
        person["due"] += due
        person["on_time"] += on_time


def _add_follow_ups(frame: Frame, tallies: dict[int, Tally]) -> None:
    """A-card follow-ups due in the month (answered on time or late, or missed) and C-card calls due: three
    queries, by store and person."""
    on_time = {"due": Count("pk"), "on_time": Count("pk", filter=care.ON_TIME)}
    parts = (
        ("follow_ups", answered_follow_ups(frame), "staff_id", on_time),
        ("follow_ups", care.missed_leads(frame), "owner_id", {"due": Count("pk"), "missed": Count("pk")}),
        ("c_cards", care.c_cards_due(frame), "staff_id", on_time),
    )
    for prefix, records, person, aggregates in parts:
        for row in records.order_by().values("store_id", person).annotate(**aggregates):
            tally = tallies[row["store_id"]]
            for name in aggregates:
                tally.add(f"{prefix}_{name}", row[name])
            _add_per_person(tally, row[person], row["due"], row.get("on_time", 0))


def _add_complaints(frame: Frame, tallies: dict[int, Tally]) -> None:
    """Complaints received in the month, every channel, by channel: received, major, resolved."""
    aggregates = {"complaints": Count("pk"), "major_complaints": Count("pk", filter=Q(is_major=True)),
                  "resolved_complaints": Count("pk", filter=Q(status=Complaint.Status.RESOLVED))}
    rows = (Complaint.objects.filter(store_id__in=frame.store_ids).filter(frame.during("received_at")).order_by()
            .values("store_id", "channel").annotate(**aggregates))
    for row in rows:
        tally = tallies[row["store_id"]]
        by_channel = tally.complaints.setdefault(row["channel"], Counter())
        for name in aggregates:
            tally.add(name, row[name])
            by_channel[name] += row[name]


Family = Callable[[Frame, dict[int, Tally]], None]
SALES: tuple[Family, ...] = (_add_sales,)  # units, amounts, gross profit, derivative business
UNITS: tuple[Family, ...] = (_add_units,)  # units alone
COUNTED = (_add_orders, _add_visits, _add_leads, _add_test_drives)
FUNNEL: tuple[Family, ...] = (*SALES, *COUNTED)
UNITS_FUNNEL: tuple[Family, ...] = (*UNITS, *COUNTED)  # the funnel's counts, units the only figure of the deals
COMPLAINTS: tuple[Family, ...] = (_add_complaints,)
FOLLOW_UPS: tuple[Family, ...] = (_add_follow_ups,)
# The head office's table leaves out follow-ups: they are the largest table by far, read for one store at a time.
COMPARED: tuple[Family, ...] = (*FUNNEL, _add_lost_sales, _add_stock, *COMPLAINTS)
FAMILIES: tuple[Family, ...] = (*COMPARED, *FOLLOW_UPS)


def frame_of(store_ids: Iterable[int], period: Period, today: datetime.date) -> Frame:
    return Frame.of(list(store_ids), period, as_of=today)


def tally(store_ids: Iterable[int], period: Period, today: datetime.date,
          families: Sequence[Family] = FAMILIES) -> dict[int, Tally]:
    """Every store's month: one grouped query per figure (a few for some) for all the stores together."""
    frame = frame_of(store_ids, period, today)
    tallies = {store_id: Tally(store_id) for store_id in frame.store_ids}
    for add in families:
        add(frame, tallies)
    return tallies


def recent_units(store_ids: Iterable[int], today: datetime.date) -> dict[int, Decimal]:
    """Units delivered over the last 30 days up to today (`stock.SALES_WINDOW`), net of unwinds in them, by store:
    what the stock coefficient weighs stock on hand against, on the stock page and the pages that steer."""
    window = metrics.Days.ending(today, stock.SALES_WINDOW.days)
    tallies = tally(store_ids, window, today, UNITS)  # type: ignore[arg-type]  # days, not a month
    return {store_id: found["units"] for store_id, found in tallies.items()}


# --- targets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """A store's targets of the month by metric: the store-level row, else (additive metrics) the sum of the
    people's; and each person's."""

    store: dict[str, Decimal] = field(default_factory=dict)
    people: dict[int, dict[str, Decimal]] = field(default_factory=dict)

    def of(self, metric: str) -> Decimal | None:
        return self.store.get(metric) if metric else None

    def person(self, staff_id: int, metric: str) -> Decimal | None:
        return self.people.get(staff_id, {}).get(metric)


def targets_of(store_ids: Sequence[int], period: Period, names: Sequence[str] | None = None) -> dict[int, Targets]:
    """The month's store- and person-level targets of the stores (of the metrics `names` only, when given), in
    one query."""
    rows = Target.objects.filter(store_id__in=store_ids, month=period.first_day, team__isnull=True)
    if names is not None:
        rows = rows.filter(metric__in=names)
    stores: dict[int, dict[str, Decimal]] = {pk: {} for pk in store_ids}
    people: dict[int, dict[int, dict[str, Decimal]]] = {pk: {} for pk in store_ids}
    for store_id, staff_id, metric, value in rows.values_list("store_id", "staff_id", "metric", "value"):
        if staff_id is None:
            stores[store_id][metric] = value
        else:
            people[store_id].setdefault(staff_id, {})[metric] = value
    additive = {metric: is_additive(metric) for by_person in people.values() for targets in by_person.values()
                for metric in targets}
    for store_id, by_person in people.items():
        summed: Counter[str] = Counter()
        for targets in by_person.values():
            summed.update({metric: value for metric, value in targets.items() if additive[metric]})
        for metric, value in summed.items():
            stores[store_id].setdefault(metric, value)
    return {pk: Targets(stores[pk], people[pk]) for pk in store_ids}


# --- the consultants ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultantLine:
    rank: int
    staff_id: int
    name: str
    team: str
    figures: dict[str, Decimal]
    orders: int
    target: Decimal | None
    follow_ups_due: int
    follow_ups_on_time: int

    @property
    def units(self) -> Decimal:
        return self.figures.get("units_delivered", ZERO)

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.units, self.target)

    @property
    def follow_up_rate(self) -> Decimal | None:
        return ratio(Decimal(self.follow_ups_on_time), Decimal(self.follow_ups_due))


def consultant_lines(store: Store, period: Period, today: datetime.date, now: Tally, targets: Targets,
                     actuals: metrics.PeriodActuals) -> list[ConsultantLine]:
    """The store's consultants (and anyone else credited with deliveries or orders), ranked by units delivered:
    the KPI metrics of each (`actuals`: CONSULTANT_METRICS computed for the store, set-based), orders placed and
    follow-ups on time."""
    orders = dict(placed_orders(frame_of([store.pk], period, today)).order_by().values("consultant_id")
                  .annotate(n=Count("pk")).values_list("consultant_id", "n"))
    teams = dict(Team.objects.filter(store=store).values_list("pk", "name"))
    lines = []
    for staff_id, member in actuals.people.items():
        figures = actuals.of(staff_id)
        if member.role != Role.CONSULTANT and not (figures.get("units_delivered") or orders.get(staff_id)):
            continue
        followed = now.people.get(staff_id, Counter())
        lines.append(ConsultantLine(0, staff_id, member.name, teams.get(member.team_id or 0, ""), figures,
                                    orders.get(staff_id, 0), targets.person(staff_id, "units_delivered"),
                                    followed["due"], followed["on_time"]))
    lines.sort(key=lambda line: (-line.units, -line.orders, line.name))
    return [replace(line, rank=rank) for rank, line in enumerate(lines, start=1)]


# --- the page -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rebate:
    """The manufacturer's rebate of the month under the store's commercial policy (oem.policy): earned, for a
    month that is over; for the month under way, as the days over stand, and projected to the month's end."""

    earned: Decimal
    projected: Decimal | None
    quarter: Decimal
    gross_profit: Decimal  # front-end + back-end gross profit + the rebate earned


def rebate_of(store: Store, period: Period, today: datetime.date, now: Tally, read: policy.Reading,
              computed: dict[int, metrics.PeriodActuals] | None) -> Rebate | None:
    standing = policy.standings([store], period, today, read, computed).get(store.pk)
    if standing is None:
        return None
    earned = (standing.to_date or standing.month).rebate
    projected = standing.month.rebate if standing.to_date else None
    return Rebate(earned, projected, standing.quarter_rebate, now["front_gross"] + now["back_gross"] + earned)


@dataclass(frozen=True)
class MonthAnalysis:
    store: Store
    months: Months
    today: datetime.date
    tallies: dict[str, Tally]
    targets: Targets
    structure: stock.Structure
    consultants: list[ConsultantLine]
    rebate: Rebate | None
    runs: dict[Period, int]  # the number of the final run each month kept (reports/kept.py) is shown as at

    @property
    def as_approved(self) -> list[tuple[Period, int]]:
        """The months shown as at the approval of their final run, in the order of the page."""
        return [(month, self.runs[month]) for _key, month in self.months.items() if month in self.runs]

    @property
    def now(self) -> Tally:
        return self.tallies["now"]

    @property
    def partial(self) -> bool:
        """The current month: figures up to today."""
        return self.months.now == current_month(self.today)

    @property
    def stock_day(self) -> datetime.date:
        return min(self.months.now.last_day, self.today)


def month_analysis(store: Store, period: Period, today: datetime.date | None = None) -> MonthAnalysis:
    """The store's month beside the previous month and the same month last year: a fixed number of queries."""
    today = today or timezone.localdate()
    months = Months(period)
    by_month = kept.tallies(store, [month for _key, month in months.items()], today)
    tallies = {key: by_month.tallies[month] for key, month in months.items()}
    targets = targets_of([store.pk], period)[store.pk]
    structure = stock.structure(now.closing_stock(frame_of([store.pk], period, today)), min(period.last_day, today))
    read = policy.reading([store], period)
    # One computation for the consultants' lines and, once the month is over, the rebate's store figures (the
    # rebate of a month under way reads the days that are over, apart).
    over = period.last_day < today
    computed = metrics.compute_by_store((*CONSULTANT_METRICS, *(read.names if over else ())), [store.pk], period,
                                        as_of=today)
    consultants = consultant_lines(store, period, today, tallies["now"], targets, computed[store.pk])
    rebate = rebate_of(store, period, today, tallies["now"], read, computed if over else None)
    return MonthAnalysis(store, months, today, tallies, targets, structure, consultants, rebate, by_month.runs)


# --- head office --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreLine:
    store: Store | None  # None: the total of the stores
    tally: Tally
    target: Decimal | None  # units delivered

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.tally["units"], self.target)


@dataclass(frozen=True)
class Comparison:
    lines: list[StoreLine]
    total: StoreLine

    @property
    def targeted(self) -> bool:
        return any(line.target is not None for line in self.lines)


def store_comparison(stores: Sequence[Store], period: Period, today: datetime.date | None = None) -> Comparison:
    """One line per store for the month and the stores' total: the same grouped queries for all the stores."""
    today = today or timezone.localdate()
    ids = [store.pk for store in stores]
    tallies = tally(ids, period, today, COMPARED)
    targets = targets_of(ids, period, ["units_delivered"])
    lines = [StoreLine(store, tallies[store.pk], targets[store.pk].of("units_delivered")) for store in stores]
    targets_set = [line.target for line in lines if line.target is not None]
    total_target = sum(targets_set, ZERO) if lines and len(targets_set) == len(lines) else None  # all, or none
    return Comparison(lines, StoreLine(None, Tally.combined(tallies.values()), total_target))

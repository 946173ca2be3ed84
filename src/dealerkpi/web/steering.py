"""The home page that steers the store's management and head office: today's figures, the month to date against
target with the run rate, the decisions waiting with their amounts, and what needs attention (alerts), for each
store the viewer reaches, computed for all of them together (a fixed number of queries, whatever the number of
stores).

Every figure is the definition of the page it links to: the day's and the month's counts are the monthly
analysis's (`reports.analysis.tally` over days), the run rate the daily report's (`metrics.period.projected`),
stock over 90 days the stock page's oldest age band, the stock coefficient the stock page's (on hand / deliveries
of the last 30 days, against `stock.services.WARNING_LINE`), overdue A-cards `metrics.standing`, overdue
complaints the complaint list's, runs waiting those submitted to the GM, daily reports those not sent today.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Model, QuerySet, Sum
from django.utils.functional import Promise

from dealerkpi import metrics
from dealerkpi.core.money import ZERO
from dealerkpi.core.registry import approval_kinds
from dealerkpi.core.scope import Viewer
from dealerkpi.crm.complaint_views import overdue_condition
from dealerkpi.crm.models import Complaint
from dealerkpi.metrics.base import ratio
from dealerkpi.metrics.now import Standing, stock_on_hand
from dealerkpi.metrics.period import projected, whole_days
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.roles import SALES_MANAGEMENT
from dealerkpi.pay.models import Run
from dealerkpi.reports.analysis import UNITS, UNITS_FUNNEL, Tally, recent_units, tally, targets_of
from dealerkpi.reports.models import DailyReport
from dealerkpi.stock import services as stock

OLD_BAND = stock.AGE_BANDS[-1][0]  # "90+"


@dataclass(frozen=True)
class StoreSteer:
    """One store's day and month, and what needs attention."""

    store: Store
    today: Tally
    month: Tally
    target: Decimal | None  # units delivered this month
    projected: Decimal  # units delivered by the month's end at the run rate
    stock: int
    recent_deliveries: Decimal  # units delivered in the last 30 days
    old_stock: int
    overdue_cards: int
    overdue_complaints: int
    runs_waiting: int
    report: DailyReport | None
    managers: tuple[Staff, ...]  # the sales managers, to call

    @property
    def units(self) -> Decimal:
        return self.month["units"]

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.units, self.target)

    @property
    def projected_completion(self) -> Decimal | None:
        return ratio(self.projected, self.target)

    @property
    def coefficient(self) -> Decimal | None:
        return stock.coefficient(self.stock, self.recent_deliveries)

    @property
    def over_line(self) -> bool:
        return self.coefficient is not None and self.coefficient > stock.WARNING_LINE

    @property
    def alerts(self) -> int:
        """How many kinds of alert the store raises."""
        return sum(1 for raised in (self.old_stock, self.over_line, self.overdue_cards, self.overdue_complaints,
                                    self.runs_waiting, self.report is None) if raised)


def _per_store(records: QuerySet) -> dict[int, int]:
    return dict(records.order_by().values("store_id").annotate(n=Count("pk")).values_list("store_id", "n"))


def _old_stock(ids: list[int], today: datetime.date) -> dict[int, int]:
    return _per_store(stock_on_hand(ids, today).annotate(band=stock.age_band(today)).filter(band=OLD_BAND))


def _managers(ids: list[int], today: datetime.date) -> dict[int, tuple[Staff, ...]]:
    """The sales managers and deputies of the stores employed today."""
    found: dict[int, list[Staff]] = {}
    employed = Staff.objects.filter(store_id__in=ids, hire_date__lte=today).exclude(leave_date__lt=today)
    for person in employed.filter(role__in=SALES_MANAGEMENT).order_by("role", "name"):
        found.setdefault(person.store_id or 0, []).append(person)
    return {store_id: tuple(people) for store_id, people in found.items()}


def _units_over(month: Tally, now: Tally, today: datetime.date) -> Decimal:
    """Units delivered in the days of the month that are over (`whole_days`): the month so far less today's (`now`),
    as a deal counts on the day it is credited and is taken back on the day it is unwound, so days add up; on the
    1st, the day so far."""
    return month["units"] if today.day == 1 else month["units"] - now["units"]


def steering(stores: list[Store], today: datetime.date, standing: Standing) -> list[StoreSteer]:
    """Each store's line, in the order of `stores`; `standing`: stock on hand and overdue A-cards of (at least)
    those stores today (web.dashboard.standing)."""
    ids = [store.pk for store in stores]
    days = metrics.Days.month_to_date(today)
    now = tally(ids, metrics.Days(today, today), today, UNITS_FUNNEL)  # type: ignore[arg-type]  # days
    month = tally(ids, days, today, UNITS)  # type: ignore[arg-type]
    whole = whole_days(today)  # the run rate, as the daily report's: over the days that are over
    targets = targets_of(ids, days.period, ["units_delivered"])
    recent = recent_units(ids, today)
    old = _old_stock(ids, today)
    complaints = _per_store(Complaint.objects.filter(store_id__in=ids).filter(overdue_condition(today)))
    runs = _per_store(Run.objects.filter(store_id__in=ids, status=Run.Status.SUBMITTED))
    reports = {report.store_id: report for report in DailyReport.objects.filter(store_id__in=ids, day=today)
               .select_related("sent_by", "commented_by")}
    managers = _managers(ids, today)
    return [StoreSteer(
        store, now[store.pk], month[store.pk], targets[store.pk].of("units_delivered"),
        projected(_units_over(month[store.pk], now[store.pk], today), whole),
        standing.of_store(store.pk, "stock_on_hand"), recent[store.pk], old.get(store.pk, 0),
        standing.of_store(store.pk, "overdue_cards"),
        complaints.get(store.pk, 0), runs.get(store.pk, 0), reports.get(store.pk), managers.get(store.pk, ()),
    ) for store in stores]


@dataclass(frozen=True)
class Waiting:
    """A kind of decision waiting for the viewer: how many, and for requests on orders the deal prices and the
    discounts asked (guide price - deal price)."""

    label: str | Promise
    count: int
    amount: Decimal | None = None
    discount: Decimal | None = None


def _has_order(model: type[Model]) -> bool:
    return any(field.name == "order" for field in model._meta.get_fields())


def waiting(viewer: Viewer, has_perm: Callable[[str], bool]) -> list[Waiting]:
    """The approvals inbox's kinds (core.registry) the viewer decides (`has_perm`: the user's) that have requests
    waiting."""
    found = []
    for kind in approval_kinds():
        if not has_perm(kind.permission):
            continue
        pending = kind.pending(viewer).order_by()
        label = pending.model._meta.verbose_name_plural
        if not _has_order(pending.model):
            found.append(Waiting(label, pending.count()))
            continue
        sums = pending.aggregate(n=Count("pk"), amount=Sum("order__price"),
                                 discount=Sum(F("order__guide_price") - F("order__price")))
        found.append(Waiting(label, sums["n"], sums["amount"] or ZERO, sums["discount"] or ZERO))
    return [item for item in found if item.count]

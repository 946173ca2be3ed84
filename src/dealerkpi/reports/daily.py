"""The daily report's figures (日报), for one store and the morning of `day`: the day before, the month to date
against target with its run rate, and the day's schedule.

The day's and the month's counts are the monthly analysis's (`analysis.tally`) over a run of days instead of a
month: the same definitions as every other page (docs/metrics.md, docs/reports.md). Two counts the analysis does
not have are defined here: orders cancelled and sales unwound on the day (`Reversal.at`), and complaints resolved
on the day (`Complaint.resolved_at`). The day's schedule reads the consultant's day (`sales/today.py`): deliveries
and test drives booked for the day, visits and test drives the customer agreed to come for, A-cards due.

The breakdown by team and consultant reads the metrics library's people (`metrics.compute`, the definitions the
statements pay on, which the store lines' counts share: visits, A-cards, test drives, orders, deliveries net of
unwinds, sales and front-end profit) for all the store's people at once: two computations (the day, the month to
date) and one query of targets, however many people. A consultant's deliveries are their credited shares; a team's
figures are its members' rows while in it (someone who changed team counts in each for their days there). Targets:
a person's own; a team's own row, else the sum of its members' (additive metrics), as a store's are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi import metrics
from dealerkpi.core.money import ZERO
from dealerkpi.crm.models import Complaint
from dealerkpi.metrics.base import ratio
from dealerkpi.metrics.period import Days, Frame, projected
from dealerkpi.org.models import Role, Store, Team
from dealerkpi.sales.models import Reversal
from dealerkpi.sales.today import booked_on
from dealerkpi.targets.models import Target
from dealerkpi.targets.services import is_additive

from .analysis import COMPLAINTS, FOLLOW_UPS, FUNNEL, Tally, tally, targets_of
from .figures import FIGURES, Figure

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DayCount:
    """One figure of the report: its label, value and the browse page (slug) that lists its kind of record."""

    key: str
    label: str | Promise
    value: Decimal
    slug: str = ""
    money: bool = False


@dataclass(frozen=True)
class MonthLine:
    """A figure of the month to date beside its target and where the run rate takes it by the month's end."""

    figure: Figure
    value: Decimal
    target: Decimal | None
    projected: Decimal

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.value, self.target)

    @property
    def projected_completion(self) -> Decimal | None:
        return ratio(self.projected, self.target)

    @property
    def money(self) -> bool:
        return self.figure.unit == "yuan"


@dataclass(frozen=True)
class PeopleLine:
    """A team's or a consultant's yesterday (in the order of DAY_BY_PERSON) and month to date against target (in
    the order of MONTH_BY_PERSON)."""

    name: str
    team: str  # a consultant's team at the end of the days; "" for a team's line
    yesterday: tuple[Decimal, ...]
    month: tuple[MonthLine, ...]


@dataclass(frozen=True)
class Breakdown:
    teams: list[PeopleLine]
    consultants: list[PeopleLine]

    @property
    def day_labels(self) -> list[str | Promise]:
        return [FIGURES[key].label for key in DAY_BY_PERSON]

    @property
    def month_figures(self) -> list[Figure]:
        return [FIGURES[key] for key in MONTH_BY_PERSON]


@dataclass(frozen=True)
class DailyFigures:
    store: Store
    day: datetime.date  # the morning the report is for
    yesterday: list[DayCount]
    month: list[MonthLine]
    schedule: list[DayCount]
    people: Breakdown

    @property
    def figures_day(self) -> datetime.date:
        return self.day - ONE_DAY

    @property
    def month_days(self) -> Days:
        return Days.month_to_date(self.figures_day)


def reversals(store_ids: list[int], day: datetime.date) -> dict[str, int]:
    """Orders cancelled and sales unwound on `day`, by kind (one query)."""
    frame = Frame.of(store_ids, Days(day, day))
    rows = Reversal.objects.filter(store_id__in=store_ids).filter(frame.during("at")).order_by().values("kind")
    found = {row["kind"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return {kind: found.get(kind, 0) for kind in Reversal.Kind.values}


def complaints_resolved(store_ids: list[int], day: datetime.date) -> int:
    """Complaints resolved on `day`, whenever received."""
    frame = Frame.of(store_ids, Days(day, day))
    return Complaint.objects.filter(store_id__in=store_ids, status=Complaint.Status.RESOLVED).filter(
        frame.during("resolved_at")).count()


def _day_counts(now: Tally, cancelled: dict[str, int], resolved: int) -> list[DayCount]:
    done = now["follow_ups_due"] - now["follow_ups_missed"]
    return [
        DayCount("first_visits", _("First visits"), now["first_parties"], "visits"),
        DayCount("repeat_visits", _("Repeat visits"), now["parties"] - now["first_parties"], "visits"),
        DayCount("new_leads", _("New A-cards"), now["leads"], "leads"),
        DayCount("test_drives", _("Test drives done"), now["test_drives"], "test-drives"),
        DayCount("orders", _("Orders placed"), now["orders"], "orders"),
        DayCount("deliveries", _("Deliveries"), now["units"], "deliveries"),
        DayCount("cancellations", _("Orders cancelled"), Decimal(cancelled[Reversal.Kind.CANCELLATION]), "orders"),
        DayCount("unwinds", _("Sales unwound"), Decimal(cancelled[Reversal.Kind.UNWIND]), "orders"),
        DayCount("front_gross", _("Front-end gross profit"), now["front_gross"], "deliveries", money=True),
        DayCount("back_gross", _("Derivative gross profit"), now["back_gross"], "deliveries", money=True),
        DayCount("follow_ups_due", _("A-card follow-ups due"), now["follow_ups_due"], "leads"),
        DayCount("follow_ups_done", _("Of which done"), done, "follow-ups"),
        DayCount("complaints", _("Complaints received"), now["complaints"], "complaints"),
        DayCount("complaints_resolved", _("Complaints resolved"), Decimal(resolved), "complaints"),
    ]


DAY_FAMILIES = (*FUNNEL, *FOLLOW_UPS, *COMPLAINTS)  # what _day_counts reads
MONTH_FIGURES = ("units", "orders", "sales_amount", "front_gross", "back_gross", "leads", "parties", "test_drives")


def _month_lines(store: Store, days: Days, today: datetime.date) -> list[MonthLine]:
    now = tally([store.pk], days, today, FUNNEL)[store.pk]  # type: ignore[arg-type]  # over days, not a month
    targets = targets_of([store.pk], days.period)[store.pk]
    lines = []
    for key in MONTH_FIGURES:
        figure = FIGURES[key]
        value = figure.of(now) or ZERO
        lines.append(MonthLine(figure, value, targets.of(figure.metric), projected(value, days)))
    return lines


def schedule(store_ids: list[int], day: datetime.date) -> list[DayCount]:
    """What is booked for `day`: the consultant's day (sales/today.py) counted for the store."""
    booked = {kind: records.filter(store_id__in=store_ids) for kind, records in booked_on(day).items()}
    deliveries, drives, appointments = booked["deliveries"], booked["test_drives"], booked["appointments"]
    due = metrics.standing(["cards_due"], store_ids, day).total("cards_due")
    return [
        DayCount("deliveries", _("Deliveries booked"), Decimal(deliveries.count()), "deliveries"),
        DayCount("test_drives", _("Test drives booked"), Decimal(drives.count()), "test-drives"),
        DayCount("appointments", _("Appointments"), Decimal(appointments.count()), "follow-ups"),
        DayCount("cards_due", _("A-card follow-ups due"), Decimal(due), "leads"),
    ]


# The store lines' figures (reports/figures.py keys) a person has, and the metric each is computed from.
PERSON_METRICS = {"leads": "new_leads", "parties": "showroom_visits", "test_drives": "test_drives",
                  "orders": "orders", "units": "units_delivered", "sales_amount": "sales_amount",
                  "front_gross": "front_gross_profit"}
DAY_BY_PERSON = ("parties", "leads", "test_drives", "orders", "units")
MONTH_BY_PERSON = ("units", "orders", "sales_amount", "front_gross", "leads", "parties", "test_drives")


TARGETED = [FIGURES[key].metric for key in MONTH_BY_PERSON if FIGURES[key].metric]


@dataclass
class _Targets:
    """The month's team and person targets of a store (team rows, and people's), from one query."""

    teams: dict[int, dict[str, Decimal]]
    people: dict[int, dict[str, Decimal]]

    @classmethod
    def of(cls, store: Store, month: datetime.date) -> _Targets:
        rows = Target.objects.filter(store=store, month=month, metric__in=TARGETED)
        found = cls({}, {})
        for team_id, staff_id, metric, value in rows.values_list("team_id", "staff_id", "metric", "value"):
            if staff_id:
                found.people.setdefault(staff_id, {})[metric] = value
            elif team_id:
                found.teams.setdefault(team_id, {})[metric] = value
        return found

    def of_team(self, team_id: int, members: list[int]) -> dict[str, Decimal]:
        """The team's own targets, else (additive metrics) the sum of its members' targets."""
        found = {}
        for metric in TARGETED:
            values = [self.people[pk][metric] for pk in members if metric in self.people.get(pk, {})]
            if metric in self.teams.get(team_id, {}):
                found[metric] = self.teams[team_id][metric]
            elif values and is_additive(metric):
                found[metric] = sum(values, ZERO)
        return found


def _line(name: str, team: str, day: dict[str, Decimal], month: dict[str, Decimal], days: Days,
          targets: dict[str, Decimal]) -> PeopleLine:
    def value(figures: dict[str, Decimal], key: str) -> Decimal:
        return figures.get(PERSON_METRICS[key], ZERO)

    month_lines = tuple(
        MonthLine(FIGURES[key], value(month, key), targets.get(FIGURES[key].metric), projected(value(month, key), days))
        for key in MONTH_BY_PERSON)
    return PeopleLine(name, team, tuple(value(day, key) for key in DAY_BY_PERSON), month_lines)


def _by_team(actuals: metrics.PeriodActuals) -> dict[int | None, dict[str, Decimal]]:
    """Each team's figures (None: people in no team): the sum of its members' rows while in it."""
    teams: dict[int | None, dict[str, Decimal]] = {}
    for row in actuals.rows:
        sums = teams.setdefault(row.team_id, {})
        for name, value in row.metrics.items():
            sums[name] = sums.get(name, ZERO) + value
    return teams


def _has_figures(*figures: dict[str, Decimal]) -> bool:
    return any(value for found in figures for value in found.values())


def breakdown(store: Store, figures_day: datetime.date, today: datetime.date) -> Breakdown:
    """Yesterday and the month to date of each of the store's teams and consultants (and anyone else with
    figures), set-based: two metric computations for everyone, one query of targets and one of teams."""
    names = list(PERSON_METRICS.values())
    days = Days.month_to_date(figures_day)
    day = metrics.compute(names, [store.pk], Days(figures_day, figures_day), as_of=today)
    month = metrics.compute(names, [store.pk], days, as_of=today)
    targets = _Targets.of(store, days.period.first_day)
    teams = dict(Team.objects.filter(store=store).values_list("pk", "name"))
    consultants = sorted(
        (_line(member.name, teams.get(member.team_id or 0, ""), day.of(pk), month.of(pk), days,
               targets.people.get(pk, {}))
         for pk, member in month.people.items()
         if member.role == Role.CONSULTANT or _has_figures(day.of(pk), month.of(pk))),
        key=lambda line: (line.team == "", line.team, line.name))
    by_day, by_month = _by_team(day), _by_team(month)
    team_lines = [
        _line(name, "", by_day.get(pk, {}), by_month.get(pk, {}), days, targets.of_team(pk, [
            staff for staff, member in month.people.items() if member.team_id == pk]))
        for pk, name in sorted(teams.items(), key=lambda item: item[1])]
    if _has_figures(by_day.get(None, {}), by_month.get(None, {})):
        team_lines.append(_line(str(_("In no team")), "", by_day.get(None, {}), by_month.get(None, {}), days, {}))
    return Breakdown(team_lines, consultants)


def daily_figures(store: Store, day: datetime.date, today: datetime.date) -> DailyFigures:
    """The report of the morning of `day`: `day`'s eve, its month to date, and `day`'s schedule."""
    figures_day = day - ONE_DAY
    ids = [store.pk]
    now = tally(ids, Days(figures_day, figures_day), today, DAY_FAMILIES)[store.pk]  # type: ignore[arg-type]
    yesterday = _day_counts(now, reversals(ids, figures_day), complaints_resolved(ids, figures_day))
    month = _month_lines(store, Days.month_to_date(figures_day), today)
    return DailyFigures(store, day, yesterday, month, schedule(ids, day), breakdown(store, figures_day, today))


"""People: attendance, training hours, colleagues developed, and team attrition for those who lead people."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from dealerkpi.core.money import ZERO
from dealerkpi.org.models import EffectiveDated, Role, Staff, TeamMembership
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.people.models import AttendanceRecord, Candidate, Departure, Position, TrainingRecord

from .base import Table, grouped, ratio, tidy
from .period import Frame, shift

Status = AttendanceRecord.Status
WORKED = (Status.PRESENT, Status.LATE)
WORKING_DAY = (Status.PRESENT, Status.LATE, Status.ABSENT)  # rest days and leave are not working days
LEADS_STORE = (Role.SALES_MANAGER, Role.DEPUTY_MANAGER, Role.GENERAL_MANAGER)  # attrition over the store
LEADS_TEAMS = (Role.SUPERVISOR,)  # attrition over the teams they lead
ATTRITION_WINDOW = 12  # months
UNRECORDED_LEAVERS = "unrecorded"  # the records behind attrition: leavers with no departure record, apart


def attendance(frame: Frame) -> QuerySet[AttendanceRecord]:
    return AttendanceRecord.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("day"))


def attendance_table(frame: Frame) -> Table:
    """Days worked and working days (attendance_rate), days late and their minutes, days absent and on leave, per
    person and team of the day. One query."""
    aggregates = {
        "days_worked": Count("pk", filter=Q(status__in=WORKED)),
        "working_days": Count("pk", filter=Q(status__in=WORKING_DAY)),
        "late_arrivals": Count("pk", filter=Q(status=Status.LATE)),
        "minutes_late": Sum("minutes_late", filter=Q(status=Status.LATE)),
        "absent_days": Count("pk", filter=Q(status=Status.ABSENT)),
        "leave_days": Count("pk", filter=Q(status=Status.LEAVE)),
    }
    return Table(rows=grouped(attendance(frame), "staff_id", F("day"), aggregates))


def trainings(frame: Frame) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("held_on"))


def training_table(frame: Frame) -> Table:
    """Hours of training attended, per person and team of the training day."""
    return Table(rows=grouped(trainings(frame), "staff_id", F("held_on"), {"training_hours": Sum("hours")}))


def trainees(frame: Frame) -> QuerySet[TrainingRecord]:
    """Trainings a colleague gave (trainer set, not the trainee) that the trainee passed."""
    return trainings(frame).filter(trainer__isnull=False, passed=True).exclude(trainer_id=F("staff_id"))


def developed_table(frame: Frame) -> Table:
    """Distinct colleagues each trainer trained (and who passed), per trainer and team of the training day."""
    aggregates = {"people_developed": Count("staff_id", distinct=True)}
    return Table(rows=grouped(trainees(frame), "trainer_id", F("held_on"), aggregates))


def month_ends(frame: Frame) -> list[datetime.date]:
    """The last days of the 12 months up to and including the period."""
    return [shift(frame.period, -back).last_day for back in range(ATTRITION_WINDOW)]


def window_start(frame: Frame) -> datetime.date:
    return shift(frame.period, 1 - ATTRITION_WINDOW).first_day


def employed_on(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}hire_date__lte": day}) & (
        Q(**{f"{prefix}leave_date__isnull": True}) | Q(**{f"{prefix}leave_date__gte": day})
    )


def store_leavers(frame: Frame, store_ids: tuple[int, ...] | None = None) -> QuerySet[Staff]:
    """The stores' consultants and supervisors who left in the trailing 12 months."""
    return Staff.objects.filter(
        store_id__in=store_ids or frame.store_ids,
        role__in=SALES_FORCE,
        leave_date__gte=window_start(frame),
        leave_date__lte=frame.last_day,
    )


def team_leavers(frame: Frame, team_ids: list[int]) -> QuerySet[Staff]:
    """People who left in the trailing 12 months while members (not leaders) of one of the teams."""
    member_then = (
        TeamMembership.objects.filter(team_id__in=team_ids, is_leader=False, staff_id=OuterRef("pk"))
        .filter(valid_from__lte=OuterRef("leave_date"))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("leave_date")))
    )
    return Staff.objects.filter(leave_date__gte=window_start(frame), leave_date__lte=frame.last_day).filter(
        Exists(member_then)
    )


def departures(leavers: QuerySet[Staff]) -> QuerySet[Departure]:
    """The leavers' departure records: the day, the reason, whether they chose to go."""
    return Departure.objects.filter(staff__in=leavers)


def attrition_table(frame: Frame) -> Table:
    """Leavers in the trailing 12 months and the sum of the 12 month-end headcounts, per store (consultants and
    supervisors) and per team (members who are not its leader); and who leads which team at the period's end.
    Three queries."""
    table = Table()
    ends = month_ends(frame)
    start = window_start(frame)
    headcounts = {f"h{n}": Count("pk", filter=employed_on(day)) for n, day in enumerate(ends)}
    stores = (
        Staff.objects.filter(store_id__in=frame.store_ids, role__in=SALES_FORCE)
        .order_by()
        .values("store_id")
        .annotate(leavers=Count("pk", filter=Q(leave_date__gte=start, leave_date__lte=frame.last_day)), **headcounts)
    )
    for row in stores:
        table.stores[row["store_id"]].update(
            leavers=tidy(row["leavers"]), headcount_months=tidy(sum(row[f"h{n}"] for n in range(len(ends))))
        )
    members = TeamMembership.objects.filter(team__store_id__in=frame.store_ids, is_leader=False)
    member_heads = {
        f"h{n}": Count("staff_id", distinct=True, filter=EffectiveDated.in_force_on(day) & employed_on(day, "staff__"))
        for n, day in enumerate(ends)
    }
    left_while_member = (
        Q(staff__leave_date__gte=start, staff__leave_date__lte=frame.last_day)
        & Q(valid_from__lte=F("staff__leave_date"))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=F("staff__leave_date")))
    )
    teams = (
        members.order_by()
        .values("team_id", "team__store_id")
        .annotate(leavers=Count("staff_id", distinct=True, filter=left_while_member), **member_heads)
    )
    for row in teams:
        table.team_store[row["team_id"]] = row["team__store_id"]
        table.teams[row["team_id"]].update(
            leavers=tidy(row["leavers"]), headcount_months=tidy(sum(row[f"h{n}"] for n in range(len(ends))))
        )
    leaders = (
        TeamMembership.objects.filter(team__store_id__in=frame.store_ids, is_leader=True)
        .filter(EffectiveDated.in_force_on(frame.last_day))
        .order_by("staff_id", "team_id")
        .values_list("staff_id", "team_id", "team__store_id")
    )
    for staff_id, team_id, store_id in leaders:
        table.leaders.setdefault(staff_id, []).append(team_id)
        table.team_store[team_id] = store_id
    return table



def attrition_rate(parts: Iterable[Mapping[str, Decimal]]) -> Decimal | None:
    """Leavers / average month-end headcount over 12 months, in percent, over the parts (stores or teams) of
    ``attrition_table``; None when there was nobody to lose."""
    found = list(parts)
    leavers = sum((part.get("leavers", ZERO) for part in found), ZERO)
    headcount_months = sum((part.get("headcount_months", ZERO) for part in found), ZERO)
    return ratio(leavers * ATTRITION_WINDOW, headcount_months)


def average_headcount(parts: Iterable[Mapping[str, Decimal]]) -> Decimal:
    """The mean of the 12 month-end headcounts over the parts, to one place half-up (what the rate divides by)."""
    headcount_months = sum((part.get("headcount_months", ZERO) for part in parts), ZERO)
    return (headcount_months / ATTRITION_WINDOW).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def leavers_by_reason(frame: Frame) -> list[dict[str, object]]:
    """The stores' leavers of ``store_leavers`` counted by store, reason and whether they chose to go, from their
    departure records (reason None: nobody recorded why). One query."""
    return list(
        store_leavers(frame).order_by()
        .values("store_id", reason=F("departure__reason"), voluntary=F("departure__voluntary"))
        .annotate(leavers=Count("pk"))
        .order_by("store_id", "reason", "voluntary")
    )


def recruiting_funnel(positions: QuerySet[Position]) -> QuerySet[Position]:
    """Each position with its candidates, those interviewed (at least once), offered (an offer made, whatever came
    of it) and hired. One query."""
    return positions.annotate(
        candidates_count=Count("candidates", distinct=True),
        interviewed=Count("candidates", filter=Q(candidates__interviews__isnull=False), distinct=True),
        offered=Count("candidates", filter=Q(candidates__offer_salary__isnull=False), distinct=True),
        hired=Count("candidates", filter=Q(candidates__stage=Candidate.Stage.HIRED), distinct=True),
    )


def days_to_fill(position: Position) -> int | None:
    """Days from opening a position to recording its hire; None while it is not filled."""
    if position.status != Position.Status.FILLED or position.closed_on is None:
        return None
    return (position.closed_on - position.opened_on).days


def average_days_to_fill(positions: Iterable[Position]) -> Decimal | None:
    """The mean of ``days_to_fill`` over the filled positions, to one place half-up; None when none is filled."""
    days = [found for found in map(days_to_fill, positions) if found is not None]
    if not days:
        return None
    return (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

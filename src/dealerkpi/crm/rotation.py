"""The showroom floor (接待轮序): who is on duty, who is with a customer, and who receives the next walk-in.

The rule: the consultants on duty at the moment (a shift of the day covering it, not on leave) who are not with a
customer (a visit of theirs that arrived and has not left) take walk-ins in turn; the next is the one whose last
walk-in of the day arrived longest ago, those who have had none first, then by the shift's start and the
employee number. A walk-in is a first visit the customer was not invited to: repeat and invited visits go to
their own consultant and do not take a turn. A walk-in received by someone other than the next is out of turn
(`ShowroomVisit.turn_of` keeps who was next), visible on the floor board.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dealerkpi.core.pages import day_bounds
from dealerkpi.crm.models import FloorShift, ShowroomVisit
from dealerkpi.org.models import Staff


def is_walk_in(visit: ShowroomVisit) -> bool:
    return visit.is_first_visit and not visit.was_invited


@dataclass(frozen=True)
class OnDuty:
    shift: FloorShift
    with_customer: ShowroomVisit | None  # the party they are with, if any
    walk_ins: int  # walk-ins received so far today
    last_walk_in: datetime.datetime | None

    @property
    def staff(self) -> Staff:
        return self.shift.staff

    @property
    def free(self) -> bool:
        return self.with_customer is None


@dataclass(frozen=True)
class Floor:
    moment: datetime.datetime
    on_duty: list[OnDuty]  # the free in the order they take walk-ins, then those with a customer
    off_duty: list[FloorShift]  # on leave, or their shift does not cover the moment
    out_of_turn: list[ShowroomVisit]  # the day's walk-ins received out of turn, up to the moment

    @property
    def next(self) -> OnDuty | None:
        return next((person for person in self.on_duty if person.free), None)


def shifts_of(store_id: int, day: datetime.date) -> QuerySet[FloorShift]:
    return (FloorShift.objects.filter(store_id=store_id, day=day).select_related("staff")
            .order_by("starts", "staff__employee_no"))


def floor(store_id: int, moment: datetime.datetime | None = None) -> Floor:
    """The floor at `moment` (default: now): three queries."""
    moment = timezone.localtime(moment or timezone.now())
    start, _end = day_bounds(moment.date())
    shifts = list(shifts_of(store_id, moment.date()))
    visits = list(ShowroomVisit.objects.filter(store_id=store_id, arrived_at__gte=start, arrived_at__lte=moment)
                  .select_related("consultant", "turn_of").order_by("arrived_at", "pk"))
    on_duty, off_duty = [], []
    for shift in shifts:
        if shift.on_leave or not shift.starts <= moment.time() < shift.ends:
            off_duty.append(shift)
            continue
        theirs = [visit for visit in visits if visit.consultant_id == shift.staff_id]
        walk_ins = [visit.arrived_at for visit in theirs if is_walk_in(visit)]
        open_visit = next((visit for visit in reversed(theirs) if visit.left_at is None or visit.left_at > moment),
                          None)
        on_duty.append(OnDuty(shift, open_visit, len(walk_ins), max(walk_ins, default=None)))
    earliest = datetime.datetime.min.replace(tzinfo=moment.tzinfo)
    on_duty.sort(key=lambda person: (not person.free, person.last_walk_in or earliest, person.shift.starts,
                                     person.staff.employee_no))
    out_of_turn = [visit for visit in visits if visit.out_of_turn]
    return Floor(moment, on_duty, off_duty, out_of_turn)


def receive(visit: ShowroomVisit) -> ShowroomVisit:
    """Save a new visit, noting who was next in the rotation when a walk-in arrived. The day's shifts are locked
    meanwhile, so two walk-ins logged at once are put in turn one after the other."""
    with transaction.atomic():
        day = timezone.localtime(visit.arrived_at).date()
        list(FloorShift.objects.select_for_update().filter(store_id=visit.store_id, day=day).values_list("pk"))
        turn = floor(visit.store_id, visit.arrived_at).next if is_walk_in(visit) else None
        visit.turn_of = turn.staff if turn else None
        visit.save()
    return visit

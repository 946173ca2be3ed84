"""The showroom floor (crm/rotation.py, crm/floor_views.py): who is next for a walk-in, out-of-turn receptions, the
roster, and who may see and set it. Store S1: consultants c1, c2, c3; supervisor sup1; manager m1."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dealerkpi.crm import rotation
from dealerkpi.crm.models import FloorShift, ShowroomVisit
from tests.world import World, build_world, signed_in

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 12)


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def shift(world: World, key: str, starts: int = 9, ends: int = 18, on_leave: bool = False,
          day: datetime.date = DAY) -> FloorShift:
    return FloorShift.objects.create(store=world.stores["S1"], staff=world.staff[key], day=day,
                                     starts=datetime.time(starts), ends=datetime.time(ends), on_leave=on_leave)


def walk_in(world: World, key: str, arrived: datetime.datetime, left: datetime.datetime | None = None,
            **kind: bool) -> ShowroomVisit:
    return rotation.receive(ShowroomVisit(store=world.stores["S1"], consultant=world.staff[key], arrived_at=arrived,
                                          left_at=left, **kind))


@pytest.fixture
def world() -> World:
    world = build_world()
    shift(world, "c1", starts=9)
    shift(world, "c2", starts=9)
    shift(world, "c3", starts=13)
    return world


def names(floor: rotation.Floor) -> list[str]:
    return [person.staff.name for person in floor.on_duty]


def test_walk_ins_go_in_turn(world: World) -> None:
    c1, c2 = world.staff["c1"], world.staff["c2"]
    assert rotation.floor(world.stores["S1"].pk, at(9, 30)).next.staff == c1  # nobody has had one: by employee no.
    first = walk_in(world, "c1", at(9, 40), left=at(10, 10))
    assert (first.turn_of, first.out_of_turn) == (c1, False)
    assert rotation.floor(world.stores["S1"].pk, at(10, 30)).next.staff == c2  # c1 had one; c2 none
    second = walk_in(world, "c2", at(10, 40), left=at(11, 0))
    assert second.turn_of == c2
    assert rotation.floor(world.stores["S1"].pk, at(11, 30)).next.staff == c1  # c1's was longest ago


def test_with_a_customer_or_off_the_floor_is_not_next(world: World) -> None:
    walk_in(world, "c1", at(12, 50))  # still with the customer
    floor = rotation.floor(world.stores["S1"].pk, at(13, 10))
    assert floor.next.staff == world.staff["c2"]  # c2 and c3 had none: c2's shift started first
    assert names(floor) == ["c2", "c3", "c1"] and not floor.on_duty[-1].free
    before_c3 = rotation.floor(world.stores["S1"].pk, at(12, 55))
    assert world.staff["c3"] not in [p.staff for p in before_c3.on_duty]  # c3 starts at 13:00
    FloorShift.objects.filter(staff=world.staff["c2"]).update(on_leave=True)
    assert rotation.floor(world.stores["S1"].pk, at(13, 10)).next.staff == world.staff["c3"]


def test_a_walk_in_taken_out_of_turn_is_flagged(world: World) -> None:
    taken = walk_in(world, "c2", at(9, 40), left=at(10, 0))  # c1 was next
    assert taken.out_of_turn and taken.turn_of == world.staff["c1"]
    assert rotation.floor(world.stores["S1"].pk, at(10, 30)).out_of_turn == [taken]


def test_repeat_and_invited_visits_take_no_turn(world: World) -> None:
    repeat = walk_in(world, "c2", at(9, 40), left=at(10, 0), is_first_visit=False)
    invited = walk_in(world, "c2", at(10, 40), left=at(11, 0), was_invited=True)
    assert repeat.turn_of is None and invited.turn_of is None
    assert rotation.floor(world.stores["S1"].pk, at(11, 30)).next.staff == world.staff["c1"]


def test_logging_a_walk_in_at_the_desk_suggests_the_next_and_records_the_turn(world: World) -> None:
    today = timezone.localdate()
    FloorShift.objects.update(day=today, starts=datetime.time(0, 0), ends=datetime.time(23, 59))
    page = signed_in("c2").get(reverse("visit-new"))
    assert 'data-testid="next-in-turn"' in page.content.decode() and "c1" in page.context["turn"].staff.name
    arrived = timezone.localtime().replace(second=0, microsecond=0)
    posted = signed_in("c2").post(reverse("visit-new"), {
        "arrived_at": arrived.strftime("%Y-%m-%dT%H:%M"), "party_size": "2", "consultant": world.staff["c2"].pk,
        "is_first_visit": "on", "has_intent": "on"})
    assert posted.status_code == 302
    visit = ShowroomVisit.objects.latest("pk")
    assert visit.turn_of == world.staff["c1"] and visit.out_of_turn
    board = signed_in("sup1").get(reverse("floor-board"))
    assert 'data-testid="floor-out-of-turn"' in board.content.decode()


def test_the_supervisor_sets_a_shift_a_consultant_may_not(world: World) -> None:
    form = {"staff": world.staff["c2"].pk, "day": "2026-10-13", "starts": "10:00", "ends": "19:00"}
    assert signed_in("c1").post(reverse("floor-board"), form).status_code == 403
    read = signed_in("c1").get(reverse("floor-board"))
    assert read.status_code == 200  # the floor is read by all at the desk
    assert "Nobody is on duty now." in read.content.decode() and "shifts below" not in read.content.decode()
    assert "set today's shifts below" in signed_in("sup1").get(reverse("floor-board")).content.decode()
    assert signed_in("sup1").post(reverse("floor-board"), form).status_code == 302
    saved = FloorShift.objects.get(staff=world.staff["c2"], day=datetime.date(2026, 10, 13))
    assert (saved.starts, saved.ends, saved.store) == (datetime.time(10), datetime.time(19), world.stores["S1"])
    other_team = {**form, "staff": world.staff["c3"].pk}  # c3 is in the other team: the manager's to set
    assert signed_in("sup1").post(reverse("floor-board"), other_team).status_code == 400
    assert signed_in("m1").post(reverse("floor-board"), other_team).status_code == 302


@pytest.mark.parametrize(("change", "field"), [
    ({"ends": "08:00"}, "ends"),  # before it starts
    ({"staff": "c4"}, "staff"),  # another store's consultant
    ({"day": "not a day"}, "day"),
])
def test_a_wrong_shift_is_a_field_error(world: World, change: dict, field: str) -> None:
    form = {"staff": world.staff["c3"].pk, "day": "2026-10-13", "starts": "10:00", "ends": "19:00"}
    if change.get("staff"):
        change = {"staff": world.staff[change["staff"]].pk}
    answer = signed_in("m1").post(reverse("floor-board"), {**form, **change})
    assert answer.status_code == 400
    assert field in answer.context["form"].errors
    assert not FloorShift.objects.filter(day=datetime.date(2026, 10, 13)).exists()

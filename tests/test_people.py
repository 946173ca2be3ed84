"""The sales team's people: leaving (the departure record, the hand-over of the leaver's open A-cards in one step,
audited) and the attrition page (figures from the metrics library), with their scope and permissions."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from itertools import count

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.crm.models import Customer, Lead, LeadReassignment
from dealerkpi.metrics.people import average_days_to_fill, leavers_by_reason, recruiting_funnel
from dealerkpi.org.models import RoleAssignment, Staff, TeamMembership
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.people import onboarding, services
from dealerkpi.people.models import (
    Candidate,
    Certification,
    Departure,
    Interview,
    OnboardingItem,
    Position,
    Probation,
    ProbationReview,
    TrainingRecord,
)
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from tests.world import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db
_phones = count(1)


@pytest.fixture
def world() -> World:
    return build_world()


def client_of(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=username, password=PASSWORD)
    return client


def open_cards(world: World, key: str, n: int) -> list[Lead]:
    """``n`` more open A-cards held by ``key``, next follow-ups a day apart."""
    staff = world.staff[key]
    cards = []
    for i in range(n):
        customer = Customer.objects.create(store=staff.store, owner=staff, name=f"{key}客户{i}", district="姑苏区",
                                           phone=f"1370{next(_phones):07d}", created_at=timezone.now())
        cards.append(Lead.objects.create(
            store=staff.store, customer=customer, owner=staff, source="walk_in",
            intended_model=world.trim.vehicle_model, grade="A", created_at=timezone.now(),
            next_follow_up_on=timezone.localdate() + datetime.timedelta(days=i + 1)))
    return cards


def held(key: str, world: World) -> list[int]:
    return sorted(Lead.objects.filter(owner=world.staff[key], status="open").values_list("pk", flat=True))


def leaving_form(**changes: object) -> dict[str, object]:
    form = {"left_on": timezone.localdate().isoformat(), "voluntary": "on", "reason": "competitor_offer",
            "competitor": "比亚迪 园区店", "notes": "", "how": "spread"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def leave_url(world: World, key: str) -> str:
    return reverse("departure-new", args=[world.staff[key].pk])


def entries(model: type, pk: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                          object_id=str(pk)).order_by("pk"))


# --- leaving -------------------------------------------------------------------------------------------------


def test_recording_a_leaving_spreads_the_cards_evenly_in_one_step_and_audits_it(world: World) -> None:
    open_cards(world, "c1", 5)
    cards = held("c1", world)
    assert len(cards) == 6
    colleagues = [world.staff[key].pk for key in ("c2", "c3", "sup1")]
    response = client_of("m1").post(leave_url(world, "c1"), leaving_form(colleagues=colleagues))
    assert response.status_code == 302, response.content.decode()[:2000]
    departure = Departure.objects.get(staff=world.staff["c1"])
    assert (departure.voluntary, departure.reason, departure.competitor) == (True, "competitor_offer", "比亚迪 园区店")
    assert departure.recorded_by == world.staff["m1"] and departure.cards_handed_over == 6
    assert Staff.objects.get(pk=world.staff["c1"].pk).leave_date == timezone.localdate()
    assert held("c1", world) == []
    taken = Counter(Lead.objects.filter(pk__in=cards).values_list("owner_id", flat=True))
    assert set(taken) == set(colleagues) and set(taken.values()) == {2}, "evenly: two cards each"
    assert not Customer.objects.filter(leads__in=cards, owner=world.staff["c1"]).exists(), "customers move too"
    moves = LeadReassignment.objects.filter(lead_id__in=cards, from_owner=world.staff["c1"])
    assert moves.count() == 6 and all(entries(LeadReassignment, move.pk) for move in moves)
    created = entries(Departure, departure.pk)
    assert [entry.action for entry in created] == ["create"] and created[0].after["cards_handed_over"] == 6
    staff_entries = entries(Staff, world.staff["c1"].pk)
    assert staff_entries and staff_entries[-1].after["leave_date"] == timezone.localdate().isoformat()


def test_the_least_loaded_colleague_gets_the_first_card(world: World) -> None:
    open_cards(world, "c2", 2)  # c2 holds 3, c3 holds 1, sup1 none
    heirs = list(services.heirs(world.stores["S1"], world.staff["c1"], timezone.localdate()))
    assert [heir.name for heir in heirs] == ["sup1", "c3", "c2"]
    assert [heir.name for heir in services.spread([10, 11, 12, 13], heirs).values()] == ["sup1", "c3", "c2", "sup1"]


def test_each_card_to_the_colleague_chosen_for_it(world: World) -> None:
    first, second = open_cards(world, "c1", 2)
    chain = held("c1", world)[0]
    form = leaving_form(how="each", **{f"card_{first.pk}": world.staff["c3"].pk,
                                       f"card_{second.pk}": world.staff["sup1"].pk,
                                       f"card_{chain}": world.staff["c3"].pk})
    assert client_of("hr1").post(leave_url(world, "c1"), form).status_code == 302
    owners = dict(Lead.objects.filter(pk__in=[first.pk, second.pk, chain]).values_list("pk", "owner__name"))
    assert owners == {first.pk: "c3", second.pk: "sup1", chain: "c3"}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"reason": "performance"}, "reason", "the store's decision"),
    ({"voluntary": None, "reason": "pay"}, "reason", "the person's choice"),
    ({"left_on": "2020-01-01"}, "left_on", "before the hire date"),
    ({"left_on": "2099-01-01"}, "left_on", "three months ahead"),
    ({"left_on": "yesterday"}, "left_on", "valid date"),
    ({"reason": "bored"}, "reason", "valid choice"),
    ({}, "colleagues", "Tick the colleagues"),
    ({"how": "each"}, "card", "Choose who takes over"),
    ({"colleagues": "99999999999999999999999"}, "colleagues", "not a valid value"),
])
def test_a_wrong_leaving_is_refused_with_field_errors_and_nothing_changes(world: World, changes: dict, field: str,
                                                                          message: str) -> None:
    response = client_of("m1").post(leave_url(world, "c1"), leaving_form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert not Departure.objects.exists() and Staff.objects.get(pk=world.staff["c1"].pk).leave_date is None
    assert held("c1", world) and not LeadReassignment.objects.exists()


def test_a_second_recording_is_refused(world: World) -> None:
    client = client_of("m1")
    assert client.post(leave_url(world, "c3"), leaving_form(colleagues=[world.staff["c2"].pk])).status_code == 302
    again = client.post(leave_url(world, "c3"), leaving_form(reason="family", colleagues=[world.staff["c2"].pk]))
    assert again.status_code == 200 and "already recorded" in again.content.decode().replace("&#x27;", "'")
    assert Departure.objects.get().reason == "competitor_offer"


def test_a_card_opened_since_the_page_was_shown_stops_the_whole_step(world: World) -> None:
    leaver = world.staff["c1"]
    handover = {pk: world.staff["c2"] for pk in held("c1", world)}
    open_cards(world, "c1", 1)  # opened after the page was shown
    leaving = services.Leaving(timezone.localdate(), True, "pay")
    with pytest.raises(ValidationError, match="did not show"):
        services.record_departure(leaver, leaving, handover, world.staff["m1"], None, timezone.now())
    assert not Departure.objects.exists() and len(held("c1", world)) == 2
    assert Staff.objects.get(pk=leaver.pk).leave_date is None


def test_recording_takes_the_same_queries_however_many_cards(world: World) -> None:
    def queries(key: str, cards: int) -> int:
        open_cards(world, key, cards)
        form = leaving_form(colleagues=[world.staff[k].pk for k in ("c2", "sup1")])
        client = client_of("m1")
        with CaptureQueriesContext(connection) as captured:
            assert client.post(leave_url(world, key), form).status_code == 302
        return len(captured)

    assert queries("c1", 2) == queries("c3", 12)


def test_who_records_a_leaving(world: World) -> None:
    url = leave_url(world, "c1")
    for username in ("c2", "sup1", "fin1", "ho_group", "admin"):
        client = client_of(username)
        assert client.get(url).status_code in (403, 404), username
        assert client.post(url, leaving_form(colleagues=[world.staff["c2"].pk])).status_code in (403, 404), username
    assert client_of("m2").get(url).status_code == 404, "another store's manager does not find the person"
    assert client_of("ho_g2").get(url).status_code == 404
    assert client_of("ho_group").get(url).status_code == 403, "head office sees the person but does not record"
    for username in ("m1", "gm1", "hr1"):
        assert client_of(username).get(url).status_code == 200, username
    assert not Departure.objects.exists() and held("c1", world)


def test_the_staff_page_shows_the_store_and_its_leavings(world: World) -> None:
    open_cards(world, "c1", 2)
    client = client_of("m1")
    page = client.get(reverse("store-staff")).content.decode()
    rows = dict(re.findall(r'data-staff="(\d+)">.*?<td class="num">(\d+)</td>', page))
    assert rows[str(world.staff["c1"].pk)] == "3" and str(world.staff["c4"].pk) not in rows
    assert client.post(leave_url(world, "c1"), leaving_form(colleagues=[world.staff["c2"].pk])).status_code == 302
    page = client.get(reverse("store-staff")).content.decode()
    assert 'data-departure="' in page and "比亚迪 园区店" in page
    assert client_of("ho_group").get(reverse("store-staff"), {"store": world.stores["S1"].pk}).status_code == 200
    assert client_of("ho_g2").get(reverse("store-staff"), {"store": world.stores["S1"].pk}).status_code == 404
    for username in ("c1", "sup1", "fin1"):
        assert client_of(username).get(reverse("store-staff")).status_code == 403, username


# --- attrition -----------------------------------------------------------------------------------------------


def test_the_attrition_page_shows_the_metrics_figures_by_store_team_and_reason(world: World) -> None:
    client = client_of("m1")
    assert client.post(leave_url(world, "c1"), leaving_form(colleagues=[world.staff["c2"].pk])).status_code == 302
    Staff.objects.filter(pk=world.staff["c3"].pk).update(leave_date=timezone.localdate())  # left, nobody said why
    today = timezone.localdate()
    page = client.get(reverse("attrition")).content.decode()
    found = metrics.compute(["team_attrition_rate"], [world.stores["S1"].pk], Period(today.year, today.month))
    store_rate = re.search(r'data-row="store" data-rate="([^"]*)" data-leavers="(\d+)"', page)
    assert store_rate is not None and store_rate.groups() == (
        str(found.value(world.staff["m1"].pk, "team_attrition_rate")), "2")
    team = re.search(r'data-name="一组" data-rate="([^"]*)" data-leavers="(\d+)"', page)
    assert team is not None and team.groups() == (str(found.value(world.staff["sup1"].pk, "team_attrition_rate")), "1")
    reasons = dict(re.findall(r'data-reason="([^"]+)" data-leavers="(\d+)"', page))
    assert reasons == {"Offer from a competitor": "1", "Not recorded": "1"}
    assert 'data-testid="unrecorded-reasons"' in page


MANAGER_PLAN = """
plan: sales_manager
name: 经理方案
role: sales_manager
version: "1"
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  attrition: {label: 团队人员流失率, metric: team_attrition_rate, target: 10, scoring: {kind: linear, cap: 120}}
  developed: {label: 人才培养, metric: people_developed, target: 2, scoring: {kind: linear, cap: 120}}
weights:
  default: {attrition: 50, developed: 50}
"""


def test_the_managers_statement_links_attrition_to_the_departure_records_within_scope(world: World) -> None:
    """c1's leaving is recorded on the page (a departure record); c3's leave date is typed in the master data (no
    record): the manager's attrition figure lists c1's departure, and c3 apart as a leaver nobody recorded."""
    today = timezone.localdate()
    assert client_of("m1").post(leave_url(world, "c1"), leaving_form(colleagues=[world.staff["c2"].pk])
                                ).status_code == 302
    Staff.objects.filter(pk=world.staff["c3"].pk).update(leave_date=today)
    training = TrainingRecord.objects.create(store=world.stores["S1"], staff=world.staff["c2"], course="产品",
                                             held_on=today, hours=Decimal("2"), passed=True,
                                             trainer=world.staff["m1"])
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="mgr", name="经理", role="sales_manager")
    publish_version(plan, MANAGER_PLAN, today.replace(day=1))
    run = runs.compute(runs.new_run(world.stores["S1"], Period(today.year, today.month)))
    statement = Statement.objects.get(run=run, staff=world.staff["m1"])
    page = client_of("m1").get(reverse("statement-records", args=[statement.pk, "attrition"])).content.decode()
    departure = Departure.objects.get(staff=world.staff["c1"])
    assert reverse("record-detail", args=["departures", departure.pk]) in page
    unrecorded = page.split('data-testid="unrecorded-leavers"')[1]
    assert reverse("record-detail", args=["staff", world.staff["c3"].pk]) in unrecorded
    assert client_of("m1").get(reverse("record-detail", args=["departures", departure.pk])).status_code == 200
    assert client_of("c2").get(reverse("record-detail", args=["departures", departure.pk])).status_code == 404
    assert client_of("c2").get(reverse("statement-records", args=[statement.pk, "attrition"])).status_code == 404
    developed = client_of("m1").get(reverse("statement-records", args=[statement.pk, "developed"])).content.decode()
    assert reverse("record-detail", args=["trainings", training.pk]) in developed


def test_leavers_by_reason_counts_every_leaver_once(world: World) -> None:
    today = timezone.localdate()
    for key, reason, voluntary in (("c1", "pay", True), ("c2", "pay", True), ("c3", "conduct", False)):
        Departure.objects.create(store=world.stores["S1"], staff=world.staff[key], left_on=today, voluntary=voluntary,
                                 reason=reason, recorded_by=world.staff["hr1"], recorded_at=timezone.now())
        Staff.objects.filter(pk=world.staff[key].pk).update(leave_date=today)
    frame = metrics.Frame.of([world.stores["S1"].pk, world.stores["S2"].pk], Period(today.year, today.month))
    rows = {(row["store_id"], row["reason"], row["voluntary"]): row["leavers"] for row in leavers_by_reason(frame)}
    s1 = world.stores["S1"].pk
    assert rows == {(s1, "pay", True): 2, (s1, "conduct", False): 1}


def test_who_sees_attrition(world: World) -> None:
    url = reverse("attrition")
    for username in ("m1", "gm1", "hr1"):
        assert client_of(username).get(url).status_code == 200, username
    assert client_of("ho_r1").get(url, {"store": world.stores["S1"].pk}).status_code == 200
    assert client_of("m2").get(url, {"store": world.stores["S1"].pk}).status_code == 404
    for username in ("c1", "sup1", "fin1"):
        assert client_of(username).get(url).status_code == 403, username


# --- onboarding and probation ----------------------------------------------------------------------------------


def new_hire(world: World, days_ago: int = 10, team: str | None = "T1") -> Staff:
    """A consultant of S1 hired ``days_ago`` days ago, in ``team``."""
    hired = timezone.localdate() - datetime.timedelta(days=days_ago)
    person = Staff.objects.create(group=world.stores["S1"].region.group, store=world.stores["S1"], name="新人",
                                  employee_no=f"N{next(_phones):05d}", role="consultant", hire_date=hired)
    if team:
        TeamMembership.objects.create(staff=person, team=world.teams[team], valid_from=hired)
    return person


def test_starting_onboarding_sets_the_steps_due_from_the_hire_date_and_the_probation(world: World) -> None:
    person = new_hire(world)
    client = client_of("sup1")
    page = client.get(reverse("newcomers")).content.decode()
    assert f'data-testid="start-{person.pk}"' in page
    assert client.post(reverse("onboarding-start", args=[person.pk])).status_code == 302
    due = dict(OnboardingItem.objects.filter(staff=person).values_list("step", "due_on"))
    assert due == {step: person.hire_date + datetime.timedelta(days=days)
                   for step, days in OnboardingItem.DUE_DAYS.items()}
    assert all(entries(OnboardingItem, pk) for pk in OnboardingItem.objects.values_list("pk", flat=True))
    probation = Probation.objects.get(staff=person)
    assert (probation.starts_on, probation.status) == (person.hire_date, "open")
    assert probation.ends_on == onboarding.months_after(person.hire_date, 3)
    again = client.post(reverse("onboarding-start", args=[person.pk]), follow=True)
    assert "already started" in again.content.decode().replace("&#x27;", "'")
    assert OnboardingItem.objects.filter(staff=person).count() == len(OnboardingItem.DUE_DAYS)


def test_overdue_steps_are_shown_to_the_manager_and_ticking_is_audited(world: World) -> None:
    person = new_hire(world, days_ago=10)
    onboarding.start(person)
    page = client_of("m1").get(reverse("newcomers")).content.decode()
    overdue = set(re.findall(r'data-overdue-step="([a-z_]+)"', page))
    assert overdue == {"accounts", "mentor", "product_training"}, "due 1, 3 and 7 days after a hire 10 days ago"
    assert f'data-staff="{person.pk}" data-overdue="3"' in page
    item = OnboardingItem.objects.get(staff=person, step="mentor")
    today = timezone.localdate().isoformat()
    assert client_of("sup1").post(reverse("onboarding-tick", args=[item.pk]), {"done_on": today}).status_code == 302
    item.refresh_from_db()
    assert (item.done_on, item.done_by) == (timezone.localdate(), world.staff["sup1"])
    assert [entry.action for entry in entries(OnboardingItem, item.pk)] == ["create", "update"]
    twice = client_of("m1").post(reverse("onboarding-tick", args=[item.pk]), {"done_on": today}, follow=True)
    assert "already ticked" in twice.content.decode()
    assert client_of("m1").post(reverse("onboarding-tick", args=[item.pk]), {"done_on": "2099-01-01"},
                                follow=True).status_code == 200
    assert OnboardingItem.objects.get(pk=item.pk).done_by == world.staff["sup1"]


def test_who_sees_and_ticks_onboarding(world: World) -> None:
    person, other_team = new_hire(world), new_hire(world, team="T2")
    for someone in (person, other_team):
        onboarding.start(someone)
    item = OnboardingItem.objects.filter(staff=person).first()
    other = OnboardingItem.objects.filter(staff=other_team).first()
    sup_page = client_of("sup1").get(reverse("newcomers")).content.decode()
    assert f'data-staff="{person.pk}"' in sup_page and f'data-staff="{other_team.pk}"' not in sup_page
    assert client_of("sup1").post(reverse("onboarding-tick", args=[other.pk]), {"done_on": "2026-01-01"}
                                  ).status_code == 404, "another team's newcomer"
    for username in ("c1", "fin1"):
        assert client_of(username).get(reverse("newcomers")).status_code == 403, username
    for username in ("hr1", "ho_group", "c1", "fin1"):
        assert client_of(username).post(reverse("onboarding-tick", args=[item.pk]),
                                        {"done_on": "2026-01-01"}).status_code in (403, 404), username
    assert client_of("m2").post(reverse("onboarding-tick", args=[item.pk]), {"done_on": "2026-01-01"}
                                ).status_code == 404
    assert client_of("m2").get(reverse("newcomers"), {"store": world.stores["S1"].pk}).status_code == 404
    assert client_of("ho_group").get(reverse("newcomers"), {"store": world.stores["S1"].pk}).status_code == 200
    assert client_of("c1").post(reverse("onboarding-start", args=[new_hire(world).pk])).status_code in (403, 404)
    assert not OnboardingItem.objects.filter(done_on__isnull=False).exists()


def review_form(point: str = "final", score: int = 4) -> dict[str, object]:
    return {"action": "review", "point": point, "score": score, "notes": "跟进及时，产品知识扎实"}


def test_a_probation_is_reviewed_then_confirmed_under_a_lock_and_audited(world: World) -> None:
    person = new_hire(world, days_ago=85)
    probation = onboarding.start(person)
    url = reverse("probation-detail", args=[probation.pk])
    assert client_of("sup1").post(url, review_form("midway", 3)).status_code == 302
    assert client_of("sup1").post(url, review_form("midway", 3)).status_code == 200, "once per point"
    early = client_of("m1").post(url, {"action": "decide", "decision": "confirm"})
    assert "final review comes before" in early.content.decode().replace("&#x27;", "'")
    assert client_of("m1").post(url, review_form()).status_code == 302
    assert client_of("m1").post(url, {"action": "decide", "decision": "confirm"}).status_code == 302
    probation.refresh_from_db()
    assert (probation.status, probation.decided_by, probation.decided_on) == (
        "confirmed", world.staff["m1"], timezone.localdate())
    assert [entry.action for entry in entries(Probation, probation.pk)] == ["create", "update"]
    with pytest.raises(ValidationError, match="already decided"):
        onboarding.decide(probation, "end", world.staff["m1"], timezone.localdate(), "x")
    assert client_of("sup1").post(url, review_form("final")).status_code == 200
    assert ProbationReview.objects.filter(probation=probation).count() == 2


def test_extending_moves_the_end_within_six_months_and_ending_says_why(world: World) -> None:
    person = new_hire(world, days_ago=80)
    probation = onboarding.start(person)
    url = reverse("probation-detail", args=[probation.pk])
    client = client_of("gm1")
    assert "Say by how many months" in client.post(url, {"action": "decide", "decision": "extend",
                                                          "note": "x"}).content.decode()
    assert "Say why" in client.post(url, {"action": "decide", "decision": "end"}).content.decode()
    assert client.post(url, {"action": "decide", "decision": "extend", "months": 3, "note": "成交偏少"}
                       ).status_code == 302
    probation.refresh_from_db()
    assert probation.ends_on == onboarding.months_after(person.hire_date, 6) and probation.extensions == 1
    assert probation.status == "open"
    too_long = client.post(url, {"action": "decide", "decision": "extend", "months": 1, "note": "再看看"})
    assert "at most six months" in too_long.content.decode()
    assert client.post(url, {"action": "decide", "decision": "end", "note": "试用期考核未通过"}).status_code == 302
    assert Probation.objects.get(pk=probation.pk).status == "ended"
    page = client_of("m1").get(url).content.decode()
    assert reverse("departure-new", args=[person.pk]) in page, "the leaving is recorded next"


def test_who_reviews_and_decides_a_probation(world: World) -> None:
    probation = onboarding.start(new_hire(world, team="T2"))
    url = reverse("probation-detail", args=[probation.pk])
    assert client_of("sup1").get(url).status_code == 404, "another team's newcomer"
    assert client_of("m2").get(url).status_code == 404
    for username in ("c1", "fin1"):
        assert client_of(username).get(url).status_code == 403, username
    for username in ("hr1", "ho_group"):
        assert client_of(username).get(url).status_code == 200, username
        assert client_of(username).post(url, review_form()).status_code == 403, username
        assert client_of(username).post(url, {"action": "decide", "decision": "end", "note": "x"}
                                        ).status_code == 403, username
    assert Probation.objects.get(pk=probation.pk).status == "open" and not ProbationReview.objects.exists()


# --- certifications --------------------------------------------------------------------------------------------


def certify(world: World, key: str, name: str, expires_in: int | None) -> Certification:
    today = timezone.localdate()
    return Certification.objects.create(
        store=world.staff[key].store, staff=world.staff[key], name=name, issuer="远航汽车",
        obtained_on=today - datetime.timedelta(days=300),
        expires_on=None if expires_in is None else today + datetime.timedelta(days=expires_in))


def test_who_must_renew_soon_and_who_holds_which(world: World) -> None:
    soon, late = certify(world, "c1", "销售顾问L1", 20), certify(world, "c2", "销售顾问L1", -3)
    lasting, later = certify(world, "c3", "新能源专员", None), certify(world, "c1", "金融专员", 200)
    page = client_of("m1").get(reverse("certifications")).content.decode()
    renew = page.split('data-testid="renew"')[1].split("</table>")[0]
    assert re.findall(r'data-certification="(\d+)"', renew) == [str(late.pk), str(soon.pk)]
    assert "expired on" in renew
    held = page.split('data-testid="certifications"')[1].split("</table>")[0]
    assert set(re.findall(r'data-certification="(\d+)"', held)) == {str(c.pk) for c in (soon, late, lasting, later)}
    own = client_of("c1").get(reverse("certifications")).content.decode()
    assert set(re.findall(r'data-certification="(\d+)"', own)) == {str(soon.pk), str(later.pk)}
    assert 'data-testid="certification-form"' not in own


def test_recording_a_certification_is_checked_and_audited(world: World) -> None:
    client = client_of("hr1")
    today = timezone.localdate()
    form = {"staff": world.staff["c3"].pk, "name": "销售顾问L2", "issuer": "远航汽车",
            "obtained_on": today.isoformat(), "expires_on": (today - datetime.timedelta(days=1)).isoformat()}
    wrong = client.post(reverse("certifications"), form)
    assert wrong.status_code == 200 and "expires after it was obtained" in wrong.content.decode()
    form["expires_on"] = (today + datetime.timedelta(days=730)).isoformat()
    assert client.post(reverse("certifications"), form).status_code == 302
    cert = Certification.objects.get()
    assert (cert.store, cert.staff) == (world.stores["S1"], world.staff["c3"])
    assert [entry.action for entry in entries(Certification, cert.pk)] == ["create"]
    form["staff"] = world.staff["c4"].pk  # another store's consultant
    assert client.post(reverse("certifications"), form).status_code == 200 and Certification.objects.count() == 1
    for username in ("c1", "fin1"):
        assert client_of(username).post(reverse("certifications"), form).status_code == 403, username
    assert client_of("ho_g2").get(reverse("certifications"), {"store": world.stores["S1"].pk}).status_code == 404


# --- recruiting --------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cv(name: str = "简历.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def open_position(world: World, team: str | None = "T1") -> Position:
    return Position.objects.create(store=world.stores["S1"], team=world.teams[team] if team else None,
                                   role="consultant", reason="growth", opened_on=timezone.localdate(),
                                   opened_by=world.staff["m1"])


def candidate_of(position: Position, name: str = "李应聘", stage: str = "applied") -> Candidate:
    return Candidate.objects.create(position=position, store=position.store, name=name,
                                    phone=f"1360{next(_phones):07d}", source="job_site",
                                    applied_on=timezone.localdate(), stage=stage)


def test_a_position_from_opening_to_a_hired_consultant_in_onboarding(world: World) -> None:
    hr, manager = client_of("hr1"), client_of("m1")
    today = timezone.localdate()
    Staff.objects.filter(pk=world.staff["c3"].pk).update(leave_date=today)
    opened = hr.post(reverse("position-new"), {"role": "consultant", "team": world.teams["T2"].pk,
                                               "reason": "replacement", "replaces": world.staff["c3"].pk,
                                               "opened_on": today.isoformat()})
    assert opened.status_code == 302
    position = Position.objects.get()
    assert (position.replaces, position.opened_by) == (world.staff["c3"], world.staff["hr1"])
    added = hr.post(reverse("position-detail", args=[position.pk]),
                    {"name": "李应聘", "phone": "13612345678", "source": "referral",
                     "applied_on": today.isoformat(), "cv_file": cv()})
    assert added.status_code == 302
    candidate = Candidate.objects.get()
    assert (bytes(candidate.cv), candidate.cv_type, candidate.cv_name) == (PDF, "application/pdf", "简历.pdf")
    assert "cv" not in entries(Candidate, candidate.pk)[0].after, "the file stays out of the audit trail"
    url = reverse("candidate-detail", args=[candidate.pk])
    interview = {"action": "interview", "held_on": today.isoformat(), "product_knowledge": 4, "communication": 5,
                 "sales_drive": 4, "presentation": 4, "recommend": "on", "notes": "沟通流畅"}
    assert manager.post(url, {**interview, "communication": 6}).status_code == 200
    assert manager.post(url, interview).status_code == 302
    assert Interview.objects.get().interviewer == world.staff["m1"] and Interview.objects.get().total == 17
    start = today + datetime.timedelta(days=7)
    assert hr.post(url, {"action": "hire", "employee_no": "N7001"}).status_code == 200, "no offer yet"
    assert hr.post(url, {"action": "offer", "offer_salary": "4500.00", "start_on": start.isoformat()}
                   ).status_code == 302
    taken = hr.post(url, {"action": "hire", "employee_no": world.staff["c1"].employee_no})
    assert "taken" in taken.content.decode()
    assert hr.post(url, {"action": "hire", "employee_no": "N7001"}).status_code == 302
    staff = Staff.objects.get(employee_no="N7001")
    assert (staff.name, staff.role, staff.store, staff.hire_date, staff.phone, staff.base_salary) == (
        "李应聘", "consultant", world.stores["S1"], start, "13612345678", Decimal("4500.00"))
    assert RoleAssignment.objects.filter(staff=staff, role="consultant", valid_from=start).exists()
    assert TeamMembership.objects.filter(staff=staff, team=world.teams["T2"], valid_from=start).exists()
    assert Probation.objects.filter(staff=staff, starts_on=start).exists()
    assert OnboardingItem.objects.filter(staff=staff).count() == len(OnboardingItem.DUE_DAYS)
    position.refresh_from_db()
    assert (position.status, position.closed_on) == ("filled", today)
    assert Candidate.objects.get().hired_as == staff
    page = hr.get(reverse("recruiting")).content.decode()
    assert f'data-position="{position.pk}" data-funnel="1 1 1 1" data-days="0"' in page
    again = hr.post(url, {"action": "hire", "employee_no": "N7002"})
    assert again.status_code == 200 and not Staff.objects.filter(employee_no="N7002").exists()
    late = manager.post(url, interview)
    assert late.status_code == 200 and "already" in late.content.decode() and Interview.objects.count() == 1


@pytest.mark.parametrize(("upload", "message"), [
    (cv("big.pdf", PDF + b"0" * (5 * 1024 * 1024)), "at most 5 MB"),
    (cv("evil.pdf", b"MZ\x90\x00 not a pdf"), "PDF, Word, JPEG or PNG"),
    (cv("notes.txt", PDF), "PDF, Word, JPEG or PNG"),
])
def test_a_cv_too_large_or_of_another_kind_is_refused(world: World, upload: SimpleUploadedFile, message: str) -> None:
    position = open_position(world)
    response = client_of("hr1").post(reverse("position-detail", args=[position.pk]),
                                     {"name": "王五", "phone": "13612345678", "source": "walk_in",
                                      "applied_on": timezone.localdate().isoformat(), "cv_file": upload})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Candidate.objects.exists()


def test_the_funnel_per_position_and_the_time_to_fill(world: World) -> None:
    position, other = open_position(world), open_position(world, team=None)
    for stage in ("applied", "rejected", "offered", "withdrawn"):
        candidate_of(position, stage=stage)
    offered, withdrew = Candidate.objects.filter(stage__in=("offered", "withdrawn"))
    Candidate.objects.filter(pk__in=[offered.pk, withdrew.pk]).update(offer_salary=Decimal("4000"))
    Interview.objects.create(candidate=offered, store=position.store, interviewer=world.staff["m1"],
                             held_on=timezone.localdate(), product_knowledge=3, communication=3, sales_drive=3,
                             presentation=3, notes="一般")
    Position.objects.filter(pk=other.pk).update(status="filled", opened_on=timezone.localdate() - datetime.timedelta(
        days=30), closed_on=timezone.localdate())
    funnel = {p.pk: (p.candidates_count, p.interviewed, p.offered, p.hired)
              for p in recruiting_funnel(Position.objects.all())}
    assert funnel == {position.pk: (4, 1, 2, 0), other.pk: (0, 0, 0, 0)}
    assert average_days_to_fill(Position.objects.all()) == Decimal("30.0")


def test_candidates_personal_data_is_for_hr_and_the_stores_management_only(world: World) -> None:
    position = open_position(world)
    candidate = candidate_of(position)
    Candidate.objects.filter(pk=candidate.pk).update(cv=PDF, cv_name="cv.pdf", cv_type="application/pdf")
    urls = [reverse("recruiting"), reverse("position-new"), reverse("position-detail", args=[position.pk]),
            reverse("candidate-detail", args=[candidate.pk]), reverse("candidate-cv", args=[candidate.pk])]
    for username in ("hr1", "m1", "gm1"):
        client = client_of(username)
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    assert client_of("hr1").get(urls[-1])["Content-Disposition"] == f'attachment; filename="cv-{candidate.pk}.pdf"'
    for username in ("c1", "sup1", "fin1", "ho_group", "ho_r1", "admin"):
        client = client_of(username)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (username, url)
        assert client.post(urls[3], {"action": "close", "stage": "rejected"}).status_code in (403, 404), username
    for url in urls[2:]:
        assert client_of("m2").get(url).status_code == 404, url
    assert Candidate.objects.get().stage == "applied"


def test_the_pages_take_the_same_queries_however_many_people(world: World) -> None:
    def queries(url: str, more: int) -> int:
        for _n in range(more):
            person = new_hire(world)
            onboarding.start(person)
            open_cards(world, "c2", 1)
            Certification.objects.create(store=person.store, staff=person, name="L1", issuer="远航汽车",
                                         obtained_on=person.hire_date)
            candidate_of(open_position(world))
        client = client_of("m1")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for name in ("store-staff", "newcomers", "certifications", "recruiting", "attrition"):
        assert queries(reverse(name), 1) == queries(reverse(name), 4), name


def test_a_cancelled_position_takes_no_candidate_and_no_offer(world: World) -> None:
    position = open_position(world)
    candidate = candidate_of(position)
    client = client_of("m1")
    url = reverse("position-detail", args=[position.pk])
    assert client_of("c1").post(url, {"action": "cancel"}).status_code == 403
    assert client.post(url, {"action": "cancel"}).status_code == 302
    position.refresh_from_db()
    assert (position.status, position.closed_on) == ("cancelled", timezone.localdate())
    assert [entry.action for entry in entries(Position, position.pk)] == ["create", "update"]
    offer = client.post(reverse("candidate-detail", args=[candidate.pk]),
                        {"action": "offer", "offer_salary": "4000", "start_on": timezone.localdate().isoformat()})
    assert "no longer open" in offer.content.decode() and Candidate.objects.get().stage == "applied"
    added = client.post(url, {"name": "赵六", "phone": "13612345679", "source": "walk_in",
                              "applied_on": timezone.localdate().isoformat()})
    assert added.status_code == 403 and Candidate.objects.count() == 1
    again = client.post(url, {"action": "cancel"}, follow=True)
    assert "no longer open" in again.content.decode()

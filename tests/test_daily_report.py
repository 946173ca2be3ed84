"""The daily report (日报): each figure against the hand-made store of tests/test_reports.py (October 2025, store S;
store X's records never count), the month to date against target with the run rate, the day's schedule; sending
and commenting (once per store and day, remarks sent again until the GM comments, audit of both); PDF and
workbook; who may see, send and comment (tests/world.py).

Hand-worked days of store S (tests/test_reports.py):
- 8 Oct: order C cancelled; a repeat visit (bob, n=5).
- 10 Oct: D1 delivered (ann+bob): 1 unit, front-end 200000 - 190000 - 2000 = 8000, derivative income 900 + 3000;
  a first visit (cat); ann's A-card follow-up due that day was made on the 12th (done, late).
- 12 Oct: D3 unwound: -1 unit, front-end -10000, derivative -700.
- 15 Oct: a complaint received (oem hotline, major); D9 delivered.
Month to 15 Oct: units D4 (5th, unwound only on the 25th) + D1 + D9 - D3 = 2; target 4.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from dealerkpi.core.models import AuditEntry
from dealerkpi.crm.models import Complaint, FollowUp
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.metrics.period import Days, projected
from dealerkpi.reports.daily import DailyFigures, breakdown, daily_figures
from dealerkpi.reports.daily_views import PDF_TEMPLATE
from dealerkpi.reports.models import DailyReport
from dealerkpi.sales.models import Delivery
from dealerkpi.targets.models import Target
from tests.metrics_world import D, MetricsWorld, at, day
from tests.test_races import answered_once, at_once
from tests.test_reports import build_store
from tests.world import World, build_world, signed_in

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 11, 15)
URL, SEND, COMMENT = reverse("daily-report"), reverse("daily-report-send"), reverse("daily-report-comment")
PDF, XLSX = reverse("daily-report-pdf"), reverse("daily-report-xlsx")


@pytest.fixture
def store() -> MetricsWorld:
    return build_store()


def morning(store: MetricsWorld, month: int, dd: int) -> DailyFigures:
    return daily_figures(store.store, day(month, dd), TODAY)


def yesterday(figures: DailyFigures) -> dict[str, Decimal]:
    return {count.key: count.value for count in figures.yesterday}


# --- the figures, by hand --------------------------------------------------------------------------------------


def test_a_delivery_day_counts_the_unit_its_profit_visits_and_follow_ups(store: MetricsWorld) -> None:
    figures = morning(store, 10, 11)
    assert figures.figures_day == day(10, 10)
    assert yesterday(figures) == {
        "first_visits": 1, "repeat_visits": 0, "new_leads": 0, "test_drives": 0, "orders": 0, "deliveries": 1,
        "cancellations": 0, "unwinds": 0, "front_gross": 8000, "back_gross": 3900, "follow_ups_due": 1,
        "follow_ups_done": 1, "complaints": 0, "complaints_resolved": 0,
    }


def test_a_cancellation_and_a_repeat_visit(store: MetricsWorld) -> None:
    found = yesterday(morning(store, 10, 9))
    assert (found["cancellations"], found["unwinds"], found["repeat_visits"], found["first_visits"]) == (1, 0, 1, 0)


def test_an_unwind_takes_the_unit_and_its_profit_back_on_its_day(store: MetricsWorld) -> None:
    found = yesterday(morning(store, 10, 13))
    assert (found["unwinds"], found["deliveries"], found["front_gross"], found["back_gross"]) == (1, -1, -10000, -700)


def test_test_drives_new_cards_and_orders_of_a_day(store: MetricsWorld) -> None:
    assert yesterday(morning(store, 10, 10))["test_drives"] == 2  # ann's and cat's on the 9th; bob's was cancelled
    found = yesterday(morning(store, 10, 3))  # the 2nd: ann0, bob0, cat0 opened; D2 ordered (D1 on the 1st)
    assert (found["new_leads"], found["orders"]) == (3, 1)


def test_complaints_received_and_resolved_on_the_day(store: MetricsWorld) -> None:
    Complaint.objects.filter(store=store.store, received_at=at(10, 5)).update(resolved_at=at(10, 15, 16))
    Complaint.objects.create(store=store.other, channel="in_store", summary="X", received_at=at(10, 1),
                             due_on=day(10, 9), status="resolved", resolution="好", resolved_at=at(10, 15, 9))
    found = yesterday(morning(store, 10, 16))
    assert (found["complaints"], found["complaints_resolved"]) == (1, 1)


def test_the_month_to_date_against_target_with_the_run_rate(store: MetricsWorld) -> None:
    lines = {line.figure.key: line for line in morning(store, 10, 16).month}
    units = lines["units"]
    assert (units.value, units.target, units.completion) == (2, 4, 50)
    assert units.projected == D("4.13")  # 2 / 15 days x 31
    assert units.projected_completion == D("103.25")
    assert lines["orders"].target is None and lines["orders"].value == 5  # D1 D2 D4 D8 D9 (C cancelled)


def test_the_run_rate_of_a_whole_month_is_the_month() -> None:
    assert projected(D(7), Days(day(10, 1), day(10, 31))) == 7
    assert projected(D(1), Days(day(2, 1), day(2, 7))) == 4  # 1 / 7 x 28


def test_the_days_schedule(store: MetricsWorld) -> None:
    """Booked for 20 October: a delivery, a test drive (another one cancelled), a visit the customer agreed to,
    and the A-cards due that day (none in store X count)."""
    when = at(10, 20, 15)
    Delivery.objects.filter(pk=store.deliveries["D8"].pk).update(scheduled_for=when)
    lead = store.leads["ann2"]
    for status in (Drive.Status.SCHEDULED, Drive.Status.CANCELLED):
        Drive.objects.create(store=store.store, lead=lead, consultant=store.staff["ann"],
                                 vehicle=store.records["demo"], starts_at=when, ends_at=at(10, 20, 16), status=status)
    FollowUp.objects.create(store=store.store, lead=lead, staff=store.staff["ann"], at=at(10, 18), channel="phone",
                            outcome="visit_booked", grade_after="A", next_due_on=day(10, 20))
    for key in ("ann2", "bob0"):
        type(lead).objects.filter(pk=store.leads[key].pk).update(next_follow_up_on=day(10, 20))
    other = store.lead("xia", at(10, 1), next_follow_up_on=day(10, 20))
    assert other.store == store.other
    schedule = {count.key: count.value for count in morning(store, 10, 20).schedule}
    assert schedule == {"deliveries": 1, "test_drives": 1, "appointments": 1, "cards_due": 2}


# --- by team and consultant -------------------------------------------------------------------------------------


def by_name(lines: list) -> dict[str, object]:
    return {line.name: line for line in lines}


def month_of(line: object, key: str) -> object:
    return next(month for month in line.month if month.figure.key == key)  # type: ignore[attr-defined]


def test_yesterday_by_consultant_and_team(store: MetricsWorld) -> None:
    """10 Oct: D1 delivered, credited ann 50 / bob 50; cat's first visit. Teams: A = ann (and sup), B = bob, cat."""
    people = morning(store, 10, 11).people
    assert [(line.name, line.team) for line in people.consultants] == [
        ("ann", "A"), ("bob", "B"), ("cat", "B")]  # sup and mgr sold nothing: not listed
    consultants, teams = by_name(people.consultants), by_name(people.teams)
    # (visits, A-cards, test drives, orders, deliveries)
    assert consultants["ann"].yesterday == (0, 0, 0, 0, D("0.5"))  # type: ignore[attr-defined]
    assert consultants["bob"].yesterday == (0, 0, 0, 0, D("0.5"))  # type: ignore[attr-defined]
    assert consultants["cat"].yesterday == (1, 0, 0, 0, 0)  # type: ignore[attr-defined]
    assert teams["A"].yesterday == (0, 0, 0, 0, D("0.5"))  # type: ignore[attr-defined]
    assert teams["B"].yesterday == (1, 0, 0, 0, D("0.5"))  # type: ignore[attr-defined]


def test_the_month_by_consultant_and_team_against_their_targets(store: MetricsWorld) -> None:
    """To 15 Oct: ann D4 1 + D1 0.5 + D9 1 - D3 1 = 1.5 (target 2); bob D1 0.5 (target 1); cat 0 (target 1).
    Team A's target is its members' (ann 2), B's bob 1 + cat 1; a team's own target row wins."""
    figures = morning(store, 10, 16)
    consultants, teams = by_name(figures.people.consultants), by_name(figures.people.teams)
    ann = month_of(consultants["ann"], "units")
    assert (ann.value, ann.target, ann.completion, ann.projected) == (  # type: ignore[attr-defined]
        D("1.5"), 2, 75, D("3.10"))  # 1.5 / 15 days x 31
    assert month_of(consultants["ann"], "leads").target == 3  # type: ignore[attr-defined]
    assert month_of(consultants["cat"], "orders").target is None  # type: ignore[attr-defined]
    team_b = month_of(teams["B"], "units")
    assert (team_b.value, team_b.target, team_b.completion) == (D("0.5"), 2, 25)  # type: ignore[attr-defined]
    store_units = next(line for line in figures.month if line.figure.key == "units")
    for key in ("units", "orders", "sales_amount", "front_gross", "leads", "parties", "test_drives"):
        store_line = next(line for line in figures.month if line.figure.key == key)
        assert sum((month_of(line, key).value for line in figures.people.teams), D(0)) == store_line.value, key
        assert sum((month_of(line, key).value for line in figures.people.consultants), D(0)) == store_line.value, key
    assert store_units.value == 2
    Target.objects.create(store=store.store, team=store.teams["B"], month=day(10, 1), metric="units_delivered",
                          value=D(5))
    assert month_of(by_name(morning(store, 10, 16).people.teams)["B"], "units").target == 5  # type: ignore


def test_the_breakdown_costs_the_same_queries_however_many_people(store: MetricsWorld) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            breakdown(store.store, day(10, 15), TODAY)
        return len(captured)

    before = queries()
    for n in range(3):
        store.person(f"new{n}")
        store.member(f"new{n}", "A")
        store.lead(f"new{n}", at(10, 15))
    assert queries() == before
    assert len(breakdown(store.store, day(10, 15), TODAY).consultants) == 6


# --- sending and commenting: the hand-built world ---------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return build_world()


def at_s1(world: World, **extra: object) -> dict[str, object]:
    return {"store": world.stores["S1"].pk, **extra}


def url(base: str, world: World, store: str = "S1") -> str:
    return f"{base}?store={world.stores[store].pk}&day={timezone.localdate().isoformat()}"


def report(world: World) -> DailyReport:
    return DailyReport.objects.get(store=world.stores["S1"], day=timezone.localdate())


def test_the_manager_sends_and_may_send_again_until_the_gm_comments(world: World) -> None:
    manager, gm = signed_in("m1"), signed_in("gm1")
    assert manager.post(url(SEND, world), {"remarks": "展厅客流偏少"}).status_code == 302
    assert (report(world).remarks, report(world).sent_by.name) == ("展厅客流偏少", "m1")
    assert manager.post(url(SEND, world), {"remarks": "补充：两台待交车"}).status_code == 302
    assert DailyReport.objects.count() == 1 and report(world).remarks == "补充：两台待交车"
    assert gm.post(url(COMMENT, world), {"comment": "周末加强邀约"}).status_code == 302
    assert (report(world).comment, report(world).commented_by.name) == ("周末加强邀约", "gm1")
    refused = manager.post(url(SEND, world), {"remarks": "改"})
    assert refused.status_code == 403 and report(world).remarks == "补充：两台待交车"
    page = gm.get(url(URL, world)).content.decode()
    assert "补充：两台待交车" in page and "周末加强邀约" in page and 'data-testid="daily-send-form"' not in page
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DailyReport),
                                        object_id=str(report(world).pk)).order_by("pk")
    assert [entry.action for entry in entries] == ["create", "update", "update"]
    assert entries[1].before["remarks"] == "展厅客流偏少" and entries[2].after["comment"] == "周末加强邀约"


def test_empty_remarks_or_comment_are_field_errors(world: World) -> None:
    response = signed_in("m1").post(url(SEND, world), {"remarks": "  "})
    assert response.status_code == 400 and response.context["send_form"].errors["remarks"]
    signed_in("m1").post(url(SEND, world), {"remarks": "好"})
    response = signed_in("gm1").post(url(COMMENT, world), {"comment": ""})
    assert response.status_code == 400 and response.context["comment_form"].errors["comment"]


def test_no_comment_on_a_report_not_sent(world: World) -> None:
    assert signed_in("gm1").post(url(COMMENT, world), {"comment": "?"}).status_code == 404
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("user", ["gm1", "ho_group", "admin", "hr1"])
def test_only_the_stores_sales_managers_send(world: World, user: str) -> None:
    assert signed_in(user).post(url(SEND, world), {"remarks": "x"}).status_code == 403
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("user", ["m1", "ho_group", "admin"])
def test_only_the_stores_gm_comments(world: World, user: str) -> None:
    signed_in("m1").post(url(SEND, world), {"remarks": "x"})
    assert signed_in(user).post(url(COMMENT, world), {"comment": "y"}).status_code == 403
    assert report(world).comment == ""


def test_a_manager_cannot_send_another_stores_report(world: World) -> None:
    assert signed_in("m2").post(url(SEND, world, "S1"), {"remarks": "x"}).status_code == 404
    assert not DailyReport.objects.exists()


def test_the_pages_answer_only_their_methods(world: World) -> None:
    manager = signed_in("m1")
    assert manager.post(url(URL, world)).status_code == 405
    assert manager.get(url(SEND, world)).status_code == 405
    assert manager.get(url(COMMENT, world)).status_code == 405


# --- who sees it ------------------------------------------------------------------------------------------------


REACH = {"m1": {"S1"}, "gm1": {"S1"}, "m2": {"S2"}, "ho_group": {"S1", "S2", "S3"}, "ho_r1": {"S1", "S2"},
         "ho_g2": {"S4"}, "admin": {"S1", "S2", "S3", "S4"}}


@pytest.mark.parametrize("user", sorted(REACH))
def test_management_and_head_office_read_the_stores_they_reach(world: World, user: str) -> None:
    client = signed_in(user)
    for code in world.stores:
        expected = 200 if code in REACH[user] else 404
        for base in (URL, PDF, XLSX):
            assert client.get(url(base, world, code)).status_code == expected, (user, code, base)


@pytest.mark.parametrize("user", ["c1", "c4", "sup1", "hr1", "fin1", "nostaff"])
def test_consultants_supervisors_and_the_back_office_are_refused(world: World, user: str) -> None:
    client = signed_in(user)
    for base in (URL, PDF, XLSX):
        response = client.get(url(base, world))
        assert response.status_code == 403 and "daily report" in response.content.decode()
    assert client.post(url(SEND, world), {"remarks": "x"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_menu_links_the_report_for_management_and_head_office(world: World) -> None:
    for user, linked in (("m1", True), ("gm1", True), ("ho_r1", True), ("c1", False), ("sup1", False),
                         ("hr1", False)):
        page = signed_in(user).get(reverse("home")).content.decode()
        assert ('data-testid="nav-daily-report"' in page) is linked, user


def test_a_bad_day_or_store_is_not_a_500(world: World) -> None:
    client = signed_in("ho_group")
    assert client.get(URL, {"day": "2026-13-40"}).status_code == 200  # read as today
    assert client.get(URL, {"store": "abc"}).status_code == 404


# --- PDF and workbook ---------------------------------------------------------------------------------------------


def test_the_pdf_and_the_workbook_hold_the_report(world: World) -> None:
    signed_in("m1").post(url(SEND, world), {"remarks": "今日重点：交车三台"})
    client = signed_in("gm1")
    pdf = client.get(url(PDF, world))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    book = client.get(url(XLSX, world))
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["Remarks", "今日重点：交车三台"] in rows
    assert any(row[:1] == ["Deliveries"] for row in rows)


def test_the_page_the_pdf_and_the_workbook_break_the_day_down_by_team_and_consultant(world: World) -> None:
    client = signed_in("m1")
    with translation.override("en"):
        page = client.get(url(URL, world)).content.decode()
        for name in ('data-testid="daily-people"', 'data-team="一组"', 'data-team="二组"', 'data-person="c1"',
                     'data-person="c3"'):
            assert name in page, name
        assert 'data-person="c4"' not in page  # S2's consultant
        sheets = openpyxl.load_workbook(io.BytesIO(client.get(url(XLSX, world)).content))
        people = sheets["By team and consultant"]
        rows = [row for row in people.iter_rows(values_only=True) if row and row[0]]
        header = next(row for row in rows if row[0] == "Team / consultant")
        assert "Yesterday: Deliveries (units)" in header and "Month to date: Deliveries (units)" in header
        assert {row[0]: row[1] for row in rows if row[0] in ("c1", "c2", "c3")} == {"c1": "一组", "c2": "一组",
                                                                                    "c3": "二组"}
        figures = daily_figures(world.stores["S1"], timezone.localdate(), timezone.localdate())
        html = render_to_string(PDF_TEMPLATE, {"figures": figures, "report": None, "generated": "", "language": "en"})
        assert 'data-person="c2"' in html and "By team and consultant" in html


# --- at the same moment -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_make_one_report(world: World) -> None:
    for n in range(3):
        when = timezone.localdate() - datetime.timedelta(days=n)
        target = f"{SEND}?day={when.isoformat()}"
        answers = at_once((signed_in("m1"), target, {"remarks": "甲"}), (signed_in("m1"), target, {"remarks": "乙"}))
        assert answered_once(answers, 302, {302}), answers
        assert DailyReport.objects.filter(day=when).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_racing_the_gms_comment_never_changes_a_commented_report(world: World) -> None:
    for n in range(3):
        when = timezone.localdate() - datetime.timedelta(days=n)
        signed_in("m1").post(f"{SEND}?day={when.isoformat()}", {"remarks": "原"})
        answers = at_once((signed_in("m1"), f"{SEND}?day={when.isoformat()}", {"remarks": "改"}),
                          (signed_in("gm1"), f"{COMMENT}?day={when.isoformat()}", {"comment": "阅"}))
        assert set(answers) <= {302, 403, 503}, answers
        sent = DailyReport.objects.get(day=when)
        entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DailyReport),
                                            object_id=str(sent.pk)).order_by("pk")
        changed_after_comment = [entry for entry in entries if entry.before and entry.before.get("comment")
                                 and entry.after.get("remarks") != entry.before.get("remarks")]
        assert changed_after_comment == []

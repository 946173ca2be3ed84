"""The store's routines on the sales desk: complaints, competitor intelligence, training records, the daily
showroom checklist and the morning and evening meeting notes. Rules with hand-worked figures, who may see
and change what (a matrix over every page), and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from itertools import count

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi.catalog.models import Brand, VehicleModel
from dealerkpi.core.audit import acting_as
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.complaint_forms import ComplaintForm, default_due_on
from dealerkpi.crm.models import Complaint, Customer, Lead, ShowroomVisit
from dealerkpi.market.models import CompetitorPrice
from dealerkpi.market.views import competitor_summary
from dealerkpi.org.pages import store_staff
from dealerkpi.org.scope import viewer_for
from dealerkpi.people.models import DailyChecklist, MeetingNote, TrainingRecord
from dealerkpi.reports.meeting_notes import day_figures
from dealerkpi.sales.models import Delivery, Order, OrderCredit
from dealerkpi.stock.models import Vehicle
from tests.world import PASSWORD, World, build_world, make_vin

pytestmark = pytest.mark.django_db

_serial = count(70000)
TODAY = timezone.localdate


@pytest.fixture
def world() -> World:
    return build_world()


def client_of(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English chosen with the language menu: messages in English
    assert client.login(username=username, password=PASSWORD)
    return client


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def audit_entries(record: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(record),
                                          object_id=str(record.pk)).order_by("pk"))


def html(response: object) -> str:
    return response.content.decode()


def marked(response: object, attribute: str) -> list[str]:
    """The values of ``data-<attribute>`` on the page, in page order."""
    return re.findall(rf'data-{attribute}="([^"]+)"', html(response))


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def complaint(world: World, summary: str, due_on: datetime.date, status: str = "open", store: str = "S1",
              **fields: object) -> Complaint:
    return Complaint.objects.create(store=world.stores[store], channel="in_store", summary=summary,
                                    received_at=moment(due_on - datetime.timedelta(days=7)), due_on=due_on,
                                    status=status, resolution="已处理" if status == "resolved" else "", **fields)


# --- complaints -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("is_major", "due_on"), [(True, "2026-10-22"), (False, "2026-10-27")])
def test_the_due_date_follows_the_severity_when_none_is_given(world: World, is_major: bool, due_on: str) -> None:
    # Received 2026-10-20: a major complaint is due 2 days later, any other 7 days later.
    data = {"channel": "oem_hotline", "summary": "提车延误", "received_at": "2026-10-20T09:30",
            "handler": world.staff["m1"].pk, "is_major": "on" if is_major else ""}
    form = ComplaintForm(data, store=world.stores["S1"], colleagues=store_staff(world.stores["S1"], TODAY()))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due_on"] == datetime.date.fromisoformat(due_on)
    assert default_due_on(datetime.date(2026, 12, 30), True) == datetime.date(2027, 1, 1)


def test_a_due_date_typed_by_the_manager_is_kept(world: World) -> None:
    data = {"channel": "in_store", "summary": "展厅服务", "received_at": "2026-10-20T09:30",
            "handler": world.staff["sup1"].pk, "due_on": "2026-10-21"}
    form = ComplaintForm(data, store=world.stores["S1"], colleagues=store_staff(world.stores["S1"], TODAY()))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due_on"] == datetime.date(2026, 10, 21)


def test_the_manager_records_and_assigns_a_complaint_which_is_audited(world: World) -> None:
    customer = Customer.objects.filter(owner=world.staff["c1"]).get()
    response = client_of("m1").post(reverse("complaint-new"), {
        "channel": "consumer_association", "summary": "12315 投诉：加价提车", "is_major": "on",
        "received_at": f"{days_ago(1)}T15:00", "customer_phone": customer.phone,
        "about_staff": world.staff["c1"].pk, "handler": world.staff["sup1"].pk,
    })
    created = Complaint.objects.get(summary="12315 投诉：加价提车")
    assert response.status_code == 302 and response["Location"] == reverse("complaint-detail", args=[created.pk])
    assert (created.store, created.customer, created.handler, created.status) == (
        world.stores["S1"], customer, world.staff["sup1"], "open")
    assert created.due_on == days_ago(1) + datetime.timedelta(days=2)
    [entry] = audit_entries(created)
    assert (entry.action, entry.actor) == ("create", world.users["m1"])


def test_a_wrong_complaint_is_refused_with_field_errors_and_keeps_what_was_typed(world: World) -> None:
    response = client_of("m1").post(reverse("complaint-new"), {
        "channel": "in_store", "summary": "试驾车不干净", "received_at": "yesterday at noon",
        "customer_phone": "13900000000", "due_on": "2026-02-30",
    })
    page = html(response)
    assert response.status_code == 200 and Complaint.objects.filter(summary="试驾车不干净").count() == 0
    assert "Enter a valid date/time." in page and "Enter a valid date." in page
    assert "No customer of this store has this mobile number." in page
    assert "This field is required." in page  # the handler
    assert 'value="试驾车不干净"' in page and 'value="yesterday at noon"' in page


def test_a_complaint_cannot_be_received_in_the_future_nor_fall_due_before_it_arrived(world: World) -> None:
    response = client_of("m1").post(reverse("complaint-new"), {
        "channel": "in_store", "summary": "未来", "received_at": f"{TODAY() + datetime.timedelta(days=2)}T09:00",
        "handler": world.staff["m1"].pk,
    })
    assert "This date is in the future." in html(response)
    response = client_of("m1").post(reverse("complaint-new"), {
        "channel": "in_store", "summary": "倒序", "received_at": f"{days_ago(1)}T09:00",
        "handler": world.staff["m1"].pk, "due_on": str(days_ago(3)),
    })
    assert "The due date cannot be before the complaint was received." in html(response)
    assert not Complaint.objects.filter(summary__in=["未来", "倒序"]).exists()


def test_resolving_needs_the_resolution_and_stamps_the_time(world: World) -> None:
    case = complaint(world, "交车时间一再推迟", days_ago(-3), handler=world.staff["c2"])
    handler = client_of("c2")
    url = reverse("complaint-detail", args=[case.pk])
    response = handler.post(url, {"status": "resolved", "resolution": "   "})
    assert response.status_code == 200
    assert "Say how the complaint was resolved." in html(response)
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == ("open", None)
    assert handler.post(url, {"status": "resolved", "resolution": "已安排次日交车并赠送保养"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at is not None
    update = audit_entries(case)[-1]
    assert (update.action, update.actor, update.before["status"], update.after["status"]) == (
        "update", world.users["c2"], "open", "resolved")
    assert handler.post(url, {"status": "in_progress", "resolution": "客户再次投诉"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == ("in_progress", None)


def test_overdue_complaints_come_first_and_are_highlighted(world: World) -> None:
    Complaint.objects.all().delete()
    late = complaint(world, "A 逾期三天", days_ago(3))
    later = complaint(world, "D 逾期一天", days_ago(1), status="in_progress", is_major=True)
    soon = complaint(world, "B 明天到期", days_ago(-1))
    done = complaint(world, "C 已解决", days_ago(5), status="resolved")
    due_today = complaint(world, "E 今天到期", TODAY())
    manager = client_of("m1")
    response = manager.get(reverse("complaint-list"))
    assert marked(response, "complaint") == [str(c.pk) for c in (late, later, due_today, soon, done)]
    overdue_rows = re.findall(r'data-complaint="(\d+)" class="overdue"', html(response))
    assert overdue_rows == [str(late.pk), str(later.pk)]
    assert marked(manager.get(reverse("complaint-list") + "?overdue=yes"), "complaint") == [str(late.pk),
                                                                                            str(later.pk)]
    assert marked(manager.get(reverse("complaint-list") + "?overdue=no"), "complaint") == [
        str(due_today.pk), str(soon.pk), str(done.pk)]
    assert marked(manager.get(reverse("complaint-list") + "?status=resolved"), "complaint") == [str(done.pk)]
    assert marked(manager.get(reverse("complaint-list") + "?major=yes"), "complaint") == [str(later.pk)]
    assert manager.get(reverse("complaint-list") + "?status=nonsense&page=x").status_code == 200


def test_the_list_pages_by_50_and_keeps_the_filters(world: World) -> None:
    Complaint.objects.bulk_create(
        Complaint(store=world.stores["S1"], channel="in_store", summary=f"投诉 {i}", received_at=moment(days_ago(9)),
                  due_on=days_ago(2 - i % 5), status=("open", "resolved")[i % 2], resolution="已处理")
        for i in range(104))  # 52 open (with the world's 3 about c1, c2, c3: 55) and 52 resolved
    manager = client_of("m1")
    first = manager.get(reverse("complaint-list") + "?status=open")
    assert len(marked(first, "complaint")) == 50 and "page 1 of 2" in html(first)
    assert "?status=open&amp;page=2" in html(first)
    second = manager.get(reverse("complaint-list") + "?status=open&page=2")
    assert len(marked(second, "complaint")) == 5


def test_the_handler_updates_the_manager_reassigns_and_the_others_only_read(world: World) -> None:
    case = complaint(world, "销售顾问态度", days_ago(-5), about_staff=world.staff["c1"], handler=world.staff["c2"])
    url = reverse("complaint-detail", args=[case.pk])
    # The handler (a consultant) moves it on but cannot reassign it: those fields are not theirs.
    assert client_of("c2").post(url, {"status": "in_progress", "handler": world.staff["c3"].pk}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.handler) == ("in_progress", world.staff["c2"])
    # The consultant it is about reads it, without a form, and may not change it.
    about = client_of("c1")
    page = about.get(url)
    assert page.status_code == 200 and 'data-testid="complaint-update"' not in html(page)
    assert about.post(url, {"status": "resolved", "resolution": "自己关闭"}).status_code == 403
    for reader in ("sup1", "hr1", "fin1", "ho_group"):
        assert client_of(reader).post(url, {"status": "resolved", "resolution": "x"}).status_code == 403, reader
    assert client_of("c3").get(url).status_code == 404  # neither about c3 nor theirs to handle
    assert client_of("m2").get(url).status_code == 404  # another store
    # The manager reassigns it; the change is in the audit trail with before and after.
    response = client_of("m1").post(url, {"status": "in_progress", "handler": world.staff["c3"].pk,
                                          "about_staff": world.staff["c1"].pk, "due_on": str(case.due_on)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.handler == world.staff["c3"]
    reassignment = audit_entries(case)[-1]
    assert (reassignment.actor, reassignment.before["handler_id"], reassignment.after["handler_id"]) == (
        world.users["m1"], world.staff["c2"].pk, world.staff["c3"].pk)
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert client_of("c3").get(url).status_code == 200  # the new handler now sees it


def test_the_general_manager_may_record_and_change_complaints(world: World) -> None:
    case = complaint(world, "重大投诉", days_ago(-1), is_major=True, handler=world.staff["m1"])
    gm = client_of("gm1")
    assert gm.get(reverse("complaint-new")).status_code == 200
    assert gm.post(reverse("complaint-detail", args=[case.pk]), {
        "status": "resolved", "resolution": "总经理致电客户", "handler": world.staff["m1"].pk, "is_major": "on",
        "due_on": str(case.due_on)}).status_code == 302


# --- competitor intelligence ----------------------------------------------------------------------------------


def sighting(world: World, model: VehicleModel, day: datetime.date, price: str, offer: str = "",
             store: str = "S1") -> CompetitorPrice:
    return CompetitorPrice.objects.create(store=world.stores[store], competitor_model=model, seen_on=day,
                                          price=Decimal(price), offer=offer, source="展厅",
                                          reported_by=world.staff["c1"])


@pytest.fixture
def rivals(world: World) -> tuple[VehicleModel, VehicleModel]:
    CompetitorPrice.objects.all().delete()
    x5 = VehicleModel.objects.get(code="RV-X5")
    y3 = VehicleModel.objects.create(brand=Brand.objects.get(code="RV"), code="RV-Y3", name="Y3", segment="SUV")
    sighting(world, x5, days_ago(95), "150000.00")  # before the window
    sighting(world, x5, days_ago(90), "140000.00")  # 90 days ago: just outside the window
    sighting(world, x5, days_ago(89), "212000.00", "送保险")  # the first day inside the window
    sighting(world, x5, days_ago(30), "199000.00", "现金优惠1万")
    sighting(world, x5, days_ago(5), "205000.00", "送三年保养")
    sighting(world, x5, days_ago(5), "203500.50", "现金优惠1.5万")  # the same day, recorded later: the latest
    sighting(world, y3, days_ago(1), "260000.00")
    sighting(world, x5, TODAY(), "100000.00", "另一家店", store="S2")  # another store: never counted in S1
    return x5, y3


def test_the_competitor_summary_per_model(world: World, rivals: tuple[VehicleModel, VehicleModel]) -> None:
    x5, y3 = rivals
    prices = visible_to(CompetitorPrice.objects.filter(store=world.stores["S1"]), viewer_for(world.users["m1"]))
    first, second = competitor_summary(prices, TODAY())
    assert (first.model, first.latest_price, first.lowest, first.highest, first.sightings) == (
        x5, Decimal("203500.50"), Decimal("199000.00"), Decimal("212000.00"), 4)
    assert first.latest_seen_on == days_ago(5)
    assert [s.offer for s in first.latest] == ["现金优惠1.5万", "送三年保养", "现金优惠1万"]
    assert (second.model, second.latest_price, second.lowest, second.highest, second.sightings) == (
        y3, Decimal("260000.00"), Decimal("260000.00"), Decimal("260000.00"), 1)


def test_the_competitor_page_shows_the_summary_and_sightings(world: World,
                                                             rivals: tuple[VehicleModel, VehicleModel]) -> None:
    x5, _y3 = rivals
    response = client_of("c1").get(reverse("competitor-intel"))
    page = html(response)
    assert marked(response, "model") == ["RV-X5", "RV-Y3"]
    assert "203,500.50" in page and "199,000.00" in page and "212,000.00" in page
    assert "150,000.00" not in page and "100,000.00" not in page
    narrowed = client_of("c1").get(reverse("competitor-intel") + f"?model={x5.pk}")
    assert "260,000.00" not in html(narrowed).split('data-testid="sightings"')[1]


def test_any_store_staff_member_records_a_competitor_price(world: World) -> None:
    x5 = VehicleModel.objects.get(code="RV-X5")
    for who, price in (("c1", "208800"), ("hr1", "207000")):
        response = client_of(who).post(reverse("competitor-intel"), {
            "competitor_model": x5.pk, "seen_on": str(TODAY()), "price": price, "offer": "置换补贴5000",
            "source": "懂车帝"})
        assert response.status_code == 302, who
        recorded = CompetitorPrice.objects.get(price=Decimal(price))
        assert (recorded.store, recorded.reported_by) == (world.stores["S1"], world.staff[who])


def test_a_wrong_competitor_price_is_refused_and_kept(world: World) -> None:
    own_model = VehicleModel.objects.get(code="YH-S7")
    before = CompetitorPrice.objects.count()
    response = client_of("c1").post(reverse("competitor-intel"), {
        "competitor_model": own_model.pk, "seen_on": str(TODAY() + datetime.timedelta(days=1)), "price": "0",
        "offer": "全款优惠", "source": ""})
    page = html(response)
    assert response.status_code == 200 and CompetitorPrice.objects.count() == before
    assert "Select a valid choice." in page  # our own brand's model is not a competitor's
    assert "This date is in the future." in page and "Enter the price seen, more than zero." in page
    assert 'value="全款优惠"' in page
    response = client_of("c1").post(reverse("competitor-intel"), {
        "competitor_model": VehicleModel.objects.get(code="RV-X5").pk, "seen_on": str(TODAY()),
        "price": "12.345", "source": "展厅"})
    assert "Ensure that there are no more than 2 decimal places." in html(response)


# --- training -------------------------------------------------------------------------------------------------


def test_training_for_several_people_at_once_and_the_hours_of_the_month(world: World) -> None:
    c1, c2, c3, sup1 = (world.staff[k] for k in ("c1", "c2", "c3", "sup1"))
    first = TODAY().replace(day=1)
    TrainingRecord.objects.create(store=c1.store, staff=c1, course="上月课程", hours=Decimal("6"),
                                  held_on=first - datetime.timedelta(days=1))  # last month: not counted
    manager = client_of("m1")
    response = manager.post(reverse("training-new"), {
        "people": [c1.pk, c2.pk, c3.pk], "course": "新车型产品知识", "held_on": str(first), "hours": "2.5",
        "passed": "on", "trainer": sup1.pk})
    assert response.status_code == 302
    records = TrainingRecord.objects.filter(course="新车型产品知识")
    assert sorted(r.staff.name for r in records) == ["c1", "c2", "c3"]
    assert {(r.hours, r.passed, r.trainer_id, r.store_id) for r in records} == {
        (Decimal("2.5"), True, sup1.pk, c1.store_id)}
    assert manager.post(reverse("training-new"), {
        "people": [c1.pk], "course": "试乘试驾流程", "held_on": str(first), "hours": "1.5"}).status_code == 302
    page = html(manager.get(reverse("training-list")))
    hours = dict(re.findall(r'<tr data-staff="\d+"><td>(\w+)</td><td class="num">([\d.]+)</td>', page))
    # c1: 2.5 + 1.5 = 4.0 this month (last month's 6 hours apart); c2 and c3: 2.5.
    assert {name: hours[name] for name in ("c1", "c2", "c3")} == {"c1": "4.0", "c2": "2.5", "c3": "2.5"}
    assert TrainingRecord.objects.get(course="试乘试驾流程").passed is False


def test_recording_training_is_one_insert_however_many_people(world: World) -> None:
    people = list(store_staff(world.stores["S1"], TODAY()))
    manager = client_of("m1")

    def queries(staff: list) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = manager.post(reverse("training-new"), {
                "people": [p.pk for p in staff], "course": "礼仪", "held_on": str(TODAY()), "hours": "1"})
            assert response.status_code == 302
        return len(captured)

    assert queries(people[:1]) == queries(people)
    assert TrainingRecord.objects.filter(course="礼仪").count() == 1 + len(people)


def test_wrong_training_is_refused_with_field_errors(world: World) -> None:
    sup1, c1, c3 = world.staff["sup1"], world.staff["c1"], world.staff["c3"]
    supervisor = client_of("sup1")
    response = supervisor.post(reverse("training-new"), {
        "people": [c1.pk, sup1.pk], "course": "邀约话术", "held_on": str(TODAY() + datetime.timedelta(days=1)),
        "hours": "30", "trainer": sup1.pk})
    page = html(response)
    assert response.status_code == 200
    assert "This date is in the future." in page and "Training hours in one day are between 0 and 24." in page
    assert 'value="邀约话术"' in page
    response = supervisor.post(reverse("training-new"), {
        "people": [c1.pk, sup1.pk], "course": "邀约话术", "held_on": str(TODAY()), "hours": "2",
        "trainer": sup1.pk})
    assert "sup1 cannot train themselves" in html(response)
    # c3 is in the other team: not one of the supervisor's people.
    response = supervisor.post(reverse("training-new"), {
        "people": [c3.pk], "course": "邀约话术", "held_on": str(TODAY()), "hours": "2"})
    assert "Select a valid choice." in html(response)
    assert "Tick at least one person." in html(supervisor.post(reverse("training-new"), {"course": "x"}))
    assert not TrainingRecord.objects.filter(course="邀约话术").exists()


def test_a_supervisor_records_for_the_team_and_a_manager_for_the_store(world: World) -> None:
    def people_offered(username: str) -> set[str]:
        page = html(client_of(username).get(reverse("training-new")))
        ids = re.findall(r'name="people" value="(\d+)"', page)
        return {world.staff[k].name for k in world.staff if str(world.staff[k].pk) in ids}

    assert people_offered("sup1") == {"c1", "c2", "sup1"}
    assert people_offered("m1") == {"c1", "c2", "c3", "sup1", "m1", "gm1", "hr1", "fin1"}


# --- the daily checklist --------------------------------------------------------------------------------------


def test_one_checklist_per_store_and_day_saving_again_updates_it(world: World) -> None:
    items = {"showroom_clean": "on", "display_cars_clean": "on", "notes": "展车 3 号轮胎缺气"}
    assert client_of("m1").post(reverse("daily-checklist"), items).status_code == 302
    assert client_of("sup1").post(reverse("daily-checklist"), {**items, "demo_cars_ready": "on",
                                                               "notes": "已充气"}).status_code == 302
    checklist = DailyChecklist.objects.get(store=world.stores["S1"])
    assert (checklist.day, checklist.checked_by, checklist.items_done, checklist.notes) == (
        TODAY(), world.staff["sup1"], 3, "已充气")
    created, updated = audit_entries(checklist)
    assert (created.action, created.actor) == ("create", world.users["m1"])
    assert (updated.action, updated.actor) == ("update", world.users["sup1"])
    assert (updated.before["demo_cars_ready"], updated.after["demo_cars_ready"]) == (False, True)
    assert updated.before["checked_by_id"] == world.staff["m1"].pk
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyChecklist.objects.create(store=world.stores["S1"], day=TODAY(), checked_by=world.staff["m1"])


def test_the_last_30_days_show_the_gaps(world: World) -> None:
    for n in (0, 2, 29, 30):  # 30 days ago is outside the list
        DailyChecklist.objects.create(store=world.stores["S1"], day=days_ago(n), checked_by=world.staff["m1"],
                                      showroom_clean=True)
    DailyChecklist.objects.create(store=world.stores["S2"], day=days_ago(1), checked_by=world.staff["m2"])
    response = client_of("c1").get(reverse("daily-checklist"))
    page = html(response)
    assert len(marked(response, "day")) == 30
    gaps = re.findall(r'<tr class="gap" data-day="([\d-]+)"', page)
    assert len(gaps) == 27 and str(days_ago(1)) in gaps and str(days_ago(2)) not in gaps
    assert "27 days without a checklist" in page
    assert "1 / 7" in page


# --- meeting notes --------------------------------------------------------------------------------------------


def lead(world: World, key: str, at: datetime.datetime) -> Lead:
    staff = world.staff[key]
    serial = next(_serial)
    customer = Customer.objects.create(store=staff.store, owner=staff, name=f"客户{serial}", phone=f"137{serial:08d}",
                                       created_at=at)
    return Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="walk_in",
                               intended_model=world.trim.vehicle_model, grade="H", created_at=at)


def order(world: World, key: str, at: datetime.datetime) -> Order:
    staff = world.staff[key]
    customer = lead(world, key, at - datetime.timedelta(days=20)).customer
    placed = Order.objects.create(store=staff.store, customer=customer, consultant=staff, trim=world.trim, colour="白",
                                  ordered_at=at, guide_price=Decimal("229800"), floor_price=Decimal("209800"),
                                  price=Decimal("219800"))
    OrderCredit.objects.create(store=staff.store, order=placed, staff=staff, share=100)
    return placed


def delivery(world: World, key: str, at: datetime.datetime) -> Delivery:
    placed = order(world, key, at - datetime.timedelta(days=10))
    vehicle = Vehicle.objects.create(store=placed.store, vin=make_vin(next(_serial)), trim=world.trim, colour="白",
                                     cost=Decimal("205000"), status=Vehicle.Status.DELIVERED)
    return Delivery.objects.create(store=placed.store, order=placed, vehicle=vehicle, delivered_at=at)


@pytest.fixture
def yesterday_in_s1(world: World) -> datetime.date:
    """Yesterday in S1: leads c1 2 (one at 23:30), c2 1; a visit for c1; an order for c3; a delivery for c2.
    Around it, records that must not count: today's (from midnight), the day before's and another store's."""
    yesterday = days_ago(1)
    lead(world, "c1", moment(yesterday, 9))
    lead(world, "c1", moment(yesterday, 23, 30))
    lead(world, "c2", moment(yesterday, 0, 5))
    lead(world, "c1", moment(TODAY(), 0, 10))
    lead(world, "c2", moment(TODAY(), 0, 0))  # midnight starts today
    lead(world, "c1", moment(days_ago(2), 23, 50))
    lead(world, "c4", moment(yesterday, 11))
    ShowroomVisit.objects.create(store=world.stores["S1"], consultant=world.staff["c1"], arrived_at=moment(yesterday))
    order(world, "c3", moment(yesterday, 16))
    delivery(world, "c2", moment(yesterday, 17))
    return yesterday


def test_yesterdays_figures_each_per_consultant(world: World, yesterday_in_s1: datetime.date) -> None:
    figures = day_figures(world.stores["S1"], yesterday_in_s1)
    assert [(f.total, f.by_person) for f in figures] == [
        (3, (("c1", 2), ("c2", 1))), (1, (("c1", 1),)), (1, (("c3", 1),)), (1, (("c2", 1),)),
    ]


def test_the_morning_form_starts_with_yesterdays_figures(world: World, yesterday_in_s1: datetime.date) -> None:
    page = html(client_of("m1").get(reverse("meeting-notes")))
    expected = (f"Figures of {yesterday_in_s1.isoformat()}\nNew leads: 3 (c1 2, c2 1)\nShowroom visits: 1 (c1 1)\n"
                "Orders: 1 (c3 1)\nDeliveries: 1 (c2 1)\n")
    assert expected in page
    evening = html(client_of("m1").get(reverse("meeting-notes") + "?kind=evening"))
    assert f"Figures of {TODAY().isoformat()}\nNew leads: 2 (c1 1, c2 1)\nShowroom visits: 0\n" in evening
    assert "tomorrow_arrangement" in evening and "tomorrow_arrangement" not in page


def test_saving_a_meeting_note_twice_edits_the_same_note(world: World) -> None:
    url = reverse("meeting-notes") + f"?day={TODAY()}&kind=morning"
    manager = client_of("m1")
    missing = manager.post(url, {"summary": "昨日：新增线索 3", "today_arrangement": ""})
    assert "The morning meeting arranges today: write the plan." in html(missing)
    assert '昨日：新增线索 3' in html(missing)
    attendees = [world.staff["c1"].pk, world.staff["c2"].pk]
    assert manager.post(url, {"summary": "昨日：新增线索 3", "today_arrangement": "c1 跟进 H 级客户",
                              "attendees": attendees}).status_code == 302
    assert client_of("sup1").post(url, {"summary": "昨日：新增线索 3，来店 1", "today_arrangement": "c1 跟进 H 级客户",
                                         "attendees": attendees}).status_code == 302
    note = MeetingNote.objects.get(store=world.stores["S1"])
    assert (note.day, note.kind, note.author, note.summary) == (TODAY(), "morning", world.staff["m1"],
                                                                "昨日：新增线索 3，来店 1")
    assert sorted(note.attendees.values_list("name", flat=True)) == ["c1", "c2"]
    assert [e.action for e in audit_entries(note)] == ["create", "update"]
    evening = reverse("meeting-notes") + f"?day={TODAY()}&kind=evening"
    assert "The evening meeting arranges tomorrow: write the plan." in html(
        manager.post(evening, {"summary": "今日交车 2 台"}))
    assert manager.post(evening, {"summary": "今日交车 2 台", "tomorrow_arrangement": "上午车展"}).status_code == 302
    assert MeetingNote.objects.filter(store=world.stores["S1"]).count() == 2


def test_a_note_cannot_be_written_for_a_future_day(world: World) -> None:
    future = TODAY() + datetime.timedelta(days=3)
    client_of("m1").post(reverse("meeting-notes") + f"?day={future}&kind=morning",
                         {"summary": "x", "today_arrangement": "y"})
    assert MeetingNote.objects.get().day == TODAY()


# --- who sees and changes what --------------------------------------------------------------------------------

PAGES = ("complaint-list", "competitor-intel", "training-list", "daily-checklist", "meeting-notes")
FORMS = {"complaint-list": "new-complaint", "competitor-intel": "competitor-form", "training-list": "new-training",
         "daily-checklist": "checklist-form", "meeting-notes": "meeting-form"}
# Who may write on each page of their own store: managers and the GM everywhere; supervisors all but complaints;
# any store staff member records competitor prices; consultants and HR read the rest.
WRITERS = {
    "complaint-list": {"m1", "gm1", "m2"},
    "competitor-intel": {"c1", "sup1", "m1", "gm1", "hr1", "fin1", "m2"},
    "training-list": {"sup1", "m1", "gm1", "m2"},
    "daily-checklist": {"sup1", "m1", "gm1", "m2"},
    "meeting-notes": {"sup1", "m1", "gm1", "m2"},
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(("username", "store", "status"), [
    ("c1", None, 200), ("sup1", None, 200), ("m1", None, 200), ("gm1", None, 200), ("hr1", None, 200),
    ("m2", "S2", 200), ("m2", "S1", 404), ("c1", "S2", 404), ("ho_group", "S1", 200), ("ho_group", "S3", 200),
    ("ho_r1", "S2", 200), ("ho_r1", "S3", 404), ("ho_group", "S4", 404), ("ho_g2", "S4", 200), ("c6", "S1", 404),
])
def test_every_page_answers_each_role_within_its_stores(world: World, name: str, username: str, store: str | None,
                                                        status: int) -> None:
    url = reverse(name) + (f"?store={world.stores[store].pk}" if store else "")
    response = client_of(username).get(url)
    assert response.status_code == status
    if status == 200:
        own_store = store is None or world.staff[username].store == world.stores[store]
        may_write = username in WRITERS[name] and own_store
        assert (f'data-testid="{FORMS[name]}"' in html(response)) is may_write


def test_a_login_without_staff_sees_no_store(world: World) -> None:
    for name in PAGES:
        assert client_of("nostaff").get(reverse(name)).status_code == 404


WRITES = {
    "complaint-new": {"channel": "in_store", "summary": "x", "received_at": "2026-10-20T09:00"},
    "competitor-intel": {"seen_on": "2026-10-20", "price": "1", "source": "x"},
    "training-new": {"course": "x"},
    "daily-checklist": {"showroom_clean": "on"},
    "meeting-notes": {"summary": "x", "today_arrangement": "y"},
}


PAGE_OF_FORM = {"complaint-new": "complaint-list", "training-new": "training-list"}
READ_ONLY = [(name, username) for name in WRITES for username in ("c1", "sup1", "hr1", "fin1", "ho_group", "m2")
             if username == "m2" or username not in WRITERS[PAGE_OF_FORM.get(name, name)]]


@pytest.mark.parametrize(("name", "username"), READ_ONLY)
def test_those_who_only_read_are_refused_a_change(world: World, name: str, username: str) -> None:
    url = reverse(name) + f"?store={world.stores['S1'].pk}"
    status = 404 if username == "m2" else 403
    assert client_of(username).post(url, WRITES[name]).status_code == status
    assert not DailyChecklist.objects.exists() and not MeetingNote.objects.exists()


def test_writes_are_post_only(world: World) -> None:
    for name in ("complaint-list", "training-list"):
        assert client_of("m1").post(reverse(name)).status_code == 405


COMPLAINTS_SEEN = {  # world: one complaint about each consultant
    "c1": {"c1"}, "c2": {"c2"}, "sup1": {"c1", "c2"}, "m1": {"c1", "c2", "c3"}, "gm1": {"c1", "c2", "c3"},
    "hr1": {"c1", "c2", "c3"}, "ho_group": {"c1", "c2", "c3"}, "m2": {"c4"}, "c6": {"c6"},
}


@pytest.mark.parametrize(("username", "about"), COMPLAINTS_SEEN.items())
def test_complaints_each_role_sees(world: World, username: str, about: set[str]) -> None:
    response = client_of(username).get(reverse("complaint-list"))
    by_about = dict(Complaint.objects.values_list("pk", "about_staff__name"))
    assert {by_about[int(pk)] for pk in marked(response, "complaint")} == about
    for pk, name in by_about.items():
        status = client_of(username).get(reverse("complaint-detail", args=[pk])).status_code
        in_reach = name in about or (username == "ho_group" and name in {"c4", "c5"})
        assert status == (200 if in_reach else 404), (username, name)


TRAINING_SEEN = {"c1": {"c1"}, "sup1": {"c1", "c2"}, "m1": {"c1", "c2", "c3"}, "hr1": {"c1", "c2", "c3"},
                 "ho_group": {"c1", "c2", "c3"}, "m2": {"c4"}}


@pytest.mark.parametrize(("username", "people"), TRAINING_SEEN.items())
def test_training_each_role_sees(world: World, username: str, people: set[str]) -> None:
    response = client_of(username).get(reverse("training-list") + "?month=2026-10")
    staff_ids = {str(world.staff[k].pk): k for k in world.staff}
    assert {staff_ids[pk] for pk in marked(response, "staff")} == people


def test_store_records_are_shared_by_the_store_but_not_beyond(world: World) -> None:
    DailyChecklist.objects.create(store=world.stores["S1"], day=TODAY(), checked_by=world.staff["m1"], notes="S1 检查")
    MeetingNote.objects.create(store=world.stores["S1"], day=TODAY(), kind="morning", summary="S1 早会",
                               today_arrangement="x", author=world.staff["m1"])
    for username, sees in (("c1", True), ("hr1", True), ("ho_r1", True), ("m2", False), ("c4", False)):
        checklist = html(client_of(username).get(reverse("daily-checklist")))
        notes = html(client_of(username).get(reverse("meeting-notes")))
        assert ("S1 检查" in checklist, "S1 早会" in notes) == (sees, sees), username


# --- query counts ---------------------------------------------------------------------------------------------


def _complaints(world: World, n: int) -> None:
    for i in range(n):
        complaint(world, f"投诉 {i}", days_ago(i - 5), about_staff=world.staff["c1"], handler=world.staff["c2"])


def _competitor_prices(world: World, n: int) -> None:
    brand = Brand.objects.get(code="RV")
    for i in range(n):
        model = VehicleModel.objects.create(brand=brand, code=f"RV-M{next(_serial)}", name=f"M{i}")
        sighting(world, model, days_ago(i % 60), f"{150000 + i}", "优惠")
        sighting(world, model, days_ago(i % 60 + 1), f"{160000 + i}", "送保险")


def _training(world: World, n: int) -> None:
    TrainingRecord.objects.bulk_create(
        TrainingRecord(store=world.stores["S1"], staff=world.staff[("c1", "c2", "c3")[i % 3]], course=f"课程 {i}",
                       held_on=TODAY(), hours=Decimal("1"), trainer=world.staff["sup1"]) for i in range(n))


def _checklists(world: World, n: int) -> None:
    start = DailyChecklist.objects.count()
    for i in range(start, start + n):
        DailyChecklist.objects.create(store=world.stores["S1"], day=days_ago(i), checked_by=world.staff["m1"])


def _meeting_notes(world: World, n: int) -> None:
    start = MeetingNote.objects.count()
    for i in range(start, start + n):
        note = MeetingNote.objects.create(store=world.stores["S1"], day=days_ago(i // 2 + 1),
                                          kind=("morning", "evening")[i % 2], summary="x", today_arrangement="y",
                                          tomorrow_arrangement="z", author=world.staff["m1"])
        note.attendees.set([world.staff["c1"], world.staff["c2"]])


@pytest.mark.parametrize(("name", "make"), [
    ("complaint-list", _complaints), ("competitor-intel", _competitor_prices), ("training-list", _training),
    ("daily-checklist", _checklists), ("meeting-notes", _meeting_notes),
])
def test_the_queries_do_not_grow_with_the_rows(world: World, name: str, make: object) -> None:
    Complaint.objects.all().delete()
    manager = client_of("m1")
    make(world, 2)
    few = queries_for(manager, reverse(name))
    make(world, 18)
    assert queries_for(manager, reverse(name)) == few


def test_the_complaint_history_is_one_query_however_long(world: World) -> None:
    case = complaint(world, "历史", days_ago(-3), handler=world.staff["c2"])
    manager = client_of("m1")
    url = reverse("complaint-detail", args=[case.pk])
    with acting_as(world.users["m1"]):
        case.status = "in_progress"
        case.save()
        few = queries_for(manager, url)
        for i in range(10):
            case.summary = f"历史 {i}"
            case.save()
    assert queries_for(manager, url) == few

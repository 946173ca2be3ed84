"""The REST API (/api/v1/, dealerkpi.api): the scope matrix of every endpoint, writes refused where the desk refuses
them and checked by the desk's forms, the actions of bonus runs and order approvals, token authentication and its
audit trail."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dealerkpi.api.models import ApiToken
from dealerkpi.api.tokens import create_token
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import visible_to
from dealerkpi.crm import models as crm
from dealerkpi.crm import rotation
from dealerkpi.crm.models import Complaint, Customer, FloorShift, FollowUp, Lead, ShowroomVisit
from dealerkpi.org.models import User
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Run, Statement
from dealerkpi.pay.visibility import visible_runs, visible_statements
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import Target
from dealerkpi.targets.services import set_target
from tests.test_hostile_requests import OCTOBER, PLAN
from tests.test_scope import expected_visible
from tests.world import PASSWORD, World, delivered_deal, make_vin, world_with_consultant_plan

API = "/api/v1/"
VIEWERS = ("c1", "sup1", "m1", "ho_group", "m2")  # consultant, supervisor, manager, head office, another store's
# The desk's records: what each viewer sees is the rule of the product brief (tests/test_scope.py), from the
# world's tags, written independently of core.scope.
DESK_ENDPOINTS = {
    "customers": Customer, "leads": Lead, "lost-sales": crm.LostSale, "follow-ups": FollowUp, "visits": ShowroomVisit,
    "test-drives": crm.TestDrive, "complaints": Complaint, "orders": Order, "order-approvals": OrderApproval,
    "payments": Payment, "deliveries": Delivery, "c-cards": DeliveryFollowUp, "vehicles": Vehicle,
}
# Targets, plans, runs and statements: as the pay and target pages show them (the same functions).
PAY_ENDPOINTS = {
    "targets": lambda viewer: Target.objects.filter(pk__in=_scoped(Target, viewer)),
    "plans": lambda viewer: Plan.objects.filter(pk__in=_scoped(Plan, viewer)),
    "plan-versions": lambda viewer: PlanVersion.objects.filter(pk__in=_scoped(PlanVersion, viewer)),
    "runs": visible_runs,
    "statements": visible_statements,
}


def _scoped(model: type[Model], viewer: object) -> list[int]:
    return list(visible_to(model.objects.all(), viewer).values_list("pk", flat=True))


def api_client(username: str) -> APIClient:
    """A session client of the world's user, with messages in English (the language cookie, as the menu sets it)."""
    client = APIClient()
    assert client.login(username=username, password=PASSWORD)
    client.cookies["django_language"] = "en"
    return client


def pay_world() -> World:
    """The hand-built world with a consultants' plan, S1's October run submitted and S2's in draft, and targets."""
    world = world_with_consultant_plan(PLAN)
    s1 = world.stores["S1"]
    run = runs.compute(runs.new_run(s1, OCTOBER))
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    runs.compute(runs.new_run(world.stores["S2"], OCTOBER))
    set_target(s1, OCTOBER.first_day, "units_delivered", Decimal("10"), user=world.users["m1"])
    for key in ("c1", "c3"):
        set_target(s1, OCTOBER.first_day, "units_delivered", Decimal("4"), staff=world.staff[key],
                   user=world.users["m1"])
    set_target(world.stores["S2"], OCTOBER.first_day, "units_delivered", Decimal("6"), user=world.users["m2"])
    return world


def every_page(client: APIClient, url: str) -> list[dict]:
    rows: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


class ScopeMatrixTest(TestCase):
    """Every endpoint, as a consultant, a supervisor, a manager, head office and another store's manager."""

    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = pay_world()

    def expected(self, model: type[Model], username: str) -> set[int]:
        return {pk for (tagged, pk), owners in self.world.owners.items()
                if tagged is model and expected_visible(username, owners)}

    def test_lists_show_exactly_the_visible_records(self) -> None:
        for username in VIEWERS:
            client = api_client(username)
            for slug, model in DESK_ENDPOINTS.items():
                with self.subTest(user=username, endpoint=slug):
                    shown = {row["id"] for row in every_page(client, f"{API}{slug}/?page_size=2")}
                    self.assertEqual(shown, self.expected(model, username))
                    self.assertTrue(model.objects.exclude(pk__in=shown).exists(), "someone else's records exist")
            viewer = viewer_for(User.objects.get(username=username))
            for slug, visible in PAY_ENDPOINTS.items():
                with self.subTest(user=username, endpoint=slug):
                    shown = {row["id"] for row in every_page(client, f"{API}{slug}/")}
                    self.assertEqual(shown, set(visible(viewer).values_list("pk", flat=True)))

    def test_pay_records_reach_whom_they_should(self) -> None:
        """Not vacuous: the consultant sees their own statement of the submitted run and no draft, the manager their
        store's, another store's manager their own store's only."""
        c1 = {row["staff"] for row in every_page(api_client("c1"), f"{API}statements/")}
        self.assertEqual(c1, {self.world.staff["c1"].pk})
        m2 = {row["store"] for row in every_page(api_client("m2"), f"{API}runs/")}
        self.assertEqual(m2, {self.world.stores["S2"].pk})
        self.assertEqual(every_page(api_client("c1"), f"{API}runs/"), [])
        targets = {row["staff"] for row in every_page(api_client("c1"), f"{API}targets/")}
        self.assertEqual(targets, {self.world.staff["c1"].pk})

    def test_details_outside_the_scope_are_not_found(self) -> None:
        for username in VIEWERS:
            client = api_client(username)
            for slug, model in DESK_ENDPOINTS.items():
                allowed = self.expected(model, username)
                for pk in model.objects.values_list("pk", flat=True):
                    with self.subTest(user=username, endpoint=slug, pk=pk):
                        response = client.get(f"{API}{slug}/{pk}/")
                        self.assertEqual(response.status_code, 200 if pk in allowed else 404)
            viewer = viewer_for(User.objects.get(username=username))
            for slug, visible in PAY_ENDPOINTS.items():
                allowed = set(visible(viewer).values_list("pk", flat=True))
                model = visible(viewer).model
                for pk in model.objects.values_list("pk", flat=True):
                    with self.subTest(user=username, endpoint=slug, pk=pk):
                        self.assertEqual(client.get(f"{API}{slug}/{pk}/").status_code, 200 if pk in allowed else 404)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        """A list makes a fixed number of queries, whatever it shows (no query per row)."""
        client = api_client("admin")
        for slug in (*DESK_ENDPOINTS, *PAY_ENDPOINTS):
            with self.subTest(endpoint=slug):
                with CaptureQueriesContext(connection) as one:
                    self.assertEqual(len(client.get(f"{API}{slug}/?page_size=1").json()["results"]), 1)
                with CaptureQueriesContext(connection) as many:
                    rows = len(client.get(f"{API}{slug}/?page_size=500").json()["results"])
                self.assertEqual(len(many), len(one), f"{rows} rows")
                self.assertTrue(rows > 1 or slug in ("plans", "plan-versions"), "the world has several")

    def test_filters_and_ordering(self) -> None:
        client = api_client("m1")
        c1 = self.world.staff["c1"]
        owned = every_page(client, f"{API}leads/?owner={c1.pk}&ordering=-created_at")
        self.assertEqual({row["owner"] for row in owned}, {c1.pk})
        self.assertEqual([row["created_at"] for row in owned], sorted((r["created_at"] for r in owned), reverse=True))
        # A filter's choices are the viewer's scope: another store's consultant is not a valid choice.
        self.assertEqual(client.get(f"{API}leads/?owner={self.world.staff['c4'].pk}").status_code, 400)
        later = every_page(client, f"{API}follow-ups/?at__gte=2026-10-02T12:00:00%2B08:00")
        self.assertEqual(later, [])

    def test_phone_numbers_as_the_viewer_may_see_them(self) -> None:
        customer = self.world.staff["c1"].customers.get()
        self.assertEqual(api_client("c1").get(f"{API}customers/{customer.pk}/").json()["phone"], customer.phone)
        self.assertEqual(api_client("m1").get(f"{API}customers/{customer.pk}/").json()["phone"],
                         customer.masked_phone)
        self.assertEqual(api_client("hr1").get(f"{API}customers/{customer.pk}/").json()["phone"], "—")

    def test_money_is_a_decimal_string(self) -> None:
        order = Order.objects.filter(consultant=self.world.staff["c1"], status="confirmed").first()
        self.assertEqual(api_client("c1").get(f"{API}orders/{order.pk}/").json()["price"], "205800.00")

    def test_nobody_without_a_login_or_a_staff_record_reads_anything(self) -> None:
        self.assertEqual(APIClient().get(f"{API}leads/").status_code, 401)
        self.assertEqual(every_page(api_client("nostaff"), f"{API}leads/"), [])


def _lead_of(world: World, key: str) -> Lead:
    return Lead.objects.filter(owner=world.staff[key], status=Lead.Status.OPEN).get()


class DeskWritesTest(TestCase):
    """Writes go through the desk's forms, services and permissions: refused where the desk refuses them."""

    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = pay_world()

    def new_card(self, username: str, **changes: object) -> object:
        body = {"name": "王先生", "phone": "13912345678", "source": "walk_in",
                "intended_model": self.world.trim.vehicle_model_id, "grade": "H", **changes}
        return api_client(username).post(f"{API}leads/", body, format="json")

    def test_a_consultant_opens_an_a_card(self) -> None:
        response = self.new_card("c1")
        self.assertEqual(response.status_code, 201, response.content)
        lead = Lead.objects.get(pk=response.json()["id"])
        self.assertEqual((lead.owner, lead.customer.phone, lead.status),
                         (self.world.staff["c1"], "13912345678", "open"))

    def test_an_a_card_the_desk_refuses_is_a_field_error(self) -> None:
        taken = self.new_card("c1", phone=_lead_of(self.world, "c2").customer.phone)
        self.assertEqual(taken.status_code, 400)
        self.assertIn("already on A-card", taken.json()["phone"][0])
        self.assertIn("phone", self.new_card("c1", phone="12345").json())
        self.assertIn("grade", self.new_card("c1", grade="F").json())  # lost needs approval: not a choice
        self.assertEqual(self.new_card("c1", intended_model="x").status_code, 400)
        self.assertFalse(Lead.objects.filter(customer__name="王先生").exists())

    def test_a_supervisor_opens_a_card_for_their_team_only(self) -> None:
        self.assertEqual(self.new_card("sup1", owner=self.world.staff["c2"].pk).status_code, 201)
        refused = self.new_card("sup1", phone="13912345679", owner=self.world.staff["c3"].pk)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("owner", refused.json())

    def test_those_without_a_desk_cannot_open_cards(self) -> None:
        for username in ("hr1", "ho_group", "nostaff"):
            with self.subTest(user=username):
                self.assertEqual(self.new_card(username).status_code, 403)

    def follow_up(self, username: str, lead: Lead, **changes: object) -> object:
        body = {"channel": "phone", "outcome": "reached", "grade": "H", "next_on": "2099-01-05", **changes}
        return api_client(username).post(f"{API}leads/{lead.pk}/follow-ups/", body, format="json")

    def test_follow_ups_by_who_may_work_the_card(self) -> None:
        c1_lead = _lead_of(self.world, "c1")
        response = self.follow_up("c1", c1_lead)
        self.assertEqual(response.status_code, 201, response.content)
        c1_lead.refresh_from_db()
        self.assertEqual((c1_lead.last_follow_up_at is not None, c1_lead.next_follow_up_on),
                         (True, datetime.date(2099, 1, 5)))
        self.assertEqual(self.follow_up("sup1", c1_lead).status_code, 201)
        self.assertEqual(self.follow_up("c1", _lead_of(self.world, "c3")).status_code, 404)  # not theirs
        self.assertEqual(self.follow_up("sup1", _lead_of(self.world, "c3")).status_code, 404)  # another team
        self.assertEqual(self.follow_up("m2", c1_lead).status_code, 404)  # another store
        self.assertEqual(self.follow_up("hr1", c1_lead).status_code, 403)  # reads, never works the desk
        self.assertEqual(self.follow_up("c2", _lead_of(self.world, "c2"), next_on=None).status_code, 400)

    def test_visits(self) -> None:
        body = {"arrived_at": "2026-10-20T10:00:00+08:00", "consultant": self.world.staff["c1"].pk,
                "lead": _lead_of(self.world, "c1").pk}
        logged = api_client("c1").post(f"{API}visits/", body, format="json")
        self.assertEqual(logged.status_code, 201, logged.content)
        refused = api_client("c1").post(f"{API}visits/", {**body, "lead": _lead_of(self.world, "c3").pk},
                                        format="json")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("lead", refused.json())
        left_first = {**body, "left_at": "2026-10-20T09:00:00+08:00"}
        self.assertIn("left_at", api_client("c1").post(f"{API}visits/", left_first, format="json").json())
        self.assertEqual(api_client("fin1").post(f"{API}visits/", body, format="json").status_code, 403)

    def test_a_walk_in_logged_through_the_api_notes_whose_turn_it_was(self) -> None:
        store, day = self.world.stores["S1"], datetime.date(2026, 10, 20)
        for key in ("c1", "c2"):
            FloorShift.objects.create(store=store, staff=self.world.staff[key], day=day, starts=datetime.time(9),
                                      ends=datetime.time(18))
        arrived = timezone.make_aware(datetime.datetime(2026, 10, 20, 10))
        next_up = rotation.floor(store.pk, arrived).next.staff  # as the desk's floor board shows it
        taken_by = "c2" if next_up.pk == self.world.staff["c1"].pk else "c1"  # received out of turn
        logged = api_client(taken_by).post(f"{API}visits/", {"arrived_at": arrived.isoformat(),
                                                               "consultant": self.world.staff[taken_by].pk},
                                           format="json")
        self.assertEqual(logged.status_code, 201, logged.content)
        self.assertEqual(logged.json()["turn_of"], next_up.pk)
        self.assertNotEqual(logged.json()["consultant"], next_up.pk)

    def test_test_drives(self) -> None:
        demo = Vehicle.objects.filter(store=self.world.stores["S1"], status=Vehicle.Status.DEMO).first()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        body = {"lead": _lead_of(self.world, "c1").pk, "vehicle": demo.pk, "day": tomorrow.isoformat(),
                "start": "10:00", "minutes": 30}
        booked = api_client("c1").post(f"{API}test-drives/", body, format="json")
        self.assertEqual(booked.status_code, 201, booked.content)
        twice = api_client("c1").post(f"{API}test-drives/", body, format="json")  # the same slot again
        self.assertEqual(twice.status_code, 400)
        past = api_client("c1").post(f"{API}test-drives/", {**body, "day": "2026-01-01"}, format="json")
        self.assertIn("day", past.json())

    def test_a_test_drive_moves_step_by_step(self) -> None:
        drive = crm.TestDrive.objects.create(
            store=self.world.stores["S1"], lead=_lead_of(self.world, "c1"), consultant=self.world.staff["c1"],
            vehicle=Vehicle.objects.filter(store=self.world.stores["S1"], status=Vehicle.Status.DEMO).first(),
            starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(minutes=30))
        url = f"{API}test-drives/{drive.pk}/step/"
        c1 = api_client("c1")
        early = c1.post(url, {"step": "start"}, format="json")
        self.assertEqual(early.status_code, 400)  # licence and agreement first
        self.assertIn("licence", early.json()["non_field_errors"][0])
        self.assertEqual(api_client("c3").post(url, {"step": "licence"}, format="json").status_code, 404)
        self.assertEqual(api_client("hr1").post(url, {"step": "licence"}, format="json").status_code, 403)
        self.assertEqual(c1.post(url, {"step": "fly"}, format="json").status_code, 400)
        for step in ("licence", "agreement", "start"):
            self.assertEqual(c1.post(url, {"step": step}, format="json").status_code, 200, step)
        ended = c1.post(url, {"step": "end", "feedback": "动力很好"}, format="json").json()
        self.assertEqual((ended["status"], ended["feedback"]), ("done", "动力很好"))

    def test_a_lost_sale_is_asked_for_not_taken(self) -> None:
        lead = _lead_of(self.world, "c2")
        url = f"{API}leads/{lead.pk}/lost/"
        self.assertIn("competitor_model", api_client("c2").post(url, {"reason": "competitor"}, format="json").json())
        self.assertEqual(api_client("c1").post(url, {"reason": "price"}, format="json").status_code, 404)
        asked = api_client("c2").post(url, {"reason": "price", "note": "差价两万"}, format="json")
        self.assertEqual(asked.status_code, 201, asked.content)
        self.assertEqual(asked.json()["status"], "requested")
        lead.refresh_from_db()
        self.assertEqual(lead.status, Lead.Status.OPEN)  # until a supervisor or manager approves
        self.assertEqual(api_client("c2").post(url, {"reason": "price"}, format="json").status_code, 400)  # twice

    def test_complaints(self) -> None:
        body = {"channel": "in_store", "summary": "交车慢", "received_at": "2026-10-20T10:00:00+08:00",
                "handler": self.world.staff["sup1"].pk}
        self.assertEqual(api_client("c1").post(f"{API}complaints/", body, format="json").status_code, 403)
        made = api_client("m1").post(f"{API}complaints/", body, format="json")
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["due_on"], "2026-10-27")  # the desk's default: 7 days
        url = f"{API}complaints/{made.json()['id']}/"
        self.assertEqual(api_client("c1").patch(url, {"status": "in_progress"}, format="json").status_code, 404)
        unexplained = api_client("sup1").patch(url, {"status": "resolved"}, format="json")
        self.assertEqual(unexplained.status_code, 400)
        self.assertIn("resolution", unexplained.json())
        done = api_client("sup1").patch(url, {"status": "resolved", "resolution": "已道歉并赠送保养"}, format="json")
        self.assertEqual(done.status_code, 200, done.content)
        complaint = Complaint.objects.get(pk=made.json()["id"])
        self.assertEqual((complaint.status, complaint.summary), ("resolved", "交车慢"))  # what was not sent stays
        self.assertTrue(AuditEntry.objects.filter(object_id=str(complaint.pk), actor__username="sup1").exists())

    def place(self, username: str, lead: Lead, **changes: object) -> object:
        body = {"trim": self.world.trim.pk, "colour": "白", "price": "229800.00", "insurance_amount": "6800",
                "insurance_income": "1020", **changes}
        return api_client(username).post(f"{API}leads/{lead.pk}/order/", body, format="json")

    def fresh_card(self, username: str, phone: str) -> Lead:
        """An A-card opened through the API (the world's open cards have their deal already)."""
        return Lead.objects.get(pk=self.new_card(username, phone=phone).json()["id"])

    def test_orders_are_placed_as_at_the_desk(self) -> None:
        lead = self.fresh_card("c1", "13900000001")
        self.assertEqual(self.place("c1", _lead_of(self.world, "c3")).status_code, 404)
        self.assertEqual(self.place("hr1", lead).status_code, 403)
        self.assertIn("price", self.place("c1", lead, price="-1").json())
        self.assertIn("insurance_amount", self.place("c1", lead, insurance_amount=None).json())
        placed = self.place("c1", lead)
        self.assertEqual(placed.status_code, 201, placed.content)
        self.assertEqual((placed.json()["status"], placed.json()["price"]), ("confirmed", "229800.00"))
        order = Order.objects.get(pk=placed.json()["id"])
        self.assertEqual(order.derivatives.get().income, Decimal("1020"))
        self.assertEqual(self.place("c1", lead).status_code, 400)  # the card is ordered: no second order

    def test_a_price_below_the_floor_is_submitted_for_approval(self) -> None:
        placed = self.place("c2", self.fresh_card("c2", "13900000002"), price="208000")
        self.assertEqual(placed.json()["status"], "awaiting_approval")
        approval = OrderApproval.objects.get(order_id=placed.json()["id"], status="requested")
        decided = api_client("m1").post(f"{API}order-approvals/{approval.pk}/approve/")
        self.assertEqual(decided.status_code, 200, decided.content)
        self.assertEqual(api_client("c2").get(f"{API}orders/{placed.json()['id']}/").json()["status"], "confirmed")

    def test_payments_are_recorded_once(self) -> None:
        order = Order.objects.get(consultant=self.world.staff["c3"], status="confirmed")
        body = {"kind": "balance", "amount": "100000.00", "paid_at": "2026-10-21T15:00:00+08:00",
                "entry_token": "2f1b3c9e-8d7a-4b6c-9e5f-0a1b2c3d4e5f"}
        url = f"{API}orders/{order.pk}/payments/"
        self.assertEqual(api_client("c1").post(url, body, format="json").status_code, 404)
        self.assertEqual(api_client("hr1").post(url, body, format="json").status_code, 403)
        first = api_client("c3").post(url, body, format="json")
        self.assertEqual(first.status_code, 201, first.content)
        again = api_client("c3").post(url, body, format="json")
        self.assertEqual((again.status_code, again.json()["id"]), (200, first.json()["id"]))
        self.assertEqual(order.payments.filter(kind="balance").count(), 1)
        self.assertIn("amount", api_client("c3").post(url, {**body, "amount": "x"}, format="json").json())

    def test_a_car_is_scheduled_and_handed_over(self) -> None:
        placed = self.place("c1", self.fresh_card("c1", "13900000003"), deposit="229800", insurance_amount=None,
                            insurance_income=None)
        url = f"{API}orders/{placed.json()['id']}/"
        c1 = api_client("c1")
        ticks = {name: True for name in ("inspection_done", "invoice_issued", "certificate_handed", "insurance_done",
                                         "handover_done", "customer_signed")}
        self.assertEqual(c1.post(f"{url}hand-over/", ticks, format="json").status_code, 400)  # nothing scheduled
        vehicle = Vehicle.objects.get(store=self.world.stores["S1"], status=Vehicle.Status.IN_STOCK)
        when = (timezone.now() + datetime.timedelta(days=2)).isoformat()
        body = {"vehicle": vehicle.pk, "scheduled_for": when}
        self.assertEqual(api_client("m2").post(f"{url}schedule-delivery/", body, format="json").status_code, 404)
        self.assertEqual(api_client("hr1").post(f"{url}schedule-delivery/", body, format="json").status_code, 403)
        scheduled = c1.post(f"{url}schedule-delivery/", body, format="json")
        self.assertEqual(scheduled.status_code, 200, scheduled.content)
        half = c1.post(f"{url}hand-over/", {"inspection_done": True, "complete": True}, format="json")
        self.assertEqual(half.status_code, 400)
        self.assertIn("missing", half.json()["non_field_errors"][0])
        done = c1.post(f"{url}hand-over/", {**ticks, "complete": True}, format="json")
        self.assertEqual(done.status_code, 200, done.content)
        self.assertIsNotNone(done.json()["delivered_at"])
        delivery = Delivery.objects.get(pk=done.json()["id"])
        self.assertTrue(delivery.inspection_done)  # the tick sent first was kept
        c_cards = {row["id"] for row in every_page(c1, f"{API}c-cards/?delivery={delivery.pk}")}
        self.assertEqual(c_cards, set(delivery.follow_ups.values_list("pk", flat=True)))
        self.assertTrue(c_cards)

    def test_read_only_kinds_refuse_writes(self) -> None:
        for slug in ("customers", "lost-sales", "orders", "payments", "deliveries", "c-cards", "targets", "runs"):
            with self.subTest(endpoint=slug):
                self.assertEqual(api_client("m1").post(f"{API}{slug}/", {}, format="json").status_code, 405)

    def test_the_session_needs_its_csrf_token(self) -> None:
        client = APIClient(enforce_csrf_checks=True)
        client.login(username="c1", password=PASSWORD)
        self.assertEqual(client.post(f"{API}leads/", {}, format="json").status_code, 403)


class ActionsTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = pay_world()

    def test_order_approvals_are_decided_by_whom_the_desk_lets(self) -> None:
        approval = OrderApproval.objects.get(order__consultant=self.world.staff["c1"], kind="below_floor")
        order = approval.order
        order.status = Order.Status.AWAITING_APPROVAL
        order.save()
        url = f"{API}order-approvals/{approval.pk}/approve/"
        self.assertEqual(api_client("c1").post(url).status_code, 403)  # their own deal
        self.assertEqual(api_client("m2").post(url).status_code, 404)  # another store
        approved = api_client("m1").post(url)
        self.assertEqual(approved.status_code, 200, approved.content)
        self.assertEqual(approved.json()["status"], "approved")
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.CONFIRMED)
        again = api_client("gm1").post(f"{API}order-approvals/{approval.pk}/reject/")
        self.assertEqual(again.status_code, 400)  # decided already: the locked row says so
        self.assertIn("non_field_errors", again.json())

    def test_a_run_moves_by_its_workflow(self) -> None:
        run = Run.objects.get(store=self.world.stores["S1"], status=Run.Status.SUBMITTED)
        self.assertEqual(api_client("m1").post(f"{API}runs/{run.pk}/approve/").status_code, 403)
        self.assertEqual(api_client("m2").post(f"{API}runs/{run.pk}/approve/").status_code, 404)
        sent_back = api_client("gm1").post(f"{API}runs/{run.pk}/send-back/")
        self.assertEqual(sent_back.json()["status"], "draft")
        self.assertEqual(api_client("m1").post(f"{API}runs/{run.pk}/submit/").json()["status"], "submitted")
        self.assertEqual(api_client("gm1").post(f"{API}runs/{run.pk}/approve/").json()["status"], "approved")
        self.assertEqual(api_client("gm1").post(f"{API}runs/{run.pk}/approve/").status_code, 403)  # not now
        self.assertEqual(api_client("hr1").post(f"{API}runs/{run.pk}/lock/").json()["status"], "locked")
        self.assertTrue(AuditEntry.objects.filter(object_id=str(run.pk), actor__username="gm1").exists())

    def test_statements_carry_their_lines(self) -> None:
        statement = Statement.objects.get(run__store=self.world.stores["S1"], staff=self.world.staff["c1"])
        shown = api_client("c1").get(f"{API}statements/{statement.pk}/").json()
        self.assertEqual(shown["total"], str(statement.total))
        self.assertEqual(len(shown["lines"]), statement.lines.count())
        self.assertTrue(shown["lines"])


class DeskDecisionsTest(TestCase):
    """The desk's decisions and corrections through the API: lost sales, reassignment, a visit's end, cancelling and
    unwinding orders, and the stock manager's vehicles. Same rules as the pages: scope (404), role (403), the
    desk's forms (400 with field errors), the state re-checked under the row lock (400 the second time)."""

    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = pay_world()

    def test_a_lost_sale_is_decided_by_the_supervisor(self) -> None:
        lead = _lead_of(self.world, "c2")
        asked = api_client("c2").post(f"{API}leads/{lead.pk}/lost/", {"reason": "price"}, format="json")
        url = f"{API}lost-sales/{asked.json()['id']}/"
        self.assertEqual(api_client("c2").post(f"{url}approve/").status_code, 403)  # a consultant never decides
        self.assertEqual(api_client("c1").post(f"{url}approve/").status_code, 403)
        self.assertEqual(api_client("hr1").post(f"{url}approve/").status_code, 403)
        self.assertEqual(api_client("m2").post(f"{url}approve/").status_code, 404)  # another store
        approved = api_client("sup1").post(f"{url}approve/")
        self.assertEqual(approved.status_code, 200, approved.content)
        self.assertEqual((approved.json()["status"], approved.json()["decided_by"]),
                         ("approved", self.world.staff["sup1"].pk))
        lead.refresh_from_db()
        self.assertEqual((lead.status, lead.grade, lead.next_follow_up_on), (Lead.Status.LOST, "F", None))
        again = api_client("m1").post(f"{url}reject/")  # decided meanwhile: the locked row says so
        self.assertEqual(again.status_code, 400)
        self.assertIn("already been decided", again.json()["non_field_errors"][0])
        self.assertTrue(AuditEntry.objects.filter(content_type__model="lostsale", object_id=str(asked.json()["id"]),
                                                  action="update", actor__username="sup1").exists())

    def test_a_lost_sale_of_another_team_or_of_ones_own_is_not_decided(self) -> None:
        c3_request = crm.LostSale.objects.get(requested_by=self.world.staff["c3"])
        self.assertEqual(api_client("sup1").post(f"{API}lost-sales/{c3_request.pk}/reject/").status_code, 404)
        lead = _lead_of(self.world, "c1")
        own = api_client("m1").post(f"{API}leads/{lead.pk}/lost/", {"reason": "price"}, format="json").json()
        self.assertEqual(api_client("m1").post(f"{API}lost-sales/{own['id']}/approve/").status_code, 403)
        self.assertEqual(api_client("sup1").post(f"{API}lost-sales/{own['id']}/reject/").status_code, 404)  # above
        rejected = api_client("gm1").post(f"{API}lost-sales/{own['id']}/reject/")
        self.assertEqual(rejected.json()["status"], "rejected")
        lead.refresh_from_db()
        self.assertEqual(lead.status, Lead.Status.OPEN)  # a rejection keeps the card open

    def test_the_worlds_request_on_a_closed_card_can_only_be_rejected(self) -> None:
        request = crm.LostSale.objects.get(requested_by=self.world.staff["c1"])  # its card is lost already
        refused = api_client("m1").post(f"{API}lost-sales/{request.pk}/approve/")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("no longer open", refused.json()["non_field_errors"][0])

    def reassign(self, username: str, **body: object) -> object:
        return api_client(username).post(f"{API}leads/reassign/", body, format="json")

    def test_cards_are_reassigned_within_the_team(self) -> None:
        lead = _lead_of(self.world, "c1")
        c2, sup1 = self.world.staff["c2"], self.world.staff["sup1"]
        self.assertEqual(self.reassign("c1", leads=[lead.pk], to_owner=c2.pk, reason="休假").status_code, 403)
        self.assertEqual(self.reassign("hr1", leads=[lead.pk], to_owner=c2.pk, reason="休假").status_code, 403)
        other_team = self.reassign("sup1", leads=[_lead_of(self.world, "c3").pk], to_owner=c2.pk, reason="休假")
        self.assertIn("leads", other_team.json())
        to_other_team = self.reassign("sup1", leads=[lead.pk], to_owner=self.world.staff["c3"].pk, reason="休假")
        self.assertIn("to_owner", to_other_team.json())
        self.assertIn("reason", self.reassign("sup1", leads=[lead.pk], to_owner=c2.pk).json())
        self.assertIn("leads", self.reassign("sup1", leads=[], to_owner=c2.pk, reason="休假").json())
        moved = self.reassign("sup1", leads=[lead.pk], to_owner=c2.pk, reason="李娜休产假")
        self.assertEqual((moved.status_code, moved.json()), (200, {"moved": 1}), moved.content)
        lead.refresh_from_db()
        self.assertEqual((lead.owner, lead.customer.owner), (c2, c2))
        record = lead.reassignments.get()
        self.assertEqual((record.from_owner, record.to_owner, record.decided_by, record.reason),
                         (self.world.staff["c1"], c2, sup1, "李娜休产假"))
        self.assertTrue(AuditEntry.objects.filter(content_type__model="leadreassignment", object_id=str(record.pk),
                                                  actor__username="sup1").exists())
        self.assertEqual(self.reassign("sup1", leads=[lead.pk], to_owner=c2.pk, reason="再次").json(), {"moved": 0})
        pooled = self.reassign("sup1", leads=[lead.pk], reason="无人跟进")  # no consultant: back to the pool
        self.assertEqual(pooled.json(), {"moved": 1})
        lead.refresh_from_db()
        self.assertEqual(lead.owner, sup1)  # held by who returned it while in the pool

    def test_a_visit_ends_once(self) -> None:
        visit = ShowroomVisit.objects.get(consultant=self.world.staff["c1"])
        url = f"{API}visits/{visit.pk}/left/"
        self.assertEqual(api_client("c3").post(url).status_code, 404)
        self.assertEqual(api_client("m2").post(url).status_code, 404)
        self.assertEqual(api_client("hr1").post(url).status_code, 403)
        ended = api_client("c1").post(url)
        self.assertEqual(ended.status_code, 200, ended.content)
        visit.refresh_from_db()
        self.assertIsNotNone(visit.left_at)
        self.assertGreaterEqual(visit.left_at, visit.arrived_at)
        again = api_client("sup1").post(url)  # a second click changes nothing
        self.assertEqual(again.status_code, 200)
        self.assertEqual(ShowroomVisit.objects.get(pk=visit.pk).left_at, visit.left_at)

    def test_an_order_is_cancelled_once(self) -> None:
        card = api_client("c1").post(f"{API}leads/", {
            "name": "赵女士", "phone": "13900000011", "source": "walk_in",
            "intended_model": self.world.trim.vehicle_model_id, "grade": "H"}, format="json").json()
        placed = api_client("c1").post(f"{API}leads/{card['id']}/order/", {
            "trim": self.world.trim.pk, "colour": "白", "price": "229800.00"}, format="json").json()
        url = f"{API}orders/{placed['id']}/cancel/"
        self.assertEqual(api_client("c3").post(url, {"reason": "客户改买二手车"}, format="json").status_code, 404)
        self.assertEqual(api_client("fin1").post(url, {"reason": "客户改买二手车"}, format="json").status_code, 403)
        self.assertIn("reason", api_client("c1").post(url, {}, format="json").json())
        cancelled = api_client("c1").post(url, {"reason": "客户改买二手车"}, format="json")
        self.assertEqual(cancelled.status_code, 200, cancelled.content)
        self.assertEqual(cancelled.json()["status"], "cancelled")
        lead = Lead.objects.get(pk=card["id"])
        self.assertEqual((lead.status, lead.grade), (Lead.Status.OPEN, "T"))  # the customer may still buy
        reversal = Order.objects.get(pk=placed["id"]).reversal
        self.assertEqual((reversal.kind, reversal.reason, reversal.recorded_by),
                         ("cancellation", "客户改买二手车", self.world.staff["c1"]))
        self.assertTrue(AuditEntry.objects.filter(content_type__model="reversal", object_id=str(reversal.pk),
                                                  actor__username="c1").exists())
        again = api_client("c1").post(url, {"reason": "再点一次"}, format="json")
        self.assertEqual(again.status_code, 400)  # closed under the row lock: not cancelled twice

    def test_a_delivered_sale_is_unwound_by_the_stores_managers(self) -> None:
        order = delivered_deal(self.world, "c1", timezone.now() - datetime.timedelta(days=3)).order
        url = f"{API}orders/{order.pk}/unwind/"
        body = {"reason": "质量问题退车"}
        self.assertEqual(api_client("c1").post(url, body, format="json").status_code, 403)  # the consultant may not
        self.assertEqual(api_client("sup1").post(url, body, format="json").status_code, 403)
        self.assertEqual(api_client("m2").post(url, body, format="json").status_code, 404)
        cancel = api_client("m1").post(f"{API}orders/{order.pk}/cancel/", body, format="json")
        self.assertIn("unwind", cancel.json()["non_field_errors"][0])  # delivered: cancelling is refused
        unwound = api_client("m1").post(url, body, format="json")
        self.assertEqual(unwound.status_code, 200, unwound.content)
        self.assertEqual(unwound.json()["status"], "unwound")
        self.assertEqual(Vehicle.objects.get(pk=order.vehicle_id).status, Vehicle.Status.IN_STOCK)
        self.assertEqual(api_client("m1").post(url, body, format="json").status_code, 400)  # once

    def enter(self, username: str, **changes: object) -> object:
        body = {"vin": make_vin(70001), "trim": self.world.trim.pk, "colour": "珍珠白", "cost": "198500.00",
                "financed_from": "2026-10-10", **changes}
        return api_client(username).post(f"{API}vehicles/", body, format="json")

    def receive(self, username: str, **changes: object) -> object:
        body = {"vin": make_vin(70001), "received_on": "2026-10-15", "location": "A区12号", **changes}
        return api_client(username).post(f"{API}vehicles/receive/", body, format="json")

    def test_the_manager_enters_and_receives_vehicles(self) -> None:
        self.assertEqual(self.enter("c1").status_code, 403)
        self.assertEqual(self.enter("sup1").status_code, 403)
        self.assertEqual(self.enter("ho_group").status_code, 403)
        self.assertIn("vin", self.enter("m1", vin="LDK00001X0R000001").json())  # check digit wrong
        self.assertIn("cost", self.enter("m1", cost="0").json())
        entered = self.enter("m1")
        self.assertEqual(entered.status_code, 201, entered.content)
        self.assertEqual((entered.json()["status"], entered.json()["store"]),
                         ("in_transit", self.world.stores["S1"].pk))
        self.assertIn("vin", self.enter("m1").json())  # the same VIN twice
        self.assertEqual(self.receive("c1").status_code, 403)
        self.assertIn("received_on", self.receive("m1", received_on="2026-10-01").json())  # before its invoice
        self.assertIn("damage_note", self.receive("m1", condition="damaged").json())
        self.assertIn("vin", self.receive("m2").json())  # not on its way to the other store
        received = self.receive("m1", condition="damaged", damage_note="左后门划痕")
        self.assertEqual(received.status_code, 200, received.content)
        self.assertEqual((received.json()["status"], received.json()["arrived_on"], received.json()["location"]),
                         ("in_stock", "2026-10-15", "A区12号"))
        self.assertEqual(Vehicle.objects.get(vin=make_vin(70001)).damage_note, "左后门划痕")
        again = self.receive("m1")
        self.assertIn("received already", again.json()["vin"][0])

    def test_the_manager_moves_a_vehicle_to_a_secondary_dealer_and_back(self) -> None:
        vehicle = Vehicle.objects.get(store=self.world.stores["S1"], status=Vehicle.Status.IN_STOCK)
        dealer = vehicle.transfers.get().to_dealer
        url = f"{API}vehicles/{vehicle.pk}/transfer/"
        body = {"to_dealer": dealer.pk, "moved_on": "2026-10-12"}
        self.assertEqual(api_client("c1").post(url, body, format="json").status_code, 403)
        self.assertEqual(api_client("m2").post(url, body, format="json").status_code, 404)
        other_store = Vehicle.objects.get(store=self.world.stores["S2"], status=Vehicle.Status.IN_STOCK)
        foreign = api_client("m1").post(url, {**body, "to_dealer": other_store.transfers.get().to_dealer_id},
                                        format="json")
        self.assertIn("to_dealer", foreign.json())
        self.assertIn("moved_on", api_client("m1").post(url, {**body, "moved_on": "2099-01-01"}, format="json").json())
        moved = api_client("m1").post(url, body, format="json")
        self.assertEqual(moved.status_code, 200, moved.content)
        self.assertEqual(moved.json()["secondary_dealer"], dealer.pk)
        self.assertIn("there already", api_client("m1").post(url, body, format="json").json()["to_dealer"][0])
        back = api_client("m1").post(url, {"moved_on": "2026-10-20"}, format="json")
        self.assertEqual(back.json()["secondary_dealer"], None)
        self.assertEqual(vehicle.transfers.count(), 3)  # the world's, out and back


class TokenTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = pay_world()

    def test_make_use_and_revoke_a_token_on_its_page(self) -> None:
        page = Client()
        page.login(username="c1", password=PASSWORD)
        self.assertContains(page.get("/"), 'href="/api/tokens/"')  # the top bar links the page
        made = page.post("/api/tokens/", {"name": "DMS 夜间同步"})
        self.assertEqual(made.status_code, 200)
        self.assertEqual(made["Cache-Control"], "private, no-store")
        key = made.context["created"].key
        self.assertContains(made, key)
        token = ApiToken.objects.get(user=self.world.users["c1"])
        self.assertNotIn(key, json.dumps(list(ApiToken.objects.values()), default=str))  # only its hash is stored
        self.assertNotContains(page.get("/api/tokens/"), key)  # shown once

        integration = APIClient()
        integration.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        leads = every_page(integration, f"{API}leads/")
        self.assertEqual({row["owner"] for row in leads}, {self.world.staff["c1"].pk})
        token.refresh_from_db()
        self.assertIsNotNone(token.last_used_at)

        self.assertEqual(page.post(f"/api/tokens/{token.pk}/revoke/").status_code, 302)
        self.assertEqual(integration.get(f"{API}leads/").status_code, 401)
        entries = AuditEntry.objects.filter(object_id=str(token.pk), content_type__model="apitoken")
        self.assertEqual(set(entries.values_list("action", "actor__username")),
                         {(AuditEntry.Action.CREATE, "c1"), (AuditEntry.Action.PERMISSIONS, "c1")})
        self.assertFalse(any(key in json.dumps([e.before, e.after], default=str) for e in entries))

    def test_unknown_and_malformed_tokens_are_401(self) -> None:
        for header in ("Token " + "x" * 40, "Token", "Token a b", "Token 短"):
            with self.subTest(header=header):
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=header)
                self.assertEqual(client.get(f"{API}leads/").status_code, 401)

    def test_a_leavers_token_opens_nothing(self) -> None:
        made = create_token(self.world.users["c2"], "robot")
        User.objects.filter(pk=self.world.users["c2"].pk).update(is_active=False)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {made.key}")
        self.assertEqual(client.get(f"{API}leads/").status_code, 401)

    def test_writes_with_a_token_are_audited_as_its_user(self) -> None:
        made = create_token(self.world.users["m1"], "投诉系统")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {made.key}")
        body = {"channel": "oem_hotline", "summary": "400 热线投诉", "received_at": "2026-10-20T10:00:00+08:00",
                "handler": self.world.staff["m1"].pk, "is_major": True}
        response = client.post(f"{API}complaints/", body, format="json")  # no CSRF token: a token needs none
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(AuditEntry.objects.filter(object_id=str(response.json()["id"]), content_type__model="complaint",
                                                  action="create", actor__username="m1").exists())

    def test_a_user_revokes_only_their_own_tokens(self) -> None:
        made = create_token(self.world.users["c2"], "robot")
        page = Client()
        page.login(username="c1", password=PASSWORD)
        self.assertEqual(page.post(f"/api/tokens/{made.token.pk}/revoke/").status_code, 404)
        made.token.refresh_from_db()
        self.assertIsNone(made.token.revoked_at)

    def test_the_command(self) -> None:
        out = io.StringIO()
        call_command("apitoken", "create", "m1", "DMS", "--as", "admin", stdout=out, stderr=io.StringIO())
        key = out.getvalue().strip()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.assertEqual(client.get(f"{API}leads/").status_code, 200)
        listing = io.StringIO()
        call_command("apitoken", "list", "m1", stdout=listing)
        self.assertIn(f"{key[:8]}\tm1\tDMS", listing.getvalue())
        call_command("apitoken", "revoke", key[:8], stdout=io.StringIO())
        self.assertEqual(client.get(f"{API}leads/").status_code, 401)
        token = ApiToken.objects.get(prefix=key[:8])
        self.assertTrue(AuditEntry.objects.filter(object_id=str(token.pk), content_type__model="apitoken",
                                                  action="create", actor__username="admin").exists())

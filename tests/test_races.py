"""Races: two requests for one state change at the same moment, each on its own connection (a double click, two
people on one page), make the change once; the loser gets an answer (a message, a form error, 403 for a move no
longer allowed, or on SQLite 503 busy, try again), never a 500 and never a second record. Then the same requests
one after the other (a rating corrected twice, a rating out of its plan's range, a query answered twice, a form
sent twice), and the constraints that hold whatever the code does. docs/reliability.md lists what protects each
change."""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealerkpi.core.models import AuditEntry
from dealerkpi.crm import services as crm_services
from dealerkpi.crm.models import Lead, LostReason, LostSale
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay import views as pay_views
from dealerkpi.pay.models import Adjustment, ManualRating, Run, Statement, StatementQuery
from dealerkpi.plans.engine import Period
from dealerkpi.sales import services
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment, Reversal
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from tests.test_desk_sales import WITHIN, in_stock, log_in, open_lead, order_form, ready_to_deliver
from tests.test_runs import PLAN
from tests.world import World, world_with_consultant_plan

OCTOBER = Period(2026, 10)
ROUNDS = 3  # each race is run this many times, on fresh records


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def client_of(username: str) -> Client:
    client = Client()
    log_in(client, username)
    return client


Post = tuple[Client, str, dict[str, object]]


BUSY, TRIES = 503, 5


def at_once(*posts: Post) -> list[object]:
    """Send the posts from threads released together, each on its own database connection: their status codes
    (an exception raised in a request, as its repr). A 503 (the database busy, nothing written) is sent again a
    moment later, as its page asks: SQLite's shared in-memory cache, which the tests run on, refuses a second
    writer at once instead of waiting, and may refuse both."""
    start = threading.Barrier(len(posts), timeout=60)
    answers: list[object] = []

    def send(client: Client, url: str, data: dict[str, object]) -> None:
        start.wait()
        try:
            for attempt in range(TRIES):
                status = client.post(url, data).status_code
                if status != BUSY:
                    break
                time.sleep(0.05 * (attempt + 1) * (1 + len(answers)))
            answers.append(status)
        except Exception as error:  # noqa: BLE001  # a 500: shown in the assertion, not lost in the thread
            answers.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def answered_once(answers: list[object], winner: int, loser: set[int]) -> bool:
    """One request did it (``winner``); the other got an answer of ``loser`` (on SQLite also 503: busy, even
    after trying again)."""
    busy = {BUSY} if connection.vendor == "sqlite" else set()
    return len(answers) == 2 and winner in answers and set(answers) <= {winner} | loser | busy


def submitted_run(world: World) -> Run:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    return workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])


def raise_query(world: World, run: Run, person: str = "c1") -> StatementQuery:
    statement = Statement.objects.get(run=run, staff=world.staff[person])
    return StatementQuery.objects.create(statement=statement, raised_by=world.staff[person], question="合作单应算全台")


# --- at the same moment ---------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_query_accepted_twice_at_once_pays_once(world: World) -> None:
    run = submitted_run(world)
    managers = [client_of("m1"), client_of("m1")]
    for n in range(ROUNDS):
        query = raise_query(world, run)
        url = reverse("query-answer", args=[query.pk])
        accept = {"decision": "accepted", "answer": f"同意补发 {n}", "amount": "150"}
        answers = at_once(*((manager, url, accept) for manager in managers))
        assert answered_once(answers, 302, {302}), answers
        assert Adjustment.objects.filter(query=query).count() == 1
        assert StatementQuery.objects.get(pk=query.pk).status == StatementQuery.Status.ACCEPTED
    assert Adjustment.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_a_run_approved_twice_at_once_is_approved_once(world: World) -> None:
    for _round in range(ROUNDS):
        run = submitted_run(world)
        url = reverse("run-action", args=[run.pk, "approve"])
        answers = at_once((client_of("gm1"), url, {}), (client_of("gm1"), url, {}))
        # the loser waited for the lock and found the run approved (302, a message), or read it approved (403)
        assert answered_once(answers, 302, {302, 403}), answers
        moves = AuditEntry.objects.filter(content_type__model="run", object_id=str(run.pk), action="update",
                                          after__status=Run.Status.APPROVED)
        assert moves.count() == 1
        assert Run.objects.get(pk=run.pk).status == Run.Status.APPROVED


@pytest.mark.django_db(transaction=True)
def test_one_order_delivered_twice_at_once_is_delivered_once(world: World) -> None:
    consultants = [client_of("c1"), client_of("c1")]
    for _round in range(ROUNDS):
        order, _vehicle = ready_to_deliver(world, "c1")
        url = reverse("delivery-complete", args=[order.pk])
        ticks = {name: "on" for name in services.CHECKLIST} | {"complete": "1"}
        answers = at_once(*((consultant, url, ticks) for consultant in consultants))
        assert answered_once(answers, 302, {302}), answers  # the loser: a message on the delivered order's page
        delivery = Delivery.objects.get(order=order)
        assert delivery.delivered_at is not None, "the second click wrote its stale checklist over the delivery"
        assert Order.objects.get(pk=order.pk).status == Order.Status.DELIVERED
        assert DeliveryFollowUp.objects.filter(delivery=delivery).count() == len(services.c_card_days(order.store_id))


@pytest.mark.django_db(transaction=True)
def test_an_adjustment_sent_twice_at_once_is_entered_once(world: World) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    url = reverse("run-inputs", args=[run.pk])
    managers = [client_of("m1"), client_of("m1")]
    for n in range(ROUNDS):
        form = {"adjustment": "1", "staff": world.staff["c3"].pk, "amount": "-100", "reason": f"迟到扣款 {n}",
                "entry_token": str(uuid.uuid4())}
        answers = at_once(*((manager, url, form) for manager in managers))
        assert answered_once(answers, 302, {302}), answers
        assert Adjustment.objects.filter(reason=f"迟到扣款 {n}").count() == 1
    assert Adjustment.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_a_payment_sent_twice_at_once_is_recorded_once(world: World) -> None:
    consultants = [client_of("c1"), client_of("c1")]
    for _round in range(ROUNDS):
        order = services.place_order(open_lead(world, "c1"), order_terms(world), world.staff["c1"])
        url = reverse("payment-new", args=[order.pk])
        form = {"kind": "balance", "amount": "5000", "paid_at": "2026-11-20T10:00", "entry_token": str(uuid.uuid4())}
        answers = at_once(*((consultant, url, form) for consultant in consultants))
        assert answered_once(answers, 302, {302}), answers
        assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_price_approval_and_a_cancellation_at_once_leave_the_order_cancelled(world: World) -> None:
    for _round in range(ROUNDS):
        order = services.place_order(open_lead(world, "c1"), order_terms(world, price="226000"), world.staff["c1"])
        approval = order.approvals.get()
        answers = at_once(
            (client_of("m1"), reverse("order-approval-decide", args=[approval.pk]), {"decision": "approve"}),
            (client_of("c1"), reverse("order-cancel", args=[order.pk]), {"cancel-reason": "客户改买别款"}),
        )
        assert len(answers) == 2 and set(answers) <= {302, 400, BUSY}, answers
        order.refresh_from_db()
        approval.refresh_from_db()
        if Reversal.objects.filter(order=order).exists():
            assert order.status == Order.Status.CANCELLED, "a decision wrote the cancelled order back as confirmed"
        else:
            assert order.status == (Order.Status.CONFIRMED if approval.status == "approved"
                                    else Order.Status.AWAITING_APPROVAL)


@pytest.mark.django_db(transaction=True)
def test_a_lost_sale_approved_as_the_card_is_ordered_at_once_leaves_one_of_them(world: World) -> None:
    for _round in range(ROUNDS):
        lead = open_lead(world, "c1")
        lost = ask_to_close_as_lost(world, lead)
        answers = at_once(
            (client_of("sup1"), reverse("lost-sale-decide", args=[lost.pk]), {"decision": "approve"}),
            (client_of("c1"), reverse("order-new", args=[lead.pk]), order_form(world, **WITHIN)),
        )
        assert len(answers) == 2 and set(answers) <= {200, 302, 404, BUSY}, answers  # 200: the card is closed
        lead.refresh_from_db()
        ordered = Order.objects.filter(lead=lead).exists()
        assert lead.status == (Lead.Status.ORDERED if ordered else Lead.Status.LOST), lead.status


@pytest.mark.django_db(transaction=True)
def test_one_vehicle_allocated_to_two_orders_at_once_goes_to_one(world: World) -> None:
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    for _round in range(ROUNDS):
        orders = [services.place_order(open_lead(world, "c1"), order_terms(world), world.staff["c1"]) for _ in "ab"]
        vehicle = in_stock(world)
        answers = at_once(*((client_of("c1"), reverse("delivery-schedule", args=[order.pk]),
                             {"scheduled_for": when, "vehicle": vehicle.pk}) for order in orders))
        assert answered_once(answers, 302, {400}), answers  # the loser: "no longer free; choose another"
        assert Order.objects.filter(vehicle=vehicle).count() == 1
        assert Delivery.objects.filter(vehicle=vehicle).count() == 1
        assert Vehicle.objects.get(pk=vehicle.pk).status == Vehicle.Status.ALLOCATED


@pytest.mark.django_db(transaction=True)
def test_a_vehicle_moved_twice_at_once_is_moved_once(world: World) -> None:
    dealer = SecondaryDealer.objects.create(store=world.stores["S1"], code="SD-R", name="二网甲", territory="吴江区")
    for _round in range(ROUNDS):
        vehicle = in_stock(world)
        url = reverse("vehicle-transfer", args=[vehicle.pk])
        move = {"to_dealer": dealer.pk, "moved_on": timezone.localdate().isoformat()}
        answers = at_once((client_of("m1"), url, move), (client_of("m1"), url, move))
        assert answered_once(answers, 302, {400}), answers  # the loser: "there already" / "somewhere else"
        assert Transfer.objects.filter(vehicle=vehicle).count() == 1


def ask_to_close_as_lost(world: World, lead: Lead) -> LostSale:
    return crm_services.request_lost_sale(lead, world.staff["c1"], crm_services.LostRequest(LostReason.PRICE, None),
                                          timezone.now())


def order_terms(world: World, price: str = "227800") -> services.OrderTerms:
    return services.OrderTerms(trim=world.trim, price_line=world.trim.prices.get(), colour="白", price=Decimal(price),
                               gifts_cost=Decimal("0"), credits=(services.Credit(world.staff["c1"], Decimal("100")),))


# --- one after the other -------------------------------------------------------------------------------------

def inputs_page(world: World, client: Client) -> tuple[Run, str]:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    log_in(client, "sup1")
    return run, reverse("run-inputs", args=[run.pk])


def rating(world: World, value: str, indicator: str = "showroom", person: str = "c1") -> dict[str, object]:
    return {"rating": "1", "staff": world.staff[person].pk, "indicator": indicator, "value": value,
            "comment": f"接待 {value}"}


@pytest.mark.django_db
def test_a_rating_is_corrected_again_and_again_and_each_change_audited(world: World, client: Client) -> None:
    _run, url = inputs_page(world, client)
    for value in ("9", "8", "7"):
        assert client.post(url, rating(world, value)).status_code == 302
    saved = ManualRating.objects.get()
    assert (saved.value, saved.comment, saved.rated_by) == (Decimal("7"), "接待 7", world.staff["sup1"])
    trail = AuditEntry.objects.filter(content_type__model="manualrating", object_id=str(saved.pk)).order_by("pk")
    assert [(entry.action, Decimal(entry.after["value"])) for entry in trail] == [
        ("create", 9), ("update", 8), ("update", 7)]


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "error"), [("10.5", "from 0 to 10"), ("-1", "from 0 to 10")])
def test_a_rating_outside_its_plans_range_is_refused_at_entry(world: World, client: Client, value: str,
                                                              error: str) -> None:
    _run, url = inputs_page(world, client)
    response = client.post(url, rating(world, value))
    assert response.status_code == 200
    assert error in " ".join(response.context["rating_form"].errors["value"])
    assert not ManualRating.objects.exists()
    assert client.post(url, rating(world, "10")).status_code == 302  # the top of the range is in it


@pytest.mark.django_db
def test_only_an_indicator_rated_by_hand_in_the_persons_plan_can_be_rated(world: World, client: Client) -> None:
    _run, url = inputs_page(world, client)
    form = client.get(url).context["rating_form"]
    assert [code for code, _label in form.fields["indicator"].choices if code] == ["showroom"]
    response = client.post(url, rating(world, "5", indicator="volume"))
    assert "indicator" in response.context["rating_form"].errors
    assert not ManualRating.objects.exists()


@pytest.mark.django_db
def test_no_input_once_the_run_has_moved_on_even_from_a_page_read_before(world: World, client: Client) -> None:
    run, url = inputs_page(world, client)
    read_before = Run.objects.get(pk=run.pk)
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    with pytest.raises(ValidationError, match="no longer a draft"), transaction.atomic():
        pay_views.lock_draft(read_before)  # what a save that read the run as a draft finds under the lock
    assert client.post(url, rating(world, "5")).status_code == 403
    assert not ManualRating.objects.exists()


@pytest.mark.django_db
def test_a_query_answered_again_says_so_and_pays_once(world: World, client: Client) -> None:
    run = submitted_run(world)
    query = raise_query(world, run)
    log_in(client, "m1")
    url = reverse("query-answer", args=[query.pk])
    accept = {"decision": "accepted", "answer": "同意补发", "amount": "150"}
    assert client.post(url, accept).status_code == 302
    again = client.post(url, accept, follow=True)
    assert again.status_code == 200 and "answered already" in again.content.decode()
    assert client.get(url).status_code == 302
    assert Adjustment.objects.get(query=query).amount == Decimal("150")


@pytest.mark.django_db
def test_a_form_sent_twice_saves_once(world: World, client: Client) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    log_in(client, "m1")
    url = reverse("run-inputs", args=[run.pk])
    token = client.get(url).context["adjustment_form"]["entry_token"].value()
    form = {"adjustment": "1", "staff": world.staff["c3"].pk, "amount": "-100", "reason": "迟到扣款",
            "entry_token": token}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 302
    assert [str(m) for m in get_messages(again.wsgi_request)][-1].startswith("This adjustment was saved already")
    assert Adjustment.objects.count() == 1
    form["entry_token"] = client.get(url).context["adjustment_form"]["entry_token"].value()
    assert form["entry_token"] != token, "each showing of the form has its own token"
    assert client.post(url, form).status_code == 302
    assert Adjustment.objects.count() == 2, "the same deduction entered again on purpose is a second one"


@pytest.mark.django_db
def test_the_checklist_of_a_delivered_car_is_final(world: World, client: Client) -> None:
    order, _vehicle = ready_to_deliver(world, "c1")
    services.complete_delivery(order)
    log_in(client, "c1")
    response = client.post(reverse("delivery-complete", args=[order.pk]), {"save": "1"}, follow=True)
    assert "its checklist is final" in response.content.decode()
    delivery = Delivery.objects.get(order=order)
    assert delivery.delivered_at is not None and delivery.customer_signed


# --- what the database refuses whatever the code does ----------------------------------------------------------

@pytest.mark.django_db
def test_the_database_keeps_one_adjustment_per_query(world: World) -> None:
    query = raise_query(world, submitted_run(world))
    first = dict(store=world.stores["S1"], period=OCTOBER.first_day, staff=world.staff["c1"], amount=Decimal("1"),
                 reason="x", created_by=world.staff["m1"], query=query)
    Adjustment.objects.create(**first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Adjustment.objects.create(**first)


@pytest.mark.django_db
def test_the_database_keeps_one_request_of_a_kind_per_order(world: World) -> None:
    order = services.place_order(open_lead(world, "c1"), order_terms(world, price="226000"), world.staff["c1"])
    approval = order.approvals.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderApproval.objects.create(store=order.store, order=order, kind=approval.kind,
                                     requested_by=world.staff["c1"], requested_at=timezone.now())


@pytest.mark.django_db
def test_the_database_keeps_one_lost_sale_request_awaiting_per_card(world: World) -> None:
    lead = open_lead(world, "c1")
    ask_to_close_as_lost(world, lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        LostSale.objects.create(store=lead.store, lead=lead, reason=LostReason.PRICE, requested_by=world.staff["c1"],
                                requested_at=timezone.now())

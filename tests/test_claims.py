"""Two consultants and one customer (撞单): c2 claims the customer of c1's open card (crm/claims.py); the store's
rule suggests, the supervisor sup1 (team T1: c1, c2) or the manager m1 decides (sales/claims.py), and the credit
of the card's orders follows the decision."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from dealerkpi.core.models import AuditEntry
from dealerkpi.crm import claims
from dealerkpi.crm.models import FollowUp, Lead, LeadReassignment, OwnershipClaim, OwnershipRule
from dealerkpi.org.scope import viewer_for
from dealerkpi.sales import services
from dealerkpi.sales.claims import decide_claim
from dealerkpi.sales.models import Order
from tests.test_desk_sales import open_lead
from tests.world import World, build_world, signed_in

pytestmark = pytest.mark.django_db
Status = OwnershipClaim.Status


@pytest.fixture
def world() -> World:
    return build_world()


def _claim(world: World, lead: Lead, who: str = "c2", at: datetime.datetime | None = None) -> OwnershipClaim:
    return claims.claim_card(lead, world.staff[who], "展厅是我接待的", at or timezone.now())


def _order(world: World, lead: Lead, owner: str = "c1") -> Order:
    terms = services.OrderTerms(trim=world.trim, price_line=world.trim.prices.get(), colour="白",
                                price=Decimal("227800"), gifts_cost=Decimal("0"),
                                credits=(services.Credit(world.staff[owner], Decimal("100")),))
    return services.place_order(lead, terms, world.staff[owner])


def credits(order: Order) -> dict[str, Decimal]:
    return {credit.staff.name: credit.share for credit in order.credits.select_related("staff")}


def test_a_consultant_claims_a_colleague_s_customer_by_the_number(world: World) -> None:
    lead = open_lead(world, "c1")
    checked = signed_in("c2").post(reverse("lead-phone-check"), {"phone": lead.customer.phone})
    assert 'data-testid="claim-form"' in checked.content.decode()
    own = signed_in("c1").post(reverse("lead-phone-check"), {"phone": lead.customer.phone})
    assert 'data-testid="claim-form"' not in own.content.decode()  # one's own card is not claimed
    answer = signed_in("c2").post(reverse("lead-claim"), {"phone": lead.customer.phone, "reason": "我先接待的"})
    assert answer.status_code == 302
    claim = OwnershipClaim.objects.get(lead=lead)
    assert (claim.owner, claim.claimant, claim.status) == (world.staff["c1"], world.staff["c2"], Status.PENDING)
    again = signed_in("c2").post(reverse("lead-claim"), {"phone": lead.customer.phone, "reason": "再次"})
    assert again.status_code == 302 and OwnershipClaim.objects.filter(lead=lead).count() == 1
    signed_in("c2").post(reverse("lead-claim"), {"phone": lead.customer.phone, "reason": ""})
    assert OwnershipClaim.objects.filter(lead=lead).count() == 1  # no reason, no claim


def test_one_s_own_card_and_a_closed_card_cannot_be_claimed(world: World) -> None:
    lead = open_lead(world, "c1")
    with pytest.raises(ValidationError):
        _claim(world, lead, who="c1")
    _order(world, lead)
    lead.refresh_from_db()
    with pytest.raises(ValidationError):
        _claim(world, lead)


def test_the_store_s_rule_suggests(world: World) -> None:
    lead = open_lead(world, "c1")
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(created_at=now - datetime.timedelta(days=20))
    stale = _claim(world, Lead.objects.get(pk=lead.pk), at=now)
    assert stale.suggestion().status == Status.MOVED  # no contact for 20 days: the default 15 has passed
    assert not stale.suggestion().rule_set
    FollowUp.objects.create(store=lead.store, lead=lead, staff=world.staff["c1"], at=now - datetime.timedelta(days=5),
                            channel="phone", outcome="reached", grade_after="H")
    assert stale.suggestion().status == Status.KEPT  # followed up 5 days before the claim
    OwnershipRule.objects.create(store=lead.store, lapse_days=3)
    with translation.override("en"):
        said = str(stale.suggestion())
    assert stale.suggestion().status == Status.MOVED and "3 days" in said


def test_who_decides(world: World) -> None:
    claim = _claim(world, open_lead(world, "c1"))
    assert claim in claims.pending_claims(viewer_for(world.users["sup1"]))
    assert claim in claims.pending_claims(viewer_for(world.users["m1"]))
    for who in ("c1", "c2", "c3", "m2"):
        assert claim not in claims.pending_claims(viewer_for(world.users[who])), who
    url = reverse("claim-decide", args=[claim.pk])
    assert signed_in("c2").post(url, {"decision": "moved", "reason": "我的"}).status_code in (403, 404)
    assert signed_in("m2").post(url, {"decision": "moved", "reason": "x"}).status_code in (403, 404)
    claim.refresh_from_db()
    assert claim.status == Status.PENDING


def test_moved_an_open_card_goes_to_the_claimant(world: World) -> None:
    lead = open_lead(world, "c1")
    claim = _claim(world, lead)
    decide_claim(claim, Status.MOVED, "c2首次接待", world.staff["sup1"], world.users["sup1"], timezone.now())
    lead.refresh_from_db()
    assert lead.owner == world.staff["c2"] and lead.customer.owner == world.staff["c2"]
    assert LeadReassignment.objects.get(lead=lead).decided_by == world.staff["sup1"]


def test_moved_the_order_placed_meanwhile_follows_the_claimant(world: World) -> None:
    lead = open_lead(world, "c1")
    claim = _claim(world, lead)
    order = _order(world, lead)  # c1 took the order before the supervisor decided
    answer = signed_in("sup1").post(reverse("claim-decide", args=[claim.pk]),
                                    {"decision": "moved", "reason": "c2首次接待，有到店记录"})
    assert answer.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (Status.MOVED, world.staff["sup1"])
    assert credits(order) == {"c2": Decimal("100")}
    assert not LeadReassignment.objects.filter(lead=lead).exists()  # the card is closed by its order: only the credit
    audited = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(OwnershipClaim),
                                        object_id=str(claim.pk)).values_list("action", flat=True)
    assert set(audited) == {"create", "update"}
    assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Order),
                                     object_id=str(order.pk)).exists()


def test_a_split_credits_the_orders_placed_after_it(world: World) -> None:
    lead = open_lead(world, "c1")
    claim = _claim(world, lead)
    decide_claim(claim, Status.SPLIT, "两人都有接待", world.staff["m1"], world.users["m1"], timezone.now(), 40)
    lead.refresh_from_db()
    assert lead.owner == world.staff["c1"]  # the card stays with its consultant
    order = _order(world, lead)  # the form credits c1 100%: the decision wins
    assert credits(order) == {"c1": Decimal("60"), "c2": Decimal("40")}


def test_kept_changes_nothing_and_a_second_decision_is_refused(world: World) -> None:
    lead = open_lead(world, "c1")
    claim = _claim(world, lead)
    order = _order(world, lead)
    decide_claim(claim, Status.KEPT, "c1一直在跟进", world.staff["sup1"], world.users["sup1"], timezone.now())
    assert credits(order) == {"c1": Decimal("100")}
    with pytest.raises(ValidationError):
        decide_claim(claim, Status.MOVED, "改主意", world.staff["m1"], world.users["m1"], timezone.now())
    with pytest.raises(ValidationError):
        decide_claim(_claim(world, open_lead(world, "c1")), Status.SPLIT, "x", world.staff["m1"], None,
                     timezone.now(), None)  # a split without a share

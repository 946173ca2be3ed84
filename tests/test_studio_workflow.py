"""A plan changes through a draft: the sales manager or HR (head office, for a group's plan) writes and proposes
it, the store's general manager (head office, for a group's plan) approves it, which publishes it from its first
month, or sends it back saying why. Nobody approves what they proposed; each step is audited and re-checked under
a row lock."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from dealerkpi.core.audit import acting_as
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Role
from dealerkpi.plans.models import Plan, PlanVersion, publish_version
from dealerkpi.studio import workflow
from dealerkpi.studio.models import PlanDraft
from tests.world import World, build_world, signed_in

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
CONSULTANT_PLAN = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
JANUARY = datetime.date(2026, 1, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    """The group's consultant plan (v1 from January) and S1's own supervisor plan."""
    world = build_world()
    group = world.stores["S1"].region.group
    group_plan = Plan.objects.create(group=group, code="consultant", name="顾问方案", role=Role.CONSULTANT)
    publish_version(group_plan, CONSULTANT_PLAN, JANUARY)
    store_plan = Plan.objects.create(group=group, store=world.stores["S1"], code="supervisor-s1", name="主管方案",
                                     role=Role.SUPERVISOR)
    publish_version(store_plan, (EXAMPLES / "supervisor.yaml").read_text(encoding="utf-8"), JANUARY)
    world.plans = {"group": group_plan, "store": store_plan}  # type: ignore[attr-defined]
    return world


def start(world: World, plan: str, username: str) -> PlanDraft:
    response = signed_in(username).post(reverse("draft-start", args=[world.plans[plan].pk]))  # type: ignore[attr-defined]
    assert response.status_code == 302, response.status_code
    return PlanDraft.objects.latest("pk")


def changed(draft: PlanDraft, note: str = "") -> PlanDraft:
    """The draft with a first line added: a change to propose."""
    return workflow.save_draft(draft, f"# 2027 修订\n{draft.document}", draft.effective_from, note)


def decide(username: str, draft: PlanDraft, decision: str, comment: str = "") -> int:
    response = signed_in(username).post(reverse("draft-decide", args=[draft.pk]),
                                        {"decision": decision, "comment": comment})
    return response.status_code


def propose(username: str, draft: PlanDraft, note: str = "封顶调整") -> PlanDraft:
    signed_in(username).post(reverse("draft-propose", args=[draft.pk]), {"note": note})
    draft.refresh_from_db()
    return draft


def test_a_draft_starts_from_the_latest_version_in_force_from_a_month_ahead(world: World) -> None:
    draft = start(world, "group", "m1")
    assert draft.document == CONSULTANT_PLAN
    assert draft.based_on == world.plans["group"].versions.get()  # type: ignore[attr-defined]
    assert draft.effective_from.day == 1 and draft.effective_from > datetime.date.today()
    assert draft.status == PlanDraft.Status.EDITING and draft.written_by == world.users["m1"]
    page = signed_in("m1").get(reverse("draft-detail", args=[draft.pk]))
    assert page.status_code == 200 and "Propose for approval" in page.content.decode()


@pytest.mark.parametrize(("username", "plan", "status"), [
    ("c1", "group", 403),  # a consultant reads the plan of their role but does not write it
    ("sup1", "group", 404),  # a supervisor does not see the consultants' plan
    ("fin1", "group", 403),  # finance reads the store's plans but does not write them
    ("gm1", "store", 403),  # the general manager approves, and so does not propose
    ("m2", "store", 404),  # another store's manager does not see S1's own plan
    ("ho_g2", "group", 404),  # another group's head office
])
def test_who_may_not_start_a_draft(world: World, username: str, plan: str, status: int) -> None:
    response = signed_in(username).post(reverse("draft-start", args=[world.plans[plan].pk]))  # type: ignore[attr-defined]
    assert response.status_code == status
    assert not PlanDraft.objects.exists()


def test_an_invalid_draft_cannot_be_proposed_and_the_page_says_why(world: World) -> None:
    draft = start(world, "group", "m1")
    workflow.save_draft(draft, CONSULTANT_PLAN.replace("period: month", "period: fortnight"),
                        draft.effective_from, "")
    assert propose("m1", draft).status == PlanDraft.Status.EDITING
    page = signed_in("m1").get(reverse("draft-detail", args=[draft.pk])).content.decode()
    assert 'data-testid="draft-problems"' in page and "fortnight" in page


def test_a_group_plan_is_approved_by_head_office_and_published_from_the_drafts_month(world: World) -> None:
    draft = start(world, "group", "m1")
    with acting_as(world.users["m1"]):
        changed(draft)
    assert propose("m1", draft, "单车奖提高").status == PlanDraft.Status.PROPOSED
    assert decide("gm1", draft, "approve") == 403  # a store's general manager does not approve the group's plan
    assert decide("ho_group", draft, "approve", "同意") == 302
    draft.refresh_from_db()
    v1, v2 = PlanVersion.objects.filter(plan=world.plans["group"]).order_by("number")  # type: ignore[attr-defined]
    assert draft.status == PlanDraft.Status.PUBLISHED and draft.published_version == v2
    assert (v2.effective_from, v2.note, v2.created_by) == (draft.effective_from, "单车奖提高", world.users["ho_group"])
    assert v1.effective_to == draft.effective_from - datetime.timedelta(days=1)
    steps = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(PlanDraft),
                                      object_id=str(draft.pk)).order_by("pk")
    assert [entry.actor.username for entry in steps] == ["m1", "m1", "m1", "ho_group"]  # started, saved, proposed
    assert steps[3].after["status"] == "published" and steps[2].before["status"] == "editing"


def test_a_stores_plan_is_proposed_by_hr_and_approved_by_its_general_manager(world: World) -> None:
    draft = changed(start(world, "store", "hr1"))
    assert propose("hr1", draft).status == PlanDraft.Status.PROPOSED
    assert signed_in("m2").get(reverse("draft-detail", args=[draft.pk])).status_code == 404
    assert decide("ho_group", draft, "approve") == 403  # head office approves group plans, the store its own
    inbox = signed_in("gm1").get(reverse("approvals")).content.decode()
    assert reverse("draft-detail", args=[draft.pk]) in inbox
    assert decide("gm1", draft, "approve") == 302
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.PUBLISHED and draft.decided_by == world.users["gm1"]


def test_nobody_approves_what_they_proposed(world: World) -> None:
    draft = changed(start(world, "group", "ho_group"))
    propose("ho_group", draft)
    assert decide("ho_group", draft, "approve") == 403
    assert decide("admin", draft, "approve") == 302  # a superuser who did not propose it may


def test_sending_back_needs_a_reason_and_the_writer_may_change_and_propose_again(world: World) -> None:
    draft = changed(start(world, "store", "m1"))
    propose("m1", draft)
    assert decide("gm1", draft, "send_back") == 302
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.PROPOSED  # no reason given: nothing changed
    decide("gm1", draft, "send_back", "封顶太高")
    draft.refresh_from_db()
    assert (draft.status, draft.decision_comment) == (PlanDraft.Status.REJECTED, "封顶太高")
    workflow.save_draft(draft, draft.document, draft.effective_from, "封顶降低")
    assert propose("m1", draft).status == PlanDraft.Status.PROPOSED


def test_a_second_decision_finds_the_draft_decided(world: World) -> None:
    draft = changed(start(world, "store", "m1"))
    propose("m1", draft)
    stale = PlanDraft.objects.get(pk=draft.pk)
    workflow.approve(draft, world.users["gm1"])
    with pytest.raises(ValidationError):
        workflow.approve(stale, world.users["gm1"])  # the second click re-reads the draft under its lock
    with pytest.raises(ValidationError):
        workflow.save_draft(stale, "changed", stale.effective_from, "")  # a published draft is not edited
    assert PlanVersion.objects.filter(plan=world.plans["store"]).count() == 2  # type: ignore[attr-defined]


def test_a_draft_is_proposed_saying_what_it_changes_and_why(world: World) -> None:
    draft = changed(start(world, "store", "m1"))
    client = signed_in("m1")
    page = client.post(reverse("draft-propose", args=[draft.pk]), {"note": "  "}, follow=True).content.decode()
    assert "Say what the draft changes and why" in page
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.EDITING


def test_a_draft_written_for_another_role_is_not_proposed(world: World) -> None:
    draft = start(world, "store", "m1")  # the supervisors' plan
    workflow.save_draft(draft, CONSULTANT_PLAN, draft.effective_from, "")
    assert propose("m1", draft).status == PlanDraft.Status.EDITING
    page = signed_in("m1").get(reverse("draft-detail", args=[draft.pk])).content.decode()
    assert "written for the role “Sales consultant”, but the plan pays the role “Sales supervisor”" in page


def test_a_draft_that_changes_nothing_is_not_proposed(world: World) -> None:
    draft = start(world, "store", "m1")
    assert draft.document == draft.based_on.document
    assert propose("m1", draft).status == PlanDraft.Status.EDITING
    page = signed_in("m1").get(reverse("draft-detail", args=[draft.pk])).content.decode()
    assert "The draft changes nothing from v1." in page


def test_a_draft_cannot_come_into_force_before_the_latest_version(world: World) -> None:
    draft = changed(start(world, "store", "m1"))
    workflow.save_draft(draft, draft.document, JANUARY, "")
    assert propose("m1", draft).status == PlanDraft.Status.EDITING
    with pytest.raises(ValidationError):
        workflow.save_draft(draft, draft.document, datetime.date(2027, 2, 2), "")  # not a month's first day

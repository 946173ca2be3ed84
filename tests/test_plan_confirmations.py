"""Each person covered by a plan version confirms they have read it (签字确认): once, only if it covers them; the
plan page lists who has and has not confirmed among the people the reader sees; a statement says whether its
version was confirmed."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Role, RoleAssignment, Staff, TeamMembership, User
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run, Statement
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, PlanConfirmation, PlanVersion, publish_version
from tests.world import PASSWORD, World, build_world

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
JANUARY = datetime.date(2026, 1, 1)
Versions = dict[str, PlanVersion]
pytestmark = pytest.mark.django_db


def publish(world: World, code: str, role: str, store: str | None = None) -> PlanVersion:
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code=f"{code}-{store or 'group'}", name=code,
                               role=role, store=world.stores[store] if store else None)
    return publish_version(plan, (EXAMPLES / f"{code}.yaml").read_text(encoding="utf-8"), JANUARY)


@pytest.fixture
def world() -> World:
    """A second supervisor, in S1's other team."""
    world = build_world()
    store = world.stores["S1"]
    sup2 = Staff.objects.create(group=store.region.group, store=store, employee_no="E9sup2", name="sup2",
                                role=Role.SUPERVISOR, hire_date=JANUARY)
    RoleAssignment.objects.create(staff=sup2, role=Role.SUPERVISOR, store=store, valid_from=JANUARY)
    TeamMembership.objects.create(staff=sup2, team=world.teams["T2"], valid_from=JANUARY, is_leader=True)
    User.objects.create_user(username="sup2", password=PASSWORD, staff=sup2)
    return world


@pytest.fixture
def versions(world: World) -> Versions:
    """The group's consultant plan, S2's own consultant plan (so the group's does not cover S2), the group's
    supervisor plan."""
    return {"group": publish(world, "consultant", Role.CONSULTANT),
            "S2": publish(world, "consultant", Role.CONSULTANT, "S2"),
            "supervisor": publish(world, "supervisor", Role.SUPERVISOR)}


def signed_in(client: Client, username: str) -> Client:
    client.login(username=username, password=PASSWORD)
    client.cookies["django_language"] = "en"
    return client


def confirm(client: Client, version: PlanVersion) -> int:
    return client.post(reverse("plan-version-confirm", args=[version.pk])).status_code


def plan_page(client: Client, version: PlanVersion) -> str:
    response = client.get(reverse("plan-detail", args=[version.plan_id]))
    assert response.status_code == 200
    return response.content.decode()


def listed(page: str) -> dict[str, str]:
    """Who the confirmations section lists, by name: the cell saying whether they confirmed."""
    section = page.split('data-testid="confirmations"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in section.split('<tr data-testid="confirmation-')[1:]:
        cells = row.split("<td>")
        found[cells[1].split("</td>")[0]] = cells[3].split("</td>")[0]
    return found


def test_a_consultant_confirms_once(world: World, versions: Versions, client: Client) -> None:
    version = versions["group"]
    signed_in(client, "c1")
    assert "I have read and confirm this plan" in plan_page(client, version)
    assert confirm(client, version) == 302
    assert confirm(client, version) == 302
    confirmation = PlanConfirmation.objects.get()
    assert (confirmation.plan_version, confirmation.staff, confirmation.store) == (
        version, world.staff["c1"], world.stores["S1"])
    assert AuditEntry.objects.filter(object_id=str(confirmation.pk), action=AuditEntry.Action.CREATE,
                                     actor=world.users["c1"]).count() == 1
    page = plan_page(client, version)
    assert "Confirmed on" in page and "I have read and confirm this plan" not in page
    assert 'data-testid="confirmations"' not in page  # a consultant reads no one else's


@pytest.mark.parametrize(("username", "version", "status"), [
    ("c4", "group", 403),  # S2 has its own plan: the group's does not cover S2's consultants
    ("m1", "group", 403),  # reads the store's plans, is covered by none of them
    ("sup1", "group", 404),  # another role's plan
    ("c6", "group", 404),  # another group
    ("c1", "S2", 404),  # another store's plan
])
def test_only_the_people_a_version_covers_confirm(world: World, versions: Versions, client: Client, username: str,
                                                  version: str, status: int) -> None:
    assert confirm(signed_in(client, username), versions[version]) == status
    assert not PlanConfirmation.objects.exists()


def test_get_does_not_confirm(world: World, versions: Versions, client: Client) -> None:
    response = signed_in(client, "c1").get(reverse("plan-version-confirm", args=[versions["group"].pk]))
    assert response.status_code == 405 and not PlanConfirmation.objects.exists()


def test_the_manager_sees_who_confirmed_in_their_store(world: World, versions: Versions, client: Client) -> None:
    version = versions["group"]
    confirm(signed_in(client, "c1"), version)
    client.logout()
    shown = listed(plan_page(signed_in(client, "m1"), version))
    day = timezone.localdate(PlanConfirmation.objects.get().confirmed_at).isoformat()
    assert set(shown) == {"c1", "c2", "c3"}  # not c5 of S3, whom the plan covers too
    assert day in shown["c1"] and "Not confirmed" in shown["c2"] and "Not confirmed" in shown["c3"]
    client.logout()
    assert set(listed(plan_page(signed_in(client, "ho_group"), version))) == {"c1", "c2", "c3", "c5"}


def test_a_supervisors_list_is_their_team(world: World, versions: Versions, client: Client) -> None:
    version = versions["supervisor"]
    confirm(signed_in(client, "sup2"), version)
    client.logout()
    assert set(listed(plan_page(signed_in(client, "sup1"), version))) == {"sup1"}
    client.logout()
    shown = listed(plan_page(signed_in(client, "m1"), version))
    assert set(shown) == {"sup1", "sup2"} and "Not confirmed" in shown["sup1"] and "Not" not in shown["sup2"]


def test_the_statement_says_whether_its_version_was_confirmed(world: World, versions: Versions, client: Client) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], Period(2026, 10)))
    assert run.status == Run.Status.DRAFT, run.error
    confirm(signed_in(client, "c1"), versions["group"])
    client.logout()
    signed_in(client, "m1")
    day = timezone.localdate(PlanConfirmation.objects.get().confirmed_at).isoformat()
    for name, said in (("c1", f"Plan v1 confirmed ({day})"), ("c2", "This plan not confirmed")):
        statement = Statement.objects.get(run=run, staff__name=name)
        page = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()
        assert said in page, name

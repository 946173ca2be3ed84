"""Plans stored as versioned, dated documents; each period uses the version in force then."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Store
from dealerkpi.plans.models import Plan, PlanVersion, publish_version
from tests.world import PASSWORD, build_world

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
CONSULTANT_PLAN = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # noqa: ANN201
    return build_world()


@pytest.fixture
def plan(world) -> Plan:  # noqa: ANN001
    group = world.stores["S1"].region.group
    return Plan.objects.create(group=group, code="consultant", name="销售顾问方案", role="consultant")


def test_a_new_version_closes_the_one_before_and_each_month_finds_its_own(plan: Plan) -> None:
    first = publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
    changed = CONSULTANT_PLAN.replace("base: 1500", "base: 1800")
    second = publish_version(plan, changed, datetime.date(2026, 7, 1), note="bonus base up")
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.effective_to == datetime.date(2026, 6, 30)
    assert plan.version_in_force(datetime.date(2026, 6, 30)) == first
    assert plan.version_in_force(datetime.date(2026, 7, 1)) == second
    assert plan.version_in_force(datetime.date(2025, 12, 31)) is None
    assert second.engine_plan().bonus.base.source == "1800"


def test_versions_only_move_forward_and_start_on_the_first(plan: Plan) -> None:
    publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as caught:
        publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 2, 1))
    assert "effective_from" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 5, 15))
    assert "effective_from" in caught.value.message_dict
    assert plan.versions.count() == 1


def test_an_invalid_document_is_refused_with_line_and_column(plan: Plan) -> None:
    broken = CONSULTANT_PLAN.replace("    volume: 35\n", "    volume: 30\n", 1)
    with pytest.raises(ValidationError) as caught:
        publish_version(plan, broken, datetime.date(2026, 1, 1))
    messages = caught.value.message_dict["document"]
    assert any("100" in m and ":" in m.split(" ")[0] for m in messages), messages
    assert plan.versions.count() == 0


def test_a_published_version_cannot_be_edited(plan: Plan) -> None:
    version = publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
    version.document = CONSULTANT_PLAN.replace("base: 1500", "base: 9999")
    with pytest.raises(ValidationError):
        version.save()
    assert PlanVersion.objects.get(pk=version.pk).document == CONSULTANT_PLAN


def test_publishing_is_audited(plan: Plan, world) -> None:  # noqa: ANN001
    from dealerkpi.core.audit import acting_as

    with acting_as(world.users["ho_group"]):
        publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
        publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 2, 1))
    closing = AuditEntry.objects.get(action="update", content_type__model="planversion")
    assert closing.actor == world.users["ho_group"]
    assert (closing.before["effective_to"], closing.after["effective_to"]) == (None, "2026-01-31")


def test_publish_command(world, tmp_path: Path) -> None:  # noqa: ANN001
    call_command("publishplan", str(EXAMPLES / "consultant.yaml"), group="G1", period="2026-10")
    plan = Plan.objects.get(code="consultant")
    assert (plan.role, plan.versions.get().effective_from) == ("consultant", datetime.date(2026, 10, 1))
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONSULTANT_PLAN.replace("metric: units_delivered", "metric: unit_delivered", 1), encoding="utf-8")
    with pytest.raises(CommandError, match="unit_delivered"):
        call_command("publishplan", str(bad), group="G1", code="consultant", period="2026-11")


def test_plan_pages_show_each_role_its_plans(plan: Plan, world, client) -> None:  # noqa: ANN001
    publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
    manager_plan = Plan.objects.create(group=plan.group, code="manager", name="经理方案", role="sales_manager")
    other_group = Plan.objects.create(group=world.stores["S4"].region.group, code="c", name="别家方案",
                                      role="consultant")
    for username, expected in (("c1", {"销售顾问方案"}), ("m1", {"销售顾问方案", "经理方案"}),
                               ("ho_g2", {"别家方案"}), ("nostaff", set())):
        client.login(username=username, password=PASSWORD)
        names = {p.name for p, _ in client.get(reverse("plan-list")).context["plans"]}
        assert names == expected, username
    client.login(username="c1", password=PASSWORD)
    response = client.get(reverse("plan-detail", args=[plan.pk]))
    assert "全额累进销量奖" in response.content.decode()
    assert client.get(reverse("plan-detail", args=[manager_plan.pk])).status_code == 404
    assert client.get(reverse("plan-detail", args=[other_group.pk])).status_code == 404


def test_head_office_publishes_in_the_admin_and_sees_errors_by_line(plan: Plan, client) -> None:
    client.login(username="ho_group", password=PASSWORD)
    url = reverse("admin:plans_planversion_add")
    broken = CONSULTANT_PLAN.replace("kind: linear, floor: 60", "kind: linea, floor: 60", 1)
    with translation.override("en"):
        response = client.post(url, {"plan": plan.pk, "effective_from": "2026-01-01", "document": broken})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["document"]
    assert any("linea" in e for e in errors), errors
    response = client.post(url, {"plan": plan.pk, "effective_from": "2026-01-01", "document": CONSULTANT_PLAN})
    assert response.status_code == 302
    assert plan.versions.get().created_by.username == "ho_group"


def test_the_stage_in_force_chooses_the_weight_set(world) -> None:  # noqa: ANN001
    from dealerkpi.catalog.models import LifecycleStage
    from dealerkpi.pay.inputs import stages_in_force
    from dealerkpi.plans.engine import Period, PeriodInputs, Person, evaluate_period

    def stage_in_force(store: Store, day: datetime.date) -> str | None:
        return stages_in_force([store], day).get(store.pk)

    store = world.stores["S1"]
    assert stage_in_force(store, datetime.date(2026, 10, 1)) is None, "no main model, no stage"
    store.main_model = world.trim.vehicle_model
    store.save()
    LifecycleStage.objects.create(vehicle_model=store.main_model, stage="introduction",
                                  valid_from=datetime.date(2026, 1, 1), valid_to=datetime.date(2026, 6, 30))
    LifecycleStage.objects.create(vehicle_model=store.main_model, stage="maturity",
                                  valid_from=datetime.date(2026, 7, 1))
    plan = publish_version(
        Plan.objects.create(group=store.region.group, code="c", name="c", role="consultant"),
        CONSULTANT_PLAN, datetime.date(2026, 1, 1),
    ).engine_plan()
    march, october = Period(2026, 3), Period(2026, 10)
    assert stage_in_force(store, march.first_day) == "introduction"
    assert stage_in_force(store, october.first_day) == "maturity"
    chosen = {}
    for period in (march, october):
        inputs = PeriodInputs(period=period, people=(Person("c1", team="T1"),),
                              stage=stage_in_force(store, period.first_day))
        chosen[period] = evaluate_period(plan, inputs)[0].weight_set
    assert chosen == {march: "introduction", october: "default"}, "the plan has no maturity set: default"

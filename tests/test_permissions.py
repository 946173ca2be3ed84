"""Who may do what, in one place: each app's rules.py answers has_perm, the menu shows only what its reader may
open (every link crawled as every role), and visible_to narrows records by action."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.urls import reverse
from django.utils import translation

from dealerkpi.conduct.models import Fault
from dealerkpi.core.registry import MenuItem, menu_items, register_menu
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import Complaint, Lead, LostSale
from dealerkpi.org.models import Role, TeamMembership, User
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import workflow
from dealerkpi.pay.models import Run
from dealerkpi.sales.models import Order, OrderApproval
from dealerkpi.stock.models import SecondaryDealer, Vehicle
from tests.test_scope import TAGGED_MODELS
from tests.world import HIRED, World, _staff, build_world

pytestmark = pytest.mark.django_db

ROLES = {  # one login of each role of org.models.Role, and a superuser
    "c1": Role.CONSULTANT, "sup1": Role.SUPERVISOR, "m1": Role.SALES_MANAGER, "dep1": Role.DEPUTY_MANAGER,
    "gm1": Role.GENERAL_MANAGER, "hr1": Role.HR, "fin1": Role.FINANCE, "ho_group": Role.HEAD_OFFICE,
    "ho_r1": Role.HEAD_OFFICE, "admin": "superuser",
}
EVERYONE = frozenset({"c1", "c2", "c3", "c4", "c5", "c6", "sup1", "m1", "dep1", "gm1", "hr1", "fin1", "m2",
                      "ho_group", "ho_r1", "ho_g2", "admin", "nostaff"})
CONSULTANTS = frozenset({"c1", "c2", "c3", "c4", "c5", "c6"})
HEAD_OFFICE = frozenset({"ho_group", "ho_r1", "ho_g2"})
# Menu entries whose page refuses (403) exactly those without the entry's permission.
GUARDED = frozenset({"lead-new", "team-board", "followup-quality", "desk-settings", "approvals", "monthly-analysis",
                     "imports", "desk-today", "visit-list", "testdrive-board"})


@pytest.fixture
def world() -> World:
    world = build_world()
    s1 = world.stores["S1"]
    _staff(world, "dep1", Role.DEPUTY_MANAGER, s1.region.group, s1)
    return world


def user(name: str) -> User:
    """A fresh user object (its Viewer is made once per object)."""
    return User.objects.get(username=name)


def who_may(permission: str, obj: Model | None = None, among: frozenset[str] = EVERYONE) -> set[str]:
    return {name for name in among if user(name).has_perm(permission, obj)}


def menu_links(client, name: str) -> list[str]:
    client.force_login(user(name))
    page = client.get(reverse("home")).content.decode()
    start = page.index('id="menu"')
    menu = page[start:page.index("</nav>", start)]
    return re.findall(r'href="([^"]+)"', menu)


# --- the menu ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ROLES)
def test_every_menu_link_opens_for_its_reader(client, world: World, name: str) -> None:
    links = menu_links(client, name)
    assert reverse("home") in links and any("/records/" in link for link in links)
    refused = {link: status for link in links if (status := client.get(link).status_code) != 200}
    assert refused == {}, f"{name} ({ROLES[name]}) is shown links that do not open"


@pytest.mark.parametrize("name", ROLES)
def test_a_guarded_page_is_in_the_menu_exactly_when_its_reader_may_open_it(client, world: World, name: str) -> None:
    links = set(menu_links(client, name))
    for item in menu_items():
        if item.url_name not in GUARDED:
            continue
        url = reverse(item.url_name)
        allowed = user(name).has_perm(item.permission)
        assert (url in links) is allowed, (name, item.url_name)
        if not allowed:
            assert client.get(url).status_code == 403, (name, item.url_name)


def test_hr_is_not_offered_a_new_a_card(client, world: World) -> None:
    """The bug this started from: HR saw 新建A卡 in the menu and got 403 when clicking it."""
    assert reverse("lead-new") not in menu_links(client, "hr1")
    assert client.get(reverse("lead-new")).status_code == 403
    assert reverse("desk-today") in menu_links(client, "hr1"), "HR reads the desk"


def test_the_menu_follows_the_role(client, world: World) -> None:
    c1, m1, ho = (set(menu_links(client, name)) for name in ("c1", "m1", "ho_group"))
    assert {reverse("lead-new"), reverse("my-statements")} <= c1
    assert not {reverse("team-board"), reverse("run-list"), reverse("imports"), reverse("approvals")} & c1
    assert {reverse("team-board"), reverse("grade-settings"), reverse("desk-settings"), reverse("imports"),
            reverse("approvals"), reverse("run-list")} <= m1
    assert reverse("my-statements") not in m1
    assert {reverse("monthly-analysis"), reverse("imports"), reverse("targets-month"), reverse("approvals"),
            reverse("draft-list")} <= ho  # head office approves the group's plans
    assert not {reverse("desk-today"), reverse("lead-new")} & ho
    assert reverse("draft-list") in m1 and reverse("draft-list") not in c1


def test_the_menu_is_in_the_reader_s_language(client, world: World) -> None:
    """The menu is rendered once for each set of entries and language (web.context.menu_html): a reader who
    switches language gets the menu in the new one, and the same menu as before when switching back."""
    def menu(language: str) -> str:
        client.cookies["django_language"] = language
        page = client.get(reverse("home")).content.decode()
        start = page.index('id="menu"')
        return page[start:page.index("</nav>", start)]

    client.force_login(user("m1"))
    chinese, english = menu("zh-hans"), menu("en")
    with translation.override("zh-hans"):
        heading = str(translation.gettext("Sales desk"))
    assert heading != "Sales desk" and heading in chinese and "Sales desk" not in chinese
    assert "Sales desk" in english and heading not in english
    assert menu("zh-hans") == chinese


def test_no_menu_for_a_login_without_a_staff_member(client, world: World) -> None:
    client.force_login(user("nostaff"))
    assert 'id="menu"' not in client.get(reverse("home")).content.decode()


def test_the_master_data_link_is_for_those_who_may_edit_it(client, world: World) -> None:
    for name, shown in (("ho_group", True), ("admin", True), ("m1", False), ("hr1", False)):
        client.force_login(user(name))
        assert (reverse("admin:index") in client.get(reverse("home")).content.decode()) is shown, name


def test_every_menu_entry_names_a_page_and_a_known_permission(world: World) -> None:
    import rules

    for item in menu_items():
        reverse(item.url_name)
        assert item.permission is None or rules.perm_exists(item.permission), item
    with pytest.raises(ValueError, match="twice"):
        register_menu(MenuItem("desk", "again", "lead-new"))
    with pytest.raises(ValueError, match="no menu section"):
        register_menu(MenuItem("nowhere", "lost", "nowhere-page"))


# --- the approvals inbox ----------------------------------------------------------------------------------------


def test_the_approvals_inbox_shows_the_kinds_its_reader_decides(client, world: World) -> None:
    sections = {"sup1": {"inbox-lost-sales", "inbox-claims"},
                "m1": {"inbox-orders", "inbox-lost-sales", "inbox-claims", "inbox-faults"},
                "gm1": {"inbox-orders", "inbox-lost-sales", "inbox-claims", "inbox-fault-appeals"}}
    for name, expected in sections.items():
        client.force_login(user(name))
        page = client.get(reverse("approvals")).content.decode()
        assert set(re.findall(r'data-testid="(inbox-[a-z-]+)"', page)) == expected, name
    client.force_login(user("m1"))
    assert "c1" in client.get(reverse("approvals")).content.decode(), "c1's request below the floor"
    for name in ("c1", "hr1", "fin1"):
        client.force_login(user(name))
        assert client.get(reverse("approvals")).status_code == 403, name
    client.force_login(user("ho_group"))  # head office approves the group's plans: nothing proposed yet
    assert not re.findall(r'data-testid="(inbox-[a-z-]+)"', client.get(reverse("approvals")).content.decode())


# --- has_perm ---------------------------------------------------------------------------------------------------


def test_who_may_do_what_at_all(world: World) -> None:
    desk = CONSULTANTS | {"sup1", "m1", "dep1", "gm1", "m2"}
    expected = {
        "crm.view_desk": desk | {"hr1", "fin1"},
        "crm.add_lead": desk,
        "crm.change_lead": desk,
        "crm.view_followup_quality": {"sup1", "m1", "dep1", "gm1", "hr1", "fin1", "m2"},
        "reports.view_team_board": {"sup1", "m1", "dep1", "gm1", "hr1", "fin1", "m2"},
        "crm.decide_lost_sale": {"sup1", "m1", "dep1", "gm1", "m2"},
        "crm.change_grade": {"m1", "dep1", "m2"},
        "sales.decide_order_approval": {"m1", "dep1", "gm1", "m2"},
        "sales.change_desk_settings": {"m1", "dep1", "gm1", "m2"},
        "reports.view_monthly_analysis": {"m1", "dep1", "gm1", "hr1", "fin1", "m2", "admin"} | HEAD_OFFICE,
        "imports.import_data": {"m1", "dep1", "gm1", "m2", "admin"} | HEAD_OFFICE,
        "stock.view_vehicle_orders": {"m1", "dep1", "gm1", "m2", "admin"} | HEAD_OFFICE,
        "pay.download_payroll": {"m1", "dep1", "gm1", "hr1", "fin1", "m2", "admin"} | HEAD_OFFICE,
        "pay.view_run": EVERYONE - CONSULTANTS - {"nostaff"},
        "pay.view_own_pay": CONSULTANTS,
        "pay.add_run": {"m1", "dep1", "m2", "admin"},
        "targets.change_target": {"m1", "dep1", "m2", "admin"} | HEAD_OFFICE,
        "targets.view_store_targets": {"m1", "dep1", "gm1", "hr1", "fin1", "m2", "admin"} | HEAD_OFFICE,
        "org.change_master_data": {"admin"} | HEAD_OFFICE,
        "web.view_approvals": {"sup1", "m1", "dep1", "gm1", "m2", "admin"} | HEAD_OFFICE,  # plans; queries
        "studio.write_draft": {"m1", "dep1", "hr1", "m2", "admin"} | HEAD_OFFICE,
        "studio.decide_draft": {"gm1", "admin"} | HEAD_OFFICE,
        "conduct.view_conduct": desk | {"hr1", "fin1", "admin"} | HEAD_OFFICE,
        "conduct.decide_fault": {"m1", "dep1", "m2"},
        "conduct.decide_appeal": {"gm1"},
    }
    for permission, names in expected.items():
        assert who_may(permission) == names, permission


def test_who_may_act_on_a_record(world: World) -> None:
    s1 = world.stores["S1"]
    shared = Order.objects.get(consultant=world.staff["c1"], credits__staff=world.staff["c2"])
    lead = Lead.objects.get(owner=world.staff["c1"], status=Lead.Status.OPEN)
    request = OrderApproval.objects.get(order=shared)  # below the floor, asked by c1
    vehicle = Vehicle.objects.filter(store=s1, status=Vehicle.Status.IN_STOCK).first()
    complaint = Complaint.objects.get(about_staff=world.staff["c3"])
    Complaint.objects.filter(pk=complaint.pk).update(handler=world.staff["hr1"])
    complaint.refresh_from_db()
    fault = Fault.objects.get(staff=world.staff["c1"])
    s1_desk = {"sup1", "m1", "dep1", "gm1"}
    cases = [
        ("sales.add_order", lead, {"c1"} | s1_desk),
        ("sales.change_order", shared, {"c1"} | s1_desk),  # not c2, only credited on it
        ("sales.unwind_order", shared, {"m1", "dep1", "gm1"}),
        ("sales.decide_order_approval", request, {"m1", "dep1", "gm1"}),
        ("crm.change_lead", lead, {"c1"} | s1_desk),
        ("stock.transfer_vehicle", vehicle, {"m1", "dep1", "gm1"}),
        ("stock.order_vehicles", s1, {"m1", "dep1", "gm1"}),
        ("stock.manage_dealers", SecondaryDealer.objects.get(store=s1), {"m1", "dep1", "gm1"}),
        ("targets.change_target", s1, {"m1", "dep1", "ho_group", "ho_r1", "admin"}),
        ("people.add_training", s1, s1_desk),
        ("people.change_checklist", s1, s1_desk),
        ("people.change_meeting_notes", s1, s1_desk),
        ("market.add_competitor_price", s1, {"c1", "c2", "c3", "hr1", "fin1"} | s1_desk),
        ("crm.add_complaint", s1, {"m1", "dep1", "gm1"}),
        ("crm.change_complaint", complaint, {"m1", "dep1", "gm1", "hr1"}),  # the managers and the handler
        ("crm.assign_complaint", complaint, {"m1", "dep1", "gm1"}),
        ("conduct.record_fault", s1, s1_desk),
        ("conduct.check_process", s1, s1_desk),
        ("conduct.change_standards", s1, {"m1", "dep1"}),
        ("conduct.decide_fault", fault, {"m1", "dep1"}),  # the sales management of c1's store
        ("conduct.appeal_fault", fault, {"c1"}),  # the one it is against
        ("conduct.decide_appeal", fault, {"gm1"}),
    ]
    for permission, record, names in cases:
        assert who_may(permission, record) == names, permission


def test_who_may_move_a_bonus_run(world: World) -> None:
    run = Run.objects.create(store=world.stores["S1"], period=datetime.date(2026, 10, 1), number=1,
                             status=Run.Status.DRAFT)
    moves = {"pay.compute_run": {"m1", "dep1", "admin"}, "pay.submit_run": {"m1", "dep1", "admin"},
             "pay.approve_run": set(), "pay.return_run": set(), "pay.lock_run": set(),
             "pay.download_payroll": {"m1", "dep1", "gm1", "hr1", "fin1", "admin", "ho_group", "ho_r1"}}
    for permission, names in moves.items():
        assert who_may(permission, run, frozenset(ROLES) | {"m2"}) == names, permission
    workflow.submit(run, viewer_for(user("m1")), user("m1"))
    assert who_may("pay.approve_run", run) == who_may("pay.return_run", run) == {"gm1", "admin"}
    with pytest.raises(PermissionDenied):
        workflow.lock(run, viewer_for(user("hr1")), user("hr1"))
    workflow.approve(run, viewer_for(user("gm1")), user("gm1"))
    assert who_may("pay.lock_run", run) == {"hr1", "fin1", "admin"}


def test_a_command_asks_about_a_viewer(world: World) -> None:
    """Commands that act with no login (``dealerkpi import``) ask the same permissions about a Viewer."""
    import rules

    from dealerkpi.core.scope import Reach, Viewer

    assert rules.has_perm("imports.import_data", Viewer(Reach.EVERYTHING))
    assert not rules.has_perm("imports.import_data", viewer_for(user("c1")))
    assert rules.has_perm("crm.decide_lost_sale", viewer_for(user("sup1")))


# --- visible_to by action ---------------------------------------------------------------------------------------


def pks(model: type[Model], name: str, action: str) -> set[int]:
    return set(visible_to(model._default_manager.all(), viewer_for(user(name)), action).values_list("pk", flat=True))


def test_changing_and_approving_reach_no_further_than_seeing(world: World) -> None:
    for model in TAGGED_MODELS:
        for name in ("c1", "c2", "sup1", "m1", "hr1", "ho_group", "admin", "nostaff"):
            seen = pks(model, name, "view")
            assert pks(model, name, "approve") <= pks(model, name, "change") <= seen, (model.__name__, name)


def test_those_who_only_read_sales_records_change_none(world: World) -> None:
    sales_models = [model for model in TAGGED_MODELS if model.scope.sales]
    assert {Lead, Order, OrderApproval, LostSale} <= set(sales_models) and Complaint not in sales_models
    for model in sales_models:
        for name in ("hr1", "fin1", "ho_group", "admin"):
            assert not pks(model, name, "change"), (model.__name__, name)
            assert pks(model, name, "view") or model not in (Lead, Order), (model.__name__, name)
        assert pks(model, "m1", "change") == pks(model, "m1", "view")
        assert pks(model, "sup1", "approve") == pks(model, "sup1", "view")
        assert not pks(model, "c1", "approve")
    assert pks(Complaint, "hr1", "change") == pks(Complaint, "hr1", "view")


def test_a_consultant_changes_their_own_deals_not_those_they_are_credited_on(world: World) -> None:
    shared = Order.objects.get(consultant=world.staff["c1"], credits__staff=world.staff["c2"])
    assert shared.pk in pks(Order, "c2", "view") and shared.pk not in pks(Order, "c2", "change")
    assert shared.pk in pks(Order, "c1", "change")


@pytest.mark.parametrize(("model", "permission"), [(Order, "sales.change_order"), (Lead, "crm.change_lead")])
def test_the_change_scope_and_the_permission_agree(world: World, model: type[Model], permission: str) -> None:
    # A supervisor's team changes: c3 (team T2) joins T1, so sup1 sees and changes c3's records too.
    TeamMembership.objects.create(staff=world.staff["c3"], team=world.teams["T1"], valid_from=HIRED)
    for name in ("c1", "c2", "sup1", "m1", "gm1", "hr1", "ho_group", "admin"):
        seen = model._default_manager.filter(pk__in=pks(model, name, "view"))
        changed = pks(model, name, "change")
        for record in seen:
            assert user(name).has_perm(permission, record) is (record.pk in changed), (name, record.pk)


def test_an_unknown_action_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        visible_to(Order.objects.all(), viewer_for(user("m1")), "delete")

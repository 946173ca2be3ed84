"""The browse pages through HTTP: every page for every role, scope on lists and details, query counts."""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealerkpi.core.models import AuditEntry
from dealerkpi.core.registry import browse_entries
from dealerkpi.org.models import Role, User
from dealerkpi.org.scope import visible
from tests.world import PASSWORD, World, build_world

ROLES = ("c1", "sup1", "m1", "gm1", "hr1", "ho_group", "ho_r1", "admin")
DETAIL_LINK = re.compile(r'href="/records/([a-z-]+)/(\d+)/"')


class BrowsePagesTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def login(self, username: str) -> None:
        self.assertTrue(self.client.login(username=username, password=PASSWORD))

    def test_list_pages_show_exactly_the_visible_records(self) -> None:
        for username in ROLES:
            self.login(username)
            user = User.objects.get(username=username)
            for entry in browse_entries():
                with self.subTest(user=username, page=entry.slug):
                    response = self.client.get(reverse("record-list", args=[entry.slug]))
                    self.assertEqual(response.status_code, 200)
                    shown = {int(pk) for slug, pk in DETAIL_LINK.findall(response.content.decode())
                             if slug == entry.slug}
                    expected = set(visible(entry.model, user).values_list("pk", flat=True))
                    self.assertEqual(shown, expected)

    def test_details_outside_the_scope_are_not_found(self) -> None:
        for username in ("c1", "sup1", "m1", "ho_r1"):
            self.login(username)
            user = User.objects.get(username=username)
            for entry in browse_entries():
                allowed = set(visible(entry.model, user).values_list("pk", flat=True))
                for pk in entry.model._default_manager.values_list("pk", flat=True):
                    with self.subTest(user=username, page=entry.slug, pk=pk):
                        response = self.client.get(reverse("record-detail", args=[entry.slug, pk]))
                        self.assertEqual(response.status_code, 200 if pk in allowed else 404)

    def test_phone_numbers_are_masked_except_for_the_owning_consultant(self) -> None:
        customer = self.world.staff["c1"].customers.get()
        url = reverse("record-detail", args=["customers", customer.pk])
        self.login("c1")
        self.assertContains(self.client.get(url), customer.phone)
        self.login("m1")
        response = self.client.get(url)
        self.assertNotContains(response, customer.phone)
        self.assertContains(response, customer.masked_phone)

    def test_list_filters_only_offer_what_the_viewer_may_see(self) -> None:
        self.login("c1")
        response = self.client.get(reverse("record-list", args=["leads"]))
        owner_choices = response.context["filterset"].form.fields["owner"].queryset
        self.assertEqual(set(owner_choices.values_list("name", flat=True)), {"c1"})

    def test_query_count_does_not_grow_with_rows(self) -> None:
        """A list page makes a fixed number of queries, whatever it shows (no query per row)."""
        self.login("admin")
        for entry in browse_entries():
            with self.subTest(page=entry.slug):
                url = reverse("record-list", args=[entry.slug])
                with CaptureQueriesContext(connection) as few:
                    self.client.get(url, {"per_page": 1})
                with CaptureQueriesContext(connection) as many:
                    self.client.get(url, {"per_page": 100})
                self.assertEqual(len(many), len(few), [q["sql"] for q in many.captured_queries])


class HomeAndLoginTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def test_anonymous_users_are_sent_to_login(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, f"{reverse('login')}?next=/")

    def test_wrong_password_is_refused_with_a_message(self) -> None:
        response = self.client.post(reverse("login"), {"username": "c1", "password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)

    def test_each_role_lands_on_its_home(self) -> None:
        for username, marker in (("c1", 'data-testid="my-day"'), ("m1", 'data-testid="funnel"'),
                                 ("ho_group", 'data-testid="funnel"')):
            with self.subTest(user=username):
                self.client.login(username=username, password=PASSWORD)
                response = self.client.get(reverse("home"))
                self.assertContains(response, marker)

    def test_head_office_funnel_is_by_store_and_consultant_funnel_by_person(self) -> None:
        self.client.login(username="ho_r1", password=PASSWORD)
        rows = {row.label for row in self.client.get(reverse("home")).context["funnel"].rows}
        self.assertEqual(rows, {"S1店", "S2店"})
        self.client.login(username="sup1", password=PASSWORD)
        rows = {row.label for row in self.client.get(reverse("home")).context["funnel"].rows}
        self.assertEqual(rows, {"c1", "c2"})

    def test_interface_is_chinese_by_default_and_english_on_request(self) -> None:
        self.client.login(username="c1", password=PASSWORD)
        self.assertContains(self.client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"), "退出")
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertContains(self.client.get(reverse("home")), "Log out")


class MasterDataAdminTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def test_only_head_office_and_superusers_reach_the_admin(self) -> None:
        for username, status in (("c1", 302), ("m1", 302), ("ho_group", 200), ("admin", 200)):
            with self.subTest(user=username):
                self.client.login(username=username, password=PASSWORD)
                self.assertEqual(self.client.get(reverse("admin:index")).status_code, status)

    def test_head_office_edits_only_its_own_group(self) -> None:
        self.client.login(username="ho_group", password=PASSWORD)
        response = self.client.get(reverse("admin:org_store_changelist"))
        self.assertContains(response, "S3店")
        self.assertNotContains(response, "S4店")
        other = self.world.stores["S4"]
        self.assertEqual(self.client.get(reverse("admin:org_store_change", args=[other.pk])).status_code, 302)

    def test_changing_a_role_in_the_admin_is_audited_and_kept_in_the_role_history(self) -> None:
        staff = self.world.staff["c3"]
        self.client.login(username="ho_group", password=PASSWORD)
        url = reverse("admin:org_staff_change", args=[staff.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() or "" for name in form.fields}
        data.update({"role": Role.SUPERVISOR})
        for prefix in ("memberships", "role_history"):
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and
                         response.context["adminform"].form.errors)
        staff.refresh_from_db()
        self.assertEqual(staff.role, Role.SUPERVISOR)
        self.assertEqual(list(staff.role_history.order_by("valid_from").values_list("role", flat=True)),
                         [Role.CONSULTANT, Role.SUPERVISOR])
        changes = AuditEntry.objects.filter(  # a change of role changes what the person may do (so did the hiring)
            content_type=ContentType.objects.get_for_model(staff), object_id=str(staff.pk), action="permissions"
        )
        entry = changes.exclude(before=None).get()
        self.assertEqual(entry.actor.username, "ho_group")
        self.assertEqual((entry.before["role"], entry.after["role"]), (Role.CONSULTANT, Role.SUPERVISOR))

"""Data scope is security: the role x record matrix, for every record type users can browse."""

from __future__ import annotations

from django.db.models import Model
from django.test import TestCase

from dealerkpi.core.registry import browse_entries
from dealerkpi.core.scope import visible_to
from dealerkpi.org.models import Staff, Store, Team, User
from dealerkpi.org.scope import viewer_for, visible
from dealerkpi.sales.models import Order
from tests.world import World, build_world

STORE_VIEWERS = {
    "m1": {"S1"}, "gm1": {"S1"}, "hr1": {"S1"}, "fin1": {"S1"}, "m2": {"S2"},
    "ho_group": {"S1", "S2", "S3"}, "ho_r1": {"S1", "S2"}, "ho_g2": {"S4"},
}
PERSON_VIEWERS = {  # whose records each consultant or supervisor sees, and their store
    "c1": ({"c1"}, "S1"), "c2": ({"c2"}, "S1"), "c3": ({"c3"}, "S1"), "c4": ({"c4"}, "S2"),
    "c6": ({"c6"}, "S4"), "sup1": ({"c1", "c2", "sup1"}, "S1"),
}
STORE_OF = {"c1": "S1", "c2": "S1", "c3": "S1", "c4": "S2", "c5": "S3", "c6": "S4"}
TAGGED_MODELS = [entry.model for entry in browse_entries() if entry.model.scope.store is not None
                 and entry.model not in (Staff, Team, Store)]


def expected_visible(viewer: str, owners: frozenset[str]) -> bool:
    """The rule from the product brief, written independently of core.scope."""
    store_tag = next((o.removeprefix("store:") for o in owners if o.startswith("store:")), None)
    record_store = store_tag or STORE_OF[next(iter(owners))]
    if viewer == "admin":
        return True
    if viewer in STORE_VIEWERS:
        return record_store in STORE_VIEWERS[viewer]
    if viewer in PERSON_VIEWERS:
        people, store = PERSON_VIEWERS[viewer]
        return record_store == store if store_tag else bool(owners & people)
    return False


class ScopeMatrixTest(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def _visible_pks(self, model: type[Model], username: str) -> set[int]:
        return set(visible(model, User.objects.get(username=username)).values_list("pk", flat=True))

    def test_every_store_record_type_for_every_role(self) -> None:
        viewers = [*STORE_VIEWERS, *PERSON_VIEWERS, "admin", "nostaff"]
        for model in TAGGED_MODELS:
            rows = {pk: owners for (m, pk), owners in self.world.owners.items() if m is model}
            self.assertEqual(set(rows), set(model._default_manager.values_list("pk", flat=True)),
                             f"every {model.__name__} row in the world is tagged")
            for viewer in viewers:
                with self.subTest(model=model.__name__, viewer=viewer):
                    expected = {pk for pk, owners in rows.items() if expected_visible(viewer, owners)}
                    self.assertEqual(self._visible_pks(model, viewer), expected)

    def test_split_credit_partner_sees_the_shared_deal_but_not_the_others_other_deals(self) -> None:
        c2_orders = visible(Order, User.objects.get(username="c2"))
        consultants = set(c2_orders.values_list("consultant__name", flat=True))
        self.assertEqual(consultants, {"c1", "c2"})
        self.assertEqual(c2_orders.filter(consultant__name="c1").count(), 1, "only the shared order of c1")

    def test_a_person_scope_takes_the_keys_from_the_records_asked_for(self) -> None:
        """An order is c2's by its consultant or a credit (two owner paths): the records are those of the whole
        scope that the filter asked for, and the filter is inside the keys' subquery too, so the database need not
        list every order of the person first (SQLite did)."""
        viewer = viewer_for(User.objects.get(username="c2"))
        asked = Order.objects.filter(consultant__name="c1")
        narrowed = visible_to(asked, viewer)
        self.assertEqual(set(narrowed.values_list("pk", flat=True)),
                         set(visible(Order, User.objects.get(username="c2")).filter(consultant__name="c1")
                             .values_list("pk", flat=True)))
        self.assertEqual(narrowed.count(), 1, "only the shared order of c1")
        sql = str(narrowed.query)
        self.assertEqual(sql.count('"name" = c1'), 2, sql)

    def test_staff_records(self) -> None:
        names = lambda user: set(visible(Staff, User.objects.get(username=user)).values_list("name", flat=True))  # noqa: E731
        self.assertEqual(names("c1"), {"c1"})
        self.assertEqual(names("sup1"), {"c1", "c2", "sup1"})
        self.assertEqual(names("m1"), {"c1", "c2", "c3", "sup1", "m1", "gm1", "hr1", "fin1"})
        self.assertEqual(names("m2"), {"c4", "m2"})
        self.assertEqual(names("ho_r1"), {"c1", "c2", "c3", "sup1", "m1", "gm1", "hr1", "fin1", "c4", "m2"})
        self.assertIn("c5", names("ho_group"))
        self.assertNotIn("c6", names("ho_group"))
        self.assertEqual(names("ho_g2"), {"c6", "ho_g2"})
        self.assertEqual(names("nostaff"), set())

    def test_stores_and_teams(self) -> None:
        stores = lambda user: set(visible(Store, User.objects.get(username=user)).values_list("code", flat=True))  # noqa: E731
        self.assertEqual(stores("c1"), {"S1"})
        self.assertEqual(stores("m2"), {"S2"})
        self.assertEqual(stores("ho_r1"), {"S1", "S2"})
        self.assertEqual(stores("ho_group"), {"S1", "S2", "S3"})
        self.assertEqual(stores("admin"), {"S1", "S2", "S3", "S4"})
        teams = lambda user: set(visible(Team, User.objects.get(username=user)).values_list("name", flat=True))  # noqa: E731
        self.assertEqual(teams("sup1"), {"一组"})
        self.assertEqual(teams("m1"), {"一组", "二组"})

    def test_catalogue_is_shared_with_all_staff_but_not_with_unlinked_logins(self) -> None:
        from dealerkpi.catalog.models import VehicleModel

        self.assertEqual(self._visible_pks(VehicleModel, "c6"), self._visible_pks(VehicleModel, "admin"))
        self.assertEqual(self._visible_pks(VehicleModel, "nostaff"), set())

    def test_a_leaver_sees_nothing(self) -> None:
        import datetime

        from dealerkpi.crm.models import Lead

        staff = self.world.staff["c3"]
        staff.leave_date = datetime.date(2026, 1, 31)
        staff.save()
        self.assertEqual(self._visible_pks(Lead, "c3"), set())

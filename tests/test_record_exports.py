"""Every browse table back out (docs/exports.md): the export holds the rows of the page (the reader's scope, the
search and the filters), every one of them, in the reader's language, numbers masked as on the page; an export of
a table that names people is audited (who, which table, the filters, the rows); xlsx and csv agree."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealerkpi.core.models import AuditEntry
from dealerkpi.core.registry import PERSONAL_RECORDS, browse_entries
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import Customer, Lead
from dealerkpi.org.scope import viewer_for
from dealerkpi.stock.models import Vehicle
from tests.world import World, build_world, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def url(slug: str, fmt: str = "csv") -> str:
    return reverse("record-export", args=[slug, fmt])


def csv_rows(client: Client, slug: str, fmt: str = "csv", **filters: object) -> list[list[str]]:
    response = client.get(url(slug, fmt), filters)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def ids(rows: list[list[str]]) -> set[int]:
    return {int(row[0]) for row in rows[1:]}


@pytest.mark.parametrize("username", ["c1", "sup1", "m1", "ho_r1", "hr1"])
def test_an_export_holds_exactly_the_rows_its_reader_sees(world: World, username: str) -> None:
    client = signed_in(username)
    for slug in ("leads", "orders", "customers"):
        model = {"leads": Lead, "customers": Customer}.get(slug) or Lead._meta.apps.get_model("sales", "Order")
        seen = set(visible_to(model.objects.all(), viewer_for(world.users[username])).values_list("pk", flat=True))
        assert ids(csv_rows(client, slug)) == seen, slug
    if username == "c1":  # one consultant: their own cards only, out of the six consultants' cards
        mine = set(Lead.objects.filter(owner=world.staff["c1"]).values_list("pk", flat=True))
        assert ids(csv_rows(client, "leads")) == mine and Lead.objects.count() > len(mine)


def test_the_search_and_the_filters_of_the_page_are_applied(world: World) -> None:
    client = signed_in("m1")
    lost = set(Lead.objects.filter(store=world.stores["S1"], status="lost").values_list("pk", flat=True))
    assert lost and ids(csv_rows(client, "leads", status="lost")) == lost
    c2 = set(Lead.objects.filter(owner=world.staff["c2"]).values_list("pk", flat=True))
    assert ids(csv_rows(client, "leads", owner=world.staff["c2"].pk)) == c2
    customer = Customer.objects.filter(owner=world.staff["c1"]).first()
    assert ids(csv_rows(client, "customers", q=customer.name)) == {customer.pk}
    page = client.get(reverse("record-list", args=["leads"]), {"status": "lost", "page": "1"}).content.decode()
    assert f'href="{url("leads", "xlsx")}?status=lost"' in page  # the page's links keep its filters


def test_xlsx_and_csv_hold_the_same_rows_typed_for_a_spreadsheet(world: World) -> None:
    client = signed_in("m1")
    as_csv, as_xlsx = csv_rows(client, "orders"), csv_rows(client, "orders", "xlsx")
    assert as_xlsx[0] == as_csv[0] and ids(as_xlsx) == ids(as_csv)
    header = as_csv[0]
    assert header[:3] == ["ID", "Ordered at", "Customer"]
    row = next(row for row in as_csv[1:] if row[header.index("Status")] == "Cancelled")
    assert row[header.index("Vehicle price")] == "219800.00" and row[header.index("Cross-region sale")] == "No"
    assert row[header.index("Ordered at")] == "2026-10-05 10:00:00"  # the store's time, not UTC
    book = load_workbook(io.BytesIO(b"".join(client.get(url("orders", "xlsx")).streaming_content)))
    price = book.active.cell(row=2, column=header.index("Vehicle price") + 1)
    assert isinstance(price.value, (int, float)) and price.number_format == "#,##0.00"


def test_the_export_is_in_the_readers_language(world: World) -> None:
    client = signed_in("m1")
    client.cookies.pop("django_language")  # zh-Hans unless chosen
    chinese = csv_rows(client, "orders")
    assert chinese[0][:3] == ["编号", "下订时间", "客户"] and "否" in chinese[1]  # Django's own "ID" too
    assert "已取消" in {row[chinese[0].index("状态")] for row in chinese[1:]}


def test_the_export_follows_the_column_sort_of_the_page(world: World) -> None:
    client = signed_in("m1")
    newest_first = [int(row[0]) for row in csv_rows(client, "orders")[1:]]
    assert len(newest_first) > 3 and newest_first == sorted(newest_first, reverse=True)  # the page's default
    assert [int(row[0]) for row in csv_rows(client, "orders", sort="id")[1:]] == sorted(newest_first)
    rows = csv_rows(client, "orders", "xlsx", sort="-price")
    prices = [float(row[rows[0].index("Vehicle price")]) for row in rows[1:]]
    assert prices == sorted(prices, reverse=True) and prices[0] > prices[-1]  # 219,800 first, 205,800 last
    # A name that is no sortable column of the table is ignored, as the page ignores it: never a 500.
    for nonsense in ("customer__phone", "--id", "password", "id;drop", "\x00", ""):
        assert [int(row[0]) for row in csv_rows(client, "orders", sort=nonsense)[1:]] == newest_first, nonsense
    assert [int(row[0]) for row in csv_rows(client, "orders", sort=["bogus", "id"])[1:]] == sorted(newest_first)
    page = client.get(reverse("record-list", args=["orders"]), {"sort": "-price", "page": "1"}).content.decode()
    assert f'href="{url("orders", "csv")}?sort=-price"' in page  # the page's links carry its sort


def test_the_links_are_in_the_readers_language(world: World) -> None:
    client = signed_in("m1")
    client.cookies.pop("django_language")
    page = client.get(reverse("record-list", args=["orders"])).content.decode()
    assert "Excel 工作簿" in page and "CSV 文件" in page and ">编号<" in page


def test_numbers_are_masked_as_on_the_page(world: World) -> None:
    phones = dict(Customer.objects.values_list("pk", "phone"))
    own = {row[0]: row[2] for row in csv_rows(signed_in("c1"), "customers")[1:]}
    assert own and all(phone == phones[int(pk)] for pk, phone in own.items())
    managed = {row[0]: row[2] for row in csv_rows(signed_in("m1"), "customers")[1:]}
    assert managed and all(phone == f"{phones[int(pk)][:3]}****{phones[int(pk)][-4:]}" for pk, phone in managed.items())
    assert {row[2] for row in csv_rows(signed_in("hr1"), "customers")[1:]} == {"—"}


def test_an_export_of_people_is_audited_and_one_of_cars_is_not(world: World) -> None:
    client = signed_in("m1")
    rows = csv_rows(client, "leads", status="lost", page="2")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DOWNLOAD,
                                   content_type=ContentType.objects.get_for_model(Lead))
    assert entry.actor == world.users["m1"] and entry.object_repr == "leads"
    assert entry.after == {"table": "leads", "filters": {"status": ["lost"]}, "rows": len(rows) - 1,
                           "format": "csv"}
    assert entry.detail.startswith("leads-") and entry.detail.endswith(".csv")
    csv_rows(client, "vehicles", "xlsx")
    assert not AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Vehicle)).exists()


def test_every_table_that_shows_a_person_is_personal() -> None:
    """The rule written out again: a customer, an A-card (its customer's name) or a member of staff, as the
    record itself or in a column."""
    for entry in browse_entries():
        shown = {entry.model._meta.label}
        for column in entry.columns:
            model = entry.model
            for step in column.split("__"):
                field = model._meta.get_field(step)
                model = field.related_model if field.is_relation else model
            if entry.model._meta.get_field(column.split("__")[0]).is_relation:
                shown.add(model._meta.label)
        assert entry.personal == bool(shown & PERSONAL_RECORDS), entry.slug
    assert {entry.slug for entry in browse_entries() if entry.personal} >= {"customers", "leads", "orders", "staff"}


def test_every_table_exports_in_both_formats(world: World) -> None:
    client = signed_in("m1")
    for entry in browse_entries():
        for fmt in ("csv", "xlsx"):
            rows = csv_rows(client, entry.slug, fmt)
            assert len(rows[0]) == len(entry.columns), (entry.slug, fmt)


def test_what_is_not_an_export_is_not_found(world: World) -> None:
    client = signed_in("m1")
    assert client.get(url("leads", "pdf")).status_code == 404
    assert client.get(url("nothing")).status_code == 404
    assert Client().get(url("leads")).status_code == 302  # to the login page


def test_an_export_reads_its_rows_in_the_same_queries_however_many(world: World) -> None:
    client = signed_in("m1")

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(client, "leads")
        return len(captured), len(rows) - 1

    before, listed = queries()
    staff = world.staff["c3"]
    for n in range(5):
        customer = Customer.objects.create(store=staff.store, owner=staff, name=f"新客户{n}", phone=f"1370000000{n}",
                                           created_at=timezone.now())
        Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="walk_in", grade="A",
                            intended_model=world.trim.vehicle_model, created_at=timezone.now())
    assert queries() == (before, listed + 5)

"""The column mappings page: whoever may import lists, makes (from a sample of the source's export), changes and
deletes the mappings of their stores, and of their groups when they may import into every store of one; what a
hand-made request sends is refused as a form error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dealerkpi.imports.models import ColumnMapping
from dealerkpi.org.scope import viewer_for
from tests.test_import_kinds import order_row, rows_of
from tests.test_imports import csv_file, run
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

EXPORT = ["门店", "合同编号", "客户手机", "客户", "销售顾问工号", "配置", "颜色", "签约日期", "指导价", "底价",
          "成交价"]


@pytest.fixture
def world() -> World:
    return build_world()


def client_for(world: World, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    client.cookies["django_language"] = "en"
    return client


def sample(header: list[str] = EXPORT) -> SimpleUploadedFile:
    return SimpleUploadedFile("dms.csv", csv_file(header, [["S1"] * len(header)]))


def new_mapping(client: Client, **fields: Any) -> Any:
    return client.post(reverse("imports-mappings"), {"kind": "orders", "name": "DMS 订单", "file": sample(),
                                                     **fields})


def saved(client: Client, world: World, pairs: dict[str, str], **fields: Any) -> Any:
    data = {"rows": len(pairs), "name": "DMS 订单", "place": f"store-{world.stores['S1'].pk}", **fields}
    for index, (source, target) in enumerate(pairs.items()):
        data[f"source_{index}"], data[f"target_{index}"] = source, target
    return client.post(reverse("imports-mapping-new", args=["orders"]), data)


DMS = {"合同编号": "order_no", "客户手机": "mobile", "客户": "customer", "销售顾问工号": "consultant", "配置": "trim",
       "签约日期": "ordered_at", "门店": ""}


def test_a_mapping_made_from_a_sample_reads_the_export_as_it_is(world: World) -> None:
    m1 = client_for(world, "m1")
    read = new_mapping(m1, place=f"store-{world.stores['S1'].pk}")
    page = read.content.decode()
    assert read.status_code == 200 and 'name="rows" value="12"' in page  # 11 names and one of the user's own
    # the names that are the template's already are guessed: 门店 is store, 颜色 colour, 指导价 guide_price...
    assert 'value="store" selected' in page and 'value="colour" selected' in page
    assert saved(m1, world, DMS).status_code == 302
    mapping = ColumnMapping.objects.get(name="DMS 订单")
    assert (mapping.store, mapping.group, mapping.kind) == (world.stores["S1"], world.stores["S1"].region.group,
                                                           "orders")
    assert mapping.columns == {key: value for key, value in DMS.items() if value}  # 门店 read as it is
    run("leads", rows_of("leads", {"store": "S1", "mobile": "13700000001", "customer": "赵女士",
                                   "owner": world.staff["c1"].employee_no, "source": "walk_in", "grade": "H",
                                   "opened_at": "2026-10-05 10:00", "next_follow_up_on": "2026-10-12"}))
    row = order_row(world)
    names = {ours: source for source, ours in DMS.items() if ours}
    export = csv_file([names.get(key, key) for key in row], [list(row.values())])
    outcome = run("orders", export, mapping=mapping, viewer=viewer_for(world.users["m1"]))
    assert outcome.ok and outcome.report.written == 1
    assert mapping.name in m1.get(reverse("imports-mappings")).content.decode()


def test_a_mapping_changed_and_deleted_by_who_may_import_into_its_store(world: World) -> None:
    s1, s4 = world.stores["S1"], world.stores["S4"]
    mine = ColumnMapping.objects.create(name="A", kind="orders", group=s1.region.group, store=s1,
                                        columns={"合同编号": "order_no"})
    group = ColumnMapping.objects.create(name="G", kind="orders", group=s1.region.group,
                                         columns={"合同号码": "order_no"})
    other = ColumnMapping.objects.create(name="B", kind="orders", group=s4.region.group, store=s4,
                                         columns={"合同编号": "order_no"})
    m1 = client_for(world, "m1")
    listed = m1.get(reverse("imports-mappings")).content.decode()
    assert f'data-testid="mapping-{mine.pk}"' in listed
    assert f'data-testid="mapping-{group.pk}"' not in listed and f'data-testid="mapping-{other.pk}"' not in listed
    edit = m1.get(reverse("imports-mapping", args=[mine.pk]))
    assert edit.status_code == 200 and "合同编号" in edit.content.decode()
    changed = m1.post(reverse("imports-mapping", args=[mine.pk]), {
        "rows": 2, "name": "A2", "place": f"store-{s1.pk}", "source_0": "合同编号", "target_0": "order_no",
        "source_1": "手机", "target_1": "mobile"})
    assert changed.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.columns) == ("A2", {"合同编号": "order_no", "手机": "mobile"})
    for pk in (group.pk, other.pk):  # a group's mapping is head office's; another group's is nobody's here
        assert m1.get(reverse("imports-mapping", args=[pk])).status_code == 404
        assert m1.post(reverse("imports-mapping-delete", args=[pk])).status_code == 404
    head_office = client_for(world, "ho_group")
    assert f'data-testid="mapping-{group.pk}"' in head_office.get(reverse("imports-mappings")).content.decode()
    assert head_office.post(reverse("imports-mapping-delete", args=[group.pk])).status_code == 302
    assert m1.post(reverse("imports-mapping-delete", args=[mine.pk])).status_code == 302
    assert list(ColumnMapping.objects.values_list("name", flat=True)) == ["B"]
    consultant = client_for(world, "c1")
    assert consultant.get(reverse("imports-mappings")).status_code == 403
    assert consultant.post(reverse("imports-mapping-delete", args=[other.pk])).status_code == 403


def test_hand_made_requests_are_form_errors(world: World) -> None:
    m1 = client_for(world, "m1")
    s1, s4 = world.stores["S1"], world.stores["S4"]
    beyond = new_mapping(m1, place=f"store-{s4.pk}")
    assert beyond.status_code == 400 and 'data-testid="place-errors"' in beyond.content.decode()
    assert new_mapping(m1, place=f"group-{s1.region.group_id}").status_code == 400  # m1 is not head office
    assert new_mapping(m1, place=f"store-{s1.pk}", kind="nonsense").status_code == 400
    unreadable = m1.post(reverse("imports-mappings"), {"kind": "orders", "name": "X", "place": f"store-{s1.pk}",
                                                       "file": SimpleUploadedFile("a.xlsx", b"not a zip")})
    assert unreadable.status_code == 400 and 'data-testid="file-errors"' in unreadable.content.decode()
    for rows in ("abc", "-1", "100000", ""):
        assert saved(m1, world, DMS, rows=rows).status_code == 400
    assert saved(m1, world, {"合同编号": "order_no", "合同号": "order_no"}).status_code == 400  # one column twice
    assert saved(m1, world, {"合同编号": "not_a_column"}).status_code == 400
    assert saved(m1, world, {"合同编号": ""}).status_code == 400  # nothing mapped
    assert saved(m1, world, {"x" * 300: "order_no"}).status_code == 400
    assert m1.post(reverse("imports-mapping-new", args=["nonsense"]), {"rows": 0}).status_code == 404
    assert saved(m1, world, {"合同编号": "order_no"}).status_code == 302
    twin = saved(m1, world, {"合同编号": "order_no"})
    assert twin.status_code == 400 and "already" in twin.content.decode()
    assert ColumnMapping.objects.count() == 1

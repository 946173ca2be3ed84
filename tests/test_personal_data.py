"""Customers' numbers (PIPL): a masked number cannot be recovered by searching a part of it digit by digit; HR and
finance neither see nor search numbers; downloads of personal data are in the audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.models import AuditEntry
from dealerkpi.crm.models import Customer, Lead
from dealerkpi.imports.models import ImportBatch
from tests.world import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db

NUMBER = "13912345678"


@pytest.fixture
def world() -> World:
    return build_world()


def login(client, key: str) -> None:  # noqa: ANN001
    assert client.login(username=key, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def card(world: World, key: str, phone: str = NUMBER, name: str = "王先生") -> Lead:
    staff = world.staff[key]
    customer = Customer.objects.create(store=staff.store, owner=staff, name=name, phone=phone,
                                       created_at=timezone.now())
    return Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="walk_in",
                               intended_model=VehicleModel.objects.get(code="YH-S7"), grade="A",
                               created_at=timezone.now())


def search(client, text: str):  # noqa: ANN001, ANN201
    return client.post(reverse("lead-search"), {"lead_q": text})


@pytest.mark.parametrize("key", ["m1", "gm1"])
def test_the_digit_by_digit_attack_is_refused_at_every_step(client, world: World, key: str) -> None:
    lead = card(world, "c1")
    login(client, key)
    for length in range(1, 11):
        response = search(client, NUMBER[:length])
        assert response.context["leads"] == [], f"{NUMBER[:length]} found a card"
        assert "whole 11-digit mobile number" in response.content.decode()
    found = search(client, "139 1234 5678")
    assert found.context["leads"] == [lead] and not found.context["form"].errors
    assert "139****5678" in found.content.decode() and NUMBER not in found.content.decode()


def test_the_owner_finds_their_own_customers_by_a_part_of_the_number_only(client, world: World) -> None:
    mine = card(world, "sup1")
    card(world, "c1", phone="13912340000")  # the supervisor's team: masked to them
    login(client, "sup1")
    assert search(client, "91234").context["leads"] == [mine]
    assert search(client, "1234000").context["leads"] == []
    login(client, "c1")
    assert [lead.customer.phone for lead in search(client, "1234000").context["leads"]] == ["13912340000"]


def test_names_are_still_searched(client, world: World) -> None:
    lead = card(world, "c1", name="李女士")
    for key in ("m1", "hr1", "c1"):
        login(client, key)
        assert search(client, "李女").context["leads"] == [lead]


@pytest.mark.parametrize("key", ["hr1", "fin1"])
def test_hr_and_finance_neither_see_nor_search_numbers(client, world: World, key: str) -> None:
    lead = card(world, "c1")
    login(client, key)
    for text in (NUMBER, "1391234"):
        response = search(client, text)
        assert response.context["leads"] == []
        assert "cannot search customers by their number" in response.content.decode()
    for url in (reverse("lead-detail", args=[lead.pk]), reverse("record-list", args=["customers"])):
        page = client.get(url).content.decode()
        assert NUMBER not in page and "139****5678" not in page, url
    detail = client.get(reverse("record-detail", args=["customers", lead.customer_id]))
    assert NUMBER not in detail.content.decode()
    assert [value for label, value, link in detail.context["rows"] if label == "mobile"] == ["—"]


def test_an_import_error_report_download_is_audited(client, world: World) -> None:
    user = get_user_model().objects.get(username="m1")
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.FOLLOW_UPS, outcome=ImportBatch.Outcome.REJECTED,
                                       file_name="follow-ups.xlsx", file_sha256="0" * 64, imported_by=user,
                                       actor="m1", started_at=timezone.now(), report=b"rows")
    login(client, "m1")
    response = client.get(reverse("imports-report", args=[batch.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DOWNLOAD,
                                   content_type=ContentType.objects.get_for_model(ImportBatch))
    assert entry.object_id == str(batch.pk) and entry.actor == user
    assert entry.detail == f"dealerkpi-follow_ups-{batch.pk}-problems.xlsx"

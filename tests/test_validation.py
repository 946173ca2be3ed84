"""Validation where data enters: each rule refuses bad input with a clear message, in both languages."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from dealerkpi.core.validators import mask_phone, validate_mainland_mobile, validate_vin, vin_check_digit
from dealerkpi.sales.models import validate_credit_shares
from tests.world import make_vin


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", "5GZCZ43D13S812715"])
def test_known_valid_vins_pass(vin: str) -> None:
    validate_vin(vin)


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("1M8GDM9A1KP042788", "vin_check_digit"),
        ("1M8GDM9AXKP04278", "vin_length"),
        ("1M8GDM9AXKP0427888", "vin_length"),
        ("1M8GDM9AXKPO42788", "vin_characters"),  # letter O where a zero belongs
        ("1m8gdm9axkp042788", "vin_characters"),
    ],
)
def test_bad_vins_are_refused_with_the_reason(vin: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_vin(vin)
    assert caught.value.code == code


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are checked in English unless a test says otherwise (zh-Hans is the default)."""
    with translation.override("en"):
        yield


def test_check_digit_message_names_the_expected_digit_in_both_languages() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_vin("1M8GDM9A1KP042788")
    assert "should be X, not 1" in caught.value.messages[0]
    with translation.override("zh-hans"):
        assert "校验位（第9位）应为 X，而不是 1" in caught.value.messages[0]


def test_generated_test_vins_carry_their_check_digit() -> None:
    for serial in (1, 42, 99999):
        vin = make_vin(serial)
        assert vin[8] == vin_check_digit(vin)
        validate_vin(vin)


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "15000000000"])
def test_mainland_mobiles_pass(phone: str) -> None:
    validate_mainland_mobile(phone)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "+8613800138000", "021-6888888"])
def test_other_numbers_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError):
        validate_mainland_mobile(phone)


def test_phone_is_masked_for_display() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_credit_shares_must_sum_to_100() -> None:
    validate_credit_shares([Decimal("50"), Decimal("50")])
    validate_credit_shares([Decimal("33.34"), Decimal("33.33"), Decimal("33.33")])
    with pytest.raises(ValidationError, match="99.99"):
        validate_credit_shares([Decimal("33.33"), Decimal("33.33"), Decimal("33.33")])


@pytest.mark.django_db
class TestModelRules:
    @pytest.fixture
    def world(self):  # noqa: ANN201
        from tests.world import build_world

        return build_world()

    def test_delivery_cannot_precede_its_order(self, world) -> None:
        from dealerkpi.sales.models import Delivery

        delivery = Delivery.objects.filter(order__consultant__name="c1").get()
        delivery.delivered_at = delivery.order.ordered_at - datetime.timedelta(hours=1)
        with pytest.raises(ValidationError) as caught:
            delivery.full_clean()
        assert caught.value.message_dict["delivered_at"] == ["A delivery cannot precede its order."]

    def test_money_cannot_be_negative(self, world) -> None:
        from dealerkpi.sales.models import Order

        order = Order.objects.filter(consultant__name="c1").first()
        order.price = Decimal("-1")
        with pytest.raises(ValidationError) as caught:
            order.full_clean()
        assert "price" in caught.value.message_dict

    def test_refunds_are_negative_and_payments_positive(self, world) -> None:
        from dealerkpi.sales.models import Payment

        payment = Payment.objects.first()
        payment.amount = Decimal("-100")
        with pytest.raises(ValidationError, match="positive"):
            payment.full_clean()
        payment.kind, payment.amount = Payment.Kind.REFUND, Decimal("100")
        with pytest.raises(ValidationError, match="negative"):
            payment.full_clean()
        payment.amount = Decimal("-100")
        payment.full_clean()

    def test_test_drive_needs_licence_and_agreement_before_it_starts(self, world) -> None:
        from dealerkpi.crm.models import TestDrive

        drive = TestDrive.objects.first()
        drive.licence_checked = False
        drive.started_at = drive.starts_at
        with pytest.raises(ValidationError) as caught:
            drive.full_clean()
        assert "started_at" in caught.value.message_dict

    def test_leave_date_before_hire_date_is_refused(self, world) -> None:
        staff = world.staff["c1"]
        staff.leave_date = staff.hire_date - datetime.timedelta(days=1)
        with pytest.raises(ValidationError) as caught:
            staff.full_clean()
        assert "leave_date" in caught.value.message_dict

    def test_head_office_staff_have_no_store_and_store_staff_need_one(self, world) -> None:
        head_office, consultant = world.staff["ho_group"], world.staff["c1"]
        head_office.store = world.stores["S1"]
        consultant.store = None
        for staff, field in ((head_office, "store"), (consultant, "store")):
            with pytest.raises(ValidationError) as caught:
                staff.full_clean()
            assert field in caught.value.message_dict

    def test_floor_price_above_guide_price_is_refused(self, world) -> None:
        from dealerkpi.catalog.models import TrimPrice

        price = TrimPrice.objects.first()
        price.floor_price = price.guide_price + 1
        with pytest.raises(ValidationError) as caught:
            price.full_clean()
        assert "floor_price" in caught.value.message_dict

    def test_complaint_resolved_without_resolution_is_refused(self, world) -> None:
        from dealerkpi.crm.models import Complaint

        complaint = Complaint.objects.first()
        complaint.status = Complaint.Status.RESOLVED
        with pytest.raises(ValidationError) as caught:
            complaint.full_clean()
        assert "resolution" in caught.value.message_dict

    def test_lost_to_competitor_needs_the_model(self, world) -> None:
        from dealerkpi.crm.models import LostReason, LostSale

        lost = LostSale.objects.first()
        lost.reason = LostReason.COMPETITOR
        with pytest.raises(ValidationError) as caught:
            lost.full_clean()
        assert "competitor_model" in caught.value.message_dict

    def test_visit_cannot_end_before_it_starts(self, world) -> None:
        from dealerkpi.crm.models import ShowroomVisit

        visit = ShowroomVisit.objects.first()
        visit.left_at = visit.arrived_at - datetime.timedelta(minutes=5)
        with pytest.raises(ValidationError) as caught:
            visit.full_clean()
        assert "left_at" in caught.value.message_dict

    def test_role_change_closes_the_previous_assignment(self, world) -> None:
        from dealerkpi.org.models import Role
        from dealerkpi.org.services import assign_role

        staff = world.staff["c3"]
        day = timezone.localdate()
        assign_role(staff, Role.SUPERVISOR, staff.store_id, day)
        history = list(staff.role_history.order_by("valid_from").values_list("role", "valid_to"))
        assert history == [(Role.CONSULTANT, day - datetime.timedelta(days=1)), (Role.SUPERVISOR, None)]


@pytest.mark.django_db
def test_dates_are_compared_in_shanghai_not_utc() -> None:
    """07:30 on 3 October in Shanghai is still 2 October in UTC: a next date of 2 October is before it."""
    import zoneinfo

    from dealerkpi.crm.models import FollowUp
    from tests.world import build_world

    build_world()
    follow_up = FollowUp.objects.first()
    follow_up.at = datetime.datetime(2026, 10, 3, 7, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    follow_up.next_due_on = datetime.date(2026, 10, 2)
    with pytest.raises(ValidationError) as caught:
        follow_up.full_clean()
    assert "next_due_on" in caught.value.message_dict

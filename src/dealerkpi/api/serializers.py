"""What the API shows of each record (read), and what a client sends to the desk's actions (write: the fields are
the desk form's, which decides what is valid). Money is a decimal string ("205800.00"), never a float."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealerkpi.api.models import ApiToken
from dealerkpi.core.forms import BIGGEST_ID
from dealerkpi.core.scope import shown_phone
from dealerkpi.crm.models import (
    Complaint,
    Customer,
    FollowUp,
    Lead,
    LostReason,
    LostSale,
    ShowroomVisit,
    SourceChannel,
    TestDrive,
)
from dealerkpi.crm.services import DRIVE_STEPS
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.sales.models import (
    FULL_SHARE,
    Delivery,
    DeliveryFollowUp,
    DerivativeSale,
    Order,
    OrderApproval,
    Payment,
)
from dealerkpi.stock.forms import ReceiveForm
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import Target

# --- read -----------------------------------------------------------------------------------------------------


def _read_only(model: type, names: tuple[str, ...], name: str = "") -> type[serializers.ModelSerializer]:
    """A serializer that shows ``names`` of ``model``, all read-only (changes go through the desk's actions)."""
    meta = type("Meta", (), {"model": model, "fields": names, "read_only_fields": names})
    return type(f"{name or model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


class CustomerSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text=_("In full to the consultant who owns the customer; masked "
                                                          "(138****5678) to others; a dash to HR and finance."))

    class Meta:
        model = Customer
        fields = ("id", "store", "owner", "name", "phone", "district", "created_at")
        read_only_fields = fields

    def get_phone(self, customer: Customer) -> str:
        return shown_phone(viewer_of(self.context["request"]), customer, customer.phone)


LeadSerializer = _read_only(Lead, (
    "id", "store", "customer", "owner", "source", "intended_model", "grade", "status", "created_at",
    "last_follow_up_at", "next_follow_up_on", "closed_at"))
FollowUpSerializer = _read_only(FollowUp, (
    "id", "store", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on", "note"))
VisitSerializer = _read_only(ShowroomVisit, (
    "id", "store", "lead", "consultant", "arrived_at", "left_at", "is_first_visit", "party_size", "has_intent",
    "was_invited", "test_drive_taken", "turn_of"))
TestDriveSerializer = _read_only(TestDrive, (
    "id", "store", "lead", "consultant", "vehicle", "starts_at", "ends_at", "licence_checked", "agreement_signed",
    "started_at", "ended_at", "status", "feedback"))
LostSaleSerializer = _read_only(LostSale, (
    "id", "store", "lead", "reason", "competitor_model", "note", "requested_by", "requested_at", "status",
    "decided_by", "decided_at"))
ComplaintSerializer = _read_only(Complaint, (
    "id", "store", "customer", "channel", "is_major", "summary", "received_at", "about_staff", "handler", "due_on",
    "status", "resolution", "resolved_at"))
OrderSerializer = _read_only(Order, (
    "id", "store", "lead", "customer", "consultant", "trim", "colour", "vehicle", "ordered_at", "guide_price",
    "floor_price", "price", "gifts_cost", "sold_via", "is_cross_region", "status"))
OrderApprovalSerializer = _read_only(OrderApproval, (
    "id", "store", "order", "kind", "requested_by", "requested_at", "reason", "status", "decided_by", "decided_at"))
PaymentSerializer = _read_only(Payment, ("id", "store", "order", "kind", "amount", "paid_at"))
DeliverySerializer = _read_only(Delivery, (
    "id", "store", "order", "vehicle", "scheduled_for", "delivered_at", "inspection_done", "invoice_issued",
    "certificate_handed", "insurance_done", "handover_done", "customer_signed"))
CCardSerializer = _read_only(DeliveryFollowUp, (
    "id", "store", "delivery", "staff", "due_on", "done_at", "satisfaction", "note"))
VehicleSerializer = _read_only(Vehicle, (
    "id", "store", "vin", "trim", "colour", "cost", "arrived_on", "status", "secondary_dealer", "financed_from",
    "location", "damage_note"))
TargetSerializer = _read_only(Target, ("id", "store", "team", "staff", "month", "metric", "value"))
PlanVersionSerializer = _read_only(PlanVersion, (
    "id", "plan", "number", "effective_from", "effective_to", "note", "created_at", "document"))
RunSerializer = _read_only(Run, (
    "id", "store", "period", "number", "status", "created_at", "computed_at", "submitted_at", "approved_at",
    "locked_at"))
StatementLineSerializer = _read_only(StatementLine, (
    "position", "category", "kind", "rule", "label", "amount", "exact"))
StatementIndicatorSerializer = _read_only(StatementIndicator, (
    "position", "code", "label", "metric", "actual", "target", "achievement", "score", "weight", "weighted_score",
    "skipped", "note"))


class PlanSerializer(serializers.ModelSerializer):
    versions = _read_only(PlanVersion, ("id", "number", "effective_from", "effective_to", "note"), "PlanVersionBrief")(
        many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ("id", "group", "store", "code", "name", "role", "crediting", "versions")
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    indicators = StatementIndicatorSerializer(many=True, read_only=True)
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta:
        model = Statement
        fields = ("id", "run", "store", "staff", "team", "plan_version", "total_score", "coefficient", "total",
                  "carried_balance", "draw_outstanding", "warnings", "indicators", "lines")
        read_only_fields = fields


# --- write: the fields of the desk's forms ------------------------------------------------------------------


def record_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=BIGGEST_ID, **kwargs)


class OpenCardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text=_("Customer name"))
    phone = serializers.CharField(max_length=20, help_text=_("Mobile"))
    source = serializers.ChoiceField(choices=SourceChannel.choices)
    intended_model = record_id(help_text=_("Intended model"))
    grade = serializers.CharField(max_length=2, help_text=_("Intent grade"))
    owner = record_id(required=False, help_text=_("Consultant (supervisors and managers; empty: you)"))


class FollowUpInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=FollowUp.Channel.choices)
    outcome = serializers.ChoiceField(choices=FollowUp.Outcome.choices)
    grade = serializers.CharField(max_length=2, help_text=_("New grade"))
    next_on = serializers.DateField(required=False, allow_null=True, help_text=_("Next follow-up"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VisitInputSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(required=False, allow_null=True)
    is_first_visit = serializers.BooleanField(default=True)
    party_size = serializers.IntegerField(min_value=1, max_value=100, default=1)
    consultant = record_id()
    has_intent = serializers.BooleanField(default=True)
    was_invited = serializers.BooleanField(default=False)
    test_drive_taken = serializers.BooleanField(default=False)
    lead = record_id(required=False, allow_null=True)


class TestDriveInputSerializer(serializers.Serializer):
    lead = record_id()
    vehicle = record_id(help_text=_("Demo vehicle"))
    day = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    minutes = serializers.ChoiceField(choices=[30, 45, 60, 90])


class DriveStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=DRIVE_STEPS, help_text=_(
        "licence checked, agreement signed, start (after both), end (with the customer's feedback), cancel"))
    feedback = serializers.CharField(max_length=200, required=False, allow_blank=True)


class LostSaleInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    competitor_model = record_id(required=False, allow_null=True,
                                 help_text=_("Required when the customer bought a competitor model."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ComplaintInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
    is_major = serializers.BooleanField(default=False)
    summary = serializers.CharField(max_length=200)
    received_at = serializers.DateTimeField()
    customer_phone = serializers.CharField(max_length=11, required=False, allow_blank=True)
    about_staff = record_id(required=False, allow_null=True)
    handler = record_id()
    due_on = serializers.DateField(required=False, allow_null=True)


class ComplaintUpdateSerializer(serializers.Serializer):
    """What the handler (and the store's managers) change; a field not sent stays as it is."""

    status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)
    resolution = serializers.CharField(required=False, allow_blank=True)
    handler = record_id(required=False, help_text=_("Managers only"))
    about_staff = record_id(required=False, allow_null=True, help_text=_("Managers only"))
    is_major = serializers.BooleanField(required=False, help_text=_("Managers only"))
    due_on = serializers.DateField(required=False, help_text=_("Managers only"))


class ReassignInputSerializer(serializers.Serializer):
    """The follow-up quality page's reassignment: open cards of the team (supervisor) or store (manager)."""

    leads = serializers.ListField(child=record_id(), min_length=1, max_length=500, help_text=_("Cards"))
    to_owner = record_id(required=False, allow_null=True, help_text=_("Consultant (empty: return to the pool)"))
    reason = serializers.CharField(max_length=200)


class ReassignedSerializer(serializers.Serializer):
    moved = serializers.IntegerField(help_text=_("Cards moved (a card already with the consultant is not)."))


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


def money(**kwargs: Any) -> serializers.DecimalField:
    """An amount in yuan, sent as a string ("205800.00") or a number; the desk's form bounds it."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def share(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, **kwargs)


class OrderInputSerializer(serializers.Serializer):
    """The desk's order form: the trim and price, what the customer pays now, who shares the deal, and the
    derivative business (``<kind>_amount`` and ``<kind>_income`` per product)."""

    trim = record_id()
    colour = serializers.CharField(max_length=30)
    price = money(help_text=_("Vehicle price"))
    gifts_cost = money(required=False, help_text=_("Gifts (cost)"))
    deposit = money(required=False, help_text=_("Deposit received now"))
    sold_via = record_id(required=False, allow_null=True, help_text=_("Sold via secondary dealer"))
    my_share = share(default=FULL_SHARE, help_text=_("Consultant's share (%)"))
    partner = record_id(required=False, allow_null=True, help_text=_("Second consultant"))
    partner_share = share(required=False, allow_null=True, help_text=_("Second consultant's share (%)"))

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for kind, label in DerivativeSale.Kind.choices:
            fields[f"{kind}_amount"] = money(required=False, allow_null=True, help_text=label)
            fields[f"{kind}_income"] = money(required=False, allow_null=True, help_text=_("income to the store"))
        return fields


class PaymentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Payment.Kind.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("Refunds are negative."))
    paid_at = serializers.DateTimeField()
    entry_token = serializers.UUIDField(required=False, help_text=_(
        "Any UUID of your choosing: a payment sent again with the same token is recorded once."))


class ScheduleInputSerializer(serializers.Serializer):
    vehicle = record_id(help_text=_("A free vehicle of the order's trim (or the one it has)"))
    scheduled_for = serializers.DateTimeField(help_text=_("Delivery date and time"))


class HandOverInputSerializer(serializers.Serializer):
    """The delivery checklist: a tick not sent stays as it is; ``complete`` hands the car over when everything is
    ticked, the price confirmed and the money in."""

    inspection_done = serializers.BooleanField(required=False)
    invoice_issued = serializers.BooleanField(required=False)
    certificate_handed = serializers.BooleanField(required=False)
    insurance_done = serializers.BooleanField(required=False)
    handover_done = serializers.BooleanField(required=False)
    customer_signed = serializers.BooleanField(required=False)
    complete = serializers.BooleanField(default=False)


class TransferInputSerializer(serializers.Serializer):
    to_dealer = record_id(required=False, allow_null=True, help_text=_(
        "A secondary dealer of the vehicle's store (empty: back to the store)"))
    moved_on = serializers.DateField(help_text=_("Moved on"))


class ReceiveInputSerializer(serializers.Serializer):
    """A vehicle in transit arriving, as on the arrivals page."""

    vin = serializers.CharField(max_length=40, help_text=_("VIN"))
    received_on = serializers.DateField(help_text=_("Received on"))
    condition = serializers.ChoiceField(choices=[ReceiveForm.OK, ReceiveForm.DAMAGED], default=ReceiveForm.OK,
                                        help_text=_("Damage check"))
    damage_note = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                        help_text=_("Damage found (required when damaged)"))
    location = serializers.CharField(max_length=50, help_text=_("Parking place"))


class VehicleInputSerializer(serializers.Serializer):
    """A vehicle entered by hand, as on the arrivals page: without ``arrived_on`` it is in transit."""

    vin = serializers.CharField(max_length=40, help_text=_("VIN"))
    trim = record_id(help_text=_("Trim"))
    colour = serializers.CharField(max_length=30, help_text=_("Colour"))
    cost = money(help_text=_("Invoice cost"))
    financed_from = serializers.DateField(required=False, allow_null=True,
                                          help_text=_("Floor-plan financing from"))
    arrived_on = serializers.DateField(required=False, allow_null=True, help_text=_("Received on"))


# --- tokens ---------------------------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ("id", "name", "prefix", "created_at", "last_used_at", "revoked_at")
        read_only_fields = fields

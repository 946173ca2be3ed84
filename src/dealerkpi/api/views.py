"""The endpoints under /api/v1/. Reads: the records the viewer may see (``ScopedViewSet``: core.scope, as the
pages); a record outside the scope is 404. Writes: the desk's forms and service functions, under the desk's
permissions (crm/rules.py, sales/rules.py, pay/rules.py): the API cannot create a record the desk would refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dealerkpi.api import serializers as shown
from dealerkpi.api.base import NON_FIELD, ScopedViewSet, form_data, run_form
from dealerkpi.api.filters import filterset_for
from dealerkpi.core.once import save_once
from dealerkpi.core.scope import Reach
from dealerkpi.crm import rotation
from dealerkpi.crm import services as crm
from dealerkpi.crm.complaint_forms import ComplaintForm, ComplaintUpdateForm
from dealerkpi.crm.desk import desk_viewer
from dealerkpi.crm.forms import FollowUpForm, LostSaleForm, OpenCardForm, ReassignForm, TestDriveForm, VisitForm
from dealerkpi.crm.models import Complaint, Customer, FollowUp, Lead, LostSale, ShowroomVisit, TestDrive
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.pages import store_staff
from dealerkpi.pay import workflow
from dealerkpi.pay.models import Run, Statement
from dealerkpi.pay.visibility import visible_runs, visible_statements
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.sales import services as sales
from dealerkpi.sales.forms import ChecklistForm, OrderForm, PaymentForm, ReasonForm, ScheduleForm
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment, Reversal
from dealerkpi.stock import ordering
from dealerkpi.stock import services as stock
from dealerkpi.stock.forms import ReceiveForm, TransferForm, VehicleForm
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import Target


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """List (filtered, ordered, paginated) and detail of the records the viewer may see."""


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> serializers.Serializer:
    """The body checked field by field (types, lengths); the desk's form checks the rest."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body


def _me(request: Request) -> Staff:
    return Staff.objects.get(pk=desk_viewer(request).staff_id)


def _created(serializer_class: type[serializers.Serializer], record: Any, request: Request) -> Response:
    return Response(serializer_class(record, context={"request": request}).data, status=status.HTTP_201_CREATED)


# --- customers and A-cards (crm) -----------------------------------------------------------------------------


class CustomerViewSet(ReadOnly):
    """Customers (read-only: a customer is created with their A-card, ``POST /leads/``)."""

    queryset = Customer.objects.select_related("owner")
    serializer_class = shown.CustomerSerializer
    filterset_class = filterset_for(Customer, "customers", dates=("created_at",))
    ordering_fields = ("id", "name", "created_at")


@extend_schema_view(create=extend_schema(request=shown.OpenCardSerializer, responses={201: shown.LeadSerializer}))
class LeadViewSet(mixins.CreateModelMixin, ReadOnly):
    """A-cards (意向客户卡). ``POST``: open a card, as the desk's "new A-card" form (a number already on an open card
    of the store is refused); ``POST {id}/follow-ups/``: log a follow-up (跟进); ``POST {id}/lost/``: ask to close it
    as lost (战败); ``POST {id}/order/``: place its order; ``POST reassign/``: give cards to another consultant or
    return them to the pool (supervisors and managers)."""

    queryset = Lead.objects.select_related("customer")
    serializer_class = shown.LeadSerializer
    filterset_class = filterset_for(Lead, "leads", dates=("created_at", "next_follow_up_on"))
    ordering_fields = ("id", "created_at", "next_follow_up_on", "grade", "status")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = desk_viewer(request, "crm.add_lead")
        body = _valid(shown.OpenCardSerializer, request)
        grades = crm.GradeBook.of_store(viewer.store_id)
        consultants = None if viewer.reach is Reach.OWN else crm.desk_consultants(viewer, timezone.localdate())
        form = OpenCardForm(form_data(body), store=Store.objects.get(pk=viewer.store_id), grades=grades,
                            consultants=consultants)
        owner = run_form(form).get("owner") or _me(request)
        lead = crm.open_card(viewer.store_id, owner, form.new_card(), grades, timezone.now())
        return _created(shown.LeadSerializer, lead, request)

    def _lead_to_work(self, request: Request) -> Lead:
        """The card, if the viewer sees it (else 404) and may work on it (else 403), as the desk's card page."""
        desk_viewer(request, "crm.change_lead")
        lead = self.get_object()
        if not request.user.has_perm("crm.change_lead", lead):
            raise PermissionDenied(_("Only the card's consultant, their supervisor or the store's managers work on "
                                     "it."))
        return lead

    @extend_schema(request=shown.FollowUpInputSerializer, responses={201: shown.FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_up(self, request: Request, pk: str | None = None) -> Response:
        lead = self._lead_to_work(request)
        body = _valid(shown.FollowUpInputSerializer, request)
        grades = crm.GradeBook.of_store(lead.store_id)
        form = FollowUpForm(form_data(body), lead=lead, grades=grades, today=timezone.localdate())
        run_form(form)
        follow_up = crm.log_follow_up(lead, _me(request), form.contact(), grades, timezone.now())
        return _created(shown.FollowUpSerializer, follow_up, request)

    @extend_schema(request=shown.LostSaleInputSerializer, responses={201: shown.LostSaleSerializer})
    @action(detail=True, methods=["post"])
    def lost(self, request: Request, pk: str | None = None) -> Response:
        """Ask to close the card as lost (战败申请): it stays open until a supervisor or manager approves."""
        lead = self._lead_to_work(request)
        body = _valid(shown.LostSaleInputSerializer, request)
        form = LostSaleForm(form_data(body))
        run_form(form)
        return _created(shown.LostSaleSerializer,
                        crm.request_lost_sale(lead, _me(request), form.request(), timezone.now()), request)

    @extend_schema(request=shown.OrderInputSerializer, responses={201: shown.OrderSerializer})
    @action(detail=True, methods=["post"])
    def order(self, request: Request, pk: str | None = None) -> Response:
        """Place the card's order (订单), as the desk's order form: a price beyond the consultant's authority, below
        the floor or below cost submits the order for approval (status ``awaiting_approval``)."""
        lead = self.get_object()
        if not request.user.has_perm("sales.add_order", lead):
            raise PermissionDenied(_("Only the card's consultant, their supervisor or the store's managers place its "
                                     "order."))
        body = _valid(shown.OrderInputSerializer, request)
        form = OrderForm(form_data(body), lead=lead, day=timezone.localdate())
        run_form(form)
        return _created(shown.OrderSerializer, sales.place_order(lead, form.terms(), _me(request)), request)

    @extend_schema(request=shown.ReassignInputSerializer, responses={200: shown.ReassignedSerializer})
    @action(detail=False, methods=["post"])
    def reassign(self, request: Request) -> Response:
        """Reassign open cards (the follow-up quality page): to a consultant of the team or store, or back to the
        pool (``to_owner`` empty), with the reason; each move is recorded and audited."""
        viewer = desk_viewer(request, "crm.reassign_lead")
        body = _valid(shown.ReassignInputSerializer, request)
        form = ReassignForm(form_data(body), leads=crm.open_leads(viewer, "change"),
                            consultants=crm.desk_consultants(viewer, timezone.localdate()))
        data = run_form(form)
        moved = crm.reassign_leads(data["leads"], data["to_owner"], data["reason"], _me(request), request.user,
                                   timezone.now())
        return Response(shown.ReassignedSerializer({"moved": moved}).data)


class LostSaleViewSet(ReadOnly):
    """Lost-sale requests (战败申请): asked for with ``POST /leads/{id}/lost/``; ``POST {id}/approve/`` closes the
    card as lost, ``{id}/reject/`` keeps it open: by the requester's supervisor or the store's managers, never on
    their own request, as on the lost-sales page."""

    queryset = LostSale.objects.all()
    serializer_class = shown.LostSaleSerializer
    filterset_class = filterset_for(LostSale, "lost-sales", dates=("requested_at",), fields=("lead",))
    ordering_fields = ("id", "requested_at", "status")

    def _decide(self, request: Request, approve: bool) -> Response:
        viewer = desk_viewer(request, "crm.decide_lost_sale")
        lost = self.get_object()
        if not crm.decidable_lost_sales(viewer).filter(pk=lost.pk).exists():
            raise PermissionDenied(_("The requester's supervisor or the store's managers decide a lost sale, never "
                                     "on their own request."))
        lost = crm.decide_lost_sale(lost, _me(request), approve, timezone.now())
        return Response(shown.LostSaleSerializer(lost).data)

    @extend_schema(request=None, responses={200: shown.LostSaleSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, approve=True)

    @extend_schema(request=None, responses={200: shown.LostSaleSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, approve=False)


class FollowUpViewSet(ReadOnly):
    """Follow-ups (跟进) of A-cards; log one with ``POST /leads/{id}/follow-ups/``."""

    queryset = FollowUp.objects.all()
    serializer_class = shown.FollowUpSerializer
    filterset_class = filterset_for(FollowUp, "follow-ups", dates=("at",), fields=("lead",))
    ordering_fields = ("id", "at", "due_on")


@extend_schema_view(create=extend_schema(request=shown.VisitInputSerializer, responses={201: shown.VisitSerializer}))
class VisitViewSet(mixins.CreateModelMixin, ReadOnly):
    """Showroom visits (来店批次), logged as at the desk: a walk-in notes whose turn it was in the floor's rotation."""

    queryset = ShowroomVisit.objects.all()
    serializer_class = shown.VisitSerializer
    filterset_class = filterset_for(ShowroomVisit, "visits", dates=("arrived_at",), fields=("lead",))
    ordering_fields = ("id", "arrived_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = desk_viewer(request, "crm.add_visit")
        body = _valid(shown.VisitInputSerializer, request)
        form = VisitForm(form_data(body), consultants=crm.desk_consultants(viewer, timezone.localdate()),
                         leads=crm.open_leads(viewer, "change"))
        run_form(form)
        visit = form.save(commit=False)
        visit.store_id = viewer.store_id
        return _created(shown.VisitSerializer, rotation.receive(visit), request)

    @extend_schema(request=None, responses={200: shown.VisitSerializer})
    @action(detail=True, methods=["post"])
    def left(self, request: Request, pk: str | None = None) -> Response:
        """The party left (离店): the time is now, recorded once; sent again, the visit is answered as it is."""
        desk_viewer(request, "crm.change_visit")
        visit = self.get_object()
        if not request.user.has_perm("crm.change_visit", visit):
            raise PermissionDenied(_("Only the visit's consultant, their supervisor or the store's managers record "
                                     "when it ended."))
        return Response(shown.VisitSerializer(crm.end_visit(visit, timezone.now())).data)


@extend_schema_view(create=extend_schema(request=shown.TestDriveInputSerializer,
                                         responses={201: shown.TestDriveSerializer}))
class TestDriveViewSet(mixins.CreateModelMixin, ReadOnly):
    """Test drives (试乘试驾), booked as at the desk: a demo vehicle of the store, no double booking; ``POST
    {id}/step/`` moves one on."""

    queryset = TestDrive.objects.all()
    serializer_class = shown.TestDriveSerializer
    filterset_class = filterset_for(TestDrive, "test-drives", dates=("starts_at",), fields=("lead",))
    ordering_fields = ("id", "starts_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = desk_viewer(request, "crm.add_testdrive")
        body = _valid(shown.TestDriveInputSerializer, request)
        form = TestDriveForm(form_data(body), leads=crm.open_leads(viewer, "change"),
                             vehicles=crm.demo_vehicles(viewer.store_id), today=timezone.localdate())
        data = run_form(form)
        starts_at, ends_at = form.slot()
        drive = crm.book_test_drive(data["lead"], data["vehicle"].pk, starts_at, ends_at)
        return _created(shown.TestDriveSerializer, drive, request)

    @extend_schema(request=shown.DriveStepSerializer, responses={200: shown.TestDriveSerializer})
    @action(detail=True, methods=["post"])
    def step(self, request: Request, pk: str | None = None) -> Response:
        """One step of the drive, as on the test-drive board: licence, agreement, start, end (feedback), cancel."""
        desk_viewer(request, "crm.change_testdrive")
        drive = self.get_object()
        if not request.user.has_perm("crm.change_testdrive", drive):
            raise PermissionDenied(_("Only the drive's consultant, their supervisor or the store's managers move it."))
        body = _valid(shown.DriveStepSerializer, request)
        data = form_data(body)
        drive = crm.advance_test_drive(drive, data["step"], timezone.now(), data.get("feedback", ""))
        return Response(shown.TestDriveSerializer(drive).data)


@extend_schema_view(
    create=extend_schema(request=shown.ComplaintInputSerializer, responses={201: shown.ComplaintSerializer}),
    partial_update=extend_schema(request=shown.ComplaintUpdateSerializer, responses={200: shown.ComplaintSerializer}),
)
class ComplaintViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly):
    """Complaints (投诉): the store's managers and GM record and assign them; the handler moves them on."""

    queryset = Complaint.objects.all()
    serializer_class = shown.ComplaintSerializer
    filterset_class = filterset_for(Complaint, "complaints", dates=("received_at", "due_on"))
    ordering_fields = ("id", "received_at", "due_on", "status")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        store = Store.objects.filter(pk=self.viewer.store_id).first()
        if store is None or not request.user.has_perm("crm.add_complaint", store):
            raise PermissionDenied(_("The store's managers and GM record complaints."))
        body = _valid(shown.ComplaintInputSerializer, request)
        form = ComplaintForm(form_data(body), store=store, colleagues=store_staff(store, timezone.localdate()))
        run_form(form)
        form.instance.store = store
        return _created(shown.ComplaintSerializer, form.save(), request)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        complaint = self.get_object()
        if not request.user.has_perm("crm.change_complaint", complaint):
            raise PermissionDenied(_("Only the handler and the store's managers change a complaint."))
        body = _valid(shown.ComplaintUpdateSerializer, request)
        as_it_is = model_to_dict(complaint, fields=ComplaintUpdateForm.Meta.fields)  # PATCH: what is not sent stays
        form = ComplaintUpdateForm({**as_it_is, **form_data(body)}, instance=complaint,
                                   colleagues=store_staff(complaint.store, timezone.localdate()),
                                   manages=request.user.has_perm("crm.assign_complaint", complaint))
        run_form(form)
        return Response(shown.ComplaintSerializer(form.save(), context={"request": request}).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


# --- orders and what hangs off them (sales) ------------------------------------------------------------------


ORDER_REFUSALS = {
    "sales.change_order": gettext_lazy("Only those who work on the order record its payments, schedule and hand over "
                                       "its car, or cancel it."),
    "sales.unwind_order": gettext_lazy("Only the store's managers unwind a delivered sale."),
}


class OrderViewSet(ReadOnly):
    """Orders (订单): placed from their A-card (``POST /leads/{id}/order/``). By whom the desk lets change the order:
    ``POST {id}/payments/`` records a payment, ``{id}/schedule-delivery/`` allocates the car and sets the day,
    ``{id}/hand-over/`` ticks the checklist and delivers (交车), ``{id}/cancel/`` cancels an order not yet
    delivered; ``{id}/unwind/`` unwinds a delivered sale (the store's managers)."""

    queryset = Order.objects.all()
    serializer_class = shown.OrderSerializer
    filterset_class = filterset_for(Order, "orders", dates=("ordered_at",), fields=("lead", "customer"))
    ordering_fields = ("id", "ordered_at", "price", "status")

    @extend_schema(request=shown.PaymentInputSerializer, responses={201: shown.PaymentSerializer,
                                                                     200: shown.PaymentSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str | None = None) -> Response:
        """Record a payment (收款). Sent again with the same ``entry_token``, it is recorded once: the answer is then
        200 with the payment recorded the first time."""
        order = self._order_to_change(request)
        body = _valid(shown.PaymentInputSerializer, request)
        form = PaymentForm(form_data(body), order=order)
        token = run_form(form)["entry_token"]
        if not save_once(form.save(commit=False), token):
            return Response(shown.PaymentSerializer(Payment.objects.get(entry_token=token)).data)
        return _created(shown.PaymentSerializer, form.instance, request)

    def _order_to_change(self, request: Request, permission: str = "sales.change_order") -> Order:
        order = self.get_object()
        if not request.user.has_perm(permission, order):
            raise PermissionDenied(ORDER_REFUSALS[permission])
        return order

    @extend_schema(request=shown.ScheduleInputSerializer, responses={200: shown.DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="schedule-delivery")
    def schedule_delivery(self, request: Request, pk: str | None = None) -> Response:
        """Schedule the delivery (交车) and allocate the vehicle, as the order page does."""
        order = self._order_to_change(request)
        body = _valid(shown.ScheduleInputSerializer, request)
        form = ScheduleForm(form_data(body), vehicles=sales.vehicle_choices(order))
        data = run_form(form)
        delivery = sales.schedule_delivery(order, data["vehicle"].pk, data["scheduled_for"], _me(request))
        return Response(shown.DeliverySerializer(delivery).data)

    @extend_schema(request=shown.HandOverInputSerializer, responses={200: shown.DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request: Request, pk: str | None = None) -> Response:
        """Tick the delivery checklist and, with ``complete``, hand the car over: the sale counts from then, and the
        C-card calls are due."""
        order = self._order_to_change(request)
        body = _valid(shown.HandOverInputSerializer, request)
        delivery = Delivery.objects.filter(order=order).first()
        if delivery is None:
            raise serializers.ValidationError({NON_FIELD: [_("Schedule the delivery and allocate a vehicle first.")]})
        ticks = form_data(body)
        complete = ticks.pop("complete")
        form = ChecklistForm({**model_to_dict(delivery, fields=ChecklistForm.Meta.fields), **ticks}, instance=delivery)
        sales.tick_checklist(order, run_form(form))
        if complete:
            sales.complete_delivery(order)
        return Response(shown.DeliverySerializer(Delivery.objects.get(pk=delivery.pk)).data)

    def _reverse(self, request: Request, order: Order, reverse: Callable[..., Reversal]) -> Response:
        """Cancel or unwind with the reason, as the order page does: its vehicle goes back to stock and the A-card
        reopens; the service re-checks the order's status under its row lock."""
        body = _valid(shown.ReasonInputSerializer, request)
        reverse(order, run_form(ReasonForm(form_data(body)))["reason"], _me(request))
        return Response(shown.OrderSerializer(Order.objects.get(pk=order.pk)).data)

    @extend_schema(request=shown.ReasonInputSerializer, responses={200: shown.OrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an order not yet delivered (取消订单)."""
        return self._reverse(request, self._order_to_change(request), sales.cancel_order)

    @extend_schema(request=shown.ReasonInputSerializer, responses={200: shown.OrderSerializer})
    @action(detail=True, methods=["post"])
    def unwind(self, request: Request, pk: str | None = None) -> Response:
        """Unwind a delivered sale (退车): the store's managers."""
        return self._reverse(request, self._order_to_change(request, "sales.unwind_order"), sales.unwind_delivery)


class OrderApprovalViewSet(ReadOnly):
    """Price and delivery approvals of orders (价格审批). ``POST {id}/approve/`` and ``{id}/reject/``: by those whose
    role decides the kind, never on their own request (sales/rules.py); the order is locked while deciding."""

    queryset = OrderApproval.objects.all()
    serializer_class = shown.OrderApprovalSerializer
    filterset_class = filterset_for(OrderApproval, "approvals", fields=("order",))
    ordering_fields = ("id", "requested_at", "status")

    def _decide(self, request: Request, approve: bool) -> Response:
        approval = self.get_object()
        sales.decide(approval, self.viewer, approve=approve)
        approval.refresh_from_db()
        return Response(shown.OrderApprovalSerializer(approval, context={"request": request}).data)

    @extend_schema(request=None, responses={200: shown.OrderApprovalSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, approve=True)

    @extend_schema(request=None, responses={200: shown.OrderApprovalSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, approve=False)


class PaymentViewSet(ReadOnly):
    """Payments on orders (收款)."""

    queryset = Payment.objects.all()
    serializer_class = shown.PaymentSerializer
    filterset_class = filterset_for(Payment, "payments", dates=("paid_at",), fields=("order",))
    ordering_fields = ("id", "paid_at", "amount")


class DeliveryViewSet(ReadOnly):
    """Deliveries (交车)."""

    queryset = Delivery.objects.all()
    serializer_class = shown.DeliverySerializer
    filterset_class = filterset_for(Delivery, "deliveries", dates=("delivered_at", "scheduled_for"),
                                    fields=("order",))
    ordering_fields = ("id", "delivered_at", "scheduled_for")


class CCardViewSet(ReadOnly):
    """C-card calls after delivery (C卡回访)."""

    queryset = DeliveryFollowUp.objects.all()
    serializer_class = shown.CCardSerializer
    filterset_class = filterset_for(DeliveryFollowUp, "c-cards", dates=("due_on",), fields=("delivery",))
    ordering_fields = ("id", "due_on", "done_at")


@extend_schema_view(create=extend_schema(request=shown.VehicleInputSerializer,
                                         responses={201: shown.VehicleSerializer}))
class VehicleViewSet(mixins.CreateModelMixin, ReadOnly):
    """Vehicles by VIN (库存车辆) of the stores the viewer sees. The store's managers, as on the stock pages:
    ``POST`` enters a vehicle by hand, ``POST receive/`` receives one in transit, ``POST {id}/transfer/`` moves one
    to or from a secondary dealer."""

    queryset = Vehicle.objects.all()
    serializer_class = shown.VehicleSerializer
    filterset_class = filterset_for(Vehicle, "vehicles", dates=("arrived_on",), fields=("vin",))
    ordering_fields = ("id", "vin", "arrived_on", "status")

    def _managed_store(self, request: Request) -> Store:
        """The viewer's store, if they manage its stock (the arrivals page's rule); else 403."""
        store = Store.objects.filter(pk=self.viewer.store_id).first()
        if store is None or not request.user.has_perm("stock.order_vehicles", store):
            raise PermissionDenied(_("The store's managers enter and receive its vehicles."))
        return store

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        store = self._managed_store(request)
        body = _valid(shown.VehicleInputSerializer, request)
        form = VehicleForm(form_data(body), store=store)
        return _created(shown.VehicleSerializer, ordering.enter_vehicle(store, **run_form(form)), request)

    @extend_schema(request=shown.ReceiveInputSerializer, responses={200: shown.VehicleSerializer})
    @action(detail=False, methods=["post"])
    def receive(self, request: Request) -> Response:
        """A vehicle in transit to the store arrives (到车验收): by its VIN, with the damage check and the parking
        place."""
        store = self._managed_store(request)
        body = _valid(shown.ReceiveInputSerializer, request)
        data = run_form(ReceiveForm(form_data(body)))
        vehicle = ordering.receive(store, data["vin"], data["received_on"], data["location"], data["damage_note"])
        return Response(shown.VehicleSerializer(vehicle).data)

    @extend_schema(request=shown.TransferInputSerializer, responses={200: shown.VehicleSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        """Move a vehicle in stock to a secondary dealer (二级网点), between dealers, or back to the store."""
        vehicle = self.get_object()
        if not request.user.has_perm("stock.transfer_vehicle", vehicle):
            raise PermissionDenied(_("The store's managers move its vehicles."))
        body = _valid(shown.TransferInputSerializer, request)
        data = run_form(TransferForm(form_data(body), vehicle=vehicle))
        stock.transfer(vehicle, data["to_dealer"], data["moved_on"])
        return Response(shown.VehicleSerializer(Vehicle.objects.get(pk=vehicle.pk)).data)


# --- targets, plans, runs, statements (read; a run's moves) ---------------------------------------------------


class TargetViewSet(ReadOnly):
    """Monthly targets (目标) of stores, teams and people."""

    queryset = Target.objects.all()
    serializer_class = shown.TargetSerializer
    filterset_class = filterset_for(Target, dates=("month",), fields=("store", "team", "staff", "metric"))
    ordering_fields = ("id", "month", "metric")


class PlanViewSet(ReadOnly):
    """Pay plans (绩效方案) with their versions."""

    queryset = Plan.objects.prefetch_related("versions")
    serializer_class = shown.PlanSerializer
    filterset_class = filterset_for(Plan, fields=("store", "role", "code"))
    ordering_fields = ("id", "code", "name")


class PlanVersionViewSet(ReadOnly):
    """A plan's versions, each with its document (YAML)."""

    queryset = PlanVersion.objects.all()
    serializer_class = shown.PlanVersionSerializer
    filterset_class = filterset_for(PlanVersion, dates=("effective_from",), fields=("plan",))
    ordering_fields = ("id", "number", "effective_from")


RUN_MOVES = {"submit": workflow.submit, "approve": workflow.approve, "send_back": workflow.send_back,
             "lock": workflow.lock}


class RunViewSet(ReadOnly):
    """Bonus runs (奖金核算) as the pay pages show them (pay.visibility). Moves: ``submit`` (sales manager),
    ``approve`` and ``send-back`` (GM), ``lock`` (HR or finance), each by pay/workflow.py under its permission and a
    row lock."""

    serializer_class = shown.RunSerializer
    filterset_class = filterset_for(Run, dates=("period",), fields=("store", "status"))
    ordering_fields = ("id", "period", "number", "status")

    def get_queryset(self) -> QuerySet[Run]:
        return visible_runs(self.viewer)

    def _move(self, request: Request, move: str) -> Response:
        run = self.get_object()
        RUN_MOVES[move](run, self.viewer, request.user)
        run.refresh_from_db()
        return Response(shown.RunSerializer(run, context={"request": request}).data)

    @extend_schema(request=None, responses={200: shown.RunSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, "submit")

    @extend_schema(request=None, responses={200: shown.RunSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, "approve")

    @extend_schema(request=None, responses={200: shown.RunSerializer})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, "send_back")

    @extend_schema(request=None, responses={200: shown.RunSerializer})
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, "lock")


class StatementViewSet(ReadOnly):
    """KPI statements (绩效工资单) with their indicators and lines: a consultant's own once the run is submitted,
    as pay.visibility decides for the pages."""

    serializer_class = shown.StatementSerializer
    filterset_class = filterset_for(Statement, fields=("run", "staff"))
    ordering_fields = ("id", "total", "total_score")

    def get_queryset(self) -> QuerySet[Statement]:
        return visible_statements(self.viewer).prefetch_related("lines", "indicators")

"""The sales desk's rules for A-cards, follow-ups, lost sales, test drives and reassignments.

    create_default_grades(store)                       -> the usual grades H A B C N (open), O D T F (closed)
    GradeBook.of_store(store_id)                       -> a store's grades (the defaults when it has none)
    open_card_with_phone(store_id, phone)              -> the open A-card already holding a number, if any
    open_card(...)                                     -> Customer + Lead, refused for a number on an open card
    log_follow_up(...)                                 -> FollowUp; the card's grade, status and next date move
    request_lost_sale / decide_lost_sale               -> 战败 takes effect only when approved
    pending_lost_sales(viewer)                         -> the requests ``viewer`` may decide
    book_test_drive / advance_test_drive               -> no double booking; licence and agreement before start
    reassign_leads(...)                                -> cards moved (or returned to the pool) in bulk, audited
    neglected_leads / pooled_leads / team_board        -> the supervisor's and manager's views, set-based

Functions raise ValidationError with a message for the user; views turn it into a field or form error.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

import rules
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.audit import snapshot
from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.crm.models import (
    Customer,
    Decision,
    FollowUp,
    IntentGrade,
    Lead,
    LeadReassignment,
    LostSale,
    ShowroomVisit,
    TestDrive,
)
from dealerkpi.org.models import Role, Staff, Store, User
from dealerkpi.stock.models import Vehicle

ORDERED, DELIVERED, CANCELLED, LOST = "O", "D", "T", "F"
DEFAULT_GRADES = (
    ("H", gettext_lazy("H: buys within 7 days"), 7, True),
    ("A", gettext_lazy("A: buys within 15 days"), 15, True),
    ("B", gettext_lazy("B: buys within 30 days"), 30, True),
    ("C", gettext_lazy("C: buys later"), 60, True),
    ("N", gettext_lazy("N: new, not yet graded"), 2, True),
    (ORDERED, gettext_lazy("O: ordered"), None, False),
    (DELIVERED, gettext_lazy("D: delivered"), None, False),
    (CANCELLED, gettext_lazy("T: order cancelled"), None, False),
    (LOST, gettext_lazy("F: lost"), None, False),
)
# A card on a closed grade leaves the funnel with this status; a store's own closed grades make it dormant.
STATUS_OF_CLOSED_GRADE = {
    ORDERED: Lead.Status.ORDERED,
    DELIVERED: Lead.Status.DELIVERED,
    CANCELLED: Lead.Status.DORMANT,
    LOST: Lead.Status.LOST,
}
BOOKED = (FollowUp.Outcome.VISIT_BOOKED, FollowUp.Outcome.TEST_DRIVE_BOOKED)


# --- time --------------------------------------------------------------------------------------------------


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of ``day`` and of the next day, in the store's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    return first, (first + datetime.timedelta(days=32)).replace(day=1)


# --- who the desk works with (who may do what: rules.py) -------------------------------------------------


def desk_consultants(viewer: Viewer, today: datetime.date) -> QuerySet[Staff]:
    """Consultants of the viewer's store that the viewer may see and work for, employed today."""
    staff = Staff.objects.filter(role=Role.CONSULTANT, store_id=viewer.store_id, hire_date__lte=today)
    return visible_to(staff.exclude(leave_date__lt=today), viewer).order_by("name")


def open_leads(viewer: Viewer, action: str = "view") -> QuerySet[Lead]:
    """The open cards the viewer may see, or (``action="change"``) work on."""
    return visible_to(Lead.objects.filter(status=Lead.Status.OPEN), viewer, action)


# --- grades ------------------------------------------------------------------------------------------------


def create_default_grades(store: Store) -> int:
    """Give ``store`` the usual grades it does not have yet; returns how many were added."""
    existing = set(IntentGrade.objects.filter(store=store).values_list("code", flat=True))
    with translation.override(settings.LANGUAGE_CODE):  # stored data: named in the store's language
        missing = [
            IntentGrade(store=store, code=code, name=str(name), follow_up_days=days, is_open=is_open,
                        position=position)
            for position, (code, name, days, is_open) in enumerate(DEFAULT_GRADES)
            if code not in existing
        ]
    IntentGrade.objects.bulk_create(missing)
    return len(missing)


@dataclass(frozen=True)
class GradeBook:
    """A store's grades by code, in their order."""

    grades: tuple[IntentGrade, ...]

    @classmethod
    def of_store(cls, store_id: int) -> GradeBook:
        grades = tuple(IntentGrade.objects.filter(store_id=store_id).order_by("position", "code"))
        if not grades:
            create_default_grades(Store.objects.get(pk=store_id))
            grades = tuple(IntentGrade.objects.filter(store_id=store_id).order_by("position", "code"))
        return cls(grades)

    def get(self, code: str) -> IntentGrade | None:
        return next((grade for grade in self.grades if grade.code == code), None)

    def is_open(self, code: str) -> bool:
        grade = self.get(code)
        return grade is not None and grade.is_open

    def open_grades(self) -> list[IntentGrade]:
        return [grade for grade in self.grades if grade.is_open]

    def after_contact(self) -> list[IntentGrade]:
        """What a follow-up may set: the open grades and "ordered"; lost needs approval, D and T come from sales."""
        return [grade for grade in self.grades if grade.is_open or grade.code == ORDERED]

    def proposed_next(self, code: str, today: datetime.date) -> datetime.date | None:
        grade = self.get(code)
        if grade is None or not grade.is_open or not grade.follow_up_days:
            return None
        return today + datetime.timedelta(days=grade.follow_up_days)


def status_of_grade(code: str, grades: GradeBook) -> str:
    if grades.is_open(code):
        return Lead.Status.OPEN
    return STATUS_OF_CLOSED_GRADE.get(code, Lead.Status.DORMANT)


# --- A-cards -----------------------------------------------------------------------------------------------


def open_card_with_phone(store_id: int, phone: str) -> Lead | None:
    return (
        Lead.objects.select_related("owner")
        .filter(store_id=store_id, status=Lead.Status.OPEN, customer__phone=phone)
        .order_by("pk")
        .first()
    )


def duplicate_message(card: Lead) -> str:
    return _(
        "This number is already on A-card A-%(card)s, an open card of %(owner)s. You cannot open a second card "
        "for it; reassigning the customer is a supervisor's decision."
    ) % {"card": card.pk, "owner": card.owner.name}


@dataclass(frozen=True)
class NewCard:
    name: str
    phone: str
    source: str
    intended_model_id: int
    grade: str


@transaction.atomic
def open_card(store_id: int, owner: Staff, card: NewCard, grades: GradeBook, now: datetime.datetime) -> Lead:
    """Customer and A-card together. A number already on an open card of the store is refused."""
    customer, created = Customer.objects.get_or_create(
        store_id=store_id, phone=card.phone, defaults={"owner": owner, "name": card.name, "created_at": now}
    )
    Customer.objects.select_for_update().get(pk=customer.pk)  # one card per number at a time
    existing = open_card_with_phone(store_id, card.phone)
    if existing is not None:
        raise ValidationError({"phone": duplicate_message(existing)})
    if not created and customer.owner_id != owner.pk:
        # The customer's earlier cards are all closed: the consultant opening the new one works them now.
        Customer.objects.filter(pk=customer.pk).update(owner=owner)
    return Lead.objects.create(
        store_id=store_id, customer=customer, owner=owner, source=card.source,
        intended_model_id=card.intended_model_id, grade=card.grade, status=status_of_grade(card.grade, grades),
        created_at=now, next_follow_up_on=grades.proposed_next(card.grade, timezone.localdate(now)),
    )


@dataclass(frozen=True)
class Contact:
    channel: str
    outcome: str
    grade: str
    next_on: datetime.date | None
    note: str = ""


@transaction.atomic
def log_follow_up(lead: Lead, staff: Staff, contact: Contact, grades: GradeBook, now: datetime.datetime) -> FollowUp:
    """Record a contact: it answers the card's due date, and moves the card's grade, status and next date."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status != Lead.Status.OPEN:
        raise ValidationError(_("This card is closed; follow-ups are logged on open cards."))
    grade = ORDERED if contact.outcome == FollowUp.Outcome.ORDERED else contact.grade
    stays_open = grades.is_open(grade)
    next_on = contact.next_on if stays_open else None
    follow_up = FollowUp.objects.create(
        store_id=lead.store_id, lead=lead, staff=staff, at=now, channel=contact.channel, outcome=contact.outcome,
        grade_after=grade, due_on=lead.next_follow_up_on, next_due_on=next_on, note=contact.note,
    )
    lead.grade, lead.last_follow_up_at, lead.next_follow_up_on = grade, now, next_on
    lead.status = status_of_grade(grade, grades)
    if not stays_open:
        lead.closed_at = now
    lead.save(update_fields=["grade", "last_follow_up_at", "next_follow_up_on", "status", "closed_at"])
    return follow_up


# --- lost sales (战败) -------------------------------------------------------------------------------------


def decidable_lost_sales(viewer: Viewer) -> QuerySet[LostSale]:
    """Lost-sale requests that are ``viewer``'s to decide: their team's (supervisor) or store's (manager), never
    their own."""
    if not rules.has_perm("crm.decide_lost_sale", viewer):
        return LostSale.objects.none()
    return visible_to(LostSale.objects.exclude(requested_by_id=viewer.staff_id), viewer, "approve")


def pending_lost_sales(viewer: Viewer) -> QuerySet[LostSale]:
    """Lost-sale requests awaiting ``viewer``'s decision."""
    return decidable_lost_sales(viewer).filter(status=Decision.REQUESTED).select_related(
        "lead__customer", "lead__intended_model__brand", "requested_by", "competitor_model__brand"
    ).order_by("requested_at", "pk")


@dataclass(frozen=True)
class LostRequest:
    reason: str
    competitor_model_id: int | None
    note: str = ""


@transaction.atomic
def request_lost_sale(lead: Lead, staff: Staff, request: LostRequest, now: datetime.datetime) -> LostSale:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status != Lead.Status.OPEN:
        raise ValidationError(_("Only an open card can be closed as lost."))
    if lead.lost_sales.filter(status=Decision.REQUESTED).exists():
        raise ValidationError(_("A lost-sale request for this card is already awaiting approval."))
    lost = LostSale(
        store_id=lead.store_id, lead=lead, reason=request.reason, competitor_model_id=request.competitor_model_id,
        note=request.note, requested_by=staff, requested_at=now,
    )
    lost.full_clean()
    lost.save()
    return lost


@transaction.atomic
def decide_lost_sale(lost: LostSale, decider: Staff, approve: bool, now: datetime.datetime) -> LostSale:
    """Approval closes the card (lost, grade F); a rejection keeps it open and the request on record. The card is
    locked before the request (as placing an order locks it), so a card ordered meanwhile is not closed as lost."""
    lead = Lead.objects.select_for_update().get(pk=lost.lead_id)
    lost = LostSale.objects.select_for_update().get(pk=lost.pk)
    if lost.status != Decision.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    if approve and lead.status != Lead.Status.OPEN:
        raise ValidationError(_("The card is no longer open (an order was placed on it): reject the request."))
    lost.status = Decision.APPROVED if approve else Decision.REJECTED
    lost.decided_by, lost.decided_at = decider, now
    lost.save()
    if approve:
        Lead.objects.filter(pk=lost.lead_id).update(
            status=Lead.Status.LOST, grade=LOST, closed_at=now, next_follow_up_on=None
        )
    return lost


# --- the showroom log ---------------------------------------------------------------------------------------


@transaction.atomic
def end_visit(visit: ShowroomVisit, now: datetime.datetime) -> ShowroomVisit:
    """The party left: the time is recorded once (a second click, or another colleague meanwhile, changes nothing),
    never before they arrived."""
    visit = ShowroomVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.left_at is None:
        visit.left_at = max(now, visit.arrived_at)
        visit.save(update_fields=["left_at"])
    return visit


# --- test drives -------------------------------------------------------------------------------------------


def demo_vehicles(store_id: int) -> QuerySet[Vehicle]:
    return (
        Vehicle.objects.filter(store_id=store_id, status=Vehicle.Status.DEMO)
        .select_related("trim__vehicle_model")
        .order_by("trim__vehicle_model__code", "vin")
    )


def vehicle_label(vehicle: Vehicle) -> str:
    return f"{vehicle.trim.vehicle_model.name} {vehicle.trim.name} {vehicle.colour} ·{vehicle.vin[-6:]}"


def _clock(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i")


@transaction.atomic
def book_test_drive(lead: Lead, vehicle_id: int, starts_at: datetime.datetime,
                    ends_at: datetime.datetime) -> TestDrive:
    """Book a demo vehicle for the lead's consultant; a slot overlapping another booking is refused."""
    vehicle = (
        demo_vehicles(lead.store_id).select_for_update(of=("self",)).filter(pk=vehicle_id).first()
    )
    if vehicle is None:
        raise ValidationError({"vehicle": _("Choose one of the store's demo vehicles.")})
    clash = (
        TestDrive.objects.filter(vehicle=vehicle, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=TestDrive.Status.CANCELLED)
        .select_related("consultant")
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ValidationError({"vehicle": _(
            "%(vehicle)s is already booked from %(start)s to %(end)s on %(day)s by %(consultant)s; "
            "choose another time or vehicle."
        ) % {
            "vehicle": vehicle_label(vehicle), "start": _clock(clash.starts_at), "end": _clock(clash.ends_at),
            "day": timezone.localdate(clash.starts_at).isoformat(), "consultant": clash.consultant.name,
        }})
    return TestDrive.objects.create(
        store_id=lead.store_id, lead=lead, consultant_id=lead.owner_id, vehicle=vehicle,
        starts_at=starts_at, ends_at=ends_at,
    )


DRIVE_STEPS = ("licence", "agreement", "start", "end", "cancel")


def _step_problem(drive: TestDrive, step: str) -> str | None:
    scheduled = drive.status == TestDrive.Status.SCHEDULED
    if step in ("licence", "agreement", "cancel") and not scheduled:
        return _("Only a scheduled test drive can be changed this way.")
    if step == "start" and not scheduled:
        return _("This test drive has already started or is over.")
    if step == "start" and not (drive.licence_checked and drive.agreement_signed):
        return _("A test drive can start only after the licence is checked and the agreement signed.")
    if step == "end" and drive.status != TestDrive.Status.IN_PROGRESS:
        return _("Only a test drive in progress can end.")
    return None


@transaction.atomic
def advance_test_drive(drive: TestDrive, step: str, now: datetime.datetime, feedback: str = "") -> TestDrive:
    """One step of the drive: check licence, sign agreement, start, end (with feedback), or cancel."""
    drive = TestDrive.objects.select_for_update().get(pk=drive.pk)
    problem = _step_problem(drive, step) if step in DRIVE_STEPS else _("Unknown step.")
    if problem:
        raise ValidationError(problem)
    changes: dict[str, object] = {
        "licence": {"licence_checked": True},
        "agreement": {"agreement_signed": True},
        "start": {"started_at": now, "status": TestDrive.Status.IN_PROGRESS},
        "end": {"ended_at": now, "status": TestDrive.Status.DONE, "feedback": feedback.strip()[:200]},
        "cancel": {"status": TestDrive.Status.CANCELLED},
    }[step]
    for name, value in changes.items():
        setattr(drive, name, value)
    drive.save(update_fields=list(changes))
    return drive


# --- reassignment ------------------------------------------------------------------------------------------


@transaction.atomic
def reassign_leads(leads: QuerySet[Lead], to_owner: Staff | None, reason: str, decider: Staff, user: User | None,
                   now: datetime.datetime) -> int:
    """Move open cards (and their customers) to ``to_owner``, or return them to the pool when None.

    While in the pool a card is held by the person who returned it. One reassignment row per card, written in
    bulk with its audit entry; the cards and customers change in two updates. Returns how many cards moved.
    """
    holder = to_owner or decider
    rows = list(
        leads.filter(status=Lead.Status.OPEN).select_for_update()
        .values_list("pk", "store_id", "owner_id", "customer_id")
    )
    moves = [
        LeadReassignment(store_id=store_id, lead_id=pk, from_owner_id=owner_id, to_owner=to_owner, reason=reason,
                         decided_by=decider, at=now)
        for pk, store_id, owner_id, _customer in rows
        if owner_id != holder.pk or to_owner is None
    ]
    if not moves:
        return 0
    LeadReassignment.objects.bulk_create(moves)
    moved = [move.lead_id for move in moves]
    Lead.objects.filter(pk__in=moved).update(owner=holder)
    Customer.objects.filter(pk__in={c for pk, _s, _o, c in rows if pk in set(moved)}).update(owner=holder)
    _audit_created(moves, user)
    return len(moves)


def _audit_created(records: list[LeadReassignment], user: User | None) -> None:
    """Bulk inserts skip the audit signals: write the same entries the signals would, in one insert."""
    content_type = ContentType.objects.get_for_model(LeadReassignment)
    AuditEntry.objects.bulk_create([
        AuditEntry(actor=user if user is not None and user.is_authenticated else None,
                   action=AuditEntry.Action.CREATE, content_type=content_type, object_id=str(record.pk),
                   object_repr=str(record)[:200], before=None, after=snapshot(record))
        for record in records
    ])


def pooled_leads(viewer: Viewer) -> QuerySet[Lead]:
    """Open cards whose latest reassignment returned them to the pool."""
    latest = LeadReassignment.objects.filter(lead=OuterRef("pk")).order_by("-at", "-pk")
    return (
        open_leads(viewer)
        .annotate(was_moved=Exists(latest), pool_holder=Subquery(latest.values("to_owner_id")[:1]))
        .filter(was_moved=True, pool_holder__isnull=True)
    )


# --- follow-up quality -------------------------------------------------------------------------------------


def neglected_leads(viewer: Viewer, today: datetime.date) -> QuerySet[Lead]:
    """Open cards not contacted for longer than their grade allows, or with a next date more than twice the
    grade's interval after the last contact. Annotated with ``last_on``, ``untouched`` and ``far_ahead``."""
    intervals: dict[tuple[str, int], list[int]] = defaultdict(list)
    grades = visible_to(IntentGrade.objects.filter(is_open=True, follow_up_days__gt=0), viewer)
    for store_id, code, days in grades.values_list("store_id", "code", "follow_up_days"):
        intervals[(code, days)].append(store_id)
    untouched, far_ahead = Q(pk__in=[]), Q(pk__in=[])
    for (code, days), store_ids in intervals.items():
        card = Q(grade=code, store_id__in=store_ids)
        untouched |= card & Q(last_on__lt=today - datetime.timedelta(days=days))
        far_ahead |= card & Q(next_follow_up_on__gt=F(f"limit_{days}"))
    limits = {
        f"limit_{days}": ExpressionWrapper(F("last_on") + datetime.timedelta(days=2 * days), output_field=DateField())
        for _code, days in intervals
    }
    return (
        open_leads(viewer)
        .annotate(last_on=TruncDate(Coalesce("last_follow_up_at", "created_at")), **limits)
        .filter(untouched | far_ahead)
        .annotate(untouched=Case(When(untouched, then=True), default=False, output_field=BooleanField()),
                  far_ahead=Case(When(far_ahead, then=True), default=False, output_field=BooleanField()))
    )

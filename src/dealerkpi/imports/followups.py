"""A-card follow-ups from a file, recorded as the desk records them (crm.services.log_follow_up).

Rows are checked in time order, card by card, against the card as it stands:
- a contact older than the card's latest one (or, on a closed card, no later than its closing) is history:
  it is recorded as it was and does not move the card;
- a newer contact on an open card moves the card like the desk: grade (O when the outcome is "ordered"),
  last contact, next date, status, and the closing time when the grade closes the card; it may set an open
  grade or O only (lost needs an approved lost-sale request, D and T come from orders), and answers the
  card's due date when the file leaves ``due_on`` empty;
- a contact after the card was closed is refused, as the desk refuses it.
A contact by the same card in the same minute as one already recorded (or earlier in the file) is a duplicate.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealerkpi.crm.models import FollowUp, IntentGrade, Lead
from dealerkpi.crm.services import DEFAULT_GRADES, ORDERED, GradeBook, status_of_grade
from dealerkpi.org.models import RoleAssignment, Staff
from dealerkpi.org.roles import DESK_ROLES

from .columns import FOLLOW_UP_COLUMNS
from .engine import Context, Writer, check_store, chunks, not_in_future, store_ids, typed_rows
from .reading import Table
from .records import Links
from .values import local_day

MINUTE = datetime.timedelta(minutes=1)
MOVED = ("status", "last_follow_up_at", "grade", "next_follow_up_on", "closed_at")  # what a contact moves on a card
INSERTED = ("store_id", "lead_id", "staff_id", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on",
            "note")


@dataclass(slots=True)
class Row:
    number: int
    bad: bool
    store: str | None
    lead: int | None
    staff: str | None
    at: datetime.datetime | None
    channel: str | None
    outcome: str | None
    grade_after: str | None
    due_on: datetime.date | None
    next_due_on: datetime.date | None
    note: str | None


@dataclass(slots=True)
class Card:
    """An A-card as it stands, moved by the file's newer contacts in time order."""

    store_id: int
    status: str
    grade: str
    created_at: datetime.datetime
    last_at: datetime.datetime | None
    next_on: datetime.date | None
    closed_at: datetime.datetime | None
    was: tuple  # MOVED as read: changed at the desk meanwhile? put back when the import is undone
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    pk: int
    name: str
    store_id: int | None
    role: str
    hire_date: datetime.date
    leave_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class Spell:
    store_id: int | None
    role: str
    valid_from: datetime.date
    valid_to: datetime.date | None


def minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


class FollowUpImport:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.rows: list[Row] = []
        self.stores: dict[str, int] = {}
        self.people: dict[str, Person] = {}
        self.spells: dict[int, list[Spell]] = defaultdict(list)
        self.cards: dict[int, Card] = {}
        self.books: dict[int, GradeBook] = {}
        self.graded: set[int] = set()  # stores with their own grades
        self.seen: set[tuple[int, datetime.datetime]] = set()
        self.writer = Writer(context, self.insert)
        self.links = Links(context)

    # --- the run ------------------------------------------------------------------------------------------

    def run(self, table: Table) -> None:
        for number, values, bad in typed_rows(table, FOLLOW_UP_COLUMNS, self.context):
            self.rows.append(Row(number, bad, **values))
        self.resolve()
        last = self.context.now.timestamp() + 1
        self.rows.sort(key=lambda row: (row.at.timestamp() if row.at else last, row.number))
        for done, row in enumerate(self.rows, start=1):
            self.writer.add(self.check(row))
            if done % 1000 == 0:
                self.context.tick("check", done)
        self.writer.flush()
        if self.writer.writing:
            self.finish()

    # --- references: one query per kind of record -----------------------------------------------------------

    def resolve(self) -> None:
        rows = self.rows
        self.stores = store_ids({r.store for r in rows if r.store}, self.context)
        self._people({r.staff for r in rows if r.staff})
        self._cards({r.lead for r in rows if r.lead})
        self._books(set(self.stores.values()))
        self._existing([r.at for r in rows if r.at])

    def _people(self, numbers: set[str]) -> None:
        fields = ("employee_no", "pk", "name", "store_id", "role", "hire_date", "leave_date")
        for chunk in chunks(numbers):
            for number, *rest in Staff.objects.filter(employee_no__in=chunk).values_list(*fields):
                self.people[number] = Person(*rest)
        ids = [person.pk for person in self.people.values()]
        for chunk in chunks(ids):
            spells = RoleAssignment.objects.filter(staff_id__in=chunk).values_list(
                "staff_id", "store_id", "role", "valid_from", "valid_to")
            for staff_id, *rest in spells:
                self.spells[staff_id].append(Spell(*rest))

    def _cards(self, ids: set[int]) -> None:
        fields = ("pk", "store_id", "status", "grade", "created_at", "last_follow_up_at", "next_follow_up_on",
                  "closed_at")
        for chunk in chunks(ids):
            for pk, store_id, status, grade, created, last, next_on, closed in (
                    Lead.objects.filter(pk__in=chunk).values_list(*fields)):
                self.cards[pk] = Card(store_id, status, grade, created, last, next_on, closed,
                                      (status, last, grade, next_on, closed))

    def _books(self, store_ids: set[int]) -> None:
        self.books, self.graded = grade_books(store_ids)

    def _existing(self, moments: list[datetime.datetime]) -> None:
        """Contacts already recorded on the file's cards in the file's time span: re-imports are duplicates."""
        if not moments or not self.cards:
            return
        first, last = min(moments) - MINUTE, max(moments) + MINUTE
        for chunk in chunks(self.cards):
            recorded = FollowUp.objects.filter(lead_id__in=chunk, at__gte=first, at__lte=last).values_list(
                "lead_id", "at")
            self.seen.update((lead_id, minute(at)) for lead_id, at in recorded)

    # --- one row ------------------------------------------------------------------------------------------

    def check(self, row: Row) -> tuple | None:
        """The row as the values to insert (INSERTED), or None when it is wrong (the problems reported)."""
        context, number = self.context, row.number
        store_id = check_store(number, row.store, self.stores, context)
        card = self._card(row, store_id)
        staff = self._staff(row, store_id)
        fresh = not_in_future(number, "at", row.at, context) and self._fresh(row, card)
        if row.bad or None in (store_id, card, staff) or not fresh:
            return None
        assert card is not None and staff is not None and row.at is not None
        contact = self._contact(row, card, self.books[card.store_id])
        if contact is None:
            return None
        grade, due_on, next_on = contact
        if next_on is not None and next_on < local_day(row.at) and not self._model_rules(number, row.at, next_on):
            return None
        return (card.store_id, row.lead, staff.pk, row.at, row.channel, row.outcome, grade, due_on, next_on,
                row.note or "")

    def _card(self, row: Row, store_id: int | None) -> Card | None:
        if row.lead is None or store_id is None:
            return None
        card = self.cards.get(row.lead)
        if card is None or card.store_id != store_id:
            self.context.error(row.number, "lead", row.lead, _("Store %(store)s has no A-card %(card)s.") % {
                "store": row.store, "card": row.lead})
            return None
        if row.at is not None and row.at < card.created_at:
            self.context.error(row.number, "at", row.at, _("This is before the A-card was opened (%(opened)s).") % {
                "opened": f"{timezone.localtime(card.created_at):%Y-%m-%d %H:%M}"})
            return None
        return card

    def _staff(self, row: Row, store_id: int | None) -> Person | None:
        if row.staff is None or store_id is None:
            return None
        person = self.people.get(row.staff)
        if person is None or not self._ever_at(person, store_id):
            self.context.error(row.number, "staff", row.staff, _("Store %(store)s has no staff member %(no)s.") % {
                "store": row.store, "no": row.staff})
            return None
        if row.at is not None and not self._at_desk(person, store_id, local_day(row.at)):
            self.context.error(row.number, "staff", row.staff, _(
                "%(name)s did not work at the sales desk of store %(store)s on %(day)s.") % {
                "name": person.name, "store": row.store, "day": local_day(row.at).isoformat()})
            return None
        return person

    def _ever_at(self, person: Person, store_id: int) -> bool:
        spells = self.spells.get(person.pk)
        return any(s.store_id == store_id for s in spells) if spells else person.store_id == store_id

    def _at_desk(self, person: Person, store_id: int, day: datetime.date) -> bool:
        """At the store in a sales desk role that day: by the role history, or the staff record without one."""
        spells = self.spells.get(person.pk)
        if not spells:
            spells = [Spell(person.store_id, person.role, person.hire_date, person.leave_date)]
        return any(s.store_id == store_id and s.role in DESK_ROLES and s.valid_from <= day
                   and (s.valid_to is None or s.valid_to >= day) for s in spells)

    def _fresh(self, row: Row, card: Card | None) -> bool:
        if card is None or row.at is None or row.lead is None:
            return True
        key = (row.lead, minute(row.at))
        if key in self.seen:
            self.context.error(row.number, "at", row.at, _(
                "A-card %(card)s already has a follow-up at %(at)s: this row was imported before, or appears "
                "twice in the file.") % {"card": row.lead, "at": f"{timezone.localtime(row.at):%Y-%m-%d %H:%M}"})
            return False
        self.seen.add(key)
        return True

    def _contact(self, row: Row, card: Card, book: GradeBook) -> tuple[str, datetime.date | None,
                                                                        datetime.date | None] | None:
        """(grade after, due date answered, next date), moving the card when the contact is its newest."""
        assert row.at is not None
        moves = self._moves(row, card)
        if moves is None:
            return None
        grade = ORDERED if row.outcome == FollowUp.Outcome.ORDERED else row.grade_after
        if not self._grade_ok(row, grade, book, moves):
            return None
        assert grade is not None
        stays_open = book.is_open(grade)
        next_on = row.next_due_on if stays_open else None
        if stays_open and next_on is None:
            self.context.error(row.number, "next_due_on", "", _("Set the next follow-up date for an open card."))
            return None
        due_on = row.due_on if row.due_on is not None or not moves else card.next_on
        if moves:
            self._move(card, row.at, grade, next_on, book)
        return grade, due_on, next_on

    def _moves(self, row: Row, card: Card) -> bool | None:
        """True when the contact is the card's newest (it moves the card), False for history, None if refused."""
        assert row.at is not None
        if card.status == Lead.Status.OPEN:
            return card.last_at is None or row.at > card.last_at
        closing = card.closed_at or card.last_at
        if closing is not None and row.at <= closing:
            return False
        self.context.error(row.number, "at", row.at, _(
            "This card is closed; follow-ups are logged on open cards.") + " " + _(
            "A-card %(card)s is %(status)s since %(closed)s.") % {
            "card": row.lead, "status": Lead.Status(card.status).label,
            "closed": f"{timezone.localtime(closing):%Y-%m-%d %H:%M}" if closing else "-"})
        return None

    def _grade_ok(self, row: Row, grade: str | None, book: GradeBook, moves: bool) -> bool:
        if grade is None:
            self.context.error(row.number, "grade_after", "", _("Fill in this cell."))
            return False
        codes = [g.code for g in book.grades]
        if grade not in codes:
            self.context.error(row.number, "grade_after", grade, _(
                "“%(text)s” is not one of the store's grades: %(grades)s.") % {"text": grade,
                                                                             "grades": ", ".join(codes)})
            return False
        if moves and grade not in {g.code for g in book.after_contact()}:
            self.context.error(row.number, "grade_after", grade, _(
                "A follow-up sets an open grade or O (ordered). Lost needs an approved lost-sale request; D and T "
                "come from deliveries and cancellations."))
            return False
        return True

    def _move(self, card: Card, at: datetime.datetime, grade: str, next_on: datetime.date | None,
              book: GradeBook) -> None:
        card.grade, card.last_at, card.next_on = grade, at, next_on
        card.status = status_of_grade(grade, book)
        if not book.is_open(grade):
            card.closed_at = at
        card.moved = True

    def _model_rules(self, number: int, at: datetime.datetime, next_on: datetime.date) -> bool:
        """FollowUp.clean() on the row; called only where it can fail (next date before the contact's day), which
        spares making a model instance per row."""
        record = FollowUp(at=at, next_due_on=next_on)
        try:
            record.clean()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                value = getattr(record, key, "") if key != "__all__" else ""
                for message in messages:
                    self.context.error(number, key if key != "__all__" else "", value, message)
            return False
        return True

    # --- writing ------------------------------------------------------------------------------------------

    def insert(self, records: list[tuple]) -> None:
        """One multi-row INSERT per batch, returning the ids the batch lists (``ImportedRecord``)."""
        made = FollowUp.objects.bulk_create([FollowUp(**dict(zip(INSERTED, record, strict=True)))
                                             for record in records])
        self.links.made(FollowUp, [follow_up.pk for follow_up in made])

    def finish(self) -> None:
        """The cards the file moved, as the desk leaves them; the usual grades for stores that had none."""
        moved = {pk: card for pk, card in self.cards.items() if card.moved}
        if not self._unchanged(moved):
            return
        now = {pk: (c.status, c.last_at, c.grade, c.next_on, c.closed_at) for pk, c in moved.items()}
        Lead.objects.bulk_update([Lead(pk=pk, **dict(zip(MOVED, fields, strict=True))) for pk, fields in now.items()],
                                 MOVED, batch_size=1000)
        self.links.changed(Lead, [(pk, dict(zip(MOVED, moved[pk].was, strict=True)), dict(zip(MOVED, fields,
                                                                                                strict=True)))
                                  for pk, fields in now.items()])
        used = {card.store_id for card in self.cards.values()} & set(self.stores.values())
        missing = [grade for store_id in sorted(used - self.graded) for grade in default_grades(store_id)]
        self.links.made(IntentGrade, [grade.pk for grade in IntentGrade.objects.bulk_create(missing)])

    def _unchanged(self, moved: dict[int, Card]) -> bool:
        """Lock the cards to move and make sure nobody logged a contact on them while the file was checked."""
        for chunk in chunks(moved):
            now = Lead.objects.select_for_update().filter(pk__in=chunk).values_list("pk", *MOVED)
            if any(tuple(fields) != moved[pk].was for pk, *fields in now):
                self.context.report.file_error(_(
                    "Some A-cards of the file changed at the desk while it was imported; nothing was saved. "
                    "Import the file again."))
                return False
        return True


def grade_books(store_ids: set[int]) -> tuple[dict[int, GradeBook], set[int]]:
    """Each store's grades, and the stores that have their own; a store without any gets the usual ones (unsaved),
    as the desk gives it."""
    found: dict[int, list[IntentGrade]] = defaultdict(list)
    for grade in IntentGrade.objects.filter(store_id__in=sorted(store_ids)).order_by("position", "code"):
        found[grade.store_id].append(grade)
    books = {store_id: GradeBook(tuple(found.get(store_id) or default_grades(store_id))) for store_id in store_ids}
    return books, set(found)


def default_grades(store_id: int) -> list[IntentGrade]:
    """The usual grades (crm.services.DEFAULT_GRADES), named in the store's language, not saved."""
    with translation.override(settings.LANGUAGE_CODE):
        return [IntentGrade(store_id=store_id, code=code, name=str(name), follow_up_days=days, is_open=is_open,
                            position=position)
                for position, (code, name, days, is_open) in enumerate(DEFAULT_GRADES)]

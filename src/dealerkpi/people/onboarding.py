"""A new salesperson's first months: the onboarding checklist and the probation (试用期), its reviews and decision.

    newcomers(store, day)            -> the store's salespeople on probation or with steps to tick, hired before ``day``
    not_started(store, day)          -> the store's salespeople hired in the last 6 months with neither
    start(staff, months)             -> the checklist (due dates from the hire date) and the probation, one step
    tick(item, by, day, note)        -> a step done (refused twice), audited
    review(probation, ...)           -> a review at a point by the supervisor or a manager (refused once decided)
    decide(probation, ...)           -> confirm, extend or end, under a row lock, audited

Functions raise ValidationError with a message for the user; views turn it into a form error.
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from dealerkpi.core.audit import entries, snapshot
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.pages import store_staff
from dealerkpi.org.roles import SALES_FORCE, STORE_MANAGEMENT
from dealerkpi.people.models import OnboardingItem, Probation, ProbationReview

PROBATION_MONTHS = 3
LONGEST_PROBATION = 6  # months from the start, extensions included (the labour contract law's longest)
RECENT_HIRES = 183  # days: who may still start onboarding


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def overdue(day: datetime.date) -> Q:
    """Steps not done and due before ``day`` (a filter on OnboardingItem)."""
    return Q(done_on__isnull=True, due_on__lt=day)


def newcomers(store: Store, day: datetime.date) -> QuerySet[Staff]:
    """The store's staff employed on ``day`` whose probation is open or whose checklist has steps to tick, with the
    steps open and overdue."""
    open_steps = OnboardingItem.objects.filter(staff=OuterRef("pk"), done_on__isnull=True)
    return (store_staff(store, day)
            .filter(Q(probation__status=Probation.Status.OPEN) | Exists(open_steps))
            .annotate(steps_open=Count("onboarding", filter=Q(onboarding__done_on__isnull=True)),
                      steps_overdue=Count("onboarding", filter=Q(onboarding__done_on__isnull=True,
                                                                 onboarding__due_on__lt=day)))
            .select_related("probation").order_by("hire_date", "name"))


def not_started(store: Store, day: datetime.date) -> QuerySet[Staff]:
    """The store's salespeople hired in the last six months with neither a checklist nor a probation."""
    return (store_staff(store, day).filter(role__in=SALES_FORCE,
                                           hire_date__gte=day - datetime.timedelta(days=RECENT_HIRES))
            .filter(probation__isnull=True).exclude(Exists(OnboardingItem.objects.filter(staff=OuterRef("pk"))))
            .order_by("hire_date", "name"))


@transaction.atomic
def start(staff: Staff, months: int = PROBATION_MONTHS) -> Probation:
    """The checklist, each step due its days after the hire date, and the probation from the hire date: one insert
    for the steps (with their audit entries), one for the probation."""
    locked = Staff.objects.select_for_update().get(pk=staff.pk)
    if Probation.objects.filter(staff=locked).exists() or OnboardingItem.objects.filter(staff=locked).exists():
        raise ValidationError(_("%(name)s's onboarding has already started.") % {"name": locked.name})
    steps = OnboardingItem.objects.bulk_create([
        OnboardingItem(store_id=locked.store_id, staff=locked, step=step,
                       due_on=locked.hire_date + datetime.timedelta(days=days))
        for step, days in OnboardingItem.DUE_DAYS.items()
    ])
    AuditEntry.objects.bulk_create(entries(AuditEntry.Action.CREATE, [(s, None, snapshot(s)) for s in steps]))
    return Probation.objects.create(store_id=locked.store_id, staff=locked, starts_on=locked.hire_date,
                                    ends_on=months_after(locked.hire_date, months))


@transaction.atomic
def tick(item: OnboardingItem, by: Staff, day: datetime.date, note: str = "") -> OnboardingItem:
    """Mark a step done on ``day``; a step already ticked stays as it was."""
    locked = OnboardingItem.objects.select_for_update().get(pk=item.pk)
    if locked.done_on is not None:
        raise ValidationError(_("This step was already ticked on %(day)s.") % {"day": locked.done_on})
    if day < locked.staff.hire_date:
        raise ValidationError(_("A step cannot be done before the hire date."))
    locked.done_on, locked.done_by, locked.note = day, by, note
    locked.save()
    return locked


@transaction.atomic
def review(probation: Probation, point: str, reviewer: Staff, day: datetime.date, score: int,
           notes: str) -> ProbationReview:
    """A reviewer's review at a point, once each; none after the decision."""
    locked = Probation.objects.select_for_update().get(pk=probation.pk)
    if locked.status != Probation.Status.OPEN:
        raise ValidationError(_("The probation is decided: no more reviews."))
    if ProbationReview.objects.filter(probation=locked, point=point, reviewer=reviewer).exists():
        raise ValidationError(_("You have already reviewed this point."))
    return ProbationReview.objects.create(probation=locked, store_id=locked.store_id, point=point, reviewer=reviewer,
                                          reviewer_role=reviewer.role, reviewed_on=day, score=score, notes=notes)


@transaction.atomic
def decide(probation: Probation, decision: str, by: Staff, day: datetime.date, note: str,
           months: int | None = None) -> Probation:
    """Confirm (a manager's final review first), extend by ``months`` (at most six months in all) or end; the
    probation is locked and read again, so a second decision is refused."""
    locked = Probation.objects.select_for_update().get(pk=probation.pk)
    if locked.status != Probation.Status.OPEN:
        raise ValidationError(_("The probation was already decided: %(status)s.")
                              % {"status": locked.get_status_display()})
    if decision == Probation.Decision.CONFIRM:
        final = locked.reviews.filter(point=ProbationReview.Point.FINAL, reviewer_role__in=STORE_MANAGEMENT)
        if not final.exists():
            raise ValidationError(_("A manager's final review comes before the confirmation."))
        locked.status = Probation.Status.CONFIRMED
    elif decision == Probation.Decision.EXTEND:
        ends_on = months_after(locked.ends_on, months or 0)
        if not months or ends_on > months_after(locked.starts_on, LONGEST_PROBATION):
            raise ValidationError(_("A probation lasts at most six months in all."))
        locked.ends_on, locked.extensions = ends_on, locked.extensions + 1
    else:
        locked.status = Probation.Status.ENDED
    locked.decided_by, locked.decided_on, locked.note = by, day, note
    locked.save()
    return locked

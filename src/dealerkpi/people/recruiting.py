"""Recruiting (招聘): a candidate's way from application to hire, each step re-checked under a row lock.

    cancel(position, today)                         -> a position no longer needed (its candidates can get no offer)
    move(candidate, stage)                          -> reject or withdraw an open candidate
    offer(candidate, salary, start_on)              -> the offer: base salary and first day
    hire(candidate, employee_no, ...)               -> the Staff record as the master data makes it (assign_role), the
                                                       team, the position filled, onboarding and probation started

Functions raise ValidationError with a message for the user; views turn it into a form error.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealerkpi.org.models import Role, Staff, TeamMembership
from dealerkpi.org.services import assign_role
from dealerkpi.people import onboarding
from dealerkpi.people.models import Candidate, Position


@transaction.atomic
def cancel(position: Position, today: datetime.date) -> Position:
    locked = Position.objects.select_for_update().get(pk=position.pk)
    if locked.status != Position.Status.OPEN:
        raise ValidationError(_("The position is no longer open."))
    locked.status, locked.closed_on = Position.Status.CANCELLED, today
    locked.save()
    return locked


def _locked(candidate: Candidate) -> Candidate:
    locked = Candidate.objects.select_for_update().select_related("position").get(pk=candidate.pk)
    if locked.stage in Candidate.CLOSED:
        raise ValidationError(_("This candidate is already %(stage)s.") % {"stage": locked.get_stage_display()})
    return locked


@transaction.atomic
def move(candidate: Candidate, stage: str) -> Candidate:
    """Reject the candidate or record that they withdrew."""
    locked = _locked(candidate)
    locked.stage = stage
    locked.save()
    return locked


@transaction.atomic
def offer(candidate: Candidate, salary: Decimal, start_on: datetime.date) -> Candidate:
    locked = _locked(candidate)
    if locked.position.status != Position.Status.OPEN:
        raise ValidationError(_("The position is no longer open."))
    locked.stage, locked.offer_salary, locked.start_on = Candidate.Stage.OFFERED, salary, start_on
    locked.save()
    return locked


@transaction.atomic
def hire(candidate: Candidate, employee_no: str, today: datetime.date) -> Staff:
    """The accepted offer becomes a staff member from the first day, made as the master data makes one (the staff
    record, then ``assign_role``), in the position's team; the position is filled and onboarding starts."""
    locked = _locked(candidate)
    position = Position.objects.select_for_update().get(pk=locked.position_id)
    if locked.stage != Candidate.Stage.OFFERED or locked.start_on is None:
        raise ValidationError(_("Make the offer before the hire."))
    if position.status != Position.Status.OPEN:
        raise ValidationError(_("The position is no longer open."))
    staff = Staff(group_id=position.store.region.group_id, store=position.store, employee_no=employee_no,
                  name=locked.name, role=position.role, phone=locked.phone, hire_date=locked.start_on,
                  base_salary=locked.offer_salary)
    staff.full_clean()
    staff.save()
    assign_role(staff, position.role, position.store_id, staff.hire_date)
    if position.team_id:
        TeamMembership.objects.create(staff=staff, team_id=position.team_id, valid_from=staff.hire_date,
                                      is_leader=position.role == Role.SUPERVISOR)
    locked.stage, locked.hired_as = Candidate.Stage.HIRED, staff
    locked.save()
    position.status, position.closed_on = Position.Status.FILLED, today
    position.save()
    onboarding.start(staff)
    return staff

"""Process checks scored and faults on their way (docs/conduct.md), each step of a fault re-checked under a row lock,
so a second click finds it moved on and is refused:

    score(steps)                                     -> the weighted share of the steps passed, in percent
    record_check(check, results)                     -> the check and its steps, in one transaction
    decide(fault, approve, reason, decider, at)      -> proposed -> approved or rejected (the sales manager)
    appeal(fault, grounds, at)                       -> approved -> appealed (the staff member it is against)
    decide_appeal(fault, uphold, reason, decider, at) -> appealed -> upheld or overturned (the GM)
    pending_faults(viewer), pending_appeals(viewer)  -> what waits in the approvals inbox

Functions raise ValidationError with a message for the user; views turn it into a form error.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dealerkpi.conduct.models import CheckedStep, Fault, ProcessCheck, ProcessStep
from dealerkpi.core.money import HUNDRED
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Staff

Status = Fault.Status
SCORE_PLACES = Decimal("0.01")


def score(steps: Iterable[tuple[int, bool]]) -> Decimal:
    """Weights of the steps passed / all weights x 100, half-up to 2 places; (weight, passed) per step."""
    steps = list(steps)
    total = sum(weight for weight, _passed in steps)
    if not total:
        raise ValidationError(_("The checklist has no standard steps: the manager sets them first."))
    passed = sum(weight for weight, done in steps if done)
    return (Decimal(passed) * HUNDRED / Decimal(total)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def record_check(check: ProcessCheck, results: dict[ProcessStep, bool]) -> ProcessCheck:
    """Save the check with one row per standard step, as the step stands today, and its score."""
    check.score = score((step.weight, passed) for step, passed in results.items())
    check.save()
    CheckedStep.objects.bulk_create(
        CheckedStep(process_check=check, step=step, name=step.name, weight=step.weight, passed=passed)
        for step, passed in results.items())
    return check


def _locked(fault: Fault, expected: str, refusal: str) -> Fault:
    locked = Fault.objects.select_for_update().get(pk=fault.pk)
    if locked.status != expected:
        raise ValidationError(refusal)
    return locked


@transaction.atomic
def decide(fault: Fault, approve: bool, reason: str, decider: Staff, at: datetime.datetime) -> Fault:
    locked = _locked(fault, Status.PROPOSED, _("This fault has already been decided."))
    locked.status = Status.APPROVED if approve else Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_reason = decider, at, reason.strip()
    locked.save()
    return locked


@transaction.atomic
def appeal(fault: Fault, grounds: str, at: datetime.datetime) -> Fault:
    locked = _locked(fault, Status.APPROVED, _("Only an approved fault not yet appealed can be appealed."))
    locked.status, locked.appeal_reason, locked.appealed_at = Status.APPEALED, grounds.strip(), at
    locked.save()
    return locked


@transaction.atomic
def decide_appeal(fault: Fault, uphold: bool, reason: str, decider: Staff, at: datetime.datetime) -> Fault:
    locked = _locked(fault, Status.APPEALED, _("This appeal has already been decided."))
    locked.status = Status.UPHELD if uphold else Status.OVERTURNED
    locked.appeal_decided_by, locked.appeal_decided_at = decider, at
    locked.appeal_decision_reason = reason.strip()
    locked.save()
    return locked


def _waiting(viewer: Viewer, permission: str, status: str) -> QuerySet[Fault]:
    """Faults in `status` the viewer may decide: in their store, never one against themselves."""
    if not rules.has_perm(permission, viewer):
        return Fault.objects.none()
    waiting = Fault.objects.filter(status=status).exclude(staff_id=viewer.staff_id)
    waiting = visible_to(waiting, viewer, "approve").select_related("staff", "fault_type").defer("evidence")
    return waiting.order_by("day", "pk")


def pending_faults(viewer: Viewer) -> QuerySet[Fault]:
    return _waiting(viewer, "conduct.decide_fault", Status.PROPOSED)


def pending_appeals(viewer: Viewer) -> QuerySet[Fault]:
    return _waiting(viewer, "conduct.decide_appeal", Status.APPEALED)

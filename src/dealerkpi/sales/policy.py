"""The sales policy of the day and spiffs (专项奖励). A policy in force sets the floor of an order placed that day
(guide price − its discount ceiling), which the order approval and the price-breach count both read from the order
(one definition: ``floor_of``). Spiffs are published by the store's management, paid by the month's bonus run
(``metrics.spiffs``) and withdrawn only before a run paying them is approved."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from dealerkpi.core.money import ZERO
from dealerkpi.core.once import save_once
from dealerkpi.sales.models import SalesPolicy, Spiff


def in_force_on(day: datetime.date) -> Q:
    return Q(valid_from__lte=day, valid_to__gte=day)


def policy_in_force(store_id: int, trim_id: int, day: datetime.date, vehicle_id: int | None = None
                    ) -> SalesPolicy | None:
    """The policy of the trim (or of the vehicle, which beats its trim's) on the day; the latest to start wins."""
    target = Q(trim_id=trim_id) | Q(vehicle_id=vehicle_id) if vehicle_id else Q(trim_id=trim_id)
    found = SalesPolicy.objects.filter(in_force_on(day), target, store_id=store_id)
    return found.order_by(F("vehicle_id").asc(nulls_last=True), "-valid_from", "-pk").first()


def floor_of(guide_price: Decimal, list_floor: Decimal, policy: SalesPolicy | None) -> Decimal:
    """The order's floor: the guide price less the policy's discount ceiling, else the price list's floor."""
    return list_floor if policy is None else max(ZERO, guide_price - policy.discount_ceiling)


def breach_reason(policy: SalesPolicy | None) -> str:
    """What a below-floor request says about where the floor came from."""
    if policy is None:
        return ""
    return _("Beyond the discount ceiling of %(ceiling)s yuan of the sales policy %(policy)s.") % {
        "ceiling": policy.discount_ceiling, "policy": policy}


def policies_on(store_id: int, day: datetime.date) -> QuerySet[SalesPolicy]:
    return SalesPolicy.objects.filter(in_force_on(day), store_id=store_id).select_related(
        "trim__vehicle_model", "vehicle__trim").order_by("trim__vehicle_model__name", "trim__name", "pk")


def spiffs_running(store_id: int, day: datetime.date) -> QuerySet[Spiff]:
    return Spiff.objects.filter(in_force_on(day), store_id=store_id, status=Spiff.Status.PUBLISHED).select_related(
        "vehicle_model", "trim", "vehicle").order_by("valid_to", "pk")


def publish_spiff(spiff: Spiff, token: uuid.UUID | None) -> bool:
    """Save a new spiff once however often its form is sent; False when this form had published it already."""
    return save_once(spiff, token)


@transaction.atomic
def withdraw_spiff(spiff: Spiff) -> Spiff:
    """Withdraw a spiff nobody has been paid yet. Locked and checked again here: a withdrawal and a run's approval
    at once happen one after the other (the approval marks it paid under the same lock: ``mark_paid``)."""
    locked = Spiff.objects.select_for_update().get(pk=spiff.pk)
    if locked.status != Spiff.Status.PUBLISHED:
        raise ValidationError(_("This spiff has been withdrawn already."))
    if locked.paid_at is not None:
        raise ValidationError(_("This spiff has been paid in an approved bonus run; it can no longer be withdrawn."))
    locked.status = Spiff.Status.WITHDRAWN
    locked.save()
    return locked


def mark_paid(spiff_ids: set[int], at: datetime.datetime) -> None:
    """The spiffs an approved run pays become paid (once: the first approval keeps its moment)."""
    for spiff in Spiff.objects.select_for_update().filter(pk__in=sorted(spiff_ids), paid_at__isnull=True):
        spiff.paid_at = at
        spiff.save(update_fields=["paid_at"])

"""Changes to people that must keep their history consistent."""

from __future__ import annotations

import datetime

from django.db import transaction

from dealerkpi.core.audit import audited_update
from dealerkpi.org.models import EffectiveDated, RoleAssignment, Staff


@transaction.atomic
def assign_role(staff: Staff, role: str, store_id: int | None, on: datetime.date) -> None:
    """Give ``staff`` a role in a store from ``on``: the role in force is closed the day before."""
    current = RoleAssignment.objects.filter(EffectiveDated.in_force_on(on), staff=staff).first()
    if current is not None:
        if current.role == role and current.store_id == store_id:
            return
        if current.valid_from == on:
            current.delete()
        else:
            current.valid_to = on - datetime.timedelta(days=1)
            current.save(update_fields=["valid_to"])
    RoleAssignment.objects.create(staff=staff, role=role, store_id=store_id, valid_from=on)
    audited_update(Staff.objects.filter(pk=staff.pk), role=role, store_id=store_id)
    staff.role, staff.store_id = role, store_id

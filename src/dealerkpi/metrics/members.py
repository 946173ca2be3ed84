"""Who has figures in a frame: everyone employed in its stores during the period, with the role, store and team
of their last day in it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, DateField, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from dealerkpi.org.models import EffectiveDated, RoleAssignment, Staff

from .period import Frame, team_of_day


@dataclass(frozen=True)
class Member:
    """A person with figures: employed in one of the stores during the period, or found in its records. Role,
    store and team are those of their last day in the period (the end, or their leave date)."""

    staff_id: int
    name: str
    role: str
    store_id: int | None
    team_id: int | None
    employed_in: int | None = None  # the store the person is on the books of, if employed during the period


def people_in_scope(frame: Frame, also: Iterable[int] = ()) -> dict[int, Member]:
    """Everyone employed during the period whose store is in the frame, plus the ids in `also`. One query."""
    last_day = Case(
        When(leave_date__lt=frame.last_day, then=F("leave_date")),
        default=Value(frame.last_day),
        output_field=DateField(),
    )
    assignment = RoleAssignment.objects.filter(staff_id=OuterRef("pk")).filter(
        EffectiveDated.in_force_on(OuterRef("metric_day"))
    ).order_by("-valid_from", "-pk")
    during = Q(hire_date__lte=frame.last_day) & (Q(leave_date__isnull=True) | Q(leave_date__gte=frame.first_day))
    employed = Q(store_id__in=frame.store_ids) & during
    rows = (
        Staff.objects.filter(employed | Q(pk__in=sorted(set(also))))
        .annotate(metric_day=last_day)
        .annotate(
            end_team=team_of_day("pk", OuterRef("metric_day")),
            end_role=Coalesce(Subquery(assignment.values("role")[:1]), F("role")),
            end_store=Coalesce(Subquery(assignment.values("store_id")[:1]), F("store_id"), output_field=IntegerField()),
            employed_in=Case(When(during, then=F("store_id")), default=None, output_field=IntegerField()),
        )
        .order_by("pk")
        .values_list("pk", "name", "end_role", "end_store", "end_team", "employed_in")
    )
    return {pk: Member(pk, name, role, store, team, employed) for pk, name, role, store, team, employed in rows}

"""Data scope is security: who may see which records, decided in one place.

Every model that users browse declares ``scope = ScopePaths(...)``: the lookup paths from the model to its
dealer group, region, store, team and owning staff member ("" means the model itself). ``Viewer`` says what
a user may see; ``visible_to`` filters any queryset by it. Views, the admin and the API all call it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from dealerkpi.org.models import User


@dataclass(frozen=True)
class ScopePaths:
    group: str | None = None
    region: str | None = None
    store: str | None = None
    team: str | None = None
    owner: str | tuple[str, ...] | None = None
    shared: bool = False  # reference data (the vehicle catalogue) every signed-in staff member may read

    def owner_paths(self) -> tuple[str, ...]:
        if self.owner is None:
            return ()
        return (self.owner,) if isinstance(self.owner, str) else self.owner


class Reach(Enum):
    EVERYTHING = "everything"
    GROUP = "group"
    REGION = "region"
    STORE = "store"
    TEAM = "team"
    OWN = "own"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Viewer:
    reach: Reach
    role: str = ""
    staff_id: int | None = None
    store_id: int | None = None
    region_id: int | None = None
    group_id: int | None = None
    team_ids: tuple[int, ...] = field(default=())

    @property
    def may_change_sales(self) -> bool:
        from dealerkpi.org.models import READ_ONLY_ON_SALES

        return self.reach is not Reach.NOTHING and self.role not in READ_ONLY_ON_SALES


def viewer_for(user: User, day: datetime.date | None = None) -> Viewer:
    """What ``user`` may see on ``day`` (today by default), from their staff record's current role."""
    from dealerkpi.org.models import STORE_WIDE_ROLES, EffectiveDated, Role, TeamMembership

    if not user.is_authenticated or not user.is_active:
        return Viewer(Reach.NOTHING)
    if user.is_superuser:
        return Viewer(Reach.EVERYTHING)
    staff = user.staff
    if staff is None or (staff.leave_date and staff.leave_date < (day or timezone.localdate())):
        return Viewer(Reach.NOTHING)
    common = {"role": staff.role, "staff_id": staff.pk, "store_id": staff.store_id, "group_id": staff.group_id}
    if staff.role == Role.HEAD_OFFICE:
        if staff.region_id:
            return Viewer(Reach.REGION, region_id=staff.region_id, **common)
        return Viewer(Reach.GROUP, **common)
    if staff.role in STORE_WIDE_ROLES:
        return Viewer(Reach.STORE, **common)
    if staff.role == Role.SUPERVISOR:
        teams = TeamMembership.objects.filter(
            EffectiveDated.in_force_on(day or timezone.localdate()), staff=staff
        ).values_list("team_id", flat=True)
        return Viewer(Reach.TEAM, team_ids=tuple(teams), **common)
    return Viewer(Reach.OWN, **common)


def _id_lookup(path: str) -> str:
    return f"{path}__pk" if path else "pk"


def _owner_filter(queryset: QuerySet, paths: tuple[str, ...], staff: object) -> QuerySet:
    """Records whose owner (any of the paths) is ``staff``: a staff id or a subquery of staff ids."""
    operator = "in" if isinstance(staff, QuerySet) else "exact"
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{_id_lookup(path)}__{operator}": staff})
    if len(paths) == 1:
        return queryset.filter(condition)
    # Several paths may cross to-many relations: filter by primary key so rows are not repeated.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))


def team_member_ids(team_ids: tuple[int, ...], day: datetime.date | None = None) -> QuerySet:
    from dealerkpi.org.models import EffectiveDated, TeamMembership

    return TeamMembership.objects.filter(
        EffectiveDated.in_force_on(day or timezone.localdate()), team_id__in=team_ids
    ).values("staff_id")


def visible_to(queryset: QuerySet, viewer: Viewer) -> QuerySet:
    """``queryset`` narrowed to what ``viewer`` may see. A model without a scope is visible to nobody."""
    paths: ScopePaths | None = getattr(queryset.model, "scope", None)
    if viewer.reach is Reach.EVERYTHING:
        return queryset
    if paths is None or viewer.reach is Reach.NOTHING:
        return queryset.none()
    if paths.shared:
        return queryset
    narrowing = {
        Reach.GROUP: (paths.group, viewer.group_id),
        Reach.REGION: (paths.region, viewer.region_id),
        Reach.STORE: (paths.store, viewer.store_id),
    }
    if viewer.reach in narrowing:
        path, value = narrowing[viewer.reach]
        return queryset.none() if path is None else queryset.filter(**{_id_lookup(path): value})
    owners = paths.owner_paths()
    if viewer.reach is Reach.TEAM:
        if owners:
            return _owner_filter(queryset, owners, team_member_ids(viewer.team_ids))
        if paths.team is not None:
            return queryset.filter(**{f"{_id_lookup(paths.team)}__in": viewer.team_ids})
    elif owners:
        return _owner_filter(queryset, owners, viewer.staff_id)
    # Records that no one person owns (stock, the store's own records) are shared by the store's sales staff.
    if paths.store is None:
        return queryset.none()
    return queryset.filter(**{_id_lookup(paths.store): viewer.store_id})


def visible(model: type[Model], user: User) -> QuerySet:
    return visible_to(model._default_manager.all(), viewer_for(user))

"""Who a signed-in user is, as data scope sees them: their Viewer, made from their staff record's current role.

``core.scope`` filters records by a Viewer; this module makes the Viewer of a user or a request."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.org.models import (
    READ_ONLY_ON_SALES,
    STORE_WIDE_ROLES,
    EffectiveDated,
    Role,
    Store,
    TeamMembership,
    User,
)


def _team_viewer(day: datetime.date, common: dict) -> Viewer:
    in_force = TeamMembership.objects.filter(EffectiveDated.in_force_on(day))
    teams = tuple(in_force.filter(staff_id=common["staff_id"]).values_list("team_id", flat=True))
    members = tuple(in_force.filter(team_id__in=teams).values_list("staff_id", flat=True).distinct())
    return Viewer(Reach.TEAM, team_ids=teams, team_member_ids=members, **common)


def viewer_for(user: User, day: datetime.date | None = None) -> Viewer:
    """What ``user`` may see on ``day`` (today by default), from their staff record's current role."""
    if not user.is_authenticated or not user.is_active:
        return Viewer(Reach.NOTHING)
    if user.is_superuser:
        return Viewer(Reach.EVERYTHING)
    day = day or timezone.localdate()
    staff = user.staff
    if staff is None or (staff.leave_date and staff.leave_date < day):
        return Viewer(Reach.NOTHING)
    common = {"role": staff.role, "staff_id": staff.pk, "store_id": staff.store_id, "group_id": staff.group_id,
              "read_only_on_sales": staff.role in READ_ONLY_ON_SALES}
    if staff.role == Role.HEAD_OFFICE:
        if staff.region_id:
            return Viewer(Reach.REGION, region_id=staff.region_id, **common)
        return Viewer(Reach.GROUP, **common)
    if staff.role in STORE_WIDE_ROLES:
        return Viewer(Reach.STORE, **common)
    if staff.role == Role.SUPERVISOR:
        return _team_viewer(day, common)
    return Viewer(Reach.OWN, **common)


def current_viewer(user: User | AnonymousUser | Viewer) -> Viewer:
    """``user``'s Viewer of today, made once per user object: the permissions (each app's ``rules.py``) ask for it
    on every check, and a request's user is loaded afresh for each request. A Viewer stands for itself: a command
    that acts with no login asks the permissions about a Viewer."""
    if isinstance(user, Viewer):
        return user
    viewer = getattr(user, "_viewer", None)
    if viewer is None:
        viewer = user._viewer = viewer_for(user)
    return viewer


def viewer_of(request: HttpRequest) -> Viewer:
    """The request user's data scope, resolved once per request."""
    return current_viewer(request.user)


def visible(model: type[Model], user: User) -> QuerySet:
    return visible_to(model._default_manager.all(), viewer_for(user))


def visible_store_ids(viewer: Viewer) -> list[int]:
    """The ids of the stores the viewer sees, for the metrics library (which takes store ids)."""
    return list(visible_to(Store.objects.order_by("pk"), viewer).values_list("pk", flat=True))

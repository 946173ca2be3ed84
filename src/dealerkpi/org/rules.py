"""Who may do what, in one place: the predicates every app's ``rules.py`` builds its permissions from, and org's own
permissions. Django loads each app's ``rules.py`` (``rules.apps.AutodiscoverRulesConfig``); views ask
``request.user.has_perm("app.action_thing", obj)``, templates ``perms.app.action_thing`` or ``{% has_perm %}``.

A predicate takes the user (or a Viewer, for a command that acts with no login) and the object asked about (None
when the question names none: "may they do this at all?"). It reads who the user is from their Viewer, made once
per request (``org.scope.current_viewer``). Which records an action reaches is data scope
(``core.scope.visible_to(queryset, viewer, action)``); the role sets are ``org.roles``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import rules

from dealerkpi.core.scope import Reach, Viewer, enters_sales, visible_to
from dealerkpi.org.models import Role, Store
from dealerkpi.org.scope import current_viewer

WIDE_REACHES = (Reach.GROUP, Reach.REGION)  # head office's


def viewer_predicate(test: Callable[[Viewer], bool]) -> rules.Predicate:
    """A predicate of who the user is (their Viewer) alone."""
    return rules.Predicate(lambda user: test(current_viewer(user)), name=test.__name__)


def object_predicate(test: Callable[[Viewer, Any], bool]) -> rules.Predicate:
    """A predicate of the user's Viewer and the object asked about (None when the question names none)."""
    return rules.Predicate(lambda user, obj: test(current_viewer(user), obj), name=test.__name__)


def role_in(roles: Iterable[str]) -> rules.Predicate:
    """The user's role is one of ``roles`` (a set from ``org.roles``)."""
    allowed = frozenset(roles)
    return rules.Predicate(lambda user: current_viewer(user).role in allowed, name=f"role_in({sorted(allowed)})")


def reach_in(*reaches: Reach) -> rules.Predicate:
    """The user's data scope reaches this far (``core.scope.Reach``)."""
    return rules.Predicate(lambda user: current_viewer(user).reach in reaches,
                           name=f"reach_in({', '.join(reach.value for reach in reaches)})")


@object_predicate
def reaches_store(viewer: Viewer, store: Store | None) -> bool:
    """The store asked about is within the viewer's data scope (any store, without one)."""
    return store is None or visible_to(Store.objects.filter(pk=store.pk), viewer).exists()


def _store_of(obj: Any) -> int | None:
    """The store a record (or a Store) belongs to."""
    return obj.pk if isinstance(obj, Store) else obj.store_id


def works_in(roles: Iterable[str] | None = None) -> rules.Predicate:
    """On the staff of the store asked about (a Store, or a record of it), in one of ``roles`` when given. Without
    a store: never."""
    allowed = None if roles is None else frozenset(roles)

    def test(viewer: Viewer, obj: Any) -> bool:
        return (obj is not None and viewer.store_id is not None and viewer.store_id == _store_of(obj)
                and (allowed is None or viewer.role in allowed))

    return object_predicate(test)


def acts_for(owner_field: str) -> rules.Predicate:
    """Enters sales records (``core.scope.enters_sales``) and may act on the one asked about, known to be visible:
    a consultant on their own (``owner_field`` names the owner), a supervisor or the store's staff on their store's.
    Without a record: whether they enter sales records at all."""

    def test(viewer: Viewer, obj: Any) -> bool:
        if not enters_sales(viewer) or obj is None:
            return enters_sales(viewer)
        if viewer.reach is Reach.OWN:
            return getattr(obj, owner_field) == viewer.staff_id
        return obj.store_id == viewer.store_id

    return object_predicate(test)


@viewer_predicate
def everything(viewer: Viewer) -> bool:
    """A superuser."""
    return viewer.reach is Reach.EVERYTHING


@viewer_predicate
def head_office(viewer: Viewer) -> bool:
    """Head office, for the stores of its group or region."""
    return viewer.reach in WIDE_REACHES and viewer.role == Role.HEAD_OFFICE


@viewer_predicate
def at_the_desk(viewer: Viewer) -> bool:
    """Consultants, supervisors and the store's staff read the sales desk; head office and logins without a store
    do not."""
    return viewer.reach in (Reach.OWN, Reach.TEAM, Reach.STORE) and viewer.store_id is not None


@viewer_predicate
def sells(viewer: Viewer) -> bool:
    """Enters sales records: at the desk, except those who only read them (HR, finance)."""
    return enters_sales(viewer)


# The master-data admin site: superusers and head office.
rules.add_perm("org.change_master_data", everything | head_office)

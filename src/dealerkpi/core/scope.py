"""Data scope is security: who may see which records, decided in one place.

Every model that users browse declares ``scope = ScopePaths(...)``: the lookup paths from the model to its
dealer group, region, store, team and owning staff member ("" means the model itself). ``Viewer`` says what
a user may see; ``visible_to`` filters any queryset by it, for an action (view, change, approve). Views, the admin
and the API all call it. Who a user is (their role, store and teams) is org's business: ``org.scope.viewer_for``
makes their Viewer; who may do what at all is each app's ``rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from django.db.models import Model, Q, QuerySet

from dealerkpi.core.validators import mask_phone


@dataclass(frozen=True)
class ScopePaths:
    group: str | None = None
    region: str | None = None
    store: str | None = None
    team: str | None = None
    owner: str | tuple[str, ...] | None = None  # the first owner path names who acts on the record
    shared: bool = False  # reference data (the vehicle catalogue) every signed-in staff member may read
    sales: bool = False  # a sales record: entered at the desk, never changed by those who only read sales

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
    team_member_ids: tuple[int, ...] = field(default=())  # the staff of those teams, on the day of the viewer
    read_only_on_sales: bool = False  # reads the store's sales records but enters none (HR, finance)


DESK_REACHES = (Reach.OWN, Reach.TEAM, Reach.STORE)
NO_PHONE = "—"  # what a reader who may not see a number sees in its place
ACTIONS = ("view", "change", "approve")


def enters_sales(viewer: Viewer) -> bool:
    """Sales records are entered at the desk: by its consultants, supervisors and store staff with a store, except
    those who only read them (HR, finance). Head office and logins without a staff member or a store do not."""
    return (viewer.reach in DESK_REACHES and viewer.staff_id is not None and viewer.store_id is not None
            and not viewer.read_only_on_sales)


def _id_lookup(path: str) -> str:
    return f"{path}__pk" if path else "pk"


def _owner_filter(queryset: QuerySet, paths: tuple[str, ...], staff: object) -> QuerySet:
    """Records whose owner (any of the paths) is ``staff``: a staff id or a tuple of staff ids."""
    operator = "in" if isinstance(staff, tuple) else "exact"
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{_id_lookup(path)}__{operator}": staff})
    if len(paths) == 1:
        return queryset.filter(condition)
    # Several paths may cross to-many relations: filter by primary key so rows are not repeated. The keys are taken
    # from the records asked for, not from all the owner's: SQLite would otherwise list all of them first.
    return queryset.filter(pk__in=queryset.order_by().filter(condition).values("pk"))


def visible_to(queryset: QuerySet, viewer: Viewer, action: str = "view") -> QuerySet:
    """``queryset`` narrowed to the records ``viewer`` may ``action`` (NetBox's ``restrict``):

    * ``view``: see them (the data scope: see the module's doc and docs/architecture.md);
    * ``change``: see and change them. A sales record (``ScopePaths.sales``) only for those who enter sales
      (``enters_sales``), and a consultant only their own by the first owner path (not a deal they are credited
      on); any other record as for ``view``;
    * ``approve``: decide on them (a request, a run): as for ``change``, and never by a consultant.

    A model without a scope is visible to nobody. Whether the viewer may do the action at all is the permission
    of the app's ``rules.py``; this says on which records."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    paths: ScopePaths | None = getattr(queryset.model, "scope", None)
    acting = action != "view" and paths is not None
    if acting and ((paths.sales and not enters_sales(viewer)) or (action == "approve" and viewer.reach is Reach.OWN)):
        return queryset.none()
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
            return _owner_filter(queryset, owners, viewer.team_member_ids)
        if paths.team is not None:
            return queryset.filter(**{f"{_id_lookup(paths.team)}__in": viewer.team_ids})
    elif owners:
        return _owner_filter(queryset, owners if action == "view" else owners[:1], viewer.staff_id)
    # Records that no one person owns (stock, the store's own records) are shared by the store's sales staff.
    if paths.store is None:
        return queryset.none()
    return queryset.filter(**{_id_lookup(paths.store): viewer.store_id})


def sees_phone(viewer: Viewer, record: Model) -> bool:
    """Only the consultant who owns the customer works with the full number; others see it masked or not at all."""
    return viewer.staff_id is not None and getattr(record, "owner_id", None) == viewer.staff_id


def shown_phone(viewer: Viewer, record: Model, phone: str) -> str:
    """``record``'s number as this viewer may see it: in full to its owner (``sees_phone``); not at all (a dash) to
    those who only read sales records (HR, finance have no use for customers' numbers); masked to everyone else."""
    if sees_phone(viewer, record):
        return phone
    return NO_PHONE if viewer.read_only_on_sales else mask_phone(phone)

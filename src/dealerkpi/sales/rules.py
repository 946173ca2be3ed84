"""Who may do what with orders: place, change, unwind, decide price and delivery requests, set the desk (see
``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import acts_for, object_predicate, role_in, viewer_predicate
from dealerkpi.sales.models import OrderApproval
from dealerkpi.sales.services import DECIDERS


@object_predicate
def decides_request(viewer: Viewer, approval: OrderApproval | None) -> bool:
    """The store's staff whose role decides this kind of request, never on their own request. Without a request:
    whether their role decides any kind."""
    if viewer.staff_id is None or viewer.reach is not Reach.STORE:
        return False
    if approval is None:
        return any(viewer.role in roles for roles in DECIDERS.values())
    return (viewer.store_id == approval.store_id and viewer.role in DECIDERS[approval.kind]
            and approval.requested_by_id != viewer.staff_id)


@viewer_predicate
def has_store(viewer: Viewer) -> bool:
    return viewer.store_id is not None


rules.add_perm("sales.add_order", acts_for("owner_id"))  # from an A-card
rules.add_perm("sales.change_order", acts_for("consultant_id"))  # payments, delivery, cancellation, dealer
rules.add_perm("sales.unwind_order", acts_for("consultant_id") & role_in(STORE_MANAGEMENT))
rules.add_perm("sales.decide_order_approval", decides_request)
rules.add_perm("sales.change_desk_settings", has_store & role_in(STORE_MANAGEMENT))  # authority, C-card days
rules.add_perm("sales.publish_policy", has_store & role_in(STORE_MANAGEMENT))  # the policy of the day, spiffs

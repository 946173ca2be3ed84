"""Who may do what with plans: confirm having read a version that covers them, read who has confirmed (see
``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.rules import object_predicate, reach_in
from dealerkpi.plans.models import PlanVersion, covered_staff


@object_predicate
def covered_by(viewer: Viewer, version: PlanVersion | None) -> bool:
    """The version asked about covers the viewer (whether they are a staff member at all, without one)."""
    if viewer.staff_id is None:
        return False
    return version is None or covered_staff(version).filter(pk=viewer.staff_id).exists()


# Each person covered by a version confirms it themselves (签字确认).
rules.add_perm("plans.confirm_version", covered_by)
# Supervisors, the store's staff and head office read who has confirmed, among the people they see.
rules.add_perm("plans.view_confirmations",
               reach_in(Reach.EVERYTHING, Reach.GROUP, Reach.REGION, Reach.STORE, Reach.TEAM))

"""Who may do what with plan drafts (see ``org.rules``): the sales manager or HR writes and proposes a change to
a plan of their store (or to the group's plan in force there); head office does so for the group's plans. The
general manager approves a store's plan, head office a group's plan; nobody approves what they proposed."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Role
from dealerkpi.org.roles import SALES_MANAGEMENT
from dealerkpi.org.rules import object_predicate
from dealerkpi.plans.models import Plan
from dealerkpi.studio.models import PlanDraft

PLAN_WRITERS = SALES_MANAGEMENT | {Role.HR}


def _plan_of(obj: Plan | PlanDraft | None) -> Plan | None:
    return obj.plan if isinstance(obj, PlanDraft) else obj


def _in_reach(viewer: Viewer, plan: Plan) -> bool:
    if viewer.reach in (Reach.GROUP, Reach.REGION):
        return plan.group_id == viewer.group_id
    return (viewer.reach is Reach.STORE and plan.group_id == viewer.group_id
            and plan.store_id in (None, viewer.store_id))


@object_predicate
def writes_plan(viewer: Viewer, obj: Plan | PlanDraft | None) -> bool:
    """Writes and proposes drafts of the plan (any plan they write, without one)."""
    if viewer.reach is Reach.EVERYTHING:
        return True
    writer = viewer.role in PLAN_WRITERS or viewer.role == Role.HEAD_OFFICE
    plan = _plan_of(obj)
    return writer and (plan is None or _in_reach(viewer, plan))


@object_predicate
def approves_plan(viewer: Viewer, obj: Plan | PlanDraft | None) -> bool:
    """Approves the plan's drafts: the store's general manager for its own plan, head office for a group's."""
    plan = _plan_of(obj)
    if viewer.reach is Reach.EVERYTHING:
        return True
    if plan is None:
        return viewer.role in (Role.GENERAL_MANAGER, Role.HEAD_OFFICE)
    if plan.store_id is None:
        return viewer.role == Role.HEAD_OFFICE and _in_reach(viewer, plan)
    return viewer.role == Role.GENERAL_MANAGER and viewer.store_id == plan.store_id


@rules.predicate
def not_its_proposer(user: object, obj: PlanDraft | None) -> bool:
    return obj is None or obj.proposed_by_id != getattr(user, "pk", None)


rules.add_perm("studio.write_draft", writes_plan)
rules.add_perm("studio.read_draft", writes_plan | approves_plan)
rules.add_perm("studio.decide_draft", approves_plan & not_its_proposer)

"""What the plan studio puts in the menu and the approvals inbox: for those who write or approve plans."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import Approvals, MenuItem, register_approvals, register_menu
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Role
from dealerkpi.studio.models import PlanDraft


def drafts_to_decide(viewer: Viewer) -> QuerySet[PlanDraft]:
    """Proposed drafts the viewer approves: a general manager their store's plans, head office the group's."""
    proposed = PlanDraft.objects.filter(status=PlanDraft.Status.PROPOSED).select_related("plan", "proposed_by__staff")
    if viewer.reach is Reach.EVERYTHING:
        return proposed
    if viewer.role == Role.HEAD_OFFICE and viewer.reach in (Reach.GROUP, Reach.REGION):
        return proposed.filter(plan__group_id=viewer.group_id, plan__store__isnull=True)
    if viewer.role == Role.GENERAL_MANAGER and viewer.store_id is not None:
        return proposed.filter(plan__store_id=viewer.store_id)
    return proposed.none()


register_menu(MenuItem("pay", _("Plan studio"), "draft-list", order=11, permission="studio.read_draft"))
register_approvals(
    Approvals("plan-drafts", "studio.decide_draft", drafts_to_decide, "studio/_approvals.html", order=40),
)

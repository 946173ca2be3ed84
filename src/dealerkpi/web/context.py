"""Navigation for every page: the record types grouped by section, those the user's role can see."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import SECTIONS, browse_entries
from dealerkpi.core.scope import Reach
from dealerkpi.imports.service import may_import
from dealerkpi.org.scope import viewer_of
from dealerkpi.reports.views import may_see_analysis

SECTION_NAMES = {
    "funnel": _("Customers"),
    "sales": _("Orders"),
    "stock": _("Stock"),
    "store": _("Store"),
    "market": _("Market"),
    "catalogue": _("Catalogue"),
}


def navigation(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    viewer = viewer_of(request)
    if viewer.reach is Reach.NOTHING:
        return {"nav_sections": [], "viewer": viewer}
    sections = [
        (SECTION_NAMES[section], [entry for entry in browse_entries() if entry.section == section])
        for section in SECTIONS
    ]
    return {"nav_sections": sections, "viewer": viewer, "may_import": may_import(viewer),
            "may_see_analysis": may_see_analysis(viewer)}

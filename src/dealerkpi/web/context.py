"""Navigation for every page: the menu entries the apps registered (core.registry), those the reader has the
permission for, and the record types grouped by section."""

from functools import lru_cache

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MENU_SECTIONS, SECTIONS, browse_entries, menu_items
from dealerkpi.core.scope import Reach
from dealerkpi.org.scope import viewer_of

SECTION_NAMES = {  # of the browse pages
    "funnel": _("Customers"),
    "sales": _("Orders"),
    "stock": _("Stock"),
    "store": _("Store"),
    "market": _("Market"),
    "catalogue": _("Catalogue"),
}
MENU_HEADINGS = {"main": "", "desk": _("Sales desk"), "pay": _("Pay"), "routines": _("Store routines"),
                 "records": _("Records")}


def navigation(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    viewer = viewer_of(request)
    if viewer.reach is Reach.NOTHING:
        return {"viewer": viewer}
    shown = tuple(item.url_name for item in menu_items()
                  if item.permission is None or request.user.has_perm(item.permission))
    return {"navigation": menu_html(shown, get_language()), "viewer": viewer}


@lru_cache(maxsize=256)
def menu_html(shown: tuple[str, ...], language: str) -> SafeString:
    """The menu with the entries named ``shown``, in ``language`` (the one active). It depends on nothing else, so it
    is rendered once for each set of entries and language instead of at every page (a few ms of every request)."""
    entries = [item for item in menu_items() if item.url_name in shown]
    # A section without an entry the reader may open is left out; the last, the records, also lists the browse pages.
    menu = [(MENU_HEADINGS[section], items) for section in MENU_SECTIONS
            if (items := [item for item in entries if item.section == section]) or section == "records"]
    sections = [
        (SECTION_NAMES[section], [entry for entry in browse_entries() if entry.section == section])
        for section in SECTIONS
    ]
    return render_to_string("web/_nav.html", {"menu": menu, "nav_sections": sections})

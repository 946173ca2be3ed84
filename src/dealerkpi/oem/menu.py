"""What the manufacturer's policy puts in the menu: the store's rebate for its management and finance; the stores'
for head office."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("main", _("Manufacturer's policy and rebates"), "oem-policy", "oem.view_policy", order=15,
             testid="nav-oem-policy"),
)

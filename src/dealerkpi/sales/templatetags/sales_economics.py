"""The ``economics`` filter: an order approval's deal figures, from an approval listed by
``sales.economics.with_list_cost``."""

from __future__ import annotations

from django import template

from dealerkpi.sales.economics import Economics, economics_of
from dealerkpi.sales.models import OrderApproval

register = template.Library()


@register.filter
def economics(approval: OrderApproval) -> Economics:
    return economics_of(approval.order, approval.list_cost)  # type: ignore[attr-defined]  # the annotation

"""What a deal gives away and earns, as the approvals inbox shows it: guide price, deal price, discount, gifts,
floor, cost and margin. The terms are those of the pricing rules (``services.Quote``): the discount is the
order's (guide − vehicle price), the cost is the price list's on the order day or the allocated vehicle's when
higher (``services.quote_of``), and the margin is what the ``below_cost`` rule tests: vehicle price − gifts − cost.
A cost nobody knows (no price list line on the order day, no vehicle allocated) is None, never a zero."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate

from dealerkpi.catalog.models import TrimPrice
from dealerkpi.core.fields import MoneyField
from dealerkpi.core.money import HUNDRED, ZERO, fen, half_up
from dealerkpi.core.scope import Viewer
from dealerkpi.sales.models import Order, OrderApproval
from dealerkpi.sales.services import Quote, pending_order_approvals, quote_of


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, half-up to one decimal; None when ``whole`` is zero."""
    return half_up(part * HUNDRED / whole, 1) if whole else None


@dataclass(frozen=True)
class Economics:
    """An order's deal figures; without a known cost the quote's cost is a placeholder: read ``cost``."""

    quote: Quote
    discount: Decimal
    cost_known: bool

    @property
    def discount_percent(self) -> Decimal | None:
        return percent(self.discount, self.quote.guide_price)

    @property
    def below_floor(self) -> bool:
        return self.quote.price < self.quote.floor_price

    @property
    def cost(self) -> Decimal | None:
        return self.quote.cost if self.cost_known else None

    @property
    def margin(self) -> Decimal | None:
        return self.quote.net_price - self.quote.cost if self.cost_known else None

    @property
    def margin_percent(self) -> Decimal | None:
        """The margin as a share of the vehicle price (the deal price)."""
        return None if self.margin is None else percent(self.margin, self.quote.price)


def economics_of(order: Order, list_cost: Decimal | None) -> Economics:
    """``list_cost``: the price list's cost of the order's trim on the order day, None when there was no line."""
    if list_cost is None and not order.vehicle_id:
        return Economics(quote_of(order, ZERO), order.discount, cost_known=False)
    # quote_of takes the higher with a vehicle. fen() changes no value (the column holds fen): SQLite reads a
    # subquery's decimal without its two places, PostgreSQL with them, and both show the same.
    known_cost = order.vehicle.cost if list_cost is None else fen(list_cost)
    return Economics(quote_of(order, known_cost), order.discount, cost_known=True)


def with_list_cost(approvals: QuerySet[OrderApproval]) -> QuerySet[OrderApproval]:
    """The approvals with their order's price list cost on the order day (``list_cost``) and what the economics
    read, in the one query that lists them."""
    line = TrimPrice.objects.filter(TrimPrice.in_force_on(OuterRef("order_day")), trim_id=OuterRef("order__trim_id"))
    return approvals.annotate(order_day=TruncDate("order__ordered_at")).annotate(
        list_cost=Subquery(line.order_by("-valid_from").values("cost")[:1], output_field=MoneyField())
    ).select_related("order__vehicle")


def inbox_order_approvals(viewer: Viewer) -> QuerySet[OrderApproval]:
    """The approvals inbox's order requests: ``pending_order_approvals`` with the figures of their economics."""
    return with_list_cost(pending_order_approvals(viewer))

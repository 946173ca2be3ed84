"""The order desk: an order's price and approvals, its vehicle, derivative business, payments, and then its
delivery with the C-card calls, a cancellation or an unwind."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.crm.models import Lead
from dealerkpi.demo_data import names
from dealerkpi.demo_data.catalogue import ModelInfo, TrimInfo
from dealerkpi.demo_data.clock import CLOSE, DAY, OPEN
from dealerkpi.demo_data.draws import Weighted, money, pick_one, round100
from dealerkpi.demo_data.store_base import Card, Delivered, PendingRows, StoreBase
from dealerkpi.org.models import Role
from dealerkpi.sales.models import DerivativeSale, Order, OrderApproval, Payment, Reversal
from dealerkpi.stock.models import Vehicle

DELIVERY_LAG = ((1, 8), (2, 14), (3, 18), (4, 16), (5, 13), (6, 9), (7, 8), (8, 6), (9, 4), (10, 4))
DISCOUNT = {"high": (0.02, 0.07), "normal": (0.05, 0.10), "low": (0.07, 0.12)}
GIFTS = (500, 800, 1000, 1500, 2000, 3000, 5000)
ACCESSORIES = (10, 90)  # hundreds of yuan of accessories (精品) with a car: 1,000 to 9,000
DEPOSITS = (5000, 10000, 10000, 20000)
DELIVERY_HOURS = (10, 11, 14, 15, 16)
PRICE_REJECTED = names.CANCEL_REASONS[-1]  # 价格审批未通过: the reason no customer gives
OrderEnd = tuple[str, int | None, str]  # the card's (status, closed at, grade) after the order
Instalment = tuple[str, int, int]  # (payment kind, yuan, when due)


@dataclass
class Deal:
    """One order as it is worked out."""

    card: Card
    order_id: int
    trim: TrimInfo
    colour: str
    tc: int  # ordered at
    consultant: int
    guide: int
    floor: int
    cost: int
    price: int
    below_floor: bool
    gifts: int
    sold_via: int | None = None  # the secondary dealer
    cross_region: bool = False
    cancel_t: int | None = None
    cancel_reason: str = ""
    awaiting: bool = False  # a price approval is still pending
    reused: int | None = None  # a car released by a cancelled order
    arrived: int = 0
    delivery_day: int = 0
    scheduled: int = 0
    delivered_t: int = 0
    delivered: bool = False
    finance: bool = False
    loan: int = 0
    unwind_t: int | None = None
    total_paid: int = 0
    vehicle_id: int = 0

    @property
    def od(self) -> int:
        return self.tc // DAY

    @property
    def rows(self) -> PendingRows:
        return self.card.rows

    @property
    def lead_id(self) -> int:
        return self.card.lead_id

    @property
    def customer_id(self) -> int:
        return self.card.customer_id

    @property
    def model(self) -> ModelInfo:
        return self.card.model


class OrderDesk(StoreBase):
    ins_p: float  # the store's penetration of insurance, finance, accessories, extended warranty, trade-in
    fin_p: float
    acc_p: float
    ew_p: float
    trade_p: float
    sale_age: Weighted
    lag: Weighted
    satisfaction: Weighted

    def _order(self, card: Card, tc: int) -> OrderEnd:
        deal = self._new_deal(card, tc)
        self._sale_via_dealer(deal)
        self._credit(deal)
        if deal.below_floor:
            self._price_approvals(deal)
        self._allocate_vehicle(deal)
        self._schedule(deal)
        self._derivatives(deal)
        self._maybe_unwind(deal)
        self._payments(deal)
        self._order_vehicle(deal)
        self._add_order(deal)
        if deal.cancel_t is not None:
            self._cancellation(deal)
            return Lead.Status.LOST, deal.cancel_t, "T"
        self._delivery(deal)
        if deal.unwind_t is not None:
            self._unwind(deal)
            return Lead.Status.LOST, deal.unwind_t, "T"
        if deal.delivered:
            return Lead.Status.DELIVERED, deal.delivered_t, "D"
        return Lead.Status.ORDERED, None, "O"

    def _new_deal(self, card: Card, tc: int) -> Deal:
        """The trim, colour, price and gifts, and the consultant of the day."""
        rng = self.rng
        od = tc // DAY
        trim: TrimInfo = card.model.trim_pick.pick(rng)
        colour = self.colours.pick(rng)
        guide, floor, cost = trim.price_on(od)
        price, below_floor = self._price(trim, guide, floor)
        return Deal(
            card=card,
            trim=trim,
            colour=colour,
            tc=tc,
            guide=guide,
            floor=floor,
            cost=cost,
            price=price,
            below_floor=below_floor,
            gifts=0 if rng.random() < 0.3 else rng.choice(GIFTS),
            consultant=self.answering(card, od),
            order_id=self.t.order.new_id(),
        )

    def _price(self, trim: TrimInfo, guide: int, floor: int) -> tuple[int, bool]:
        """(price, below the floor): a discount by margin class; a few deals go below the floor price."""
        rng = self.rng
        price = round100(guide * (1 - rng.uniform(*DISCOUNT[trim.margin])))
        below = rng.random() < 0.07
        if below:
            price = round100(floor * (1 - rng.uniform(0.005, 0.03)))
        elif price < floor:
            price = floor
        return price, below

    def _sale_via_dealer(self, deal: Deal) -> None:
        """A few cars are sold through a secondary dealer, some of those across the region (窜货)."""
        rng = self.rng
        if not (self.dealers and rng.random() < 0.03):
            return
        deal.sold_via, territory = pick_one(rng, self.dealers)
        deal.cross_region = rng.random() < 0.3
        # The buyer lives in the dealer's county, or for a cross-region sale somewhere else.
        self.order_district = pick_one(rng, self.elsewhere) if deal.cross_region else territory[0]

    def _credit(self, deal: Deal) -> None:
        """Mostly the card's consultant; sometimes shared with a colleague of the day."""
        rng, t = self.rng, self.t
        colleagues = [c for c in self.consultants_on(deal.od) if c != deal.consultant]
        if colleagues and rng.random() < 0.05:
            partner = pick_one(rng, colleagues)
            shares = [(deal.consultant, Decimal("50.00")), (partner, Decimal("50.00"))]
        else:
            shares = [(deal.consultant, Decimal("100.00"))]
        for staff, share in shares:
            deal.rows.append((t.credit, (t.credit.new_id(), self.sid, deal.order_id, staff, share)))

    def _price_approvals(self, deal: Deal) -> None:
        """Below the floor price the sales manager approves, below cost the general manager too."""
        rng = self.rng
        manager = self.managers[Role.SALES_MANAGER if rng.random() < 0.7 else Role.DEPUTY_MANAGER].id
        decided = deal.tc + rng.randint(10, 120)
        approvals = [(OrderApproval.Kind.BELOW_FLOOR, manager, "客户比价，申请底价以下成交")]
        if deal.price < deal.cost:
            gm = self.managers[Role.GENERAL_MANAGER].id
            approvals.append((OrderApproval.Kind.BELOW_COST, gm, "低于成本价，冲量需要"))
        rejected = rng.random() < 0.07
        for kind, decider, reason in approvals:
            self._add_approval(deal, kind, deal.tc, reason, decider, decided, rejected)
            deal.awaiting = decided > self.g.cutoff
            decided += rng.randint(5, 60)
        if rejected and not deal.awaiting:
            deal.cancel_t, deal.cancel_reason = decided, PRICE_REJECTED

    def _add_approval(
        self, deal: Deal, kind: str, requested: int, reason: str, decider: int, decided: int, rejected: bool = False
    ) -> None:
        """Asked for by the card's consultant at ``requested``; still awaiting a decision due after noon of the
        last day."""
        g, t = self.g, self.t
        awaiting = decided > g.cutoff
        status = "requested" if awaiting else "rejected" if rejected else "approved"
        requester = self.answering(deal.card, requested // DAY)
        row = (t.approval.new_id(), self.sid, deal.order_id, kind, requester, g.at(requested), reason, status)
        deal.rows.append((t.approval, (*row, None, None) if awaiting else (*row, decider, g.at(decided))))

    def _allocate_vehicle(self, deal: Deal) -> None:
        """From stock (most; a car released by a cancellation first), or ordered from the OEM for the buyer."""
        rng, od = self.rng, deal.od
        if rng.random() < 0.8:
            pool = self.released.get(deal.trim.id)
            oldest = min(pool, key=lambda v: v[1]) if pool else None
            if oldest is not None and oldest[1] <= od:
                pool.remove(oldest)
                deal.reused, deal.arrived, deal.colour = oldest[0], oldest[1], oldest[2]
            else:
                lo, hi = self.sale_age.pick(rng)
                deal.arrived = min(od, max(od - rng.randint(lo, hi), deal.model.launch - 3))
            deal.delivery_day = od + self.lag.pick(rng)
        else:
            deal.arrived = od + rng.randint(10, 35)
            deal.delivery_day = deal.arrived + rng.randint(1, 3)

    def _schedule(self, deal: Deal) -> None:
        """A few customers cancel before delivery; the others get a delivery slot."""
        rng, cutoff = self.rng, self.g.cutoff
        if deal.cancel_t is None and rng.random() < 0.04:
            days = rng.randint(0, max(0, deal.delivery_day - deal.od - 1))
            deal.cancel_t = deal.tc + DAY * days + rng.randint(60, 300)
            deal.cancel_reason = pick_one(rng, names.CANCEL_REASONS[:-1])
        if deal.cancel_t is not None and deal.cancel_t > cutoff:
            deal.cancel_t = None
        deal.scheduled = deal.delivery_day * DAY + rng.choice(DELIVERY_HOURS) * 60
        deal.delivered_t = deal.scheduled + rng.randint(0, 40)
        deal.delivered = deal.cancel_t is None and not deal.awaiting and deal.delivered_t <= cutoff

    def _derivatives(self, deal: Deal) -> None:
        """Derivative business sold with the car: insurance, finance, accessories, extended warranty, trade-in."""
        rng, t, price = self.rng, self.t, deal.price
        deal.finance = rng.random() < self.fin_p
        deal.loan = round100(price * rng.uniform(0.3, 0.7)) if deal.finance else 0
        sales = []
        if rng.random() < self.ins_p:
            premium = round(price * rng.uniform(0.032, 0.045)) + 950
            sales.append((DerivativeSale.Kind.INSURANCE, premium, round(premium * rng.uniform(0.10, 0.16))))
        if deal.finance:
            sales.append((DerivativeSale.Kind.FINANCE, deal.loan, round(deal.loan * rng.uniform(0.02, 0.045))))
        if rng.random() < self.acc_p:
            amount = rng.randint(*ACCESSORIES) * 100
            sales.append((DerivativeSale.Kind.ACCESSORIES, amount, round(amount * rng.uniform(0.35, 0.55))))
        if rng.random() < self.ew_p:
            amount = rng.randint(25, 60) * 100
            sales.append((DerivativeSale.Kind.EXTENDED_WARRANTY, amount, round(amount * rng.uniform(0.3, 0.5))))
        if rng.random() < self.trade_p:
            sales.append((DerivativeSale.Kind.TRADE_IN, rng.randint(30, 150) * 1000, rng.randint(10, 50) * 100))
        for kind, amount, income in sales:
            row = (t.derivative.new_id(), self.sid, deal.order_id, kind, money(amount), money(income))
            deal.rows.append((t.derivative, row))

    def _maybe_unwind(self, deal: Deal) -> None:
        """Unwinds after delivery are rare."""
        if deal.delivered and self.rng.random() < 0.004:
            unwind_t = deal.delivered_t + DAY * self.rng.randint(3, 30)
            if unwind_t <= self.g.cutoff:
                deal.unwind_t = unwind_t

    # money -----------------------------------------------------------------------------------------------

    def _payments(self, deal: Deal) -> None:
        """The deposit, then the loan and the balance; paid after delivery only with the GM's approval."""
        instalments, late_ok = self._instalments(deal)
        if late_ok and deal.cancel_t is None and not deal.awaiting and deal.scheduled - 90 <= self.g.cutoff:
            gm = self.managers[Role.GENERAL_MANAGER].id
            kind, reason = OrderApproval.Kind.DELIVERY_WITH_BALANCE, "贷款放款中，申请先交车"
            self._add_approval(deal, kind, deal.scheduled - 90, reason, gm, deal.scheduled - 60)
        paid_until = self.g.cutoff if deal.unwind_t is None else min(self.g.cutoff, deal.unwind_t)
        t = self.t
        for kind, amount, when in instalments:
            if deal.cancel_t is not None and kind != "deposit":
                continue
            if when <= paid_until:
                row = (t.payment.new_id(), self.sid, deal.order_id, kind, money(amount), self.g.at(when))
                deal.rows.append((t.payment, row))
                deal.total_paid += amount

    def _instalments(self, deal: Deal) -> tuple[list[Instalment], bool]:
        """What is due when, and whether some of it comes after the delivery."""
        rng = self.rng
        deposit = min(rng.choice(DEPOSITS), deal.price // 2)
        instalments: list[Instalment] = [("deposit", deposit, deal.tc + rng.randint(5, 30))]
        balance = deal.price - deposit - deal.loan
        late_ok = False
        if deal.finance:
            if rng.random() < 0.15:
                when = deal.delivered_t + DAY * rng.randint(2, 12) + rng.randint(0, 300)
                late_ok = True
            else:
                when = max(deal.tc + 60, deal.scheduled - DAY * rng.randint(1, 3) + rng.randint(0, 300))
            instalments.append(("loan", deal.loan, when))
        if balance > 0:
            if not deal.finance and rng.random() < 0.03:
                when = deal.delivered_t + DAY * rng.randint(3, 20)
                late_ok = True
            else:
                when = deal.scheduled - rng.randint(20, 120)
            instalments.append(("balance", balance, when))
        return instalments, late_ok

    def _add_refund(self, deal: Deal, at: int) -> None:
        t = self.t
        row = (t.payment.new_id(), self.sid, deal.order_id, Payment.Kind.REFUND, money(-deal.total_paid), self.g.at(at))
        deal.rows.append((t.payment, row))

    # the car and the order -------------------------------------------------------------------------------

    def _order_vehicle(self, deal: Deal) -> None:
        """The vehicle record, and its move to the secondary dealer that sold it."""
        g, rng, t, until = self.g, self.rng, self.t, self.g.until_ord
        status, dealer = self._vehicle_status(deal)
        if deal.cancel_t is not None and deal.arrived <= until:
            # Back on sale: written when another order takes it, or with the closing stock.
            deal.vehicle_id = deal.reused if deal.reused is not None else t.vehicle.new_id()
            released = (deal.vehicle_id, deal.arrived, deal.colour, deal.model, deal.trim)
            self.released.setdefault(deal.trim.id, []).append(released)
        else:
            arrived_on = deal.arrived if deal.arrived <= until else None
            deal.vehicle_id = self._vehicle(
                deal.model, deal.trim, deal.colour, arrived_on, status, dealer, deal.arrived, deal.rows, deal.reused
            )
        if deal.sold_via is not None and dealer is not None and deal.arrived <= until:
            moved = min(deal.arrived + rng.randint(1, 5), max(deal.arrived, deal.delivery_day - 1), until)
            row = (t.transfer.new_id(), self.sid, deal.vehicle_id, g.day(moved), None, deal.sold_via)
            deal.rows.append((t.transfer, row))

    def _vehicle_status(self, deal: Deal) -> tuple[str, int | None]:
        """(status, secondary dealer holding it)"""
        in_stock_or_transit = Vehicle.Status.IN_STOCK if deal.arrived <= self.g.until_ord else Vehicle.Status.IN_TRANSIT
        if deal.cancel_t is not None:
            return in_stock_or_transit, None
        if deal.unwind_t is not None:
            return Vehicle.Status.IN_STOCK, None
        if deal.delivered:
            return Vehicle.Status.DELIVERED, deal.sold_via
        if deal.arrived <= self.g.until_ord:
            return Vehicle.Status.ALLOCATED, deal.sold_via
        return Vehicle.Status.IN_TRANSIT, deal.sold_via

    def _add_order(self, deal: Deal) -> None:
        g, t = self.g, self.t
        if deal.cancel_t is not None:
            status = Order.Status.CANCELLED
        elif deal.unwind_t is not None:
            status = Order.Status.UNWOUND
        elif deal.awaiting:
            status = Order.Status.AWAITING_APPROVAL
        elif deal.delivered:
            status = Order.Status.DELIVERED
        else:
            status = Order.Status.CONFIRMED
        vehicle_id = None if deal.cancel_t is not None else deal.vehicle_id
        row = (deal.order_id, self.sid, deal.lead_id, deal.customer_id, deal.consultant, deal.trim.id, deal.colour)
        prices = (money(deal.guide), money(deal.floor), money(deal.price), money(deal.gifts))
        via = (deal.sold_via, deal.cross_region)
        deal.rows.append((t.order, (*row, vehicle_id, g.at(deal.tc), *prices, *via, status)))

    # the end of the deal ---------------------------------------------------------------------------------

    def _add_reversal(self, deal: Deal, kind: str, at: int, reason: str) -> None:
        t = self.t
        manager = self.managers[Role.SALES_MANAGER].id
        row = (t.reversal.new_id(), self.sid, deal.order_id, kind, self.g.at(at), reason, manager)
        deal.rows.append((t.reversal, row))

    def _cancellation(self, deal: Deal) -> None:
        """The cancellation, and the refund of what was paid (most within two hours)."""
        self._add_reversal(deal, Reversal.Kind.CANCELLATION, deal.cancel_t, deal.cancel_reason)
        if deal.total_paid and self.rng.random() < 0.8 and deal.cancel_t + 120 <= self.g.cutoff:
            self._add_refund(deal, deal.cancel_t + 120)

    def _unwind(self, deal: Deal) -> None:
        self._add_reversal(deal, Reversal.Kind.UNWIND, deal.unwind_t, pick_one(self.rng, names.UNWIND_REASONS))
        if deal.unwind_t + DAY <= self.g.cutoff:
            self._add_refund(deal, deal.unwind_t + DAY)

    def _delivery(self, deal: Deal) -> None:
        """The delivery, done or scheduled in the coming days, and the C-card calls after it."""
        g, t, until = self.g, self.t, self.g.until_ord
        done = deal.delivered
        if not (done or (deal.arrived <= until and not deal.awaiting and deal.delivery_day <= until + 10)):
            return
        delivery_id = t.delivery.new_id()
        inspected = done or deal.delivery_day - until <= 2  # the pre-delivery inspection of a car due soon
        at = (g.at(deal.scheduled), g.at(deal.delivered_t) if done else None)
        row = (delivery_id, self.sid, deal.order_id, deal.vehicle_id, *at, inspected, done, done, done, done, done)
        deal.rows.append((t.delivery, row))
        if done:
            self._c_card_calls(deal.card, delivery_id, deal.delivered_t)
            if deal.delivered_t >= g.window_t:
                delivered = Delivered(
                    delivery_id, deal.order_id, deal.customer_id, deal.consultant, deal.delivered_t, deal.card.slot.team
                )
                self.deliveries.append(delivered)

    def _c_card_calls(self, card: Card, delivery_id: int, delivered_t: int) -> None:
        """C-card calls on day 1, 3 and 7 after delivery: most on the day (a few more than the team's A-card calls
        are on time), a few late, a few never."""
        g, rng, t = self.g, self.rng, self.t
        on_time = min(0.98, self.discipline[card.slot.team] + 0.05)
        for offset in (1, 3, 7):
            due = delivered_t // DAY + offset
            done = self._c_card_call_time(due, on_time)
            staff = self.answering(card, min(due, g.until_ord) if done is None else done // DAY)
            satisfaction = self.satisfaction.pick(rng) if done else None
            note = "" if not done else ("车辆使用正常" if (satisfaction or 0) >= 4 else "客户反映问题，已记录")
            row = (t.ccard.new_id(), self.sid, delivery_id, staff, g.day(due), g.at(done) if done else None)
            card.rows.append((t.ccard, (*row, satisfaction, note)))

    def _c_card_call_time(self, due: int, on_time: float) -> int | None:
        rng = self.rng
        r = rng.random()
        if r < on_time:
            done = due * DAY + OPEN + int(rng.random() * (CLOSE - OPEN))
        elif r < (1 + on_time) / 2:
            done = (due + rng.randint(1, 2)) * DAY + OPEN + int(rng.random() * (CLOSE - OPEN))
        else:
            return None
        return None if done > self.g.cutoff else done

"""The showroom funnel: each day's new leads (A-cards) and browsers, and each card followed up from first
contact to its end: visits, test drives, an order (see orders.py) or a lost sale."""

from __future__ import annotations

import datetime

from dealerkpi.crm.models import FollowUp, Lead, TestDrive
from dealerkpi.demo_data import names
from dealerkpi.demo_data.catalogue import SEGMENT_WEIGHT, STAGE_WEIGHT, ModelInfo
from dealerkpi.demo_data.clock import CLOSE, DAY, NEVER, OPEN
from dealerkpi.demo_data.draws import Weighted, pick_one
from dealerkpi.demo_data.staff import PhoneBook, person_name
from dealerkpi.demo_data.store_base import Card, StoreBase
from dealerkpi.stock.models import Vehicle

GRADES: tuple[tuple[str, str, int | None, bool], ...] = (
    ("N", "N级（新线索，24小时内首次跟进）", 1, True),
    ("H", "H级（7天内购车）", 7, True),
    ("A", "A级（15天内购车）", 15, True),
    ("B", "B级（30天内购车）", 30, True),
    ("C", "C级（30天以上）", 60, True),
    ("O", "O级（已订车）", None, False),
    ("D", "D级（已交车）", None, False),
    ("T", "T级（订单取消）", None, False),
    ("F", "F级（战败）", None, False),
)
INTERVAL = {code: days for code, _, days, _ in GRADES if days}
LADDER = ("H", "A", "B", "C")

SOURCES = (
    ("walk_in", 24),
    ("phone", 8),
    ("autohome", 14),
    ("dongchedi", 12),
    ("yiche", 6),
    ("douyin", 13),
    ("oem", 10),
    ("referral", 6),
    ("auto_show", 3),
    ("outbound", 4),
)
WARM_SOURCES = ("walk_in", "referral")
GRADE_MIX_WARM = (("H", 16), ("A", 28), ("B", 32), ("C", 24))
GRADE_MIX_COLD = (("H", 8), ("A", 18), ("B", 36), ("C", 38))
ORDER_P = {"H": 0.42, "A": 0.165, "B": 0.068, "C": 0.025}
# Days from the first contact to the order (a walk-in H customer may order from the first day).
ORDER_DELAY = {"H": (2, 7), "A": (8, 15), "B": (16, 30), "C": (31, 75)}
DORMANT_P = 0.07
VISIT_FIRST_P = {"order": 0.92, "H": 0.6, "A": 0.5, "B": 0.3, "C": 0.12}
LOST_CONTACTS = {"H": (4, 8), "A": (4, 7), "B": (3, 6), "C": (2, 5)}
# The next follow-up is set within the grade's interval: consultants call C and B cards well before the limit.
GAP_SHARE = {"H": (0.3, 0.8), "A": (0.3, 0.7), "B": (0.25, 0.6), "C": (0.2, 0.5)}
LOST_REASONS = (
    ("price", 22),
    ("competitor", 25),
    ("postponed", 17),
    ("finance_refused", 5),
    ("family", 10),
    ("delivery_wait", 5),
    ("secondary_dealer", 5),
    ("lost_contact", 11),
)
PARTY_SIZES = ((1, 33), (2, 41), (3, 18), (4, 8))
CHANNELS = ("phone", "phone", "phone", "wechat", "wechat", "sms")
SEASON = {
    1: 0.96,
    2: 0.92,
    3: 1.0,
    4: 0.98,
    5: 1.03,
    6: 1.0,
    7: 0.96,
    8: 0.97,
    9: 1.04,
    10: 1.06,
    11: 1.0,
    12: 1.08,
}
DRIVE_MINUTES = 30
# A store's traffic follows its sales force: each consultant's position brings ~84 new cards a month (~8.7
# deliveries) and ~0.84 parties without intent a day.
LEADS_A_CONSULTANT = 84
BROWSERS_A_CONSULTANT = 0.84


class Showroom(StoreBase):
    sources: Weighted
    warm_grades: Weighted
    cold_grades: Weighted
    reasons: Weighted
    party: Weighted
    drive_p: float
    traffic: float  # the store's traffic, in consultants' positions
    customer_phones: PhoneBook
    model_weights: list[tuple[int, Weighted]]  # (valid from ordinal, models customers ask for)

    def _model_tables(self) -> None:
        """Which models customers ask for: by stage and segment; a new model only after its launch."""
        self.model_weights = []
        first = self.g.sim_start.toordinal()
        points = sorted({first, *(m.launch for m in self.brand.models if m.launch > first)})
        for start in points:
            table = [
                (m, STAGE_WEIGHT[m.spec.stage] * SEGMENT_WEIGHT[m.spec.segment])
                for m in self.brand.models
                if m.launch <= start
            ]
            if table:
                self.model_weights.append((start, Weighted(table)))

    def _model_on(self, day: int) -> ModelInfo:
        table = self.model_weights[0][1]
        for start, weighted in self.model_weights:
            if start <= day:
                table = weighted
        return table.pick(self.rng)

    # a day in the showroom -------------------------------------------------------------------------------

    def _day(self, d: int) -> None:
        g, rng = self.g, self.rng
        date = g.day(d)
        weekend = date.weekday() >= 5
        factor = (1.375 if weekend else 0.85) * SEASON[date.month] * self.traffic
        expected = LEADS_A_CONSULTANT / 30.44 * factor * rng.uniform(0.85, 1.15)
        count = int(expected + rng.random())
        times = sorted(d * DAY + OPEN + int(rng.random() * (CLOSE - OPEN)) for _ in range(count))
        for t0 in times:
            if t0 <= g.cutoff:  # nobody has called or walked in yet after noon of the last day
                self._lead(t0)
        if d * DAY >= g.window_t:
            self._browsers(d, weekend)

    def _browsers(self, d: int, weekend: bool) -> None:
        """Parties without buying intent (browsing, accompanying, asking for service): no card is opened."""
        g, rng, t = self.g, self.rng, self.t
        expected = BROWSERS_A_CONSULTANT * self.traffic * (1.4 if weekend else 0.84)
        count = int(expected * rng.uniform(0.8, 1.2) + rng.random())
        duty = self.duty[d]
        for _ in range(count):
            arrived = d * DAY + OPEN + int(rng.random() * (CLOSE - OPEN - 30))
            if arrived > g.cutoff:
                continue
            slot = pick_one(rng, duty)
            left = self._so_far(arrived + rng.randint(8, 40))
            party = 1 + (rng.random() < 0.3)
            row = (t.visit.new_id(), self.sid, None, self.owner(slot, d), g.at(arrived), left, True, party)
            t.visit.add((*row, False, False, False))

    # a lead from first contact to its end ----------------------------------------------------------------

    def _lead(self, t0: int) -> None:
        self.order_district = None
        card = self._new_card(t0)
        if card.walk_in:
            arrival = max(card.d0 * DAY + OPEN - 10, t0 - self.rng.randint(5, 25))
            card.grade = card.true_grade
            self._visit(card, arrival, first=True, invited=False, drive=None)
            card.visited = True
            card.next_due = card.d0 + self._gap(card.grade)
        else:
            card.next_due = card.d0 + 1
        self._follow_up(card)
        window_t = self.g.window_t
        if card.closed_t is not None and card.closed_t < window_t and t0 < window_t:
            return  # closed before the period: not part of the data
        self._write_card(card)

    def _new_card(self, t0: int) -> Card:
        """Who walks in or calls, for which model, and what they will do."""
        rng, t = self.rng, self.t
        d0 = t0 // DAY
        slot = pick_one(rng, self.duty[d0])
        source = self.sources.pick(rng)
        walk_in = source == "walk_in"
        true_grade = (self.warm_grades if source in WARM_SOURCES else self.cold_grades).pick(rng)
        model = self._model_on(d0)
        holder = self.holder(slot, d0)
        fate, order_day, contacts_left = self._fate(true_grade, walk_in, holder.skill if holder else 1.0, d0)
        lead_id, customer_id = t.lead.new_id(), t.customer.new_id()
        will_visit = not walk_in and rng.random() < VISIT_FIRST_P["order" if fate == "order" else true_grade]
        return Card(
            t0=t0,
            slot=slot,
            source=source,
            true_grade=true_grade,
            model=model,
            fate=fate,
            order_day=order_day,
            contacts_left=contacts_left,
            lead_id=lead_id,
            customer_id=customer_id,
            will_visit=will_visit,
            repeat_p=0.65 if fate == "order" else (0.5 if true_grade in ("H", "A") else 0.15),
            last_t=t0,
        )

    def _fate(self, true_grade: str, walk_in: bool, skill: float, d0: int) -> tuple[str, int, int]:
        """(fate, order day, contacts left): an order, a card that goes quiet, or a lost sale."""
        rng = self.rng
        u = rng.random()
        p_order = ORDER_P[true_grade] * skill
        if u < p_order:
            low, high = ORDER_DELAY[true_grade]
            order_day = d0 + rng.randint(0 if walk_in and true_grade == "H" else low, high)
            if walk_in and true_grade == "H" and rng.random() < 0.25:
                order_day = d0
            return "order", order_day, NEVER
        phoned = 0 if walk_in else 1  # one contact more to decide on the phone
        if u < p_order + DORMANT_P:
            return "dormant", NEVER, rng.randint(1, 3) + phoned
        return "lost", NEVER, rng.randint(*LOST_CONTACTS[true_grade]) + phoned

    def _follow_up(self, card: Card) -> None:
        """Contacts until the card closes, goes quiet, or the generated time ends (noon of ``until``)."""
        while True:
            day = self._next_contact_day(card)
            ordering = card.fate == "order" and day >= card.order_day
            if ordering:
                day = max(card.order_day, card.last_t // DAY)
            if card.fate == "dormant" and card.contacts_left == 0:
                quiet = card.next_due < self.g.until_ord - 30
                card.status = Lead.Status.DORMANT if quiet else Lead.Status.OPEN
                return
            tc = self._contact_time(card, day)
            if tc > self.g.cutoff:
                self._keep_booked_drive(card)
                return
            if not self._contact(card, day, tc, ordering):
                return

    def _next_contact_day(self, card: Card) -> int:
        """The booked visit, or around the due day: most on time or a day or two early (as many as the team's
        discipline), some late."""
        if card.booked:
            return card.booked[0]
        rng = self.rng
        if rng.random() < self.discipline[card.slot.team]:
            day = card.next_due if rng.random() < 0.55 else card.next_due - rng.randint(1, 2)
        else:
            day = card.next_due + rng.randint(1, 4)
        return max(day, card.last_t // DAY)

    def _contact_time(self, card: Card, day: int) -> int:
        tc = day * DAY + OPEN + int(self.rng.random() * (CLOSE - OPEN))
        if tc <= card.last_t:
            tc = card.last_t + self.rng.randint(20, 90)
        return tc

    def _keep_booked_drive(self, card: Card) -> None:
        """A test drive booked for the coming days stays on the board as scheduled."""
        booked = card.booked
        if booked and booked[1] and booked[0] <= self.g.until_ord + 3:
            card.pending_drive = booked[0] * DAY + OPEN + 60 + int(self.rng.random() * 400)

    def _contact(self, card: Card, day: int, tc: int, ordering: bool) -> bool:
        """One follow-up; returns whether the card stays open for more."""
        staff = self.answering(card, day)
        due_on = self.g.day(card.next_due)
        is_visit, channel = self._channel(card, day, tc, ordering)
        card.booked = None
        if ordering:
            self._add_follow_up(card, staff, tc, channel, FollowUp.Outcome.ORDERED, "O", due_on)
            order = self._order(card, tc)
            card.status, card.closed_t, card.grade = order
            return False
        card.contacts_left -= 1
        if card.fate == "lost" and card.contacts_left <= 0:
            return self._give_up(card, staff, day, tc, channel, due_on)
        self._ordinary_contact(card, staff, day, tc, channel, is_visit, due_on)
        return True

    def _channel(self, card: Card, day: int, tc: int, ordering: bool) -> tuple[bool, str]:
        """(in the showroom, channel): a booked visit, signing the order (mostly in the showroom), or a call."""
        rng = self.rng
        is_visit = card.booked is not None
        in_first_visit = ordering and card.walk_in and day == card.d0 and not is_visit
        if in_first_visit:
            return False, FollowUp.Channel.VISIT
        if ordering and not is_visit and (rng.random() < 0.85 or (not card.visited and rng.random() < 0.9)):
            is_visit = True
        if not is_visit:
            return False, pick_one(rng, CHANNELS)
        drive = card.booked[1] if card.booked else None
        self._visit(card, tc, first=not card.visited, invited=card.booked is not None, drive=drive)
        card.visited = True
        return True, FollowUp.Channel.VISIT

    def _give_up(self, card: Card, staff: int, day: int, tc: int, channel: str, due_on: datetime.date) -> bool:
        """The consultant asks to close the card as lost; returns whether it stays open (sent back)."""
        self._add_follow_up(card, staff, tc, channel, FollowUp.Outcome.NOT_INTERESTED, "F", due_on)
        card.grade = "F"
        decision = self._lost_sale(card, tc)
        if decision is None:  # awaiting the supervisor's decision
            card.next_due = None
            return False
        if decision == "rejected":  # the supervisor sends it back: keep following up
            card.contacts_left = self.rng.randint(1, 2) + 1
            card.grade = "C"
            card.next_due = day + self._gap(card.grade)
            return True
        card.status, card.closed_t = Lead.Status.LOST, decision
        return False

    def _ordinary_contact(
        self, card: Card, staff: int, day: int, tc: int, channel: str, is_visit: bool, due_on: datetime.date
    ) -> None:
        """The card's grade moves, and a visit is booked or the next follow-up set."""
        rng = self.rng
        card.grade = self._grade_after_contact(card, day)
        reached = rng.random() < 0.7 or is_visit
        outcome = FollowUp.Outcome.REACHED if reached else FollowUp.Outcome.NO_ANSWER
        booked_outcome = self._book_visit(card, day)
        if booked_outcome is not None:
            outcome = booked_outcome
        else:
            card.next_due = day + self._gap(card.grade)
        note = pick_one(rng, names.FOLLOW_UP_NOTES)
        next_due_on = self.g.day(card.next_due)
        self._add_follow_up(card, staff, tc, channel, outcome, card.grade, due_on, next_due_on, note)

    def _grade_after_contact(self, card: Card, day: int) -> str:
        if card.grade == "N":
            return card.true_grade
        if card.fate == "order":
            return _grade_for(card.order_day - day)
        r = self.rng.random()
        if r < 0.2 and card.grade != "C":
            return LADDER[LADDER.index(card.grade) + 1]
        if r > 0.96 and card.grade != "H":
            return LADDER[LADDER.index(card.grade) - 1]
        return card.grade

    def _book_visit(self, card: Card, day: int) -> str | None:
        """Book a (first or repeat) visit, maybe with a test drive; returns the outcome, or None if none."""
        rng = self.rng
        wanted = (card.will_visit and not card.visited) or (
            card.visited and rng.random() < card.repeat_p * (card.fate != "dormant")
        )
        if not wanted or (card.fate == "order" and card.order_day - day <= 1):
            return None
        visit_day = day + rng.randint(1, 3)
        first = not card.visited
        drive = (rng.random() < self.drive_p) if first else False
        card.booked = (visit_day, drive, first)
        card.next_due = visit_day
        return FollowUp.Outcome.TEST_DRIVE_BOOKED if drive else FollowUp.Outcome.VISIT_BOOKED

    def _add_follow_up(
        self,
        card: Card,
        staff: int,
        tc: int,
        channel: str,
        outcome: str,
        grade_after: str,
        due_on: datetime.date,
        next_due_on: datetime.date | None = None,
        note: str = "",
    ) -> None:
        t = self.t
        row = (t.follow.new_id(), self.sid, card.lead_id, staff, self.g.at(tc), channel, outcome, grade_after)
        card.rows.append((t.follow, (*row, due_on, next_due_on, note)))
        card.last_follow = card.last_t = tc

    def _gap(self, grade: str) -> int:
        return max(1, round(INTERVAL[grade] * self.rng.uniform(*GAP_SHARE[grade])))

    # the card as it stands at the end --------------------------------------------------------------------

    def _write_card(self, card: Card) -> None:
        """The customer and the lead as they stand at the end, then the card's history."""
        g, t = self.g, self.t
        if card.pending_drive is not None:
            self._scheduled_drive(card)
        closed_t = card.closed_t
        owner = self.answering(card, min(g.until_ord, (closed_t // DAY) if closed_t else g.until_ord))
        district = self.order_district or self._district()
        self.order_district = None
        name = "".join(person_name(self.rng))
        t.customer.add((card.customer_id, self.sid, owner, name, self.customer_phones.next(), district, g.at(card.t0)))
        still_open = card.status in (Lead.Status.OPEN, Lead.Status.DORMANT) and card.next_due is not None
        t.lead.add(
            (
                card.lead_id,
                self.sid,
                card.customer_id,
                owner,
                card.source,
                card.model.id,
                card.grade,
                card.status,
                g.at(card.t0),
                None if card.last_follow is None else g.at(card.last_follow),
                g.day(card.next_due) if still_open else None,
                None if closed_t is None else g.at(closed_t),
            )
        )
        vehicles = t.vehicle
        for table, row in card.rows:
            table.rows.append(row)
            if table is vehicles and row[7] in (Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED):
                self.vehicles_on_hand += 1

    def _district(self) -> str:
        """Where a customer lives: mostly the store's territory, some elsewhere in the city or its counties."""
        rng = self.rng
        r = rng.random()
        if r < 0.9:
            return pick_one(rng, self.territory)
        if r < 0.97:
            return pick_one(rng, self.others)
        return pick_one(rng, self.city.counties)

    # visits and test drives ------------------------------------------------------------------------------

    def _visit(self, card: Card, arrival: int, *, first: bool, invited: bool, drive: bool | None) -> None:
        """A showroom visit of the card's customer; ``drive`` None: a test drive by chance on a first visit."""
        g, rng, t = self.g, self.rng, self.t
        consultant = self.answering(card, arrival // DAY)
        if drive is None:
            drive = first and rng.random() < self.drive_p
        stay = rng.randint(25, 80)
        driven = self._drive_at_visit(card, consultant, arrival) if drive else None
        if driven is not None:
            stay = max(stay, driven[0] - arrival + rng.randint(10, 40))
        row = (t.visit.new_id(), self.sid, card.lead_id, consultant, g.at(arrival), self._so_far(arrival + stay))
        taken = driven is not None and driven[1]
        card.rows.append((t.visit, (*row, first, self.party.pick(rng), True, invited, taken)))

    def _so_far(self, t: int) -> datetime.datetime | None:
        """When something ends that ends at ``t``; None if that is after noon of the last day (not yet)."""
        return self.g.at(t) if t <= self.g.cutoff else None

    def _drive_at_visit(self, card: Card, consultant: int, arrival: int) -> tuple[int, bool] | None:
        """A test drive during the visit: (the end of its slot, whether it is over) once it has started."""
        rng, cutoff = self.rng, self.g.cutoff
        booked = self._book_drive(card.model, arrival + rng.randint(10, 30), DRIVE_MINUTES)
        if not booked:
            return None
        vehicle, start = booked
        started = start + rng.randint(0, 5)
        ended = started + rng.randint(15, 25)
        if started > cutoff:  # after noon of the last day: still to come
            self._add_test_drive(card, consultant, vehicle, start, TestDrive.Status.SCHEDULED, "")
            return None
        if rng.random() < 0.03:  # no licence on them: the drive cannot start
            self._add_test_drive(card, consultant, vehicle, start, TestDrive.Status.CANCELLED, "未带驾驶证")
            return None
        if ended > cutoff:
            self._add_test_drive(card, consultant, vehicle, start, TestDrive.Status.IN_PROGRESS, "", started)
            return start + DRIVE_MINUTES, False
        feedback = pick_one(rng, names.TEST_DRIVE_FEEDBACK)
        self._add_test_drive(card, consultant, vehicle, start, TestDrive.Status.DONE, feedback, started, ended)
        return start + DRIVE_MINUTES, True

    def _scheduled_drive(self, card: Card) -> None:
        booked = self._book_drive(card.model, card.pending_drive, DRIVE_MINUTES)
        if booked:
            vehicle, start = booked
            consultant = self.answering(card, self.g.until_ord)
            self._add_test_drive(card, consultant, vehicle, start, TestDrive.Status.SCHEDULED, "")

    def _add_test_drive(
        self,
        card: Card,
        consultant: int,
        vehicle: int,
        start: int,
        status: str,
        feedback: str,
        started: int | None = None,
        ended: int | None = None,
    ) -> None:
        """A test drive in its booked slot, ``started`` and ``ended`` when it did."""
        g, t = self.g, self.t
        checked = started is not None  # the licence is checked and the agreement signed before the start
        driven = (None if started is None else g.at(started), None if ended is None else g.at(ended))
        slot = (g.at(start), g.at(start + DRIVE_MINUTES))
        row = (t.drive.new_id(), self.sid, card.lead_id, consultant, vehicle, *slot, checked, checked, *driven)
        card.rows.append((t.drive, (*row, status, feedback)))

    def _book_drive(self, model: ModelInfo, start: int, length: int) -> tuple[int, int] | None:
        """A free slot on a demo vehicle of the model (or any demo vehicle): no two drives overlap."""
        day = start // DAY
        own = self.demo.get(model.id, [])
        candidates = own + [v for v in self.all_demo if v not in own]
        for vehicle in candidates:
            taken = self.drive_slots.setdefault((vehicle, day), [])
            s = start
            for _ in range(12):
                clash = next(((a, b) for a, b in taken if a < s + length and s < b), None)
                if clash is None:
                    break
                s = clash[1] + 5
            else:
                continue
            if s + length > day * DAY + CLOSE + 30:
                continue
            taken.append((s, s + length))
            return vehicle, s
        return None

    # lost sales ------------------------------------------------------------------------------------------

    def _lost_sale(self, card: Card, tc: int) -> int | str | None:
        """Request to close the card as lost; returns the decision time, "rejected", or None (awaiting)."""
        g, rng, t = self.g, self.rng, self.t
        reason = self.reasons.pick(rng)
        competitor = pick_one(rng, card.model.competitors)[0] if reason == "competitor" else None
        note = pick_one(rng, names.LOST_NOTES[reason])
        decided = tc + rng.randint(30, 600) + (DAY if rng.random() < 0.4 else 0)
        requester = self.answering(card, tc // DAY)
        supervisor = self.supervisor(card.slot.team, decided // DAY)
        request = (t.lost.new_id(), self.sid, card.lead_id, reason, competitor, note, requester, g.at(tc))
        if decided > g.cutoff:
            card.rows.append((t.lost, (*request, "requested", None, None)))
            return None
        status = "rejected" if rng.random() < 0.04 else "approved"
        card.rows.append((t.lost, (*request, status, supervisor, g.at(decided))))
        return "rejected" if status == "rejected" else decided


def _grade_for(days_to_order: int) -> str:
    if days_to_order <= 7:
        return "H"
    if days_to_order <= 15:
        return "A"
    if days_to_order <= 30:
        return "B"
    return "C"

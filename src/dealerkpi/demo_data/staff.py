"""People: names and phone numbers, a store's staff with its turnover and promotions, attendance and who
is on duty, and who owns a consultant's slot on a given day."""

from __future__ import annotations

import datetime
from random import Random

from dealerkpi.demo_data import names
from dealerkpi.demo_data.clock import DAY, NEVER, NOON, first_of_month_after, month_end_on_or_before
from dealerkpi.demo_data.draws import Weighted, money, pick_one, rng_for
from dealerkpi.demo_data.store_base import Card, Person, Slot, StoreBase, Tenure
from dealerkpi.org.models import Role
from dealerkpi.people.models import Departure

_SURNAMES = Weighted(names.SURNAMES)
SALARY = {
    Role.CONSULTANT: (3000, 4500),
    Role.SUPERVISOR: (5000, 6500),
    Role.SALES_MANAGER: (9000, 12000),
    Role.DEPUTY_MANAGER: (7000, 9000),
    Role.GENERAL_MANAGER: (15000, 20000),
    Role.HR: (5000, 7000),
    Role.FINANCE: (5000, 7000),
}
MANAGEMENT = (Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.DEPUTY_MANAGER, Role.HR, Role.FINANCE)
TEAMS = (3, 3, 4)  # sales teams in a store, drawn from these
TEAM_SIZE = {3: (5, 6), 4: (5, 5)}  # consultants in a team, by the number of teams: 15 to 20 in a store
ATTENDANCE = (("present", 930), ("late", 35), ("leave", 25), ("absent", 10))
LEAVE_KINDS = ("annual", "sick", "personal", "time_off")


def clocked(status: str, person: int, day: int) -> tuple[datetime.time | None, datetime.time | None, int, str]:
    """A day's clock-in, clock-out, minutes late and kind of leave under the default rules (08:30 to 17:30, 5 minutes
    of grace), spread by person and day rather than drawn, so the generator's other draws stay as they were."""
    spread = (person * 31 + day * 17) % 55
    if status == "late":
        return datetime.time(8, 36 + spread % 24), datetime.time(17, 30 + spread % 30), 6 + spread % 24, ""
    if status == "present":
        return datetime.time(8, 5 + spread % 30), datetime.time(17, 30 + spread % 30), 0, ""
    return None, None, 0, LEAVE_KINDS[spread % len(LEAVE_KINDS)] if status == "leave" else ""


Reason = Departure.Reason
DEPARTURE_REASONS = Weighted((
    (Reason.PAY, 22), (Reason.COMPETITOR_OFFER, 16), (Reason.CAREER, 14), (Reason.WORKLOAD, 12),
    (Reason.MANAGEMENT, 8), (Reason.FAMILY, 8), (Reason.PERFORMANCE, 8), (Reason.RELOCATION, 6),
    (Reason.PROBATION, 3), (Reason.CONDUCT, 2), (Reason.OTHER, 1),
))


def person_name(rng: Random) -> tuple[str, str]:
    """(surname, given name)"""
    surname = _SURNAMES.pick(rng)
    chars = names.GIVEN_CHARS
    given = chars[int(rng.random() * len(chars))]
    if rng.random() < 0.7:
        given += chars[int(rng.random() * len(chars))]
    return surname, given


class PhoneBook:
    """Unique valid mobile numbers: a counter through an affine permutation of the last eight digits."""

    def __init__(self, rng: Random, salt: int) -> None:
        self.multiplier = 48_271 * 2 + 1  # odd and not a multiple of 5: coprime to 10**8
        self.offset = rng.randrange(10**8) ^ (salt * 7919)
        self.count = 0
        self.rng = rng

    def next(self) -> str:
        self.count += 1
        digits = (self.multiplier * self.count + self.offset) % 10**8
        prefix = names.MOBILE_PREFIXES[int(self.rng.random() * len(names.MOBILE_PREFIXES))]
        return f"{prefix}{digits:08d}"


class StaffRoster(StoreBase):
    # hiring, leavers and promotions ----------------------------------------------------------------------

    def _staff(self) -> None:
        """Teams, managers, supervisors and consultants from the start of the history, then its turnover."""
        n_teams = self.rng.choice(TEAMS)
        self.team_ids = []
        for k in range(n_teams):
            team_id = self.t.team.new_id()
            self.t.team.add((team_id, self.sid, names.TEAM_NAMES[k], True))
            self.team_ids.append(team_id)
        self.managers = {role: self._hire(role, self._veteran_hire_day()) for role in MANAGEMENT}
        self.supervisors = [
            [(self._hire(Role.SUPERVISOR, self._veteran_hire_day(), k), 0, NEVER)] for k in range(n_teams)
        ]
        for k in range(n_teams):
            for _ in range(self.rng.randint(*TEAM_SIZE[n_teams])):
                slot = Slot(k)
                slot.chain.append((self._hire(Role.CONSULTANT, self._veteran_hire_day(), k), 0, NEVER))
                self.slots.append(slot)
        self._turnover(n_teams)
        self._write_staff()

    def _veteran_hire_day(self) -> int:
        return max(self.opened, self.g.history_start.toordinal() - self.rng.randint(30, 6 * 365))

    def _hire(self, role: str, hire: int, team: int | None = None) -> Person:
        rng = self.rng
        person = Person(self.t.staff.new_id(), role, hire, NEVER, rng.randint(1, 4), team, rng.uniform(0.7, 1.3))
        self.people.append(person)
        return person

    def _turnover(self, n_teams: int) -> None:
        """A quarter of the consultants leave in a year, their slots refilled; maybe a supervisor leaves.

        People leave at the end of a month and start on the 1st, as a 4S store's payroll month and its onboarding
        batches have it: the leaver works out the notice month (30 days, by the labour contract law) while the
        successor is recruited, who joins on the 1st. So a month's bonus run assesses whole months: nobody comes in
        on the 20th with a pipeline too young to have delivered a car, or leaves on the 3rd before delivering one
        (a penetration rate over no deliveries, which the run would rightly warn about)."""
        rng = self.rng
        h0, until = self.g.history_start.toordinal(), self.g.until_ord
        n = len(self.slots)
        rate = rng.uniform(0.22, 0.27)
        year_ago = until - 365
        leaving_days = [year_ago + 1 + int(rng.random() * 365) for _ in range(round(n * rate))]
        older = max(0, year_ago - h0)
        leaving_days += [h0 + int(rng.random() * older) for _ in range(round(n * rate * older / 365))]
        self.promotions = []
        if rng.random() < 0.35 and until - h0 > 120:
            day = first_of_month_after(h0 + 60 + int(rng.random() * (until - h0 - 90)))
            self._promote(rng.randrange(n_teams), day)
        for drawn in sorted(leaving_days):
            day = month_end_on_or_before(drawn, until)
            # The leaver: someone holding a slot that day (not a fresh vacancy).
            candidates = [s for s in self.slots if s.chain[-1][2] == NEVER and s.chain[-1][1] < day - 30]
            if not candidates:
                continue
            slot = candidates[int(rng.random() * len(candidates))]
            person, start, _ = slot.chain[-1]
            slot.chain[-1] = (person, start, day)
            person.leave = day
            self._refill(slot, day + 1)

    def _refill(self, slot: Slot, day: int) -> None:
        if day <= self.g.until_ord:
            person = self._hire(Role.CONSULTANT, day, slot.team)
            slot.chain.append((person, day, NEVER))

    def _promote(self, team: int, day: int) -> None:
        """The team's supervisor leaves at the end of a month; the team's most senior consultant is promoted on
        the 1st, ``day``, and a newcomer takes their desk."""
        sup, start, _ = self.supervisors[team][-1]
        sup.leave = day - 1
        self.supervisors[team][-1] = (sup, start, day - 1)
        slots = [s for s in self.slots if s.team == team and s.chain[-1][2] == NEVER]
        slot = min(slots, key=lambda s: (s.chain[-1][0].hire, s.chain[-1][0].id))
        person, pstart, _ = slot.chain[-1]
        slot.chain[-1] = (person, pstart, day - 1)
        self.supervisors[team].append((person, day, NEVER))
        self.promotions.append((person, day))
        self._refill(slot, day)

    # the staff records -----------------------------------------------------------------------------------

    def _write_staff(self) -> None:
        phones = PhoneBook(self.rng, 10_000 + self.index)
        promoted = dict((p.id, day) for p, day in self.promotions)
        for seq, person in enumerate(self.people, start=1):
            self._write_person(person, f"E{self.index + 1:04d}{seq:03d}", phones, promoted.get(person.id))
        for slot in self.slots:
            self._write_memberships(slot.chain, slot.team, is_leader=False)
        for team, chain in enumerate(self.supervisors):
            self._write_memberships(chain, team, is_leader=True)
        self._write_departures()

    def _write_departures(self) -> None:
        """A departure record for every leaver, recorded by the store's HR on the last day; the cards handed over
        are not counted. Drawn from a random stream of its own, so every other row stays as it was."""
        g, t = self.g, self.t
        rng = rng_for(g.seed, "departures", self.index)
        rivals = [f"{brand.name}4S店" for brand in names.COMPETITOR_BRANDS]
        for person in self.people:
            if person.leave == NEVER:
                continue
            reason = DEPARTURE_REASONS.pick(rng)
            voluntary = reason in Departure.VOLUNTARY_REASONS or (reason == Reason.OTHER and rng.random() < 0.5)
            went_to = pick_one(rng, rivals) if reason == Reason.COMPETITOR_OFFER else ""
            t.departure.add((t.departure.new_id(), self.sid, person.id, g.day(person.leave), voluntary, reason.value,
                             went_to, "", self.managers[Role.HR].id, g.at(person.leave * DAY + NOON), None))

    def _write_person(self, p: Person, employee_no: str, phones: PhoneBook, promoted_on: int | None) -> None:
        g, t, rng = self.g, self.t, self.rng
        surname, given = person_name(rng)
        role = p.role if promoted_on is None else Role.SUPERVISOR
        low, high = SALARY[role]
        hire, leave = g.day(p.hire), None if p.leave == NEVER else g.day(p.leave)
        phone = phones.next()
        salary = money(rng.randint(low // 100, high // 100) * 100)
        t.staff.add((p.id, g.group_id, self.sid, None, employee_no, surname + given, role, phone, hire, leave, salary))
        if promoted_on is None:
            t.role.add((t.role.new_id(), hire, leave, p.id, p.role, self.sid))
        else:
            t.role.add((t.role.new_id(), hire, g.day(promoted_on - 1), p.id, Role.CONSULTANT, self.sid))
            t.role.add((t.role.new_id(), g.day(promoted_on), leave, p.id, Role.SUPERVISOR, self.sid))
        g.add_user(p.id, employee_no, surname, given, hire, active=p.leave == NEVER)

    def _write_memberships(self, chain: list[Tenure], team: int, *, is_leader: bool) -> None:
        g, t = self.g, self.t
        for person, start, end in chain:
            first = person.hire if start == 0 else start
            last = None if end == NEVER else g.day(end)
            t.member.add((t.member.new_id(), g.day(first), last, person.id, self.team_ids[team], is_leader))

    # attendance and who is on duty -----------------------------------------------------------------------

    def _attendance(self) -> None:
        """Each person's days at work (written from the period's start) and, by day, the slots on duty."""
        g, rng, t = self.g, self.rng, self.t
        first, last = g.sim_start.toordinal(), g.until_ord
        window = g.window_start.toordinal()
        at_work: set[tuple[int, int]] = set()
        statuses = Weighted(ATTENDANCE)
        for p in self.people:
            for d in range(max(first, p.hire), min(last, p.leave) + 1):
                status = "rest" if d % 7 == p.rest else statuses.pick(rng)
                if status in ("present", "late"):
                    at_work.add((p.id, d))
                if d >= window:
                    row = (t.attendance.new_id(), self.sid, p.id, g.day(d), status, *clocked(status, p.id, d))
                    t.attendance.add(row)
        self.duty = {}
        for d in range(first, last + 1):
            on_duty = [slot for slot in self.slots if self._holder_at_work(slot, d, at_work)]
            self.duty[d] = on_duty or list(self.slots)

    @staticmethod
    def _holder_at_work(slot: Slot, day: int, at_work: set[tuple[int, int]]) -> bool:
        for person, start, end in slot.chain:
            if start <= day <= end and person.hire <= day and (person.id, day) in at_work:
                return True
        return False

    def holder(self, slot: Slot, day: int) -> Person | None:
        for person, start, end in slot.chain:
            if start <= day <= end and person.hire <= day:
                return person
        return None

    def owner(self, slot: Slot, day: int) -> int:
        """Who receives a party at a slot's desk on ``day``: its holder, or the team's supervisor while it is vacant."""
        person = self.holder(slot, day)
        return person.id if person else self.supervisor(slot.team, day)

    def answering(self, card: Card, day: int) -> int:
        """Who answers for the card on ``day``: the consultant it was given to, while they hold their position.
        After they leave, a teammate who was already there when the card was opened (the card's number picks
        which; never the successor, who came later), else the team's supervisor."""
        person = self.holder(card.slot, day)
        if person is not None and person.hire <= card.d0:
            return person.id
        teammates = (self.holder(slot, day) for slot in self.slots if slot.team == card.slot.team)
        there = [mate for mate in teammates if mate is not None and mate.hire <= card.d0]
        if there:
            return there[card.lead_id % len(there)].id
        return self.supervisor(card.slot.team, day)

    def supervisor(self, team: int, day: int) -> int:
        for person, start, end in self.supervisors[team]:
            if start <= day <= end:
                return person.id
        return self.managers[Role.SALES_MANAGER].id

    def consultants_on(self, day: int) -> list[int]:
        holders = (self.holder(slot, day) for slot in self.slots)
        return [person.id for person in holders if person]

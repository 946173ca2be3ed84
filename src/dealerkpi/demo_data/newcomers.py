"""The sales team's people beyond the roster: the recruiting behind each consultant hired in the last year (the
position, its candidates and their interviews), the onboarding checklist and probation of the recent hires, an open
position, and the staff's manufacturer certifications with their renewals. Drawn from a random stream of its own,
so every other row stays as it was."""

from __future__ import annotations

import datetime
from random import Random

from dealerkpi.demo_data.clock import NEVER
from dealerkpi.demo_data.draws import money, pick_one, rng_for
from dealerkpi.demo_data.staff import PhoneBook, person_name
from dealerkpi.demo_data.store_base import Person, StoreBase
from dealerkpi.org.models import Role
from dealerkpi.people.models import Candidate, OnboardingItem, Position, Probation
from dealerkpi.people.onboarding import PROBATION_MONTHS, months_after

RECRUITED_WITHIN = 365  # days before the last day: the hires whose recruiting is on record
ONBOARDED_WITHIN = 183  # days: the hires with a checklist and a probation (the newcomers page's six months)
CERTIFICATION = ("厂家销售顾问认证", "主机厂培训中心")  # name, issuer
CERTIFICATION_DAYS = 730  # valid two years, renewed when it expires
LAPSED = 0.1  # of the holders: the last one expired, not renewed yet
LOSERS = (Candidate.Stage.REJECTED, Candidate.Stage.WITHDRAWN)
SOURCES = tuple(Candidate.Source)


class Newcomers(StoreBase):
    def _write_newcomers(self) -> None:
        rng = rng_for(self.g.seed, "newcomers", self.index)
        phones = PhoneBook(rng, 20_000 + self.index)
        until = self.g.until_ord
        for slot in self.slots:
            for before, after in zip(slot.chain, slot.chain[1:], strict=False):
                hired = after[0]
                if until - hired.hire <= RECRUITED_WITHIN:
                    self._write_recruiting(rng, phones, hired, before[0], self.team_ids[slot.team])
                if until - hired.hire <= ONBOARDED_WITHIN:
                    self._write_onboarding(rng, hired)
        self._write_open_position(rng, phones)
        self._write_certifications(rng)

    def _write_recruiting(self, rng: Random, phones: PhoneBook, hired: Person, leaver: Person, team_id: int) -> None:
        """The position opened for the leaver's desk a month before the hire, three candidates (the one hired,
        one rejected after an interview, one who withdrew) and the interviews."""
        g, t = self.g, self.t
        manager = self.managers[Role.SALES_MANAGER].id
        opened = hired.hire - 30 - int(rng.random() * 15)
        position = t.position.new_id()
        replaces = leaver.id if leaver.leave != NEVER else None  # else promoted: the desk is theirs no more
        t.position.add((position, self.sid, team_id, Role.CONSULTANT, Position.Reason.REPLACEMENT.value, replaces,
                        g.day(opened), self.managers[Role.HR].id, Position.Status.FILLED.value,
                        g.day(hired.hire - 7)))
        for n, stage in enumerate((Candidate.Stage.HIRED, *LOSERS)):
            applied = opened + 2 + int(rng.random() * 10)
            surname, given = person_name(rng)
            hired_as = hired.id if stage == Candidate.Stage.HIRED else None
            salary = money(rng.randint(30, 45) * 100) if hired_as else None
            candidate = t.candidate.new_id()
            t.candidate.add((candidate, position, self.sid, surname + given, phones.next(),
                             pick_one(rng, SOURCES).value, g.day(applied), stage.value,
                             "", "", salary, g.day(hired.hire) if hired_as else None, hired_as))
            if n < 2:  # the one who withdrew did before an interview
                scores = [(3 if hired_as else 1) + int(rng.random() * 3) for _ in range(4)]
                t.interview.add((t.interview.new_id(), candidate, self.sid, manager, g.day(applied + 5), *scores,
                                 hired_as is not None, "面试记录" if hired_as else "产品知识不足"))

    def _write_onboarding(self, rng: Random, hired: Person) -> None:
        """The checklist's steps, done by the supervisor a day or two after they were due (none after the last day
        or the leaving), and the probation: confirmed at its end by the manager, ended at the leaving, or open."""
        g, t = self.g, self.t
        last = min(g.until_ord, hired.leave)
        for step, days in OnboardingItem.DUE_DAYS.items():
            due = hired.hire + days
            done = due + int(rng.random() * 3)
            ticked = done <= last
            t.onboarding.add((t.onboarding.new_id(), self.sid, hired.id, step.value, g.day(due),
                              g.day(done) if ticked else None, self._supervisor_on(hired, done) if ticked else None,
                              ""))
        starts = g.day(hired.hire)
        ends = months_after(starts, PROBATION_MONTHS)
        status, decided_on, decided_by = Probation.Status.OPEN, None, None
        if hired.leave != NEVER and hired.leave <= ends.toordinal():
            status, decided_on, decided_by = Probation.Status.ENDED, g.day(hired.leave), self.managers[
                Role.SALES_MANAGER].id
        elif ends.toordinal() <= g.until_ord:
            status, decided_on, decided_by = Probation.Status.CONFIRMED, ends, self.managers[Role.SALES_MANAGER].id
        t.probation.add((t.probation.new_id(), self.sid, hired.id, starts, ends, status.value, 0, decided_by,
                         decided_on, ""))

    def _supervisor_on(self, hired: Person, day: int) -> int:
        """Who led the newcomer's team that day (the sales manager when nobody did)."""
        for person, start, end in self.supervisors[hired.team or 0]:
            if (start or person.hire) <= day <= end:
                return person.id
        return self.managers[Role.SALES_MANAGER].id

    def _write_open_position(self, rng: Random, phones: PhoneBook) -> None:
        """A position opened for growth ten days before the last day, with two candidates, one interviewed."""
        g, t = self.g, self.t
        opened = g.until_ord - 10
        position = t.position.new_id()
        t.position.add((position, self.sid, self.team_ids[0], Role.CONSULTANT, Position.Reason.GROWTH.value, None,
                        g.day(opened), self.managers[Role.HR].id, Position.Status.OPEN.value, None))
        for n in range(2):
            surname, given = person_name(rng)
            candidate = t.candidate.new_id()
            t.candidate.add((candidate, position, self.sid, surname + given, phones.next(),
                             pick_one(rng, SOURCES).value, g.day(opened + 1 + n), Candidate.Stage.APPLIED.value,
                             "", "", None, None, None))
            if n == 0:
                t.interview.add((t.interview.new_id(), candidate, self.sid, self.managers[Role.SALES_MANAGER].id,
                                 g.day(opened + 4), 4, 4, 3, 4, True, "推荐复试"))

    def _write_certifications(self, rng: Random) -> None:
        """Every consultant and supervisor employed on the last day holds the manufacturer's certification,
        obtained a month or two after the hire and renewed every two years: the current one, so some expire soon;
        one in ten has let the last one lapse (expired, not renewed)."""
        g, t = self.g, self.t
        until = g.until_ord
        for person in self.people:
            if person.role not in (Role.CONSULTANT, Role.SUPERVISOR) or person.leave != NEVER:
                continue
            obtained = person.hire + 30 + int(rng.random() * 60)
            if obtained > until:
                continue
            obtained += (until - obtained) // CERTIFICATION_DAYS * CERTIFICATION_DAYS
            if rng.random() < LAPSED and obtained - CERTIFICATION_DAYS > person.hire:
                obtained -= CERTIFICATION_DAYS
            t.certification.add((t.certification.new_id(), self.sid, person.id, *CERTIFICATION, g.day(obtained),
                                 g.day(obtained) + datetime.timedelta(days=CERTIFICATION_DAYS)))

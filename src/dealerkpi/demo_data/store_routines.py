"""A store's routines besides selling: complaints, and the month's presentation audits, promotions, market
share survey, competitor prices and training."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dealerkpi.crm.models import Complaint
from dealerkpi.demo_data import names
from dealerkpi.demo_data.clock import DAY, OPEN, month_start
from dealerkpi.demo_data.draws import Weighted, money, pick_one, round100
from dealerkpi.demo_data.store_base import StoreBase
from dealerkpi.org.models import Role

COMPLAINT_CHANNELS = (("in_store", 35), ("oem_hotline", 35), ("social_media", 15), ("consumer_association", 15))
PUBLIC_CHANNELS = ("social_media", "consumer_association")  # where a complaint is more often major


class StoreRoutines(StoreBase):
    market_share: float  # the store's share in the survey, drifting month by month

    # complaints ------------------------------------------------------------------------------------------

    def _complaints(self) -> None:
        self._customer_complaints()
        self._subordinate_complaints()

    def _customer_complaints(self) -> None:
        """From 1.2-1.8% of the customers delivered in the period, within a month of the delivery."""
        g, rng = self.g, self.rng
        eligible = [d for d in self.deliveries if d.delivered_t + DAY <= g.cutoff]
        count = round(len(self.deliveries) * rng.uniform(0.012, 0.018))
        channels = Weighted(COMPLAINT_CHANNELS)
        picks = rng.sample(eligible, min(count, len(eligible))) if eligible else []
        leaves = {person.id: person.leave for person in self.people}
        for d in sorted(picks, key=lambda d: d.delivered_t):
            channel = channels.pick(rng)
            major = rng.random() < (0.5 if channel in PUBLIC_CHANNELS else 0.1)
            received = d.delivered_t + DAY * rng.randint(1, 30) + rng.randint(0, 300)
            received = min(received, g.cutoff - 60)
            named = rng.random() < 0.45 and leaves[d.consultant] >= received // DAY  # never about someone gone
            about = d.consultant if named else None
            handler = self.managers[Role.SALES_MANAGER].id if major else self.supervisor(d.team, received // DAY)
            summary = pick_one(rng, names.COMPLAINT_SUMMARIES)
            self._complaint(channel, major, d.customer_id, about, handler, received, summary)

    def _subordinate_complaints(self) -> None:
        """From subordinates about their supervisor or manager: a few a year."""
        g, rng = self.g, self.rng
        days = g.until_ord - g.window_start.toordinal()
        for _ in range(int(days / 180 + rng.random())):
            received = (g.window_start.toordinal() + int(rng.random() * days)) * DAY + OPEN + rng.randint(0, 400)
            if received > g.cutoff:
                continue
            team = rng.randrange(len(self.supervisors))
            if rng.random() < 0.7:
                about = self.supervisor(team, received // DAY)
            else:
                about = self.managers[Role.SALES_MANAGER].id
            handler = self.managers[Role.HR if rng.random() < 0.6 else Role.GENERAL_MANAGER].id
            major = rng.random() < 0.2
            summary = pick_one(rng, names.SUBORDINATE_COMPLAINTS)
            self._complaint("subordinate", major, None, about, handler, received, summary)

    def _complaint(
        self,
        channel: str,
        major: bool,
        customer: int | None,
        about: int | None,
        handler: int,
        received: int,
        summary: str,
    ) -> None:
        """Due in 3 days if major, else 7; resolved if older than ten days, a newer one maybe not yet."""
        g, rng, t = self.g, self.rng, self.t
        due = received // DAY + (3 if major else 7)
        age = g.until_ord - received // DAY
        if age > 10 or rng.random() < 0.4:
            status = Complaint.Status.RESOLVED
        else:
            status = Complaint.Status.IN_PROGRESS if rng.random() < 0.6 else Complaint.Status.OPEN
        resolved = None
        resolution = ""
        if status == Complaint.Status.RESOLVED:
            resolved = min(g.cutoff - 1, received + DAY * rng.randint(0, due - received // DAY) + rng.randint(60, 300))
            resolved = max(resolved, received + 30)
            resolution = pick_one(rng, names.COMPLAINT_RESOLUTIONS)
            if resolved > g.cutoff:
                status, resolved, resolution = Complaint.Status.IN_PROGRESS, None, ""
        row = (t.complaint.new_id(), self.sid, customer, about, handler, channel, major, summary, g.at(received))
        t.complaint.add((*row, g.day(due), status, resolution, g.at(resolved) if resolved else None))

    # the month's other records ---------------------------------------------------------------------------

    def _monthly(self) -> None:
        g = self.g
        self.market_share = self.rng.uniform(7.0, 16.0)
        months = []
        first = month_start(g.window_start)
        while first.toordinal() <= g.until_ord:
            months.append(first)
            first = month_start(datetime.date(first.year, first.month, 28) + datetime.timedelta(days=5))
        surveys = 0
        for start in months:
            # The part of the calendar month inside the period: from s to e.
            ms = start.toordinal()
            last_of_month = month_start(start + datetime.timedelta(days=32)).toordinal() - 1
            s, e = max(ms, g.window_start.toordinal()), min(g.until_ord, last_of_month)
            self._presentation_audits(ms, s, e)
            self._promotions(start, s, e, last_of_month)
            # Market share from the survey: months that have ended (else the month before the period).
            survey_month = start if last_of_month <= g.until_ord else None
            if survey_month is None and start == months[-1] and not surveys:
                survey_month = month_start(start, 1)
            if survey_month is not None:
                surveys += 1
                self._market_share_survey(survey_month)
            self._competitor_prices(s, e)
            self._trainings(ms, s, e)
        self._onboarding()

    def _presentation_audits(self, ms: int, s: int, e: int) -> None:
        """The showroom twice a month by a manager, each secondary dealer once by the deputy."""
        rng = self.rng
        manager, deputy = self.managers[Role.SALES_MANAGER].id, self.managers[Role.DEPUTY_MANAGER].id
        for day in (ms + 9, ms + 24):
            if s <= day <= e:
                score = Decimal(rng.randint(780, 980)) / 10
                self._add_audit(None, day, score, manager if rng.random() < 0.6 else deputy)
        for dealer_id, _ in self.dealers:
            day = ms + rng.randint(3, 25)
            if s <= day <= e:
                self._add_audit(dealer_id, day, Decimal(rng.randint(650, 950)) / 10, deputy)

    def _add_audit(self, dealer_id: int | None, day: int, score: Decimal, auditor: int) -> None:
        t = self.t
        note = pick_one(self.rng, names.PRESENTATION_NOTES)
        t.audit.add((t.audit.new_id(), self.sid, dealer_id, self.g.day(day), score, auditor, note))

    def _promotions(self, start: datetime.date, s: int, e: int, last_of_month: int) -> None:
        """One or two promotions of the month, and a launch event (with training) for a model launched."""
        rng = self.rng
        ms = start.toordinal()
        manager = self.managers[Role.SALES_MANAGER].id
        promotions = names.PROMOTIONS_BY_MONTH[start.month]
        for k in range(rng.randint(1, 2)):
            p_start = max(s, ms + (0 if k == 0 else 14))
            if p_start <= e:
                p_end = min(p_start + rng.randint(6, 13), last_of_month)
                self._add_promotion(promotions[k], p_start, p_end, Decimal(rng.randint(600, 980)) / 10)
        for m in self.brand.models:
            if s <= m.launch <= e:
                name = names.PROMOTION_LAUNCH.format(model=m.spec.name)
                self._add_promotion(name, m.launch, m.launch + 2, Decimal(rng.randint(800, 990)) / 10)
                course = names.TRAINING_COURSE_LAUNCH.format(model=m.spec.name)
                self._training_all(course, m.launch - 7, Decimal("3.0"), manager)

    def _add_promotion(self, name: str, first: int, last: int, score: Decimal) -> None:
        g, t = self.g, self.t
        manager = self.managers[Role.SALES_MANAGER].id
        t.promotion.add((t.promotion.new_id(), self.sid, name, g.day(first), g.day(last), score, manager))

    def _market_share_survey(self, month: datetime.date) -> None:
        t = self.t
        self.market_share = max(2.0, min(30.0, self.market_share + self.rng.uniform(-0.8, 0.8)))
        share = Decimal(round(self.market_share * 100)) / 100
        t.survey.add((t.survey.new_id(), self.sid, month, share, names.SURVEY_SOURCE))

    def _competitor_prices(self, s: int, e: int) -> None:
        """Each competing model's street price seen once a month, mostly by a consultant on duty."""
        g, rng, t = self.g, self.rng, self.t
        manager = self.managers[Role.SALES_MANAGER].id
        competitor_models = {cid: price for m in self.brand.models for cid, price in m.competitors}
        for model_id, guide in competitor_models.items():
            day = s + int(rng.random() * (e - s + 1))
            reporters = self.consultants_on(day)
            price = money(round100(guide * rng.uniform(0.86, 0.97)))
            offer = pick_one(rng, names.COMPETITOR_OFFERS)
            source = pick_one(rng, names.COMPETITOR_SOURCES)
            reporter = pick_one(rng, reporters) if reporters else manager
            t.competitor.add((t.competitor.new_id(), self.sid, model_id, g.day(day), price, offer, source, reporter))

    def _trainings(self, ms: int, s: int, e: int) -> None:
        """The monthly product session for all consultants, one to three external courses, and the OEM's monthly
        course for team leaders, which each supervisor attends."""
        g, rng, t = self.g, self.rng, self.t
        if s <= ms + 9 <= e:
            manager = self.managers[Role.SALES_MANAGER].id
            self._training_all(names.TRAINING_COURSE_MONTHLY, ms + 9, Decimal("2.0"), manager)
        leaders_day, hours = ms + rng.randint(3, 25), Decimal(rng.choice((4, 6, 8)))
        if s <= leaders_day <= e:
            for team in range(len(self.team_ids)):
                leader = self.supervisor(team, leaders_day)
                row = (t.training.new_id(), self.sid, leader, names.TRAINING_COURSE_LEADERS, g.day(leaders_day))
                t.training.add((*row, hours, True, None))
        for _ in range(rng.randint(1, 3)):
            day = s + int(rng.random() * (e - s + 1))
            people = self.consultants_on(day)
            if people:
                course = pick_one(rng, names.TRAINING_COURSES_EXTERNAL)
                trainee = pick_one(rng, people)
                hours = Decimal(rng.choice((4, 6, 8)))
                row = (t.training.new_id(), self.sid, trainee, course, g.day(day), hours, rng.random() < 0.9, None)
                t.training.add(row)

    def _onboarding(self) -> None:
        """Consultants hired in the period are onboarded by their team's supervisor within a few days."""
        g, rng, t = self.g, self.rng, self.t
        for slot in self.slots:
            for person, start, _ in slot.chain:
                if not (start and g.window_start.toordinal() <= start):
                    continue
                day = start + rng.randint(1, 5)
                if day <= g.until_ord and day <= person.leave:
                    course, hours = names.TRAINING_COURSE_ONBOARDING, Decimal("8.0")
                    row = (t.training.new_id(), self.sid, person.id, course, g.day(day), hours, rng.random() < 0.95)
                    t.training.add((*row, self.supervisor(slot.team, day)))

    def _training_all(self, course: str, day: int, hours: Decimal, trainer: int) -> None:
        g, t = self.g, self.t
        if not g.window_start.toordinal() <= day <= g.until_ord:
            return
        for staff in self.consultants_on(day):
            t.training.add((t.training.new_id(), self.sid, staff, course, g.day(day), hours, True, trainer))

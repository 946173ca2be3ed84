"""The period's figures gathered once: each person's actuals and targets, team sums, averages and targets,
and the quarter- and year-to-date sums from history.

Team achievement is always a sum of actuals over a sum of targets, never a mean of percentages.

Actuals come net of unwinds: a car delivered in an earlier period and unwound in this one counts -1 in this
period's units (and its amounts likewise). Under a plan's `unwinds: reverse_pay_only` the figures of such deals
are added back, so the unwind takes back the money paid for the deal and leaves the attainment as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from .catalogue import DEAL_FIGURES, Catalogue
from .inputs import Deal, History, Period, PeriodInputs, Person
from .policy import EvaluationError

Metrics = Mapping[str, Decimal]


@dataclass(frozen=True)
class Figures:
    people: Mapping[str, Person]
    actuals: Mapping[str, Metrics]  # person -> metric -> value, over all their teams
    team_actuals: Mapping[str, Mapping[str, Metrics]]  # team -> person -> metrics while in the team
    targets: Mapping[str, Metrics]  # person -> metric -> target
    team_targets: Mapping[str, Metrics]  # team -> explicit team targets
    history: Mapping[str, History]

    def actual(self, person: str, metric: str) -> Decimal | None:
        return self.actuals.get(person, {}).get(metric)

    def target(self, person: str, metric: str) -> Decimal | None:
        return self.targets.get(person, {}).get(metric)

    def team_sum(self, team: str, metric: str) -> Decimal | None:
        values = [metrics[metric] for metrics in self.team_actuals.get(team, {}).values() if metric in metrics]
        return sum(values, ZERO) if values else None

    def team_average(self, team: str, metric: str) -> Decimal | None:
        """The mean over the team members who report the metric."""
        values = [metrics[metric] for metrics in self.team_actuals.get(team, {}).values() if metric in metrics]
        return sum(values, ZERO) / len(values) if values else None

    def team_target(self, team: str, metric: str) -> Decimal | None:
        """The team's explicit target, else the sum of its members' targets."""
        explicit = self.team_targets.get(team, {}).get(metric)
        if explicit is not None:
            return explicit
        values = [
            self.targets[person.id][metric]
            for person in self.people.values()
            if person.team == team and metric in self.targets.get(person.id, {})
        ]
        return sum(values, ZERO) if values else None

    def earlier_sum(self, person: str, window: str, metric: str, period: Period, of_targets: bool) -> Decimal:
        """The sum of the earlier months of `window` before `period`, from history."""
        months = self.history.get(person, History()).months
        return sum(
            (
                (record.targets if of_targets else record.metrics).get(metric, ZERO)
                for record in months
                if record.period != period and period.within(window, record.period)
            ),
            ZERO,
        )

    def earlier_scores(self, person: str, window: str, period: Period) -> list[Decimal]:
        months = self.history.get(person, History()).months
        return [
            record.total_score
            for record in months
            if record.total_score is not None and record.period != period and period.within(window, record.period)
        ]


def _add(into: dict[str, Decimal], metrics: Metrics, additive: dict[str, bool], who: str) -> None:
    for name, value in metrics.items():
        if name in into and not additive.get(name, False):
            raise EvaluationError(f"{who}: {name} is a rate or score and is given twice; give it once")
        into[name] = into.get(name, ZERO) + value


def deal_metrics(deal: Deal) -> dict[str, Decimal]:
    """The metrics a whole deal adds to the actuals: its deal figures, and its units by model and margin class."""
    found = {name: deal.figure(name) for name in DEAL_FIGURES}
    units = deal.figure("units_delivered")
    if deal.model_code:
        found[f"units_by_model:{deal.model_code}"] = units
    if deal.margin_class:
        found[f"units_by_margin_class:{deal.margin_class}"] = units
    return found


def _add_back(
    deals: Sequence[Deal],
    actuals: dict[str, dict[str, Decimal]],
    team_actuals: dict[str, dict[str, dict[str, Decimal]]],
) -> None:
    """Add each deal's figures, by credit share, to the row of each credited person and team of the day, for
    the metrics the row gives (a row that does not give a metric leaves it missing, as it was)."""
    for deal in deals:
        figures = deal_metrics(deal)
        for credit in deal.credits:
            row = team_actuals.get(credit.team, {}).get(credit.person)
            if row is None:
                continue
            for name in figures.keys() & row.keys():
                part = figures[name] * credit.share / HUNDRED
                row[name] += part
                actuals[credit.person][name] += part


def gather_figures(inputs: PeriodInputs, metrics: Catalogue, added_back: Sequence[Deal] = ()) -> Figures:
    """Sum each person's rows (one per team of the day) and each team's members; add back the figures of the
    `added_back` deals (unwound deals whose unwind leaves the attainment as it was)."""
    names = {name for row in inputs.actuals for name in row.metrics}
    additive = {name: bool((metric := metrics.find(name)) and metric.additive) for name in names}
    actuals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    team_actuals: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for row in inputs.actuals:
        _add(actuals[row.person], row.metrics, additive, f"actuals of {row.person}")
        _add(team_actuals[row.team][row.person], row.metrics, additive, f"actuals of {row.person}")
    _add_back(added_back, actuals, team_actuals)
    targets: dict[str, dict[str, Decimal]] = defaultdict(dict)
    team_targets: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for target in inputs.targets:
        (targets[target.person] if target.person else team_targets[target.team]).update(target.metrics)
    return Figures(
        {person.id: person for person in inputs.people},
        actuals,
        team_actuals,
        targets,
        team_targets,
        inputs.history,
    )


def attrition_rate(leavers: Decimal, headcounts: Sequence[Decimal]) -> Decimal:
    """团队人员流失率 in percent: leavers / average headcount (e.g. of each month-end in the year) x 100."""
    if not headcounts or sum(headcounts, ZERO) == ZERO:
        raise EvaluationError("attrition needs at least one month with people in the team")
    return leavers / (sum(headcounts, ZERO) / len(headcounts)) * HUNDRED

"""What a name in an expression refers to; shared by validation and evaluation.

units_delivered                  the person's actual of a metric
target.units_delivered           the person's target
team.sum.m / team.avg.m          the sum over the team / the mean of the members who report m
team.target.m                    the team's target (explicit, else the sum of the members' targets)
quarter.m / year.m               this period plus the earlier ones of the quarter / year
quarter.target.m / year.target.m the same for targets
quarter.avg_score / year.avg_score  mean total score of the months so far
score.I / achievement.I / actual.I  figures of indicator I
total_score                      the weighted total score
<derived name>                   a derived value of the plan
base_salary                      the base salary on the person's staff record
"""

from __future__ import annotations

from dataclasses import dataclass

METRIC_KINDS = (
    "metric",
    "target",
    "team.sum",
    "team.avg",
    "team.target",
    "quarter.sum",
    "quarter.target",
    "year.sum",
    "year.target",
)
SUMMED_KINDS = ("team.sum", "quarter.sum", "year.sum")
INDICATOR_KINDS = ("score", "achievement", "actual")
PERSON_NAMES = ("base_salary",)  # figures of the person's own record (inputs.Person)


@dataclass(frozen=True)
class Reference:
    kind: str  # one of METRIC_KINDS, INDICATOR_KINDS, "derived", "total_score", "avg_score", "person"
    subject: str  # the metric, indicator or derived name; the window for avg_score; the person's figure


def reference(name: str, derived: frozenset[str] | set[str]) -> Reference:
    """Classify `name` as written in an expression."""
    if name in derived:
        return Reference("derived", name)
    if name == "total_score":
        return Reference("total_score", "")
    if name in PERSON_NAMES:
        return Reference("person", name)
    head, _, rest = name.partition(".")
    if head in INDICATOR_KINDS and rest:
        return Reference(head, rest)
    if head == "target" and rest:
        return Reference("target", rest)
    if head == "team" and rest.partition(".")[0] in ("sum", "avg", "target"):
        kind, _, metric = rest.partition(".")
        return Reference(f"team.{kind}", metric)
    if head in ("quarter", "year") and rest:
        if rest == "avg_score":
            return Reference("avg_score", head)
        if rest.startswith("target."):
            return Reference(f"{head}.target", rest.removeprefix("target."))
        return Reference(f"{head}.sum", rest)
    return Reference("metric", name)

"""The engine's generated texts (scoring rules, base pay, bonus, gates, caps...) in the reader's language.

The engine keeps English text for the command line and gives each text a key and its values; statements
store both, and pages show the key's wording here. Labels written in a plan are shown as written. Warnings (a
figure a plan policy stood in for) are stored as data and worded here from their kind, policy and item.

Also the words a statement explains its lines with (pay/explain.py puts them together): what a figure of an
expression refers to around its label (目标：, 团队合计：), the engine's own intermediate values, units, operators and
functions, the bands of a table, a sentence for each kind of line, and the weight set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import LifecycleStage

LINE_CATEGORIES = {
    "base_pay": _("Base pay"),
    "bonus": _("Monthly bonus"),
    "commission": _("Commission"),
    "fine": _("Fine"),
    "quarterly_bonus": _("Quarterly bonus"),
    "annual_bonus": _("Annual bonus"),
    "draw": _("Draw"),
    "guarantee": _("Guaranteed minimum"),
    "clawback": _("Clawback"),
    "balance": _("Balance brought forward"),
    "adjustment": _("Adjustment"),
    "spiff": _("Spiff"),
}

WORDINGS = {
    "linear": _("linear: achievement %%, 0 below %(floor)s%%, at most %(cap)s"),
    "steps_on_actual": _("steps on the actual: %(bands)s"),
    "steps_on_achievement": _("steps on the achievement %%: %(bands)s"),
    "pass_fail_when": _("pass/fail: %(passed)s if %(when)s, else %(failed)s"),
    "pass_fail_higher": _("pass/fail: %(passed)s if the target is reached, else %(failed)s"),
    "pass_fail_lower": _("pass/fail: %(passed)s if at or below the target, else %(failed)s"),
    "deductions": _("100 less %(per_incident)s per incident, at least %(floor)s"),
    "manual": _("manual rating out of %(max)s, as a score out of 100"),
    "manual_default": _("manual rating out of %(max)s, as a score out of 100; %(default)s when not rated"),
    "base_pay": _("Base pay"),
    "base_pay_when": _("Base pay (%(when)s)"),
    "bonus": _("Bonus: %(base)s × coefficient %(coefficient)s"),
    "gate": _("%(label)s (× %(factor)s)"),
    "cap": _("Cap of %(cap)s on %(on)s"),
    "floor": _("Floor of %(floor)s on %(on)s"),
    "guarantee": _("Guaranteed minimum of %(minimum)s"),
    "minimum_wage": _("Minimum wage top-up to %(minimum)s"),
    "clawback": _("Clawback: delivery %(deal)s unwound on %(date)s"),
    "draw": _("Draw: advance against future commission"),
    "draw_recovery": _("Draw: recovery of earlier advances"),
    "brought_forward": _("Balance brought forward"),
    "carried_forward": _("Negative balance carried forward, recoverable"),
    "spiff": _("Spiff %(title)s: %(units)s cars at %(per_car)s yuan"),
}


def worded(stored: Mapping[str, object] | None, fallback: str) -> str:
    """The stored wording in the active language, or the engine's English text when there is none."""
    if not stored or stored.get("key") not in WORDINGS:
        return fallback
    args = dict(stored.get("args") or {})
    if "on" in args:  # the categories a cap or floor applies to, named in the reader's language
        args["on"] = str(_(", ")).join(str(LINE_CATEGORIES.get(code, code)) for code in str(args["on"]).split(", "))
    try:
        return str(WORDINGS[str(stored["key"])]) % args
    except (KeyError, TypeError, ValueError):
        return fallback


WARNING_ITEMS = {
    "indicator": _("indicator %(name)s"),
    "pay_rule": _("pay rule %(name)s"),
    "gate": _("gate %(name)s"),
    "derived": _("derived value %(name)s"),
    "base_pay": LINE_CATEGORIES["base_pay"],
    "bonus": LINE_CATEGORIES["bonus"],
    "minimum_wage": _("Minimum wage"),
}
WARNING_CAUSES = {
    "missing_target": _("the target %(figure)s is missing"),
    "missing_value": _("%(figure)s is missing"),
    "missing_rating": _("nobody rated it"),
    "division_by_zero": _("division by zero in %(figure)s"),
}
SKIPPED = {  # what the `skip` policy did to the item
    "indicator": _("the indicator was left out and its weight shared by the other indicators"),
    "pay_rule": _("the pay rule was left out: it pays nothing"),
    "gate": _("the gate was not applied"),
    "derived": _("the derived value is left empty"),
    "base_pay": _("this base pay entry was left out"),
    "bonus": _("the bonus was left out: it pays nothing"),
}
MINIMUM_WAGE_MESSAGES = {  # the minimum wage check's warnings, by kind: not a figure a policy stood in for
    "below_minimum_wage": _("the pay is below the minimum wage of %(figure)s; the plan flags it, nothing is added"),
    "missing_minimum_wage": _("no minimum wage is set for the store this month; the pay was not compared with one"),
}
LEFT_OUT = _("left out")
COUNTED_AS_ZERO = _("counted as 0")


@dataclass(frozen=True)
class ShownWarning:
    """A stored warning in the reader's language: the item it is about, what happened, whether it blocks."""

    item: str
    message: str
    blocking: bool

    def __str__(self) -> str:
        return str(_("%(item)s: %(message)s")) % {"item": self.item, "message": self.message}


def _item_name(item: Mapping[str, str], named: Callable[[str], str] | None = None) -> str:
    """The item as the plan labels it, with its id when the label differs: 销量 (volume). With `named`, by its label
    alone, a derived value by the label the plan gives it."""
    label, id = item["label"] or item["id"], item["id"]
    if named is not None:
        return str(WARNING_ITEMS[item["kind"]]) % {"name": named(id) if item["kind"] == "derived" else label}
    return str(WARNING_ITEMS[item["kind"]]) % {"name": label if label == id else f"{label} ({id})"}


def worded_warning(stored: Mapping[str, Any], named: Callable[[str], str] | None = None) -> ShownWarning:
    """A warning as a statement stores it ({kind, figure, policy, item: {kind, id, label}, blocking}), worded.
    With `named` (the words of a figure or expression: its label), as a consultant reads it: no name of the plan."""
    kind, figure = stored["kind"], str(stored["figure"])
    item = _item_name(stored["item"], named)
    if kind in MINIMUM_WAGE_MESSAGES:
        message = str(MINIMUM_WAGE_MESSAGES[kind]) % {"figure": figure}
        return ShownWarning(item, message, bool(stored["blocking"]))
    if kind == "missing_target":  # the person's own target is named by its metric
        figure = figure.removeprefix("target.")
    cause = str(WARNING_CAUSES[kind]) % {"figure": named(figure) if named else figure}
    effect = COUNTED_AS_ZERO if stored["policy"] == "zero" else SKIPPED.get(stored["item"]["kind"], LEFT_OUT)
    message = str(_("%(cause)s; %(effect)s")) % {"cause": cause, "effect": effect}
    return ShownWarning(item, message, bool(stored["blocking"]))


# --- A statement line's figures and rules in words (composed in pay/explain.py) -------------------------------------
# A figure is named by its label (交车台数, a derived value's label in the plan); around the label, the words of what
# the plan's expression refers to (names.py): its target, the team's total, the quarter so far.
REFERENCES = {
    "target": _("target: %(label)s"),
    "team.sum": _("team total: %(label)s"),
    "team.avg": _("team average: %(label)s"),
    "team.target": _("team target: %(label)s"),
    "quarter.sum": _("quarter to date: %(label)s"),
    "year.sum": _("year to date: %(label)s"),
    "quarter.target": _("quarter-to-date target: %(label)s"),
    "year.target": _("year-to-date target: %(label)s"),
    "score": _("score: %(label)s"),
    "achievement": _("achievement: %(label)s"),
    "actual": _("actual: %(label)s"),
}
AVERAGE_SCORES = {"quarter": _("average total score of the quarter"), "year": _("average total score of the year")}
TOTAL_SCORE = _("total score")
PERSON_FIGURES = {"base_salary": _("base salary on the staff record")}

BASIS, LEVEL = "basis", "level"  # in the unit of the rule's basis; of the figure that picks the rate
# The engine's own intermediate values of a line (its `values`, and the minimum wage's inputs): words and unit.
ENGINE_FIGURES: dict[str, tuple[Promise, str]] = {
    "before_multiplier": (_("before the multiplier"), "yuan"),
    "multiplier": (_("multiplier"), ""),
    "period_to_date_before": (_("total before this month"), BASIS),
    "period_to_date_after": (_("total to date"), BASIS),
    "earned_to_before": (_("earned before this month"), "yuan"),
    "earned_to_after": (_("earned to date"), "yuan"),
    "threshold": (_("threshold"), BASIS),
    "level": (_("level that sets the rate"), LEVEL),
    "rate": (_("rate"), ""),
    "target": (_("target"), BASIS),
    "cap_per_deal": (_("cap per deal"), "yuan"),
    "count": (_("incidents"), "count"),
    "per_incident": (_("per incident"), "yuan"),
    "factor": (_("factor"), ""),
    "before_cap": (_("total before the cap"), "yuan"),
    "cap": (_("cap"), "yuan"),
    "before_floor": (_("total before the floor"), "yuan"),
    "floor": (_("floor"), "yuan"),
    "draw": (_("draw"), "yuan"),
    "earned": (_("earned"), "yuan"),
    "outstanding_before": (_("advances outstanding before"), "yuan"),
    "before_guarantee": (_("pay before the guarantee"), "yuan"),
    "minimum_wage": (_("monthly minimum wage"), "yuan"),
    "days_employed": (_("days employed"), "days"),
    "days_in_month": (_("days in the month"), "days"),
    "minimum_wage_due": (_("minimum wage due"), "yuan"),
    "pay_before_top_up": (_("pay before the top-up"), "yuan"),
    "paid_earlier": (_("paid earlier"), "yuan"),
    "base": (_("bonus base"), "yuan"),
    "total_score": (TOTAL_SCORE, "score"),
    "coefficient": (_("coefficient"), ""),
}

QUANTITIES = {  # a figure in its unit; percents take %, counts and plain numbers nothing
    "yuan": _("%(n)s yuan"),
    "units": _("%(n)s cars"),
    "score": _("%(n)s points"),
    "hours": _("%(n)s hours"),
    "days": _("%(n)s days"),
    "minutes": _("%(n)s minutes"),
}
PER = {"units": _("%(amount)s per car")}  # a rate per unit of a basis counted in cars: 150 元/台

OPERATORS = {"*": "×", "/": "÷", "+": "+", "-": "−", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠",
             "and": _("and"), "or": _("or")}
NOT = _("not %(value)s")
FUNCTIONS = {
    "min": _("the lower of %(values)s"),
    "max": _("the higher of %(values)s"),
    "abs": _("the absolute value of %(value)s"),
    "round": _("%(value)s rounded to %(places)s decimal places"),
    "round_whole": _("%(value)s rounded to a whole number"),
    "if": _("%(then)s if %(condition)s, otherwise %(otherwise)s"),
}

BANDS = {  # a band of a table, in the words of its bounds
    "below": _("below %(high)s"),
    "up_to": _("up to %(high)s"),
    "from": _("%(low)s and above"),
    "above": _("above %(low)s"),
    "between": _("%(low)s–%(high)s"),
    "cars": _("cars %(first)s–%(last)s"),
    "car": _("car %(first)s"),
    "cars_on": _("car %(first)s and on"),
    "scored": _("%(band)s: %(score)s"),
}

SENTENCES = {  # a line explained, by the kind of its rule
    "rate": _("%(rate)s × %(quantity)s = %(amount)s"),
    "percent": _("%(basis)s %(total)s × %(rate)s = %(amount)s"),
    "by_model": _("%(quantity)s at each model's rate (%(rates)s; other models %(rate)s) = %(amount)s"),
    "rate_by": _("%(rate)s (%(level)s, band %(band)s)"),
    "above": _("%(basis)s %(total)s, the part above %(threshold)s: %(excess)s × %(rate)s = %(amount)s"),
    "not_above": _("%(basis)s %(total)s, not above %(threshold)s: %(amount)s"),
    "before_this_month": _("%(sentence)s, less %(before)s earned before this month = %(amount)s"),
    "multiplied": _("%(earned)s, × %(multiplier)s = %(amount)s"),
    "retroactive": _("%(basis)s %(total)s, in the band %(band)s, the whole total at %(rate)s: %(rate)s × %(total)s "
                     "= %(amount)s"),
    "marginal": _("%(basis)s %(total)s, each part at its band's rate: %(parts)s = %(amount)s"),
    "part": _("%(band)s: %(part)s × %(rate)s"),
    "attainment": _("attainment %(level)s (%(total)s of a target of %(target)s); %(sentence)s"),
    "each_deal": _("%(deals)s deals, each paid on its own %(basis)s by the tiers: %(amount)s"),
    "each_deal_capped": _("%(deals)s deals, each paid on its own %(basis)s by the tiers, at most %(cap)s a deal: "
                          "%(amount)s"),
    "fine": _("%(count)s × %(amount)s per incident = %(total)s"),
    "formula": _("%(formula)s = %(amount)s"),
    "base_pay_when": _("%(condition)s: %(amount)s"),
    "base_pay": _("as the plan sets: %(amount)s"),
    "base_pay_otherwise": _("%(conditions)s not met: %(amount)s"),
    "base_pay_amount": _("%(formula)s = %(amount)s"),
    "bonus": _("bonus base %(base)s × coefficient %(coefficient)s (total score %(score)s, band %(band)s) "
               "= %(amount)s"),
    "gate": _("%(condition)s: the gate applies, %(category)s × %(factor)s: %(amount)s"),
    "cap": _("%(on)s total %(before)s, above the cap of %(cap)s: %(amount)s"),
    "floor": _("%(on)s total %(before)s, below the floor of %(floor)s: %(amount)s"),
    "draw": _("%(on)s earned %(earned)s, below the draw of %(draw)s: %(amount)s advanced, recovered from later "
              "earnings"),
    "draw_recovery": _("%(on)s earned %(earned)s, above the draw of %(draw)s: earlier advances (%(outstanding)s "
                       "outstanding) are recovered: %(amount)s"),
    "guarantee": _("pay %(before)s, below the guaranteed minimum of %(minimum)s: topped up by %(amount)s"),
    "minimum_wage": _("minimum wage %(monthly)s × %(days)s employed ÷ %(month)s = %(due)s; pay %(pay)s: topped up by "
                      "%(amount)s"),
    "minimum_wage_whole_month": _("minimum wage %(due)s; pay %(pay)s: topped up by %(amount)s"),
    "clawback": _("paid %(paid)s for this car before; the deal was unwound on %(date)s: %(amount)s"),
    "brought_forward": _("the negative balance of an earlier month: %(amount)s"),
    "carried_forward": _("this month's pay is negative: %(amount)s is carried to next month and recovered from "
                         "later pay"),
    "figures": _("%(figures)s = %(amount)s"),
    "derived": _("%(label)s = %(formula)s = %(value)s"),
    "gate_held": _("%(condition)s: applies, × %(factor)s"),
    "gate_not_held": _("%(condition)s: does not apply"),
}
SEPARATOR = _("; ")  # between the bands of a table, the parts of a sentence
STANDARD_WEIGHTS = _("Standard weights")
ENGINE_NOTES = {  # notes the engine writes on a scorecard row, in the reader's language
    "not rated: the plan's default rating": _("not rated: the plan's default rating"),
    "no rating given": _("no rating given"),
}
LEFT_OUT_OF_SCORE = _("left out of the score: a figure it needs is missing")


def stage_words(code: str) -> str:
    """A lifecycle stage by its label: 导入期 for introduction."""
    try:
        return str(LifecycleStage.Stage(code).label)
    except ValueError:
        return code


def weight_set_words(code: str) -> str:
    """The weight set a statement was scored with: 标准权重 for the default set, else its stage's label."""
    return str(STANDARD_WEIGHTS) if code == "default" else stage_words(code)

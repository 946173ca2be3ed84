"""The engine's generated texts (scoring rules, base pay, bonus, gates, caps...) in the reader's language.

The engine keeps English text for the command line and gives each text a key and its values; statements
store both, and pages show the key's wording here. Labels written in a plan are shown as written. Warnings (a
figure a plan policy stood in for) are stored as data and worded here from their kind, policy and item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

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


def _item_name(item: Mapping[str, str]) -> str:
    """The item as the plan labels it, with its id when the label differs: 销量 (volume)."""
    label, id = item["label"] or item["id"], item["id"]
    return str(WARNING_ITEMS[item["kind"]]) % {"name": label if label == id else f"{label} ({id})"}


def worded_warning(stored: Mapping[str, Any]) -> ShownWarning:
    """A warning as a statement stores it ({kind, figure, policy, item: {kind, id, label}, blocking}), worded."""
    kind, figure = stored["kind"], str(stored["figure"])
    if kind in MINIMUM_WAGE_MESSAGES:
        message = str(MINIMUM_WAGE_MESSAGES[kind]) % {"figure": figure}
        return ShownWarning(_item_name(stored["item"]), message, bool(stored["blocking"]))
    if kind == "missing_target":  # the person's own target is named by its metric
        figure = figure.removeprefix("target.")
    cause = str(WARNING_CAUSES[kind]) % {"figure": figure}
    effect = COUNTED_AS_ZERO if stored["policy"] == "zero" else SKIPPED.get(stored["item"]["kind"], LEFT_OUT)
    message = str(_("%(cause)s; %(effect)s")) % {"cause": cause, "effect": effect}
    return ShownWarning(_item_name(stored["item"]), message, bool(stored["blocking"]))

"""The engine's generated texts (scoring rules, base pay, bonus, gates, caps...) in the reader's language.

The engine keeps English text for the command line and gives each text a key and its values; statements
store both, and pages show the key's wording here. Labels written in a plan are shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping

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

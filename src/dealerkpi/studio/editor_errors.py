"""A plan document's errors as `dealerkpi plan check` finds them (structural and semantic, in one pass), each with
its line and column and a message in the reader's language.

The engine writes its messages in English for the command line. The most frequent ones, those a person meets
while typing, are said here in the reader's language from their parts; any other is shown as the engine wrote it,
behind words that are translated ("Line 12, column 5").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.plans.engine import Plan, PlanError, PlanInvalid, check_plan_text
from dealerkpi.plans.engine.schema import Pos
from dealerkpi.plans.wording import weight_set_words


@dataclass(frozen=True)
class Problem:
    """An error of the document: where it is, and what it is in the reader's language (``detail``: without the
    element it is in, for a page that shows it at that element)."""

    line: int
    column: int
    message: str
    detail: str = ""

    @property
    def pos(self) -> Pos:
        return Pos(self.line, self.column)

    @property
    def where(self) -> str:
        return _("Line %(line)s, column %(column)s") % {"line": self.line, "column": self.column}

    def __str__(self) -> str:
        return _("%(where)s: %(message)s") % {"where": self.where, "message": self.message}

    def as_data(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "where": self.where, "message": self.message}


# The engine's messages people meet most while typing (loader.py, validate.py, catalogue.py), by their parts: the
# element the error is in (``what``: "pay volume_award tiers", as the document names it), and what is wrong.
_SAID: tuple[tuple[re.Pattern[str], Promise], ...] = (
    (re.compile(r"not valid YAML: (?P<problem>.+)", re.S), gettext_lazy("not valid YAML: %(problem)s")),
    (re.compile(r"unknown key '(?P<key>[^']*)'; expected one of (?P<keys>.+)"),
     gettext_lazy("unknown key “%(key)s”; expected one of %(keys)s")),
    (re.compile(r"missing key '(?P<key>[^']*)'"), gettext_lazy("the key “%(key)s” is missing")),
    (re.compile(r"weights (?P<set>\S+) sum to (?P<total>\S+), not 100"),
     gettext_lazy("the weights of %(set)s add up to %(total)s, not 100")),
    (re.compile(r"(?P<what>.+): (?P<value>.+) is not a number"), gettext_lazy("%(value)s is not a number")),
    (re.compile(r"(?P<what>.+?): unknown metric '(?P<metric>[^']*)'(?: in '[^']*')?"),
     gettext_lazy("there is no metric “%(metric)s”")),
    (re.compile(r"(?P<what>.+): gap between (?P<end>\S+) and (?P<start>\S+): .+", re.S),
     gettext_lazy("values between %(end)s and %(start)s fall in no band")),
    (re.compile(r"(?P<what>.+): band .+ overlaps the band before, .+", re.S),
     gettext_lazy("this band overlaps the band before it")),
)


def said(message: str) -> tuple[str, str]:
    """The engine's message in the reader's language when it is one of those above (else as the engine wrote it),
    and the same without the element it is in."""
    for pattern, words in _SAID:
        found = pattern.fullmatch(message)
        if found is not None:
            parts = found.groupdict()
            if "set" in parts:
                parts["set"] = weight_set_words(parts["set"])
            detail = str(words) % parts
            whole = _("%(what)s: %(detail)s") % {"what": parts["what"], "detail": detail} if "what" in parts \
                else detail
            return whole, detail
    return message, message


def problem_of(error: PlanError) -> Problem:
    return Problem(error.pos.line, error.pos.column, *said(error.message))


def checked(document: str) -> tuple[Plan | None, list[Problem]]:
    """The engine's plan, or every error `dealerkpi plan check` reports for the document, in file order."""
    try:
        return check_plan_text(document), []
    except PlanInvalid as invalid:
        return None, [problem_of(error) for error in invalid.errors]

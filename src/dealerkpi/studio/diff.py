"""What changed between two versions of a plan (or a version and a draft): in words, one change a line (the weight
of 销量 in the standard weights: 35% → 30%; tier 2 of 全额累进销量奖, amount: 200 → 250; a pay rule added), and
as the two documents side by side, line against line.

The words come from the documents' YAML, compared value by value (so a change of layout or of a comment is no
change in words, only in the documents' lines); each place is named by the plan's labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

from django.utils.translation import gettext as _
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.plans.document import number, plan_document
from dealerkpi.plans.engine.loader import read_plan_text
from dealerkpi.plans.engine.schema import DealRate
from dealerkpi.plans.wording import weight_set_words
from dealerkpi.studio.editor_errors import checked
from dealerkpi.studio.structured import BOUND_WORDS, decimal_of, entries, is_number, items, plan_nodes

Path = tuple[str | int, ...]
MOST_VISITS = 20_000  # values compared, at most: a document's aliases can make it far bigger than its text
CONTEXT = 3  # unchanged lines shown around a change
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
LISTS = ("tiers", "bands", "coefficients")  # band tables
NAMED = {"indicators": "indicator", "pay": "rule", "gates": "gate", "derived": "derived"}  # entries with labels


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED, REMOVED or CHANGED
    what: str  # the place, in words
    before: str
    after: str
    path: str  # the place as the document writes it, for experts


@dataclass(frozen=True)
class Line:
    """A row of the documents side by side: ``kind`` is equal, changed, removed, added, or gap (lines left out)."""

    kind: str
    old_number: int | None = None
    old: str = ""
    new_number: int | None = None
    new: str = ""


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    complete: bool  # False: more changes than are listed
    readable: bool  # False: a side is no YAML mapping, so only its lines are compared
    lines: tuple[Line, ...]


class _Labels:
    """The words of the places of both plans: labels of indicators, rules, gates, derived values; models' names;
    each indicator's target in words. The new plan's words first."""

    def __init__(self, old: str, new: str, role: str) -> None:
        plans = [read_plan_text(document).plan for document in (new, old)]
        self.names: dict[tuple[str, str], str] = {}
        models: set[str] = set()
        for plan in reversed([found for found in plans if found is not None]):
            self.names.update({("indicator", i.id): i.label for i in plan.indicators})
            self.names.update({("rule", rule.id): rule.label for rule in plan.pay_rules})
            self.names.update({("gate", gate.id): gate.label for gate in plan.gates})
            self.names.update({("derived", name): label for name, label in plan.derived_labels})
            models |= {code for rule in plan.pay_rules if isinstance(rule.spec, DealRate)
                       for code, _rate in rule.spec.by_model}
        self.models = dict(VehicleModel.objects.filter(code__in=models).values_list("code", "name"))
        self.targets = [_targets(document, role) for document in (old, new)]

    def name(self, kind: str, key: str) -> str:
        return self.names.get((kind, key)) or key


def _targets(document: str, role: str) -> dict[str, str]:
    """Each indicator's target in words, when the document is a valid plan."""
    plan, _problems = checked(document)
    if plan is None:
        return {}
    return {shown.id: shown.target for shown in plan_document(plan, role).indicators}


def _said(node: Node | None, key: str | int = "", depth: int = 0) -> str:
    """A value in a few words: a number as people read it, a small mapping as its keys and values."""
    if node is None:
        return "—"
    if isinstance(node, ScalarNode):
        if is_number(node):
            shown = number(decimal_of(node.value))  # type: ignore[arg-type]
            return f"{shown}%" if key == "weight" else shown
        return node.value
    if depth >= 1:
        return "…"
    if isinstance(node, MappingNode):
        parts = [f"{_key_words(name.value)} {_said(value, name.value, depth + 1)}" for name, value in entries(node)]
    else:
        parts = [_said(item, "", depth + 1) for item in items(node)]
    text = _(", ").join(parts[:6]) + ("…" if len(parts) > 6 else "")
    return text if len(text) <= 120 else text[:117] + "…"


def _key_words(key: str) -> str:
    if key in BOUND_WORDS:
        return str(BOUND_WORDS[key])
    return {"amount": _("amount"), "percent": _("percent"), "score": _("score"), "coefficient": _("coefficient"),
            "target": _("target"), "scoring": _("scoring"), "label": _("label"), "metric": _("metric"),
            "cap": _("cap"), "floor": _("floor"), "base": _("bonus base")}.get(key, key)


class _Walk:
    """The two documents' values compared place by place, in the new document's order."""

    def __init__(self, labels: _Labels) -> None:
        self.labels = labels
        self.found: list[Change] = []
        self.visits = 0

    def compare(self, path: Path, old: Node | None, new: Node | None) -> None:
        self.visits += 1
        if self.visits > MOST_VISITS:
            raise _TooMany
        if old is None or new is None:
            self.note(ADDED if old is None else REMOVED, path, old, new)
        elif isinstance(old, MappingNode) and isinstance(new, MappingNode):
            before, after = dict(_keyed(old)), dict(_keyed(new))
            for key in [*after, *(key for key in before if key not in after)]:
                self.compare((*path, key), before.get(key), after.get(key))
        elif isinstance(old, SequenceNode) and isinstance(new, SequenceNode):
            for index, (was, now) in enumerate(zip_longest(old.value, new.value)):
                self.compare((*path, index), was, now)
        elif not _same(old, new):
            self.note(CHANGED, path, old, new)

    def note(self, kind: str, path: Path, old: Node | None, new: Node | None) -> None:
        weight = "weight" if path[0] == "weights" and len(path) == 3 else ""
        whole = len(path) == 2 and path[0] in NAMED  # an indicator, a rule...: its label says it
        before, after = ("", "") if whole else (_said(old, weight), _said(new, weight))
        if path[0] == "indicators" and path[2:] == ("target",) and kind == CHANGED:
            before = self.labels.targets[0].get(str(path[1]), before)
            after = self.labels.targets[1].get(str(path[1]), after)
        self.found.append(Change(kind, self.place(path), before if old is not None else "",
                                 after if new is not None else "", ".".join(str(key) for key in path)))

    def place(self, path: Path) -> str:
        """The place in words: 全额累进销量奖, tier 2, amount."""
        head, rest = str(path[0]), path[1:]
        if head == "weights":
            return self._weights(rest)
        parts = [_section_words(head)]
        if head in NAMED and rest:
            parts = [_named_words(NAMED[head]) % {"name": self.labels.name(NAMED[head], str(rest[0]))}]
            rest = rest[1:]
        previous = head
        for index, key in enumerate(rest):
            if key not in LISTS or index == len(rest) - 1:  # a list's item names its list: tier 2
                parts.append(self._part(key, previous))
            previous = str(key)
        return _(", ").join(parts)

    def _weights(self, rest: Path) -> str:
        if not rest:
            return _("Weights")
        stage = weight_set_words(str(rest[0]))
        if len(rest) == 1:
            return _("Weights: %(set)s") % {"set": stage}
        indicator = self.labels.name("indicator", str(rest[1]))
        return _("Weight of %(indicator)s (%(set)s)") % {"indicator": indicator, "set": stage}

    def _part(self, key: str | int, previous: str) -> str:
        if isinstance(key, int):
            if previous == "tiers":
                return _("tier %(n)s") % {"n": key + 1}
            if previous in ("bands", "coefficients"):
                return _("band %(n)s") % {"n": key + 1}
            return _("entry %(n)s") % {"n": key + 1}
        if previous == "by_model":
            return _("model %(model)s") % {"model": self.labels.models.get(key, key)}
        return _key_words(key)


class _TooMany(Exception):
    """More values than a comparison visits."""


def _keyed(node: MappingNode) -> Iterator[tuple[str, Node]]:
    return ((key.value, value) for key, value in entries(node))


def _same(old: Node, new: Node) -> bool:
    if isinstance(old, ScalarNode) and isinstance(new, ScalarNode):
        if is_number(old) and is_number(new):
            return decimal_of(old.value) == decimal_of(new.value)
        return old.value == new.value
    return False  # a value of another kind: a list where a mapping was


def _section_words(key: str) -> str:
    return {"bonus": _("Bonus"), "base_pay": _("Base pay"), "limits": _("Limits"), "draw": _("Draw"),
            "guaranteed_minimum": _("Guaranteed minimum"), "policies": _("Policies"),
            "minimum_wage": _("Minimum wage"), "unwinds": _("Unwound deals"), "name": _("Name of the plan"),
            "warnings": _("Warnings that stop a run")}.get(key, key)


def _named_words(kind: str) -> str:
    return {"indicator": _("Indicator %(name)s"), "rule": _("Pay rule %(name)s"), "gate": _("Gate %(name)s"),
            "derived": _("Derived value %(name)s")}[kind]


def changes(old: str, new: str, role: str) -> tuple[tuple[Change, ...], bool, bool]:
    """The changes in words, whether they are all listed, whether both documents could be read to find them."""
    before, after = plan_nodes(old), plan_nodes(new)
    if before is None or after is None:
        return (), True, False
    walk = _Walk(_Labels(old, new, role))
    try:
        walk.compare((), before, after)
    except _TooMany:
        return tuple(walk.found), False, True
    return tuple(walk.found), True, True


def side_by_side(old: str, new: str, context: int = CONTEXT) -> tuple[Line, ...]:
    """The two documents' lines side by side: the changed ones with ``context`` unchanged lines around them."""
    before, after = old.splitlines(), new.splitlines()
    rows: list[Line] = []
    for group in SequenceMatcher(None, before, after).get_grouped_opcodes(context):
        if rows or group[0][1] > 0:
            rows.append(Line("gap"))
        for tag, i1, i2, j1, j2 in group:
            for offset, (was, now) in enumerate(zip_longest(before[i1:i2], after[j1:j2])):
                kind = "equal" if tag == "equal" else CHANGED if was is not None and now is not None else \
                    REMOVED if now is None else ADDED
                rows.append(Line(kind, i1 + offset + 1 if was is not None else None, was or "",
                                 j1 + offset + 1 if now is not None else None, now or ""))
    if rows and rows[-1].old_number is not None and rows[-1].old_number < len(before):
        rows.append(Line("gap"))
    return tuple(rows)


def compare(old: str, new: str, role: str) -> Comparison:
    found, complete, readable = changes(old, new, role)
    return Comparison(found, complete, readable, side_by_side(old, new))


def said_changes(old: str, new: str, role: str) -> list[str]:
    """The changes as sentences: 全额累进销量奖, tier 2, amount: 200 → 250."""
    found, _complete, _readable = changes(old, new, role)
    return [_("%(what)s: %(before)s → %(after)s") % {"what": change.what, "before": change.before,
                                                     "after": change.after} for change in found]


"""The common edits of a plan without YAML: weights, where each indicator's target comes from, the band tables of
scoring and pay rules, and fixed amounts, as tables of fields in the reader's language.

The values are read from the document's YAML nodes (ruamel.yaml's composer), which know where each value is
written; a changed value is written back in place of its old text, so everything else (comments, order, layout,
quotes) stays as the writer left it, and a change of one tier changes that number alone. The document written is
checked as `dealerkpi plan check` checks it, and each error is reported at the field it is about.

    form = StructuredForm(draft.document, plan, role, data=request.POST)
    if form.is_valid():
        workflow.save_draft(draft, form.new_document, ...)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dealerkpi.org.models import STORE_WIDE_ROLES
from dealerkpi.plans.document import PlanDocument, Table, category_words, plan_document
from dealerkpi.plans.engine import Plan
from dealerkpi.plans.engine.loader import HIGH_WORDS, LOW_WORDS, read_plan_text
from dealerkpi.plans.engine.schema import DealRate, DealTiers, Fine, Pos, Steps
from dealerkpi.plans.wording import weight_set_words
from dealerkpi.studio.editor_errors import Problem, checked

Path = tuple[str | int, ...]
AMOUNT, NUMBER, UNITS, TARGET = "amount", "number", "units", "target"  # what a cell holds; amounts are never negative
UNITS_TEXT = re.compile(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})|(\+|and over))?\s*")
TARGET_WORDS = ("person", "team")
BOUND_WORDS = {  # a band's bounds as the form shows them before their numbers
    "from": pgettext_lazy("band", "from"), "above": pgettext_lazy("band", "above"),
    "to": pgettext_lazy("band", "below"), "below": pgettext_lazy("band", "below"),
    "up_to": pgettext_lazy("band", "up to"), "units": pgettext_lazy("band", "cars"),
}


def digest(document: str) -> str:
    """What a form remembers of the document it was made from, to refuse a save over a later change."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


# --- the document's nodes -----------------------------------------------------------------------------------------


def plan_nodes(document: str) -> MappingNode | None:
    """The document's YAML nodes, where the engine reads a plan's mapping from it (its size and nesting bounded
    there first); else None."""
    if read_plan_text(document).plan is None:
        return None
    try:
        root = YAML(typ="rt").compose(document)
    except (YAMLError, ValueError, ArithmeticError):
        return None
    return root if isinstance(root, MappingNode) else None


def entries(node: Node | None) -> list[tuple[ScalarNode, Node]]:
    """A mapping's (key, value) nodes, keys that are scalars only."""
    if not isinstance(node, MappingNode):
        return []
    return [(key, value) for key, value in node.value if isinstance(key, ScalarNode)]


def items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def step(node: Node | None, key: str | int) -> tuple[ScalarNode | None, Node | None]:
    """The key's node (None for a list's item) and the value's node under ``node``."""
    if isinstance(key, int):
        found = items(node)
        return None, found[key] if 0 <= key < len(found) else None
    return next(((name, value) for name, value in entries(node) if name.value == key), (None, None))


def node_pos(node: Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


def decimal_of(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def plain(number: Decimal) -> str:
    """A number as a plan writes it: 900, 0.6 (never 9E+2)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def is_number(node: Node) -> bool:
    return (isinstance(node, ScalarNode) and node.style is None and node.tag.endswith((":int", ":float"))
            and decimal_of(node.value) is not None)


# --- the cells and tables of the form ------------------------------------------------------------------------------


@dataclass
class Cell:
    """One value of the document the form edits, and where it is written."""

    name: str  # the form field's name
    path: Path
    node: ScalarNode
    kind: str  # AMOUNT, NUMBER, UNITS or TARGET
    label: str  # what it is, in words
    word: str = ""  # a band's bound: from, below...
    anchors: frozenset[Pos] = frozenset()  # the places whose errors are this cell's
    choices: tuple[tuple[str, str], ...] = ()  # a target's sources

    @property
    def dotted(self) -> str:
        return ".".join(str(key) for key in self.path)

    @property
    def fixed_name(self) -> str:
        """A target's second field: the fixed number."""
        return f"{self.name}_fixed"


@dataclass
class Row:
    label: str
    cells: list[Cell | None]
    detail: str = ""


@dataclass
class Grid:
    """A table of the form: a section's title, headings, rows of cells; errors of the element it shows."""

    section: str
    title: str
    headings: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    anchors: frozenset[Pos] = frozenset()
    errors: list[str] = field(default_factory=list)
    note: str = ""


class _Layout:
    """The grids of one document, built section by section from the engine's plan and the document's nodes."""

    def __init__(self, document: str, root: MappingNode, plan: Plan, shown: PlanDocument, store_wide: bool) -> None:
        self.document, self.root, self.plan, self.shown, self.store_wide = document, root, plan, shown, store_wide
        self.grids: list[Grid] = []
        self.cells: list[Cell] = []
        self._seen: set[int] = set()  # a node written once and aliased elsewhere is edited once

    def node(self, path: Path) -> tuple[ScalarNode | None, Node | None]:
        key, node = None, self.root
        for part in path:
            key, node = step(node, part)
            if node is None:
                return None, None
        return key, node

    def anchors(self, path: Path) -> frozenset[Pos]:
        """Where errors of the element at ``path`` are reported: its key, its value."""
        key, node = self.node(path)
        return frozenset(node_pos(found) for found in (key, node) if found is not None)

    def cell(self, path: Path, kind: str, label: str, word: str = "", also: Iterable[Pos] = ()) -> Cell | None:
        """The cell for the value at ``path``, when it is a value the form can write in place."""
        key, node = self.node(path)
        if not isinstance(node, ScalarNode) or id(node) in self._seen or not self._writable(node, kind):
            return None
        self._seen.add(id(node))
        anchors = frozenset({node_pos(node), *([node_pos(key)] if key is not None else []), *also})
        cell = Cell(f"v{len(self.cells)}", path, node, kind, label, word, anchors)
        self.cells.append(cell)
        return cell

    def _writable(self, node: ScalarNode, kind: str) -> bool:
        written = self.document[node.start_mark.index:node.end_mark.index]
        if node.style is not None or written != node.value:
            return False  # quoted, folded or otherwise not the plain text of its value
        if kind == UNITS:
            return UNITS_TEXT.fullmatch(node.value) is not None
        return kind == TARGET or is_number(node)

    def grid(self, section: str, title: str, headings: Iterable[str], path: Path = (), note: str = "") -> Grid:
        """A table; ``headings`` start with the rows' labels' (a band table's: the bands)."""
        grid = Grid(str(section), str(title), tuple(str(heading) for heading in headings),
                    anchors=self.anchors(path) if path else frozenset(), note=note)
        self.grids.append(grid)
        return grid

    # --- sections ---

    def weights(self) -> None:
        sets = self.plan.weight_sets
        if not sets:
            return
        grid = self.grid(_("Weights"), _("Weight of each indicator (%), by the main model's stage"),
                         ["", *(weight_set_words(weight_set.stage) for weight_set in sets)], ("weights",),
                         note=_("Each column adds up to 100."))
        grid.anchors |= {pos for weight_set in sets for pos in self.anchors(("weights", weight_set.stage))}
        for indicator in self.plan.indicators:
            cells = [self.cell(("weights", weight_set.stage, indicator.id), AMOUNT,
                               _("Weight of %(indicator)s (%(set)s)") % {
                                   "indicator": indicator.label, "set": weight_set_words(weight_set.stage)})
                     for weight_set in sets]
            grid.rows.append(Row(indicator.label, cells))

    def targets(self) -> None:
        grid = self.grid(_("Targets"), _("Where each indicator's target comes from"), ["", _("target")])
        for indicator, shown in zip(self.plan.indicators, self.shown.indicators, strict=True):
            path = ("indicators", indicator.id, "target")
            cell = self.cell(path, TARGET, _("Target of %(indicator)s") % {"indicator": indicator.label})
            if cell is None:
                continue
            cell.choices = self._target_choices(indicator.metric, shown.target, cell.node)
            grid.anchors |= self.anchors(("indicators", indicator.id))
            grid.rows.append(Row(indicator.label, [cell], detail=shown.measure))
        if not grid.rows:
            self.grids.remove(grid)

    def _target_choices(self, metric: str | None, said: str, node: ScalarNode) -> tuple[tuple[str, str], ...]:
        """Where a target may come from: the person's or the team's own (for a metric), a fixed number, or, for a
        target the plan computes, as it is written (said in words)."""
        choices = [("fixed", _("a fixed number"))]
        if metric:
            team = _("the store's monthly target") if self.store_wide else _("the team's monthly target")
            choices[:0] = [("person", _("the person's own monthly target")), ("team", team)]
        if _target_source(node, metric) == "keep":
            choices.append(("keep", _("as written: %(target)s") % {"target": said}))
        return tuple(choices)

    def scoring(self) -> None:
        for indicator, shown in zip(self.plan.indicators, self.shown.indicators, strict=True):
            if isinstance(indicator.scoring, Steps) and shown.table is not None:
                self.bands(_("Scoring"), _("Score bands of %(indicator)s") % {"indicator": indicator.label},
                           ("indicators", indicator.id, "scoring", "bands"), shown.table,
                           also=self.anchors(("indicators", indicator.id)))

    def bands(self, section: str, title: str, path: Path, table: Table, also: Iterable[Pos] = ()) -> None:
        """A band table: each band's bounds and what it gives, as many fields as it writes."""
        grid = self.grid(section, title, [table.band_heading, _("starts"), _("ends"), table.value_heading], path)
        grid.anchors |= frozenset(also)
        for index, (row, shown) in enumerate(zip(items(self.node(path)[1]), table.rows, strict=False)):
            keys = [key.value for key, _value in entries(row)]
            label = _("%(table)s, band %(band)s") % {"table": title, "band": shown.band}
            start = next((key for key in (*LOW_WORDS, "units") if key in keys), None)
            end = next((key for key in HIGH_WORDS if key in keys), None)
            value = next((key for key in keys if key not in (*LOW_WORDS, *HIGH_WORDS, "units")), None)
            first = next(key for key in (start, end, value, "") if key is not None)
            cells = [
                self.cell((*path, index, key), UNITS if key == "units" else NUMBER, f"{label}: {BOUND_WORDS[key]}",
                          str(BOUND_WORDS[key]), also=[node_pos(row)] if key == first else ())
                if key else None
                for key in (start, end)
            ]
            cells.append(self.cell((*path, index, value), AMOUNT, f"{label}: {table.value_heading}",
                                   also=[node_pos(row)] if value == first else ()) if value else None)
            grid.rows.append(Row(shown.band, cells))

    def bonus(self) -> None:
        section = _("Bonus and base pay")
        amounts = self.amounts(section, _("Amounts"))
        self.amount_row(amounts, ("bonus", "base"), _("Bonus base (yuan)"))
        for index, said in enumerate(self.shown.base_pay):
            self.amount_row(amounts, ("base_pay", index, "amount"), said.text)
        if not amounts.rows:
            self.grids.remove(amounts)
        if self.shown.coefficients is not None:
            self.bands(section, _("Bonus coefficient by total score"), ("bonus", "coefficients"),
                       self.shown.coefficients, also=self.anchors(("bonus",)))

    def amounts(self, section: str, title: str, heading: str = "") -> Grid:
        return self.grid(section, title, ["", heading or _("amount")])

    def amount_row(self, grid: Grid, path: Path, label: str, kind: str = AMOUNT, detail: str = "") -> None:
        cell = self.cell(path, kind, f"{label} · {detail}" if detail else label)
        if cell is not None:
            grid.rows.append(Row(label, [cell], detail))

    def pay_rules(self) -> None:
        """One table of the rules' amounts and rates, then each rule's tiers."""
        section = _("Pay rules")
        amounts = self.amounts(section, _("Amounts and rates of the pay rules"), _("amount or rate"))
        tiered = []
        for rule, shown in zip(self.plan.pay_rules, self.shown.pay_rules, strict=True):
            path, spec = ("pay", rule.id), rule.spec
            rows = len(amounts.rows)
            for key, what in self._rule_values(spec, shown.table.rows if shown.table else ()):
                self.amount_row(amounts, (*path, *key), rule.label, detail=f"{shown.category} · {what}")
            if len(amounts.rows) > rows:
                amounts.anchors |= self.anchors(path)
            if shown.table is not None and (isinstance(spec, DealTiers) or getattr(spec, "rate_by", None)):
                tiered.append((rule, shown.table))
        if not amounts.rows:
            self.grids.remove(amounts)
        for rule, table in tiered:
            path = ("pay", rule.id)
            self.bands(section, _("Tiers of %(rule)s") % {"rule": rule.label}, (*path, "tiers"), table,
                       also=self.anchors(path))

    @staticmethod
    def _rule_values(spec: object, rows: Iterable[object]) -> Iterator[tuple[Path, str]]:
        """The keys of a rule's amounts and rates, and what each is."""
        if isinstance(spec, DealRate):
            yield ("percent",) if spec.percent else ("amount",), _("percent (%)") if spec.percent else \
                _("yuan per unit")
            names = [] if spec.rate_by else [row.band for row in rows]  # type: ignore[attr-defined]
            for index, (model, _rate) in enumerate(spec.by_model):
                name = names[index] if index < len(names) else model
                yield ("by_model", model), _("model %(model)s, yuan per unit") % {"model": name}
        if isinstance(spec, Fine):
            yield ("amount",), _("yuan per incident")
        if isinstance(spec, DealTiers) and spec.cap_per_deal is not None:
            yield ("cap_per_deal",), _("at most a deal (yuan)")

    def limits(self) -> None:
        grid = self.amounts(_("Limits and safety nets"), _("Limits and safety nets"))
        rules = {rule.id: rule.label for rule in self.plan.pay_rules}
        for index, limit in enumerate(self.plan.limits):
            lines = _(", ").join(rules.get(name) or category_words(name) for name in limit.applies_to)
            self.amount_row(grid, ("limits", index, "cap"), _("Cap on %(lines)s (yuan a month)") % {"lines": lines})
            self.amount_row(grid, ("limits", index, "floor"), _("Floor on %(lines)s (yuan a month)") % {
                "lines": lines}, NUMBER)
        self.amount_row(grid, ("draw", "amount"), _("Draw (yuan a month)"))
        self.amount_row(grid, ("guaranteed_minimum",), _("Guaranteed minimum (yuan a month)"))
        self.amount_row(grid, ("budget", "per_store_month"), _("Budget of a store (yuan a month)"))
        if not grid.rows:
            self.grids.remove(grid)


def layout(document: str, plan: Plan, role: str) -> _Layout | None:
    """The form's tables for the document, read as ``plan``; None when the document is no plan's mapping."""
    root = plan_nodes(document)
    if root is None:
        return None
    built = _Layout(document, root, plan, plan_document(plan, role), role in STORE_WIDE_ROLES)
    for section in (built.weights, built.targets, built.scoring, built.bonus, built.pay_rules, built.limits):
        section()
    return built


# --- writing values back ------------------------------------------------------------------------------------------


def written(document: str, changes: Iterable[tuple[Cell, str]]) -> str:
    """The document with each cell's text replaced by its new text, nothing else touched."""
    text = document
    for cell, new in sorted(changes, key=lambda change: change[0].node.start_mark.index, reverse=True):
        text = text[:cell.node.start_mark.index] + new + text[cell.node.end_mark.index:]
    return text


def _units_text(value: str) -> str:
    found = UNITS_TEXT.fullmatch(value)
    assert found is not None
    first, last, open_end = found.groups()
    return f"{first}-{last}" if last else f"{first}+" if open_end else first


def _target_source(node: ScalarNode, metric: str | None) -> str:
    """Where the target as written comes from: person, team, fixed or keep (an expression, kept as written)."""
    text = node.value
    if text == "person" or (metric and text == f"target.{metric}"):
        return "person"
    if text == "team" or (metric and text == f"team.target.{metric}"):
        return "team"
    return "fixed" if is_number(node) else "keep"


class StructuredForm(forms.Form):
    """The grids' values as fields; valid when the document they write is a valid plan."""

    base = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, document: str, plan: Plan, role: str, data: object = None) -> None:
        super().__init__(data, initial={"base": digest(document)})
        self.document, self.plan, self.role = document, plan, role
        self.new_document = document
        self.layout = layout(document, plan, role)
        self.grids = self.layout.grids if self.layout else []
        self._sources: dict[str, str] = {}  # each target's source as written
        for cell in self.layout.cells if self.layout else []:
            self._add_fields(cell)

    def _add_fields(self, cell: Cell) -> None:
        attrs = {"data-path": cell.dotted, "aria-label": cell.label}
        if cell.kind == UNITS:
            self.fields[cell.name] = forms.CharField(label=cell.label, max_length=30, initial=cell.node.value,
                                                     widget=forms.TextInput(attrs={**attrs, "size": 8}))
        elif cell.kind == TARGET:
            source = self._sources[cell.name] = _target_source(cell.node, self._metric(cell))
            fixed = decimal_of(cell.node.value) if source == "fixed" else None
            self.fields[cell.name] = forms.ChoiceField(label=cell.label, choices=cell.choices, initial=source,
                                                       widget=forms.Select(attrs=attrs))
            self.fields[cell.fixed_name] = forms.DecimalField(
                label=_("%(label)s: the fixed number") % {"label": cell.label}, required=False, max_digits=22,
                decimal_places=10, initial=fixed, widget=forms.NumberInput(attrs={
                    "step": "any", "data-path": f"{cell.dotted}.fixed", "aria-label": _("the fixed number")}))
        else:
            self.fields[cell.name] = forms.DecimalField(
                label=cell.label, max_digits=22, decimal_places=10, initial=decimal_of(cell.node.value),
                min_value=0 if cell.kind == AMOUNT else None, widget=forms.NumberInput(attrs={**attrs, "step": "any"}))

    @property
    def tables(self) -> list[tuple[Grid, list[tuple[Row, list[tuple[Cell | None, forms.BoundField | None,
                                                                    forms.BoundField | None]]]]]]:
        """Each grid with its rows' cells and their fields (a target's second field: its fixed number)."""
        def fields(cell: Cell | None) -> tuple[Cell | None, forms.BoundField | None, forms.BoundField | None]:
            if cell is None:
                return None, None, None
            return cell, self[cell.name], self[cell.fixed_name] if cell.kind == TARGET else None

        return [(grid, [(row, [fields(cell) for cell in row.cells]) for row in grid.rows]) for grid in self.grids]

    def _metric(self, cell: Cell) -> str | None:
        indicator = self.plan.indicator(str(cell.path[1]))
        return indicator.metric if indicator else None

    def clean(self) -> dict[str, object]:
        cleaned = self.cleaned_data
        if self.is_bound and cleaned.get("base") != digest(self.document):
            raise ValidationError(_("The draft has been changed since this form was opened: open it again to see the "
                                    "draft as it is now."))
        if self.layout is None or self.errors:
            return cleaned
        changes = list(self._changes(cleaned))
        self.new_document = written(self.document, changes)
        if changes:
            self._check(self.new_document)
        return cleaned

    def _changes(self, cleaned: dict[str, object]) -> Iterator[tuple[Cell, str]]:
        assert self.layout is not None
        for cell in self.layout.cells:
            new = self._text(cell, cleaned)
            if new is not None and new != cell.node.value:
                yield cell, new

    def _text(self, cell: Cell, cleaned: dict[str, object]) -> str | None:
        """The cell's new text, or None where it stays as written (or its field has an error)."""
        value = cleaned.get(cell.name)
        if value is None:
            return None
        if cell.kind == UNITS:
            if UNITS_TEXT.fullmatch(str(value)) is None:
                self.add_error(cell.name, _("Write whole cars as 11-20, 21+ (21 and over) or 5."))
                return None
            return _units_text(str(value))
        if cell.kind == TARGET:
            return self._target_text(cell, str(value), cleaned.get(cell.fixed_name))
        assert isinstance(value, Decimal)
        return None if value == decimal_of(cell.node.value) else plain(value)

    def _target_text(self, cell: Cell, source: str, fixed: object) -> str | None:
        if source == "keep" or (source in TARGET_WORDS and source == self._sources[cell.name]):
            return None
        if source in TARGET_WORDS:
            return source
        if not isinstance(fixed, Decimal):
            self.add_error(cell.fixed_name, _("Enter the fixed target."))
            return None
        return None if is_number(cell.node) and decimal_of(cell.node.value) == fixed else plain(fixed)

    def _check(self, document: str) -> None:
        """The written document as `plan check` checks it; each error at its field, its table, or the form."""
        _plan, problems = checked(document)
        if not problems:
            return
        assert self.layout is not None
        placed = layout(document, self.plan, self.role)  # the same cells and tables, where they are written now
        names = {cell.path: cell.name for cell in self.layout.cells}
        cells = [cell for cell in placed.cells if cell.path in names] if placed else []
        grids = list(zip(self.layout.grids, placed.grids, strict=True)) if placed else []
        for problem in problems:
            self._place(problem, cells, names, grids)

    def _place(self, problem: Problem, cells: list[Cell], names: dict[Path, str],
               grids: list[tuple[Grid, Grid]]) -> None:
        """The error at the field of the value it is about, else at its table (and the form's), else the form's."""
        cell = next((cell for cell in cells if problem.pos in cell.anchors), None)
        if cell is not None:
            name = names[cell.path]
            self.add_error(f"{name}_fixed" if cell.kind == TARGET and f"{name}_fixed" in self.fields else name,
                           problem.detail)
            return
        shown = next((own for own, placed in grids if problem.pos in placed.anchors), None)
        if shown is not None:
            shown.errors.append(problem.message)
            self.add_error(None, _("%(table)s: %(message)s") % {"table": shown.title, "message": problem.message})
            return
        self.add_error(None, str(problem))

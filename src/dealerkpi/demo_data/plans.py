"""The example pay plans (examples/plans/*.yaml) published for a generated dealer group, and what those plans
read of targets: which metrics need a target, at which level, for which role.

The documents are read as they stand, so a plan document that gains an indicator with a target gets its targets
in the next generated group (see targets.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dealerkpi.core.bulk import BulkWriter
from dealerkpi.demo_data.clock import SH
from dealerkpi.org.models import Role, User
from dealerkpi.plans import engine
from dealerkpi.plans.engine import expr
from dealerkpi.plans.engine.names import reference
from dealerkpi.plans.engine.validate import plan_expressions
from dealerkpi.plans.models import Crediting, Plan, PlanVersion, parse_plan_document

EXAMPLE_PLANS = ("consultant", "consultant_probation", "supervisor", "sales_manager")
OWN_TARGETS = ("target", "quarter.target", "year.target")  # references read from the person's own targets
TEAM_TARGET = "team.target"
PUBLISHED_AT = datetime.time(17, 0)  # on the last day before the first month, by head office


@dataclass(frozen=True)
class ExamplePlan:
    code: str
    document: str
    plan: engine.Plan


@dataclass(frozen=True)
class TargetsRead:
    """The metrics whose targets the plans read, by role: from the person's own targets, and from their team's."""

    own: Mapping[str, frozenset[str]]
    team: Mapping[str, frozenset[str]]

    def metrics(self) -> set[str]:
        return {metric for by_role in (self.own, self.team) for metrics in by_role.values() for metric in metrics}


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"  # in the package: a wheel carries them


def examples_dir() -> Path:
    return EXAMPLES / "plans"


def example_plans() -> list[ExamplePlan]:
    """The example documents, each checked as publishing checks it."""
    found = []
    for code in EXAMPLE_PLANS:
        document = (examples_dir() / f"{code}.yaml").read_text(encoding="utf-8")
        found.append(ExamplePlan(code, document, parse_plan_document(document, source=f"{code}.yaml")))
    return found


def targets_read(plans: Iterable[engine.Plan]) -> TargetsRead:
    """Every target a plan refers to, in any expression (indicators' targets, derived values, pay rules, gates):
    `target: person` is `target.<metric>`, `target: team` is `team.target.<metric>`; a fixed `target: 95` reads
    none."""
    own: dict[str, set[str]] = defaultdict(set)
    team: dict[str, set[str]] = defaultdict(set)
    for plan in plans:
        derived = {name for name, _ in plan.derived}
        for _where, expression in plan_expressions(plan):
            for name in expr.names(expression.tree):
                found = reference(name.name, derived)
                if found.kind == TEAM_TARGET:
                    team[plan.role].add(found.subject)
                elif found.kind in OWN_TARGETS:
                    own[plan.role].add(found.subject)
    return TargetsRead({role: frozenset(found) for role, found in own.items()},
                       {role: frozenset(found) for role, found in team.items()})


def publish_example_plans(
    writer: BulkWriter, group_ids: Iterable[int], first_month: datetime.date
) -> list[ExamplePlan]:
    """Each example plan as each group's plan for its role, version 1 in force from ``first_month``, published by
    the group's head office the evening before."""
    plans = writer.table(Plan, ("id", "group_id", "store_id", "code", "name", "role", "crediting", "for_probation"))
    versions = writer.table(PlanVersion, ("id", "plan_id", "number", "document", "effective_from", "effective_to",
                                          "note", "created_by_id", "created_at"))
    eve = first_month - datetime.timedelta(days=1)
    published = datetime.datetime.combine(eve, PUBLISHED_AT, tzinfo=SH)
    examples = example_plans()
    for group_id in group_ids:
        publisher = head_office_login(group_id)
        for example in examples:
            plan_id = plans.new_id()
            plans.add((plan_id, group_id, None, example.code, example.plan.name, example.plan.role,
                       Crediting.DELIVERED, example.plan.for_probation))
            versions.add((versions.new_id(), plan_id, 1, example.document, first_month, None, "example plan",
                          publisher, published))
    return examples


def head_office_login(group_id: int) -> int | None:
    group_wide = User.objects.filter(staff__group_id=group_id, staff__role=Role.HEAD_OFFICE, staff__region=None)
    return group_wide.order_by("pk").values_list("pk", flat=True).first()

"""The statements of bonus runs as plain, JSON-able records, keyed by natural keys only.

This is the only module of the statement-snapshot test that touches the models, and it reaches them only through
``MODELS`` below: when a model moves to another app, change its label there and nowhere else.

Records, sorted by store, person, kind of record and position:

- ``run``: the latest version of each store's run for the month: its version, status, statements and total;
- ``statement``: one per person: plan code and version, team, scores, total, balances, actuals, targets, gates,
  notes and what was paid per deal;
- ``indicator``: each scorecard row of a statement;
- ``line``: each pay line of a statement, with its wording, inputs, intermediate values and deals.

People are their employee numbers, stores and plans their codes, deals the VIN of the delivered car. Decimals
are strings: database columns as the database gives them back, the engine's exact figures as stored. No database
id and no time of computation appears; the engine's notes name the person by id, so that id is replaced by the
employee number.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Model

# Every model the test reads, as (app label, model name): the one place to change when a model changes app.
MODELS: dict[str, tuple[str, str]] = {
    "Run": ("pay", "Run"),
    "Statement": ("pay", "Statement"),
    "Store": ("org", "Store"),
    "Delivery": ("sales", "Delivery"),
}

Record = dict[str, Any]
KIND_ORDER = {"run": 0, "statement": 1, "indicator": 2, "line": 3}


def model(name: str) -> type[Model]:
    return apps.get_model(*MODELS[name])


def store_codes(group: str | None = None) -> list[str]:
    """The codes of every store (of the dealer group with code ``group``), in order."""
    stores = model("Store").objects.order_by("code")
    if group is not None:
        stores = stores.filter(region__group__code=group)
    return list(stores.values_list("code", flat=True))


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _canonical(value: Any) -> Any:
    """A JSON field's value with every mapping's keys sorted: PostgreSQL's jsonb keeps them in an order of its own,
    SQLite as written."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _sorted_map(values: dict[str, Any] | None) -> dict[str, Any]:
    return _canonical(values or {})


def _wording(said: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if said is None else {"key": said["key"], "args": _sorted_map(said.get("args"))}


class _Names:
    """Natural keys for the ids inside a statement: its person in the engine's notes, deals by VIN."""

    def __init__(self, statements: list[Model]) -> None:
        deal_ids = {int(deal) for statement in statements for deal in statement.paid_for_deals}
        deal_ids |= {int(d["deal"]) for statement in statements for line in statement.lines.all()
                     for d in line.deals}
        self.vins = {str(pk): vin for pk, vin in model("Delivery").objects.filter(pk__in=deal_ids)
                     .values_list("pk", "vehicle__vin")}
        if missing := sorted(str(pk) for pk in deal_ids if str(pk) not in self.vins):
            raise LookupError(f"deals that are no delivery: {', '.join(missing[:10])}")

    def deal(self, deal_id: str) -> str:
        return self.vins[str(deal_id)]

    @staticmethod
    def text(text: str, statement: Model) -> str:
        """The engine says "... is missing for <person id>": the person by employee number instead."""
        return re.sub(rf"(?<=\bfor ){statement.staff_id}\b", statement.staff.employee_no, text)


def _statement(statement: Model, names: _Names) -> Record:
    team = statement.team.name if statement.team_id else None
    gates = [_canonical({**gate, "label": names.text(gate["label"], statement)}) for gate in statement.gates]
    return {
        "kind": "statement", "store": statement.store.code, "staff": statement.staff.employee_no,
        "name": statement.staff.name, "plan": statement.plan_version.plan.code,
        "plan_version": statement.plan_version.number, "team": team, "weight_set": statement.weight_set,
        "stage": statement.stage, "total_score": _decimal(statement.total_score),
        "coefficient": _decimal(statement.coefficient), "total": _decimal(statement.total),
        "carried_balance": _decimal(statement.carried_balance),
        "draw_outstanding": _decimal(statement.draw_outstanding),
        "actuals": _sorted_map(statement.actuals), "targets": _sorted_map(statement.targets), "gates": gates,
        "notes": [names.text(note, statement) for note in statement.notes],
        "paid_for_deals": dict(sorted((names.deal(deal), paid) for deal, paid in statement.paid_for_deals.items())),
        "error": names.text(statement.error, statement),
    }


def _indicator(statement: Model, indicator: Model, names: _Names) -> Record:
    return {
        "kind": "indicator", "store": statement.store.code, "staff": statement.staff.employee_no,
        "position": indicator.position, "code": indicator.code, "label": indicator.label,
        "metric": indicator.metric, "rule": indicator.rule, "rule_wording": _wording(indicator.rule_wording),
        "actual": _decimal(indicator.actual), "target": _decimal(indicator.target),
        "achievement": _decimal(indicator.achievement), "score": _decimal(indicator.score),
        "weight": _decimal(indicator.weight), "weighted_score": _decimal(indicator.weighted_score),
        "skipped": indicator.skipped, "note": names.text(indicator.note, statement),
    }


def _line(statement: Model, line: Model, names: _Names) -> Record:
    return {
        "kind": "line", "store": statement.store.code, "staff": statement.staff.employee_no,
        "position": line.position, "category": line.category, "line_kind": line.kind, "rule": line.rule,
        "label": names.text(line.label, statement), "wording": _wording(line.wording),
        "amount": _decimal(line.amount), "exact": line.exact, "inputs": _sorted_map(line.inputs),
        "values": _sorted_map(line.values), "adjustment": line.adjustment_id is not None,
        # [VIN, quantity, amount], by VIN: the deals behind the line, whatever order their ids gave them.
        "deals": sorted([names.deal(d["deal"]), d["quantity"], d["amount"]] for d in line.deals),
    }


def _sort_key(record: Record) -> tuple:
    return record["store"], record.get("staff", ""), KIND_ORDER[record["kind"]], record.get("position", 0)


def statement_snapshot(period: str, stores: Iterable[str] | None = None) -> list[Record]:
    """The statements of the latest version of each store's run for ``period`` (YYYY-MM), of the stores with
    codes ``stores`` (default: every store with a run that month), as sorted records.

    The runs are chosen by natural keys (month, store codes), not by a queryset, so that the test itself names no
    model and no field: everything that depends on the models' shape is in this module."""
    year, month = (int(part) for part in period.split("-"))
    runs = model("Run").objects.filter(period=datetime.date(year, month, 1)).select_related("store")
    if stores is not None:
        runs = runs.filter(store__code__in=list(stores))
    latest: dict[str, Model] = {}
    for run in runs.order_by("store__code", "-number"):
        latest.setdefault(run.store.code, run)
    statements = list(
        model("Statement").objects.filter(run__in=list(latest.values()))
        .select_related("store", "staff", "team", "plan_version__plan")
        .prefetch_related("lines", "indicators")
    )
    names = _Names(statements)
    records: list[Record] = []
    for code, run in latest.items():
        own = [statement for statement in statements if statement.run_id == run.pk]
        records.append({"kind": "run", "store": code, "period": period, "version": run.number, "status": run.status,
                        "error": run.error, "statements": len(own),
                        "total": str(sum((statement.total for statement in own), Decimal("0.00")))})
    for statement in statements:
        records.append(_statement(statement, names))
        records += [_indicator(statement, indicator, names) for indicator in statement.indicators.all()]
        records += [_line(statement, line, names) for line in statement.lines.all()]
    return sorted(records, key=_sort_key)

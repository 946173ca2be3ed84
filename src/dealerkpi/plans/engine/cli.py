"""`dealerkpi plan check FILE` and `dealerkpi plan evaluate FILE --actuals ...`, for a manager
with a spreadsheet.

`main(argv)` takes the arguments starting with "plan" and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .catalogue import Catalogue, catalogue
from .evaluate import evaluate_period
from .inputs import Period, PeriodInputs
from .io import (
    InputFileError,
    read_actuals,
    read_deals,
    read_history,
    read_ratings,
    read_targets,
    write_json,
    write_xlsx,
)
from .loader import PlanInvalid, plan_file_text
from .policy import EvaluationError
from .schema import STAGES, Plan
from .trace import PersonResult
from .validate import check_plan_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dealerkpi plan", description="Check and evaluate KPI pay plans.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a plan; print OK or its errors with line:column")
    check.add_argument("file")
    evaluate = commands.add_parser("evaluate", help="evaluate a plan for a period from spreadsheets")
    evaluate.add_argument("file")
    evaluate.add_argument("--actuals", required=True, help=".csv or .xlsx: person, name, role, team, [base_salary, "
                          "minimum_wage, days_employed,] metrics")
    evaluate.add_argument("--targets", help=".csv or .xlsx: person (or empty for a team), team, metrics")
    evaluate.add_argument("--deals", help=".csv or .xlsx: one row per credited person of a deal")
    evaluate.add_argument("--history", help=".csv or .xlsx: person, period, item, name, value")
    evaluate.add_argument("--ratings", help=".csv or .xlsx: person, indicator, value, comment, rated_by")
    evaluate.add_argument("--stage", choices=STAGES, help="lifecycle stage of the main model: picks weights")
    evaluate.add_argument("--period", required=True, type=_period, help="the month evaluated, YYYY-MM")
    evaluate.add_argument("--output", help="write results with the trace to OUT.xlsx or OUT.json")
    return parser


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _checked_plan(path: str, console: Console) -> Plan | None:
    """The plan if it is valid; else None, with every error printed (structural and semantic, in one pass)."""
    try:
        return check_plan_text(plan_file_text(path), source=path)
    except PlanInvalid as invalid:
        console.print(str(invalid), markup=False)
        return None
    except OSError as problem:
        console.print(f"{path}: cannot be read ({problem.strerror or problem})", markup=False)
        return None


def check(path: str, console: Console) -> int:
    plan = _checked_plan(path, console)
    if plan is None:
        return 1
    minimum_wage = plan.minimum_wage or "flag (not said)"
    for_whom = " on probation" if plan.for_probation else ""
    console.print(
        f"{path}: OK (plan {plan.id} {plan.version}, role {plan.role}{for_whom}, {len(plan.indicators)} "
        f"indicators, {len(plan.pay_rules)} pay rules, minimum wage: {minimum_wage})",
        markup=False,
    )
    return 0


def read_inputs(args: argparse.Namespace, plan: Plan, metrics: Catalogue) -> PeriodInputs:
    """The period's inputs from the files named on the command line."""
    people, actuals = read_actuals(args.actuals, metrics, plan.role)
    return PeriodInputs(
        period=args.period,
        people=people,
        actuals=actuals,
        targets=read_targets(args.targets, metrics) if args.targets else (),
        deals=read_deals(args.deals) if args.deals else (),
        ratings=read_ratings(args.ratings) if args.ratings else (),
        history=read_history(args.history) if args.history else {},
        stage=args.stage,
    )


def _shown(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def print_result(result: PersonResult, console: Console) -> None:
    title = f"{result.name} ({result.person}) {result.team}  {result.plan} {result.version}  {result.period}"
    if result.error:
        console.print(f"{title}: ERROR {result.error}", markup=False)
        print_warnings(result, console)
        return
    indicators = Table(title=f"{title}  weights: {result.weight_set or '-'}", title_justify="left")
    for column in ("indicator", "actual", "target", "achievement %", "score", "weight", "weighted"):
        indicators.add_column(column, justify="left" if column == "indicator" else "right")
    for row in result.indicators:
        indicators.add_row(
            row.label,
            _shown(row.actual),
            _shown(row.target),
            _shown(row.achievement),
            "skipped" if row.skipped else _shown(row.score),
            _shown(row.weight),
            _shown(row.weighted_score),
        )
    indicators.add_row("total score", "", "", "", "", "", _shown(result.total_score))
    console.print(indicators)
    lines = Table(show_header=True)
    lines.add_column("category")
    lines.add_column("line")
    lines.add_column("amount", justify="right")
    for line in result.lines:
        lines.add_row(line.category, line.label, _shown(line.amount))
    lines.add_row("", "total", _shown(result.total))
    console.print(lines)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    print_warnings(result, console)


def print_warnings(result: PersonResult, console: Console) -> None:
    """Each figure a policy stood in for, and whether the plan blocks submission on it."""
    for warning in result.warnings:
        console.print(f"warning: {warning}", markup=False)


def unknown_people(inputs: PeriodInputs) -> list[str]:
    """A warning for each credit, on a deal paid or clawed back in the period, of someone not in the actuals:
    nobody is paid (or clawed back) for that share."""
    people = {person.id for person in inputs.people}
    return [
        f"warning: deal {deal.id} is credited to {credit.person!r}, who is not in the actuals file: "
        "nobody is paid or clawed back for that share"
        for deal in inputs.deals
        if deal.counts_in(inputs.period) or deal.reversed_in(inputs.period)
        for credit in deal.credits
        if credit.person not in people
    ]


def write_output(path: str, inputs: PeriodInputs, results: tuple[PersonResult, ...]) -> None:
    if Path(path).suffix.lower() == ".json":
        write_json(path, inputs, results)
    elif Path(path).suffix.lower() == ".xlsx":
        write_xlsx(path, inputs, results)
    else:
        raise InputFileError(f"{path}: the output must be a .json or .xlsx file")


def evaluate(args: argparse.Namespace, console: Console) -> int:
    plan = _checked_plan(args.file, console)
    if plan is None:
        return 1
    metrics = catalogue()
    try:
        inputs = read_inputs(args, plan, metrics)
        results = evaluate_period(plan, inputs, metrics)
        if args.output:
            write_output(args.output, inputs, results)
    except (EvaluationError, ValueError) as problem:
        console.print(f"error: {problem}", markup=False)
        return 1
    for warning in unknown_people(inputs):
        console.print(warning, markup=False)
    for result in results:
        print_result(result, console)
    if args.output:
        console.print(f"results with the trace written to {args.output}", markup=False)
    return 1 if any(result.error for result in results) else 0


def main(argv: list[str]) -> int:
    """Run `plan check` or `plan evaluate`; `argv` starts with "plan"."""
    console = Console(file=sys.stdout, width=140, highlight=False, soft_wrap=True)
    try:
        args = _parser().parse_args(argv[1:])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "check":
        return check(args.file, console)
    return evaluate(args, console)

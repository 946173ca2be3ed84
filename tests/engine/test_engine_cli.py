"""`dealerkpi plan check` and `dealerkpi plan evaluate`, through main(argv), with files in tmp_path."""

import json
from pathlib import Path

import pytest
from engine_helpers import HEAD
from openpyxl import load_workbook

from dealerkpi.plans.engine.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
DATA = EXAMPLES / "data"

PLAN = HEAD + """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 100}
base_pay:
  - {when: total_score >= 80, amount: 1500}
  - {amount: 1200}
pay:
  unit_award: {kind: per_unit, amount: 200}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", ["consultant.yaml", "consultant_probation.yaml", "supervisor.yaml",
                                  "sales_manager.yaml"])
def test_check_prints_ok_for_the_example_plans(name, capsys):
    assert main(["plan", "check", str(EXAMPLES / name)]) == 0
    out = capsys.readouterr().out
    assert "OK (plan" in out
    assert ("role consultant on probation," in out) == (name == "consultant_probation.yaml")


def test_a_plan_for_people_on_probation_says_so_with_the_one_word_it_knows(tmp_path, capsys):
    assert main(["plan", "check", write(tmp_path, "p.yaml", PLAN.replace("role:", "for: newcomers\nrole:"))]) == 1
    assert "for: 'newcomers' is not one of probation" in capsys.readouterr().out


def test_check_prints_each_error_with_line_and_column(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", PLAN.replace("{volume: 100}", "{volume: 90}").replace("per_unit", "per_car"))
    assert main(["plan", "check", path]) == 1
    out = capsys.readouterr().out
    assert f"{path}:14:22: kind: 'per_car' is not one of per_unit" in out


def test_check_of_a_missing_file(tmp_path, capsys):
    assert main(["plan", "check", str(tmp_path / "none.yaml")]) == 1
    assert "cannot be read" in capsys.readouterr().out


def test_evaluate_the_example_consultant_plan_to_json(tmp_path, capsys):
    output = tmp_path / "out.json"
    status = main(["plan", "evaluate", str(EXAMPLES / "consultant.yaml"), "--actuals", str(DATA / "actuals.csv"),
                   "--targets", str(DATA / "targets.csv"), "--deals", str(DATA / "deals.csv"),
                   "--ratings", str(DATA / "ratings.csv"), "--history", str(DATA / "history.csv"),
                   "--period", "2025-03", "--output", str(output)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "王磊 (wang)" in out and "陈静 (chen)" in out and "张伟" not in out  # supervisors are not consultants
    data = json.loads(output.read_text(encoding="utf-8"))
    assert [result["person"] for result in data["results"]] == ["wang", "li", "zhao", "chen"]
    for result in data["results"]:
        assert sum(float(line["amount"]) for line in result["lines"]) == pytest.approx(float(result["total"]))
    chen = next(result for result in data["results"] if result["person"] == "chen")
    clawback = next(line for line in chen["lines"] if line["kind"] == "clawback")
    assert clawback["amount"] == "-1450.00" and clawback["deals"][0]["deal"] == "D2502-17"


def test_evaluate_to_xlsx_and_feed_its_history_sheet_into_the_next_month(tmp_path, capsys):
    actuals = write(tmp_path, "actuals.csv", "person,team,units_delivered\nwang,A,4\n")
    targets = write(tmp_path, "targets.csv", "person,team,units_delivered\nwang,A,10\n")
    deals = write(tmp_path, "deals.csv", "deal,delivered_on,unwound_on,person\nD1,2025-03-02,,wang\n"
                                         "D2,2025-03-05,2025-04-03,wang\nD3,2025-04-08,,wang\n")
    plan = write(tmp_path, "plan.yaml", PLAN)
    march = tmp_path / "march.xlsx"
    assert main(["plan", "evaluate", plan, "--actuals", actuals, "--targets", targets, "--deals", deals,
                 "--period", "2025-03", "--output", str(march)]) == 0
    workbook = load_workbook(march)
    assert workbook.sheetnames == ["summary", "indicators", "lines", "deals", "gates", "history"]
    assert [row[5] for row in workbook["lines"].iter_rows(min_row=2, values_only=True)] == [1200, 400]
    april = tmp_path / "april.json"
    assert main(["plan", "evaluate", plan, "--actuals", actuals, "--targets", targets, "--deals", deals,
                 "--history", str(march), "--period", "2025-04", "--output", str(april)]) == 0
    (result,) = json.loads(april.read_text(encoding="utf-8"))["results"]
    assert [(line["kind"], line["amount"]) for line in result["lines"]] == [
        ("base_pay", "1200.00"), ("per_unit", "200.00"), ("clawback", "-200.00")]
    capsys.readouterr()


@pytest.mark.parametrize(("name", "text", "message"), [
    pytest.param("actuals.csv", "person,team,units_delivered\nwang,A,4\nli,A,abc\n",
                 "actuals.csv row 3, column units_delivered: 'abc' is not a number", id="not-a-number"),
    pytest.param("actuals.csv", "person,team,units_sold\nwang,A,4\n",
                 "actuals.csv row 1, column units_sold: unknown metric 'units_sold'", id="unknown-metric-column"),
    pytest.param("actuals.csv", "name,team,units_delivered\nwang,A,4\n",
                 "actuals.csv row 1: column 'person' is missing", id="missing-person-column"),
    pytest.param("deals.csv", "deal,delivered_on,person,share\nD1,2025-03-01,wang,60\nD1,,li,30\n",
                 "deal D1: shares sum to 90, not 100", id="split-credit-not-100"),
    pytest.param("deals.csv", "deal,delivered_on,person\nD1,2025-13-01,wang\n",
                 "deals.csv row 2, column delivered_on: '2025-13-01' is not a date", id="bad-date"),
    pytest.param("actuals.txt", "person\nwang\n", "only .csv and .xlsx files can be read", id="unknown-file-type"),
])
def test_input_errors_name_the_row_and_column(tmp_path, capsys, name, text, message):
    files = {"actuals.csv": "person,team,units_delivered\nwang,A,4\n", "deals.csv": None}
    files[name] = text
    args = ["plan", "evaluate", write(tmp_path, "plan.yaml", PLAN), "--period", "2025-03",
            "--actuals", write(tmp_path, name if name.startswith("actuals") else "actuals.csv",
                               files.get(name if name.startswith("actuals") else "actuals.csv") or "")]
    if name == "deals.csv":
        args += ["--deals", write(tmp_path, name, text)]
    assert main(args) == 1
    assert message in capsys.readouterr().out


def test_evaluate_reports_an_invalid_plan_instead_of_running(tmp_path, capsys):
    actuals = write(tmp_path, "actuals.csv", "person,team,units_delivered\nwang,A,4\n")
    plan = write(tmp_path, "plan.yaml", PLAN.replace("{volume: 100}", "{volume: 99}"))
    assert main(["plan", "evaluate", plan, "--actuals", actuals, "--period", "2025-03"]) == 1
    assert "weights default sum to 99, not 100" in capsys.readouterr().out


def test_check_prints_structural_and_semantic_errors_in_one_pass(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", PLAN.replace("{volume: 100}", "{volume: 90}").replace("per_unit", "per_car"))
    assert main(["plan", "check", path]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:9:3: weights default sum to 90, not 100",
        f"{path}:14:22: kind: 'per_car' is not one of per_unit, percent, tiers, fine, formula",
    ]


@pytest.mark.parametrize("period", [None, "2025-13"])
def test_evaluate_refuses_a_missing_or_bad_period(tmp_path, capsys, period):
    actuals = write(tmp_path, "actuals.csv", "person,team,units_delivered\nwang,A,4\n")
    args = ["plan", "evaluate", write(tmp_path, "plan.yaml", PLAN), "--actuals", actuals]
    assert main(args + (["--period", period] if period else [])) == 2
    assert ("the following arguments are required: --period" if period is None
            else "'2025-13' is not a period written YYYY-MM") in capsys.readouterr().err


def test_evaluate_says_so_when_a_deals_person_is_not_in_the_actuals(tmp_path, capsys):
    actuals = write(tmp_path, "actuals.csv", "person,team,units_delivered\nwang,A,4\n")
    targets = write(tmp_path, "targets.csv", "person,team,units_delivered\nwang,A,10\n")
    deals = write(tmp_path, "deals.csv", "deal,delivered_on,person,share\nD1,2025-03-02,wang,50\nD1,,wnag,50\n"
                                         "D2,2025-04-02,zhao,100\n")
    assert main(["plan", "evaluate", write(tmp_path, "plan.yaml", PLAN), "--actuals", actuals, "--targets", targets,
                 "--deals", deals, "--period", "2025-03"]) == 0
    out = capsys.readouterr().out
    assert "warning: deal D1 is credited to 'wnag', who is not in the actuals file: nobody is paid or clawed back " \
           "for that share" in out
    assert "zhao" not in out  # D2 is April's


def test_a_persons_error_is_shown_and_fails_the_run(tmp_path, capsys):
    actuals = write(tmp_path, "actuals.csv", "person,team,units_delivered\nwang,A,4\n")
    assert main(["plan", "evaluate", write(tmp_path, "plan.yaml", PLAN), "--actuals", actuals,
                 "--period", "2025-03"]) == 1
    assert "ERROR target.units_delivered is missing for wang" in capsys.readouterr().out


def test_usage_errors_exit_with_2(capsys):
    assert main(["plan", "evaluate", "plan.yaml"]) == 2
    assert "--actuals" in capsys.readouterr().err

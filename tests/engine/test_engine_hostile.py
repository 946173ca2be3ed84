"""Every document gets an answer: a plan or its errors, all of them in one pass, never a traceback. Hostile
documents (from the Hardening issue) are refused at check time with errors, as are numbers and depths no
evaluation could use; what still overflows at evaluation is the person's error, not the run's."""

from pathlib import Path

import pytest
from engine_helpers import HEAD, D, deal, plan_from, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealerkpi.plans.engine.cli import main
from dealerkpi.plans.engine.loader import PlanInvalid
from dealerkpi.plans.engine.validate import check_plan_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
INDICATOR = """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear}}
weights:
  default: {volume: 100}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as caught:
        check_plan_text(text)
    return [str(error) for error in caught.value.errors]


def test_structural_and_semantic_errors_are_reported_in_one_pass():
    text = HEAD + INDICATOR.replace("{volume: 100}", "{volume: 90}") + "gates:\n  g: {when: ghost > 1, multiply: 0}\n" \
        "pay:\n  p: {kind: per_car, amount: 5}\n"
    assert errors_of(text) == [
        "9:3: weights default sum to 90, not 100",
        "11:13: gate g: unknown metric 'ghost' in 'ghost'",
        "13:13: kind: 'per_car' is not one of per_unit, percent, tiers, fine, formula",
    ]


def test_an_element_with_a_structural_error_is_not_checked_again_for_what_follows_from_it():
    # the misspelt target is one error; "this scoring needs a target" would only repeat it
    text = HEAD + INDICATOR.replace("target: person", "targt: person")
    assert errors_of(text) == ["7:37: unknown key 'targt'; expected one of label, metric, value, target, scope, "
                               "direction, scoring"]


NESTED = "plan: x\nrole: y\nlabel: " + "[" * 5000 + "]" * 5000 + "\n"
CHAIN = HEAD + "derived:\n  d0: units_delivered\n" + "".join(f"  d{n}: d{n - 1} + 1\n" for n in range(1, 3000))
CHAIN_LAST_FIRST = HEAD + "derived:\n" + "".join(f"  d{n}: d{n + 1} + 1\n" for n in range(2999)) + \
    "  d2999: units_delivered\n"


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(HEAD + "guaranteed_minimum: .inf\n", "guaranteed_minimum: .inf is not a finite number", id="inf"),
    pytest.param(HEAD + "guaranteed_minimum: -.inf\n", "-.inf is not a finite number", id="minus-inf"),
    pytest.param(HEAD + "guaranteed_minimum: .nan\n", ".nan is not a finite number", id="nan"),
    pytest.param(HEAD + 'guaranteed_minimum: "NaN"\n', "guaranteed_minimum: NaN is not a finite number",
                 id="nan-as-text"),
    pytest.param(HEAD + "bonus:\n  base: 1e30\n  coefficients: [{from: 0, coefficient: 1}]\n",
                 "base: 1E+30 is too large: numbers in a plan are below 1,000,000,000,000", id="bonus-base-10-30"),
    pytest.param(HEAD + "bonus:\n  base: 1" + "0" * 30 + "\n  coefficients: [{from: 0, coefficient: 1}]\n",
                 "is too large", id="bonus-base-10-30-as-an-integer"),
    pytest.param(HEAD + "bonus:\n  base: " + "9" * 5000 + "\n  coefficients: [{from: 0, coefficient: 1}]\n",
                 "is not a finite number below 1,000,000,000,000", id="an-integer-of-5000-digits"),
    pytest.param(HEAD + "derived:\n  x: units_delivered * 10000000000000\n", "derived x: 10000000000000 is too large",
                 id="a-large-number-in-an-expression"),
    pytest.param(HEAD + "derived:\n  x: round(units_delivered, 99999999)\n",
                 "round() takes its decimal places as a whole number from 0 to 10", id="round-99999999-places"),
    pytest.param(HEAD + "derived:\n  x: round(units_delivered, units_delivered)\n",
                 "round() takes its decimal places as a whole number", id="round-places-not-a-number"),
    pytest.param(HEAD + "guaranteed_minimum: 0.00000000001\n", "has more than 10 decimal places",
                 id="too-many-decimal-places"),
    pytest.param(NESTED, "3:17: nested more than 10 levels deep", id="nesting-5000-deep"),
    pytest.param("plan: x\n" + "".join(" " * n + f"k{n}:\n" for n in range(200)), "nested more than 10 levels deep",
                 id="block-nesting-200-deep"),
    pytest.param(CHAIN, "derived d2999 is computed from a chain of 3000 derived values and indicators; at most 50",
                 id="a-chain-of-3000-derived-values"),
    pytest.param(CHAIN_LAST_FIRST, "derived d0 is computed from a chain of 3000", id="the-chain-written-last-first"),
    pytest.param(HEAD + "name: a\0b\n", "6:8: not valid YAML: character U+0000 is not allowed", id="nul-byte"),
    pytest.param("x" * 200_001, "longer than 200,000 characters", id="too-long"),
    pytest.param("- a\n- b\n", "a plan must be a YAML mapping", id="not-a-mapping"),
    pytest.param(HEAD + "indicators:\n  v: {metric: units_delivered, target: [1], scoring: {kind: linear}}\n",
                 "target must be a number or an expression", id="a-list-where-a-target-goes"),
    pytest.param(HEAD + "indicators:\n  v: {metric: 'units delivered', target: person, scoring: {kind: linear}}\n",
                 "target: unexpected 'delivered'", id="a-metric-name-that-is-no-name"),
    pytest.param(HEAD + "base: &b {kind: linear}\nindicators:\n  v: {metric: units_delivered, target: 1, scoring: "
                        "{<<: *b, floor: .inf}}\n", "floor: .inf is not a finite number", id="merge-key"),
])
def test_hostile_documents_are_answered_with_errors(text, expected):
    found = errors_of(text)
    assert any(expected in error for error in found), found


def test_the_check_command_answers_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "gbk.yaml"
    path.write_bytes((HEAD + "name: 销售顾问\n").encode("gb18030"))
    assert main(["plan", "check", str(path)]) == 1
    assert f"{path}:6:7: not UTF-8 text: byte 0xcf cannot be read; save the plan as UTF-8" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["nul", "nested", "chain"])
def test_the_check_command_answers_hostile_files_with_errors(tmp_path, capsys, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text({"nul": HEAD + "name: a\0b\n", "nested": NESTED, "chain": CHAIN_LAST_FIRST}[name],
                    encoding="utf-8")
    assert main(["plan", "check", str(path)]) == 1
    assert f"{path}:" in capsys.readouterr().out


def test_what_overflows_at_evaluation_is_the_persons_error_not_the_runs():
    plan = plan_from("derived:\n  huge: sales_amount * sales_amount * sales_amount\n"
                     "pay:\n  p: {kind: formula, amount: huge}\n")
    results = run(plan, {"wang": {"sales_amount": "999999999999"}, "li": {"sales_amount": "2"}})
    assert "is beyond the largest amount a statement holds" in results["wang"].error
    assert results["li"].total == D(8)


def test_round_of_a_figure_too_large_for_its_places_is_the_persons_error():
    plan = plan_from("derived:\n  x: round(sales_amount * sales_amount, 10)\npay:\n  p: {kind: formula, amount: 1}\n")
    result = run(plan, {"wang": {"sales_amount": "999999999999"}}, deals=(deal("D1", "2025-03-01"),))["wang"]
    assert "is too large to round to 10 places" in result.error


HOSTILE_VALUES = [".inf", ".nan", "'NaN'", "1e999999", "-1e30", "[]", "{}", "null", "''", "~", "[" * 11 + "]" * 11,
                  "!!binary aGk=", "2025-01-01", "*a", "&a x", "'a\tb'", "0x7fffffffffffffffffffffff", "yes", "'1,,0'",
                  "'round(1, 99)'", "'" + "(" * 30 + "1" + ")" * 30 + "'", "'units: 3-1'", "{units: 0-0}"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_anywhere_in_the_example_plan_gives_a_plan_or_errors(data):
    """The consultant plan with one value replaced by a hostile one: check_plan_text answers, never raises
    anything but PlanInvalid."""
    lines = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8").splitlines()
    candidates = [n for n, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
    index = data.draw(st.sampled_from(candidates))
    key, _, _ = lines[index].partition(": ")
    lines[index] = f"{key}: {data.draw(st.sampled_from(HOSTILE_VALUES) | st.text(max_size=30))}"
    try:
        check_plan_text("\n".join(lines))
    except PlanInvalid as invalid:
        assert invalid.errors

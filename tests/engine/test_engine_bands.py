"""Bands written as a contract says them: "above 4,500", "up to 80", "11-20 cars", "21 and over"; the same words for
marginal and retroactive tiers; the check explains gaps and overlaps in those words. Older documents (from/to) keep
their meaning."""

import pytest
from engine_helpers import HEAD, D, deal, plan_from, run

from dealerkpi.plans.engine.loader import PlanInvalid, load_plan_text
from dealerkpi.plans.engine.validate import check_plan

SCORE = """\
indicators:
  accessories:
    metric: accessories_per_unit
    scoring:
      kind: steps
      on: actual
      bands:
BANDS
weights:
  default: {accessories: 100}
"""


def score_plan(bands: str):
    return plan_from(SCORE.replace("BANDS", bands))


def errors_of(body: str) -> list[str]:
    with pytest.raises(PlanInvalid) as caught:
        check_plan(load_plan_text(HEAD + body))
    return [str(error) for error in caught.value.errors]


@pytest.mark.parametrize(("level", "score"), [
    pytest.param("4500", "60", id="up-to-4500-holds-4500"),
    pytest.param("4500.01", "100", id="above-4500-starts-just-above"),
    pytest.param("0", "60", id="the-first-band-from-0"),
])
def test_above_and_up_to_say_which_band_holds_the_bound(level, score):
    plan = score_plan("        - {from: 0, up_to: 4500, score: 60}\n        - {above: 4500, score: 100}\n")
    result = run(plan, {"wang": {"accessories_per_unit": level}})["wang"]
    assert result.indicators[0].score == D(score)


def test_below_is_to_and_older_documents_keep_their_meaning():
    older = score_plan("        - {to: 70, score: 0}\n        - {from: 70, to: 80, score: 60}\n"
                       "        - {from: 80, score: 100}\n")
    newer = score_plan("        - {below: 70, score: 0}\n        - {from: 70, below: 80, score: 60}\n"
                       "        - {from: 80, score: 100}\n")
    for level, score in (("69.99", "0"), ("70", "60"), ("80", "100")):
        assert run(older, {"wang": {"accessories_per_unit": level}})["wang"].indicators[0].score == D(score)
        assert run(newer, {"wang": {"accessories_per_unit": level}})["wang"].indicators[0].score == D(score)
    assert older.indicators[0].scoring.table.bands[1].__str__() == "[70, 80) -> 60"  # the trace words as before


CARS = """\
pay:
  volume_award:
    kind: tiers
    method: {method}
    tiers:
      - {{units: 1-10, amount: 300}}
      - {{units: 11-20, amount: 400}}
      - {{units: 21+, amount: 500}}
"""


@pytest.mark.parametrize(("method", "cars", "expected"), [
    # marginal: the 1st to the 10th car at 300, the 11th to the 20th at 400, from the 21st at 500
    pytest.param("marginal", 10, 3000, id="marginal-10-cars-all-in-the-first-band"),
    pytest.param("marginal", 11, 3400, id="marginal-the-11th-car-is-paid-400"),
    pytest.param("marginal", 21, 7500, id="marginal-the-21st-car-is-paid-500"),
    # retroactive: 1 to 10 cars at 300 each, 11 to 20 cars at 400 each, 21 cars and over at 500 each
    pytest.param("retroactive", 10, 3000, id="retroactive-10-cars-at-300"),
    pytest.param("retroactive", 11, 4400, id="retroactive-11-cars-at-400"),
    pytest.param("retroactive", 20, 8000, id="retroactive-20-cars-at-400"),
    pytest.param("retroactive", 21, 10500, id="retroactive-21-cars-at-500"),
])
def test_units_bands_mean_the_same_cars_for_marginal_and_retroactive_tiers(method, cars, expected):
    deals = tuple(deal(f"D{n:02d}", "2025-03-03") for n in range(cars))
    result = run(plan_from(CARS.format(method=method)), {"wang": {}}, deals=deals)["wang"]
    assert result.lines[0].amount == D(expected)


def test_a_retroactive_band_above_a_bound_is_reached_only_beyond_it():
    plan = plan_from("pay:\n  a:\n    kind: tiers\n    basis: accessories_amount\n    method: retroactive\n"
                     "    tiers:\n      - {from: 0, up_to: 4500, percent: 3}\n      - {above: 4500, percent: 8}\n")
    exactly = run(plan, {"wang": {}}, deals=(deal("D1", "2025-03-03", accessories_amount=4500),))["wang"]
    beyond = run(plan, {"wang": {}}, deals=(deal("D1", "2025-03-03", accessories_amount=4600),))["wang"]
    assert (exactly.lines[0].amount, beyond.lines[0].amount) == (D(135), D(368))


@pytest.mark.parametrize(("bands", "expected"), [
    pytest.param("{to: 20, score: 0}\n        - {from: 21, score: 1}",
                 "gap between 20 and 21: values from 20 and below 21 fall in no band", id="gap-from-to"),
    pytest.param("{up_to: 20, score: 0}\n        - {from: 21, score: 1}",
                 "gap between 20 and 21: values above 20 and below 21 fall in no band; for whole units (cars) "
                 "write units: 11-20 and units: 21+", id="gap-a-contract-of-whole-cars-written-as-numbers"),
    pytest.param("{below: 4500, score: 0}\n        - {above: 4500, score: 1}",
                 "gap between 4500 and 4500: 4500 itself is in no band (the band before ends below 4500, "
                 "this one above 4500)", id="gap-of-one-value"),
    pytest.param("{up_to: 4500, score: 0}\n        - {from: 4500, score: 1}",
                 "band from 4500 overlaps the band before, which ends up to 4500: 4500 is in both; write "
                 "above: 4500 here or below: 4500 there", id="overlap-of-one-value"),
    pytest.param("{up_to: 80, score: 0}\n        - {from: 70, score: 1}",
                 "band from 70 overlaps the band before, which ends up to 80: values from 70 up to 80 are in both",
                 id="overlap"),
    pytest.param("{units: 1-10, score: 0}\n        - {units: 12+, score: 1}",
                 "gap between 11 and 12: unit 11 is in no band", id="units-gap"),
    pytest.param("{units: 1-10, score: 0}\n        - {units: 8-20, score: 1}\n        - {units: 21+, score: 2}",
                 "band at unit 8 overlaps the band before, which ends at unit 10: units 8-10 are in both",
                 id="units-overlap"),
    pytest.param("{units: 1-10, score: 0}\n        - {from: 11, score: 1}",
                 "count whole units in every band or in none", id="units-in-some-bands-only"),
    pytest.param("{units: 20-11, score: 0}", "units: '20-11' is not a range of whole units", id="units-backwards"),
    pytest.param("{from: 1, above: 1, score: 0}", "a band starts from a value (included) or above it",
                 id="two-starts"),
    pytest.param("{from: 0, to: 100, score: 0}",
                 "'to: 100' on the last band does not say whether 100 is in it: write below: 100 (left out) or "
                 "up_to: 100 (in it)", id="to-on-the-last-band-is-ambiguous"),
])
def test_the_check_explains_gaps_and_overlaps_in_the_words_of_the_bands(bands, expected):
    found = errors_of(SCORE.replace("BANDS", f"        - {bands}\n"))
    assert any(expected in error for error in found), found


@pytest.mark.parametrize(("rule", "expected"), [
    pytest.param("kind: tiers\n    basis: front_gross_profit\n    tiers: [{units: 1+, percent: 3}]",
                 "the basis front_gross_profit is counted in yuan, not in units", id="units-of-money"),
    pytest.param("kind: tiers\n    on: attainment\n    tiers: [{units: 1+, amount: 3}]",
                 "on attainment, its bounds are percentages", id="units-of-attainment"),
    pytest.param("kind: tiers\n    tiers: [{units: 2+, amount: 3}]",
                 "the first band must start at the first unit", id="cumulative-units-start-at-the-first"),
])
def test_units_bands_only_where_the_level_counts_units(rule, expected):
    found = errors_of(f"pay:\n  t:\n    {rule}\n")
    assert any(expected in error for error in found), found


def test_bonus_coefficients_cannot_count_units():
    found = errors_of("bonus:\n  base: 1000\n  coefficients: [{units: 1-59, coefficient: 0}, {units: 60+, "
                      "coefficient: 1}]\n")
    assert any("the total score is a score" in error for error in found), found

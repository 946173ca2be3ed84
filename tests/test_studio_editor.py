"""A draft is written in the browser: the YAML editor checks the document as `plan check` does, each error at its
line in the reader's language; the structured form changes weights, targets' sources, band tables and amounts by
writing the value in place in the document; both only for those who write the plan, while it is being written."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dealerkpi.plans.engine import PlanInvalid, check_plan_text
from dealerkpi.plans.models import Plan, publish_version
from dealerkpi.studio import workflow
from dealerkpi.studio.editor_errors import checked
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.structured import StructuredForm, digest
from tests.world import World, build_world, signed_in

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
CONSULTANT_PLAN = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
TIER = "      - {from: 3, to: 5, amount: 200}\n"
pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    """S1's own consultant plan, v1 from January, and a draft of its next version started by the sales manager."""
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, store=world.stores["S1"], code="consultant-s1",
                               name="S1顾问方案", role="consultant")
    publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
    world.draft = workflow.start_draft(plan, world.users["m1"])  # type: ignore[attr-defined]
    return world


def draft_of(world: World) -> PlanDraft:
    draft: PlanDraft = world.draft  # type: ignore[attr-defined]
    draft.refresh_from_db()
    return draft


def errors_of(client: Client, draft: PlanDraft, document: str) -> list[dict[str, object]]:
    response = client.post(reverse("draft-validate", args=[draft.pk]), {"document": document})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)["errors"]


def line_of(document: str, text: str) -> int:
    return document[:document.index(text)].count("\n") + 1


def form_data(form: StructuredForm, **changed: str) -> dict[str, str]:
    """The form's values as shown, with the values at the dotted paths given changed (``pay.x.tiers.1.amount``)."""
    data = {name: "" if form[name].value() is None else str(form[name].value()) for name in form.fields}
    by_path = {cell.dotted: cell.name for cell in form.layout.cells} if form.layout else {}
    for dotted, value in changed.items():
        path, _sep, fixed = dotted.partition(":")
        data[by_path[path] + ("_fixed" if fixed else "")] = value
    return data


def structured(document: str, **changed: str) -> StructuredForm:
    plan, problems = checked(document)
    assert plan is not None, problems
    form = StructuredForm(document, plan, "consultant")
    return StructuredForm(document, plan, "consultant", data=form_data(form, **changed))


# --- who may open the editor ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "status"), [
    ("m1", 200), ("hr1", 200),  # the store's sales manager and HR write its plan
    ("gm1", 403),  # approves it, never writes it
    ("c1", 404), ("sup1", 404),  # read plans, not drafts
    ("m2", 404),  # another store's sales manager: S1's own plan is not theirs to read
    ("ho_g2", 404), ("nostaff", 404),
])
@pytest.mark.parametrize("url", ["draft-edit", "draft-form"])
def test_only_those_who_write_the_plan_open_its_draft_in_the_editor_and_the_form(world, username, status, url):
    assert signed_in(username).get(reverse(url, args=[draft_of(world).pk])).status_code == status


@pytest.mark.parametrize(("username", "status"), [("m1", 200), ("gm1", 403), ("c1", 404), ("m2", 404)])
def test_the_check_answers_those_who_write_the_draft_alone(world, username, status):
    response = signed_in(username).post(reverse("draft-validate", args=[draft_of(world).pk]), {"document": "x"})
    assert response.status_code == status


def test_a_proposed_draft_is_no_longer_edited(world):
    draft = draft_of(world)
    workflow.save_draft(draft, draft.document.replace("amount: 200}", "amount: 250}", 1), draft.effective_from, "")
    draft = workflow.propose(draft, world.users["m1"], "第二档提高")
    client = signed_in("m1")
    for url in ("draft-edit", "draft-form"):
        assert client.get(reverse(url, args=[draft.pk])).status_code == 403
    assert client.post(reverse("draft-validate", args=[draft.pk]), {"document": "x"}).status_code == 403
    response = client.post(reverse("draft-edit", args=[draft.pk]), {"document": "x", "effective_from": "2030-01",
                                                                      "base": digest(draft.document)})
    assert response.status_code == 403 and draft_of(world).document == draft.document


def test_the_editor_sends_its_document_to_the_check_and_offers_the_preview_once_there_is_one(world):
    draft = draft_of(world)
    page = signed_in("m1").get(reverse("draft-edit", args=[draft.pk])).content.decode()
    assert f'data-validate-url="{reverse("draft-validate", args=[draft.pk])}"' in page
    assert "vendor/codemirror/codemirror.js" in page and "studio/editor.js" in page
    assert "The plan passes every check." in page
    try:
        preview = reverse("draft-preview", args=[draft.pk])
    except NoReverseMatch:
        preview = None
    assert ('data-testid="preview-form"' in page) is (preview is not None)
    if preview is not None:
        assert f'hx-get="{preview}"' in page and f'<option value="{world.staff["c1"].pk}"' in page


# --- the check while typing ----------------------------------------------------------------------------------------


def test_the_check_gives_each_error_of_plan_check_at_its_line_and_column(world):
    document = CONSULTANT_PLAN.replace("    volume: 35\n", "    volume: 30\n").replace(
        "metric: new_leads", "metric: new_leeds")
    errors = errors_of(signed_in("m1"), draft_of(world), document)
    with pytest.raises(PlanInvalid) as invalid:
        check_plan_text(document)
    assert [(error["line"], error["column"]) for error in errors] == [
        (error.pos.line, error.pos.column) for error in invalid.value.errors]
    said = {error["line"]: error["message"] for error in errors}
    assert said[line_of(document, "  default:")] == "the weights of Standard weights add up to 95, not 100"
    assert said[line_of(document, "  new_customers:")] == "indicator new_customers: there is no metric “new_leeds”"
    assert errors[0]["where"] == f"Line {errors[0]['line']}, column {errors[0]['column']}"


def test_yaml_that_does_not_parse_is_an_error_at_its_line_and_a_valid_plan_has_none(world):
    client, draft = signed_in("m1"), draft_of(world)
    broken = CONSULTANT_PLAN.replace("    method: retroactive\n", "    method: [retroactive\n")
    errors = errors_of(client, draft, broken)
    assert len(errors) == 1 and str(errors[0]["message"]).startswith("not valid YAML")
    assert errors[0]["line"] >= line_of(broken, "method: [retroactive")
    assert errors_of(client, draft, CONSULTANT_PLAN) == []


def test_the_check_speaks_the_readers_language(world):
    client = signed_in("m1")
    client.cookies["django_language"] = "zh-hans"
    document = CONSULTANT_PLAN.replace("    volume: 35\n", "    volume: 30\n")
    errors = errors_of(client, draft_of(world), document)
    assert errors[0]["line"] == line_of(document, "  default:")
    assert "标准权重" in str(errors[0]["message"])  # the weight set as the plan page names it, not "default"


@pytest.mark.parametrize("document", ["", "\x00", "a" * 200_001, "[" * 5000, "&a [*a]", "- 1\n- 2", "plan: {"])
def test_any_text_gets_errors_from_the_check_never_a_server_error(world, document):
    response = signed_in("m1").post(reverse("draft-validate", args=[draft_of(world).pk]), {"document": document})
    assert response.status_code == 200 and json.loads(response.content)["errors"]


def test_the_check_takes_only_a_post(world):
    assert signed_in("m1").get(reverse("draft-validate", args=[draft_of(world).pk])).status_code == 405


# --- saving from the editor -----------------------------------------------------------------------------------------


def save(client: Client, draft: PlanDraft, document: str, month: str = "2030-03", base: str | None = None):
    return client.post(reverse("draft-edit", args=[draft.pk]), {
        "document": document, "effective_from": month, "note": "二档提高", "base": base or digest(draft.document)})


def test_the_editor_saves_the_document_month_and_note_even_with_errors_and_lists_them(world):
    client, draft = signed_in("m1"), draft_of(world)
    invalid = CONSULTANT_PLAN.replace("    volume: 35\n", "    volume: 30\n").replace("\n", "\r\n")
    response = save(client, draft, invalid)
    assert response.status_code == 302
    draft = draft_of(world)
    assert draft.document == invalid.replace("\r\n", "\n") and draft.effective_from == datetime.date(2030, 3, 1)
    assert draft.note == "二档提高"
    page = client.get(reverse("draft-edit", args=[draft.pk])).content.decode()
    assert "Draft saved." in page and "add up to 95, not 100" in page


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13", "", "x"])
def test_a_month_that_is_not_one_is_a_field_error_and_saves_nothing(world, month):
    response = save(signed_in("m1"), draft_of(world), "plan: x", month)
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert draft_of(world).document == CONSULTANT_PLAN


def test_a_save_over_a_change_made_meanwhile_is_refused_then_taken_when_made_again(world):
    client, draft = signed_in("m1"), draft_of(world)
    opened = digest(draft.document)
    workflow.save_draft(draft, CONSULTANT_PLAN + "# hr1's change\n", draft.effective_from, "")
    response = save(client, draft, CONSULTANT_PLAN.replace(TIER, TIER.replace("200", "250")), base=opened)
    assert response.status_code == 400 and "Someone saved this draft after you opened it" in response.content.decode()
    assert draft_of(world).document.endswith("# hr1's change\n")
    again = response.content.decode().split('name="base" value="', 1)[1].split('"', 1)[0]
    assert save(client, draft, "plan: mine", base=again).status_code == 302
    assert draft_of(world).document == "plan: mine"


# --- the structured form ------------------------------------------------------------------------------------------


def test_the_form_changes_one_tier_and_nothing_else_of_the_document():
    form = structured(CONSULTANT_PLAN, **{"pay.volume_award.tiers.1.amount": "250"})
    assert form.is_valid(), form.errors
    assert form.new_document == CONSULTANT_PLAN.replace(TIER, TIER.replace("200", "250"))


def test_the_form_written_back_unchanged_is_the_document_as_it_was_comments_and_all():
    form = structured(CONSULTANT_PLAN)
    assert form.is_valid(), form.errors
    assert form.new_document == CONSULTANT_PLAN
    assert "# 销售顾问绩效方案" in form.new_document and "# not rated: a standard 8 of 10" in form.new_document


def test_the_form_shows_weights_targets_bands_and_amounts_in_words():
    form = structured(CONSULTANT_PLAN)
    paths = {cell.dotted for cell in form.layout.cells}
    assert {"weights.default.volume", "weights.introduction.showroom", "indicators.volume.target",
            "indicators.insurance.scoring.bands.2.score", "bonus.coefficients.1.coefficient", "bonus.base",
            "base_pay.1.amount", "pay.volume_award.tiers.3.from", "pay.unit_award.by_model.XLCH",
            "pay.price_breach.amount", "limits.1.floor", "draw.amount"} <= paths
    titles = [grid.title for grid in form.grids]
    assert "Tiers of 全额累进销量奖" in titles and "Score bands of 保险渗透率" in titles
    weights = next(grid for grid in form.grids if grid.section == "Weights")
    assert weights.headings == ("", "Standard weights", "Introduction") and weights.rows[0].label == "销量 (台)"


def test_changing_a_targets_source_writes_its_word_or_number():
    form = structured(CONSULTANT_PLAN, **{"indicators.volume.target": "team",
                                          "indicators.follow_up.target": "fixed",
                                          "indicators.follow_up.target:fixed": "90"})
    assert form.is_valid(), form.errors
    assert "    metric: units_delivered\n    target: team\n" in form.new_document
    assert "    metric: follow_up_compliance\n    target: 90\n" in form.new_document
    assert check_plan_text(form.new_document).indicator("volume").target.source == "team.target.units_delivered"


@pytest.mark.parametrize(("changed", "field", "message"), [
    ({"pay.volume_award.tiers.1.amount": "-5"}, "pay.volume_award.tiers.1.amount", "greater than or equal to 0"),
    ({"pay.volume_award.tiers.1.amount": "1e999"}, "pay.volume_award.tiers.1.amount", ""),
    ({"pay.volume_award.tiers.1.amount": "abc"}, "pay.volume_award.tiers.1.amount", "Enter a number"),
    ({"pay.volume_award.tiers.2.from": "6"}, "pay.volume_award.tiers.2.from", "fall in no band"),  # not increasing
    ({"pay.volume_award.tiers.1.to": "6"}, "pay.volume_award.tiers.2.from", "overlaps the band before"),
    ({"indicators.follow_up.target": "fixed", "indicators.follow_up.target:fixed": ""},
     "indicators.follow_up.target:fixed", "Enter the fixed target"),
])
def test_bad_values_are_errors_at_their_fields_and_write_nothing(changed, field, message):
    form = structured(CONSULTANT_PLAN, **changed)
    assert not form.is_valid()
    path, _sep, fixed = field.partition(":")
    name = next(cell.name for cell in form.layout.cells if cell.dotted == path) + ("_fixed" if fixed else "")
    assert message in " ".join(form.errors[name]), form.errors


def test_weights_that_do_not_add_up_are_an_error_of_the_weights_table():
    form = structured(CONSULTANT_PLAN, **{"weights.default.volume": "30"})
    assert not form.is_valid()
    weights = next(grid for grid in form.grids if grid.section == "Weights")
    assert weights.errors == ["the weights of Standard weights add up to 95, not 100"]
    assert any("add up to 95" in error for error in form.non_field_errors())


def test_units_bands_are_written_as_whole_cars():
    document = CONSULTANT_PLAN.replace("""      - {from: 0, to: 3, amount: 0}
      - {from: 3, to: 5, amount: 200}
      - {from: 5, to: 7, amount: 300}
      - {from: 7, amount: 400}""", """      - {units: 1-2, amount: 0}
      - {units: 3-4, amount: 200}
      - {units: 5+, amount: 300}""")
    form = structured(document, **{"pay.volume_award.tiers.1.units": "3 - 5", "pay.volume_award.tiers.2.units": "6"})
    assert not form.is_valid()  # the last band of cumulative tiers runs on without end
    form = structured(document, **{"pay.volume_award.tiers.1.units": "3 - 5", "pay.volume_award.tiers.2.units": "6+"})
    assert form.is_valid(), form.errors
    assert "{units: 3-5, amount: 200}" in form.new_document and "{units: 6+, amount: 300}" in form.new_document


def test_a_manager_changes_a_tier_in_the_form_and_sees_it_in_the_drafts_document(world):
    client, draft = signed_in("m1"), draft_of(world)
    form = client.get(reverse("draft-form", args=[draft.pk])).context["form"]
    response = client.post(reverse("draft-form", args=[draft.pk]),
                            form_data(form, **{"pay.volume_award.tiers.1.amount": "250"}))
    assert response.status_code == 302
    assert draft_of(world).document == CONSULTANT_PLAN.replace(TIER, TIER.replace("200", "250"))
    page = client.get(response["Location"]).content.decode()
    assert "Pay rule 全额累进销量奖, tier 2, amount: 200 → 250" in page
    assert "250" in client.get(reverse("draft-edit", args=[draft.pk])).content.decode()


def test_a_form_over_a_draft_changed_meanwhile_is_refused(world):
    client, draft = signed_in("m1"), draft_of(world)
    form = client.get(reverse("draft-form", args=[draft.pk])).context["form"]
    workflow.save_draft(draft, CONSULTANT_PLAN.replace("    volume: 35\n", "    volume: 35  # kept\n"),
                        draft.effective_from, "")
    response = client.post(reverse("draft-form", args=[draft.pk]),
                           form_data(form, **{"pay.volume_award.tiers.1.amount": "250"}))
    assert response.status_code == 400 and "changed since this form was opened" in response.content.decode()
    assert "amount: 200}" in draft_of(world).document


def test_a_draft_that_is_no_valid_plan_sends_the_writer_to_the_editor(world):
    client, draft = signed_in("m1"), draft_of(world)
    workflow.save_draft(draft, "plan: [", draft.effective_from, "")
    page = client.get(reverse("draft-form", args=[draft.pk])).content.decode()
    assert 'data-testid="form-unavailable"' in page and "not valid YAML" in page
    assert client.post(reverse("draft-form", args=[draft.pk]), {"v0": "1"}).status_code == 200
    assert draft_of(world).document == "plan: ["


def test_hostile_values_in_the_form_are_field_errors(world):
    client, draft = signed_in("m1"), draft_of(world)
    form = client.get(reverse("draft-form", args=[draft.pk])).context["form"]
    for value in ("99999999999999999999999", "NaN", "-1e999", "\x00", "²", "Infinity"):
        data = {name: value for name in form_data(form)}
        data["base"] = digest(CONSULTANT_PLAN)
        assert client.post(reverse("draft-form", args=[draft.pk]), data).status_code == 400
    assert draft_of(world).document == CONSULTANT_PLAN
    assert Decimal("200") in {Decimal(str(form[cell.name].value())) for cell in form.layout.cells
                              if cell.kind == "amount"}


def test_a_computed_target_is_kept_as_written_unless_another_source_is_chosen():
    document = CONSULTANT_PLAN.replace("    metric: new_leads\n    target: person\n",
                                       "    metric: new_leads\n    target: target.new_leads * 1.1\n")
    form = structured(document)
    cell = next(cell for cell in form.layout.cells if cell.dotted == "indicators.new_customers.target")
    assert [code for code, _label in cell.choices] == ["person", "team", "fixed", "keep"]
    assert form.is_valid() and form.new_document == document
    chosen = structured(document, **{"indicators.new_customers.target": "person"})
    assert chosen.is_valid() and chosen.new_document == CONSULTANT_PLAN

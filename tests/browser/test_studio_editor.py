"""The sales manager writes a draft in the browser: types an error in the YAML editor and sees it flagged at its line,
fixes it and saves; changes a tier in the structured form, without YAML."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from dealerkpi.plans.models import Plan, publish_version
from dealerkpi.studio import workflow
from dealerkpi.studio.models import PlanDraft
from tests.browser.conftest import log_in, screenshot
from tests.world import build_world

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
CONSULTANT_PLAN = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
pytestmark = pytest.mark.django_db(transaction=True)


def a_draft() -> PlanDraft:
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, store=world.stores["S1"], code="consultant-s1",
                               name="S1顾问方案", role="consultant")
    publish_version(plan, CONSULTANT_PLAN, datetime.date(2026, 1, 1))
    return workflow.start_draft(plan, world.users["m1"])


def checks_done(page) -> int:
    return int(page.get_attribute("#draft-errors", "data-checked") or 0)


def test_a_manager_types_an_error_sees_it_at_its_line_fixes_it_and_saves(page) -> None:
    draft = a_draft()
    log_in(page, "m1")
    page.goto(f"/studio/drafts/{draft.pk}/edit/")
    editor = page.locator("[data-testid=code-editor]")
    assert editor.is_visible() and not page.locator("textarea.yaml-source").is_visible()
    weights_line = CONSULTANT_PLAN.splitlines().index("    volume: 35") + 1
    editor.click()  # the writer puts the cursor after "volume: 35" and types
    page.evaluate(f"document.querySelector('.CodeMirror').CodeMirror.setCursor({{line: {weights_line - 1}, ch: 14}})")
    page.locator("#draft-errors[data-checked='1']").wait_for()  # the check of the document as it was opened
    before = checks_done(page)
    page.keyboard.press("Backspace")
    page.keyboard.type("0")  # volume: 30: the standard weights add up to 95
    page.locator(f"#draft-errors[data-checked='{before + 1}']").wait_for()
    marker = page.locator(".CodeMirror-lint-marker-error")
    marker.first.wait_for()
    flagged = page.locator(".CodeMirror-lint-line-error .CodeMirror-linenumber").all_inner_texts()
    assert flagged == [str(weights_line - 1)]  # the weight set's line, `default:`, as `plan check` says
    errors = page.locator("[data-testid=draft-errors] li")
    assert errors.count() == 1 and str(weights_line - 1) in errors.first.inner_text()
    assert "95" in errors.first.inner_text()
    screenshot(page, "studio-editor-error")

    before = checks_done(page)
    page.keyboard.press("Backspace")
    page.keyboard.type("5")
    page.locator(f"#draft-errors[data-checked='{before + 1}']").wait_for()
    assert page.locator(".CodeMirror-lint-marker-error").count() == 0
    assert page.locator("[data-testid=draft-errors] [data-role=ok]").is_visible()
    page.click("[data-testid=preview-form] button[type=submit]")  # htmx loads the preview under the form
    page.locator("#draft-preview [data-testid=preview-summary]").wait_for()  # swapped in, not only answered
    assert page.locator("#draft-preview").inner_text().strip()
    screenshot(page, "studio-editor-preview")
    page.fill("input[name=note]", "保留原权重")
    with page.expect_navigation():
        page.click("[data-testid=save]")
    draft.refresh_from_db()
    assert draft.document == CONSULTANT_PLAN and draft.note == "保留原权重"
    assert page.locator(".messages li").count() == 1


def test_a_manager_changes_a_tier_in_the_form_without_yaml(page) -> None:
    draft = a_draft()
    log_in(page, "m1")
    page.goto(f"/studio/drafts/{draft.pk}/form/")
    amount = page.locator("input[data-path='pay.volume_award.tiers.1.amount']")
    assert amount.input_value() == "200"
    screenshot(page, "studio-form")
    amount.fill("250")
    with page.expect_navigation():
        page.click("[data-testid=save-form]")
    draft.refresh_from_db()
    assert "      - {from: 3, to: 5, amount: 250}\n" in draft.document
    assert draft.document.replace("amount: 250}", "amount: 200}", 1) == CONSULTANT_PLAN
    assert "250" in page.locator(".messages").inner_text()
    assert page.locator("input[data-path='pay.volume_award.tiers.1.amount']").input_value() == "250"

    page.goto(f"/studio/drafts/{draft.pk}/diff/")
    change = page.locator("tr[data-path='pay.volume_award.tiers.1.amount']")
    assert "200" in change.inner_text() and "250" in change.inner_text()
    assert page.locator("table.document-diff tr.line-changed").count() == 1
    screenshot(page, "studio-diff")
    page.goto(f"/studio/drafts/{draft.pk}/form/")

    page.locator("input[data-path='pay.volume_award.tiers.2.from']").fill("6")  # leaves 5 in no band
    with page.expect_navigation():
        page.click("[data-testid=save-form]")
    field = page.locator("input[data-path='pay.volume_award.tiers.2.from']")
    assert field.locator("xpath=ancestor::td//span[@class='errors']").count() == 1
    screenshot(page, "studio-form-error")
    draft.refresh_from_db()
    assert "{from: 5, to: 7, amount: 300}" in draft.document

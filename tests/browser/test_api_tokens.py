"""The API in Chromium: a consultant makes a token on the tokens page (from the top bar), an integration reads
their A-cards with it, they revoke it and it opens nothing; Swagger UI loads from our own files under our CSP (the
page fixture fails on anything the policy refuses)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def leads_with(live_server: object, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{live_server.url}/api/v1/leads/",  # type: ignore[attr-defined]
                                     headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - the test's own server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, {}


def test_make_use_and_revoke_a_token(page, live_server) -> None:
    world = build_world()
    log_in(page, "c1")
    page.get_by_test_id("api-tokens").click()
    page.fill("input[name=name]", "DMS 夜间同步")
    page.get_by_test_id("token-form").locator("button[type=submit]").click()
    key = page.get_by_test_id("key").inner_text().strip()
    screenshot(page, "api-tokens")
    status, leads = leads_with(live_server, key)
    assert status == 200
    assert {row["owner"] for row in leads["results"]} == {world.staff["c1"].pk}
    page.get_by_test_id("revoke").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("revoke").count() == 0
    assert leads_with(live_server, key)[0] == 401


def test_swagger_ui_runs_under_our_policy(page) -> None:
    build_world()
    log_in(page, "m1")
    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".opblock-summary-path[data-path='/api/v1/leads/']").count() >= 1
    screenshot(page, "api-docs")

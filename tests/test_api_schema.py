"""The API's OpenAPI schema (drf-spectacular) is valid, its docs page is served from our static files under our
CSP, and schemathesis, driven by the schema, finds no 5xx and no response that does not match it: as a consultant
and as a manager, against the Django WSGI app in the test's database (the hand-built world with pay records)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from dealerkpi.api.tokens import create_token
from dealerkpi.wsgi import application
from tests.test_api import pay_world
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db
EXAMPLES = 8  # per operation and role: the whole file stays well under two minutes per database
WORLD_IDS = 30  # the hand-built world's records have ids up to about this
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_the_schema_generates_without_warnings(tmp_path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/leads/", "/api/v1/leads/{id}/follow-ups/", "/api/v1/runs/{id}/approve/",
                 "/api/v1/order-approvals/{id}/reject/", "/api/v1/statements/{id}/"):
        assert f"{path}:" in text
    assert "tokenAuth" in text and "cookieAuth" in text


def test_the_docs_page_runs_our_own_scripts_only() -> None:
    pay_world()
    client = Client()
    client.login(username="c1", password=PASSWORD)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    for src in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html):
        assert src.startswith("/"), f"{src}: served from elsewhere"
        assert client.get(src).status_code == 200, src


def cases_of(operation: object) -> st.SearchStrategy:
    """Requests that fit the schema and requests that do not; on a record's URL, mostly the ids of the world's
    records (small numbers), so that the answers are records and not only 404s."""
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(mode))
        if "{id}" in operation.path:
            strategies.append(st.integers(1, WORLD_IDS).flatmap(
                lambda pk, mode=mode: operation.as_strategy(mode, path_parameters={"id": pk})))
    return st.one_of(strategies)


@pytest.fixture
def connection_kept():
    """As Django's test client does: the request's end must not close the connection the test's transaction is on
    (schemathesis calls the WSGI app itself)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("connection_kept")
@pytest.mark.parametrize("username", ["c1", "m1"])
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(username: str) -> None:
    world = pay_world()
    key = create_token(world.users[username], "schemathesis").key
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @seed(sum(map(ord, operation.label)))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=cases_of(operation))
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": f"Token {key}"})
            case.validate_response(response, checks=CHECKS)

        call()

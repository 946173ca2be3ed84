"""Production settings, as docs/deploy.md has them: in child processes with the documented environment and none of
the test suite's (no PYTEST_VERSION: production mode), `check --deploy` and gunicorn behind the HTTPS proxy; in the
suite's own process, what needs logins and data: pay pages never stored, password rules, the login lockout."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dealerkpi.org.models import User
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from tests.test_runs import PLAN
from tests.world import PASSWORD, World, build_world

GUNICORN = Path(sys.executable).with_name("gunicorn")
PROXIED = {"X-Forwarded-Proto": "https", "X-Real-IP": "203.0.113.9"}  # what nginx adds (docs/deploy.md)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The documented production environment, on a scratch SQLite file and a scratch static root."""
    where = tmp_path_factory.mktemp("production")
    (where / "var").mkdir()
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{where / 'dealerkpi.sqlite3'}",
        "DEALERKPI_BEHIND_PROXY": "1",
        "DEALERKPI_TASKS_REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_STATIC_ROOT": str(where / "static"),
        "DEALERKPI_VAR": str(where / "var"),
    }


def dealerkpi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dealerkpi.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_check_deploy_finds_nothing_to_fix(production: dict[str, str]) -> None:
    checked = dealerkpi(production, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stderr


def test_without_a_secret_key_production_refuses_to_start(production: dict[str, str]) -> None:
    """The deploy check and the WSGI application refuse; a command that signs nothing still runs."""
    env = {name: value for name, value in production.items() if name != "DJANGO_SECRET_KEY"}
    refused = dealerkpi(env, "check", "--deploy")
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in refused.stderr
    served = subprocess.run([sys.executable, "-c", "import dealerkpi.wsgi"], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert served.returncode != 0 and "DJANGO_SECRET_KEY is not set" in served.stderr
    assert dealerkpi(env, "makemigrations", "--check", "--dry-run").returncode == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.fixture(scope="module")
def gunicorn(production: dict[str, str]) -> Iterator[int]:
    """gunicorn serving the production settings with debug off, after `collectstatic` (the admin's, DRF's and
    ECharts' files left out: compressing them takes the most time and adds nothing to what is checked)."""
    collected = dealerkpi(production, "collectstatic", "--noinput", "-i", "admin", "-i", "rest_framework",
                          "-i", "vendor")
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    log = Path(production["DEALERKPI_VAR"]) / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen([str(GUNICORN), "dealerkpi.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "1"], env=production, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/login/", PROXIED)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_pages_and_static_files_are_served_with_debug_off(gunicorn: int) -> None:
    page, body = get(gunicorn, "/login/", PROXIED)
    assert page.status == 200
    stylesheet = re.search(r'href="(/static/web/style\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
    script = re.search(r'src="(/static/web/shell\.[0-9a-f]{12}\.js)"', body.decode()).group(1)
    for path, kind in ((stylesheet, "text/css"), (script, "text/javascript")):
        response, content = get(gunicorn, path, PROXIED)
        assert (response.status, response.getheader("Content-Type").split(";")[0]) == (200, kind), path
        assert "immutable" in response.getheader("Cache-Control") and content


def test_https_only_behind_the_proxy(gunicorn: int) -> None:
    plain, _ = get(gunicorn, "/login/")
    assert plain.status == 301 and plain.getheader("Location") == f"https://127.0.0.1:{gunicorn}/login/"
    page, _ = get(gunicorn, "/login/", PROXIED)
    assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert "; Secure" in page.getheader("Set-Cookie")  # the CSRF cookie


def test_pages_carry_the_content_security_policy(gunicorn: int) -> None:
    page, _ = get(gunicorn, "/login/", PROXIED)
    policy = dict(directive.split(" ", 1) for directive in page.getheader("Content-Security-Policy").split("; "))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.fixture
def world() -> World:
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="consultant", name="顾问方案",
                               role="consultant")
    publish_version(plan, PLAN, Period(2026, 1).first_day)
    return world


@pytest.mark.django_db
def test_pay_pages_are_never_stored_and_other_pages_may_be(world: World, client: Client) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], Period(2026, 10)))
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])
    pages = {"m1": [("run-detail", [run.pk]), ("statement-detail", [statement.pk]), ("statement-pdf", [statement.pk]),
                    ("run-xlsx", [run.pk])],
             "c1": [("my-earnings", []), ("my-statements", [])]}
    for username, named in pages.items():
        client.force_login(world.users[username])
        for name, args in named:
            response = client.get(reverse(name, args=args))
            assert response.status_code == 200, name
            assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}, name
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "no-store" not in home.get("Cache-Control", "")


@pytest.mark.parametrize("password", ["12345678", "password", "c1c1c1c1"])
@pytest.mark.django_db
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, User(username="c1c1c1c1"))


@pytest.mark.django_db
def test_the_admin_creates_no_login_with_a_weak_password(world: World, client: Client) -> None:
    client.force_login(User.objects.get(username="admin"))
    add = reverse("admin:org_user_add")
    for password in ("12345678", "password"):
        form = {"username": "newcomer", "usable_password": "true", "password1": password, "password2": password}
        assert client.post(add, form).status_code == 200  # the form again, with the validators' messages
        assert not User.objects.filter(username="newcomer").exists()
    strong = "Qingdao-4S-spring!"
    client.post(add, {"username": "newcomer", "usable_password": "true", "password1": strong, "password2": strong})
    assert User.objects.get(username="newcomer").check_password(strong)


def log_in(client: Client, username: str, password: str) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


@pytest.mark.django_db
def test_a_login_is_locked_after_too_many_wrong_passwords(world: World, client: Client, settings) -> None:
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "c1", "wrong") == 200  # the form again
    locked = client.post(reverse("login"), {"username": "c1", "password": "wrong"})
    assert locked.status_code == 429
    assert b'data-testid="locked-out"' in locked.content
    assert log_in(client, "c1", PASSWORD) == 429, "the right password does not open a locked login"
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "c1", PASSWORD) == 302, "locked for that address only"
    assert log_in(client, "c2", PASSWORD) == 302, "other logins from the address are not locked"
    call_command("axes_reset_username", "c1")
    assert log_in(client, "c1", PASSWORD) == 302

"""Playwright driving Debian's Chromium against the live test server. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def one_request_at_a_time() -> Iterator[None]:
    """On SQLite in memory, the live server's request threads share the test's one connection. Two requests at once
    can deadlock inside sqlite3 (one holds the connection's mutex and waits for the GIL in a function Django gives
    SQLite, the other holds the GIL and waits for the mutex): CI hung on it. There, requests are served in turn."""
    if connection.vendor != "sqlite":
        yield
        return
    lock, served = threading.Lock(), WSGIHandler.__call__

    def serve(self: WSGIHandler, environ: dict, start_response: object) -> object:
        with lock:
            return served(self, environ, start_response)

    WSGIHandler.__call__ = serve  # type: ignore[method-assign]
    yield
    WSGIHandler.__call__ = served  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Debian's chromium is not installed at {CHROMIUM}; `make install` installs it")
        pytest.skip("Debian's chromium is not installed: `apt-get install chromium` to run the browser tests")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[object]:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    refused: list[str] = []  # what the Content Security Policy stopped: an inline script, a handler, another host
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    yield page
    context.close()
    assert refused == [], "the page needs what its Content Security Policy refuses"


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def both_widths(page: object, path: str, name: str) -> None:
    """Screenshots of ``path`` at desktop and phone width; the phone page must not scroll sideways."""
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    page.goto(path)  # type: ignore[attr-defined]
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    page.goto(path)  # type: ignore[attr-defined]
    screenshot(page, f"{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "no sideways scroll"  # type: ignore[attr-defined]
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]


def log_in(page: object, username: str, password: str = "demo1234") -> None:
    page.goto("/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("[data-testid=login-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: "/login/" not in url)  # type: ignore[attr-defined]

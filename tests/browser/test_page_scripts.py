"""The pages' scripts are files under static/, since the Content Security Policy refuses inline ones (the page
fixture fails on anything it refuses): each still does its job."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from dealerkpi.targets.models import Target
from tests.browser.conftest import DESKTOP, PHONE, log_in
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_menu_starts_closed_on_a_phone_and_open_on_a_desktop(page) -> None:
    build_world()
    log_in(page, "m1")
    for size, is_open in ((PHONE, False), (DESKTOP, True)):
        page.set_viewport_size(size)
        page.goto("/")
        assert (page.locator("#menu").get_attribute("open") is not None) is is_open


def test_a_split_and_the_seasonal_shares_add_up_as_they_are_typed(page) -> None:
    world = build_world()
    store = world.stores["S1"]
    Target.objects.create(store=store, month=datetime.date(2026, 10, 1), metric="units_delivered", value=Decimal(30))
    log_in(page, "m1")
    page.goto(f"/targets/split/?store={store.pk}&month=2026-10&metric=units_delivered")
    page.fill(f"input[name=share_{world.staff['c1'].pk}]", "12")
    assert (page.inner_text("#split-sum"), page.inner_text("#split-remaining")) == ("12", "18")

    page.goto(f"/targets/annual/?store={store.pk}&year=2026")
    shares = page.locator("#season-form input[data-percent]")
    shares.first.fill(str(Decimal(shares.first.input_value()) + 1))
    assert page.inner_text("#season-sum") == "101"
    assert "over" in page.get_attribute("#season-sum", "class")


def test_a_sub_targets_second_list_shows_when_its_metric_is_chosen(page) -> None:
    world = build_world()
    log_in(page, "m1")
    page.goto(f"/targets/?store={world.stores['S1'].pk}&month=2026-10")
    form = page.locator("[data-testid=set-target]")
    model, margin = form.locator("select[name=model]"), form.locator("select[name=margin_class]")
    assert not model.is_visible() and not margin.is_visible()
    form.locator("select[name=metric]").select_option("units_by_model")
    assert model.is_visible() and not margin.is_visible()
    model.select_option(label="S7")
    form.locator("input[name=value]").fill("4")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert list(Target.objects.values_list("metric", "value")) == [("units_by_model:YH-S7", Decimal(4))]
    assert "units_by_model" not in page.inner_text("[data-testid=store-targets]")

"""Issue 13 in Chromium: the sales manager tries a draft of the consultants' plan on the store's last twelve months
and reads the totals, the charts and who gains, then takes the workbook."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from dealerkpi.studio.replay import default_months
from dealerkpi.studio.whatif import what_if
from tests import test_studio_whatif as whatif_tests
from tests.browser.conftest import PHONE, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def shown(amount: Decimal) -> str:
    return intcomma(f"{amount:.2f}")


def test_the_sales_manager_sees_the_draft_on_the_stores_last_year(page, tmp_path) -> None:
    world = whatif_tests.whatif_world()
    draft = whatif_tests.draft_of(world)
    expected = what_if(draft, [world.stores["S1"]], default_months(timezone.localdate())).totals
    log_in(page, "m1")
    page.goto(f"/studio/drafts/{draft.pk}/")
    page.click("[data-testid=what-if]")
    page.wait_for_selector("[data-testid=whatif-totals]")
    assert page.inner_text("[data-testid=total-old]") == shown(expected.old)
    assert page.inner_text("[data-testid=total-new]") == shown(expected.new)
    assert page.inner_text("[data-testid=total-change]") == "+" + shown(expected.change)
    # The totals are parsed before the scripts at the page's end have run: wait for ECharts to draw.
    page.wait_for_selector("#whatif-months-chart canvas")
    assert page.locator("#whatif-months-chart canvas").count() == 1, "the chart is drawn once"
    assert page.locator("[data-testid=whatif-months] tbody tr").count() == 12
    assert "c3" in page.inner_text("[data-testid=gainers]")
    screenshot(page, "studio-whatif")
    with page.expect_download() as download:
        page.click("[data-testid=whatif-xlsx]")
    saved = tmp_path / "what-if.xlsx"
    download.value.save_as(saved)
    assert saved.stat().st_size > 3000
    page.set_viewport_size(PHONE)
    page.goto(f"/studio/drafts/{draft.pk}/what-if/")
    page.wait_for_selector("[data-testid=whatif-totals]")
    screenshot(page, "studio-whatif-phone")

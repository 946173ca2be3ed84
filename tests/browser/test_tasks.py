"""A task handed down, in Chromium: the GM hands the sales manager a manufacturer's task already due yesterday; the
manager finds it overdue on the home page, opens it and completes it with a note and a photo as evidence; it leaves
the home page and the list shows it done. Screenshots of the form, the home page, the task and the list."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dealerkpi.tasks.models import EvidenceFile, Task
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_the_gm_hands_down_a_task_the_manager_completes_it_overdue(page: object) -> None:
    world = build_world()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    log_in(page, "gm1")
    page.goto("/tasks/new/")  # type: ignore[attr-defined]
    page.select_option("select[name=source]", "manufacturer")  # type: ignore[attr-defined]
    page.fill("input[name=title]", "上报新车型展厅布置照片")  # type: ignore[attr-defined]
    page.fill("textarea[name=details]", "厂家区域经理要求：主展台、价格牌、试驾车各一张")  # type: ignore[attr-defined]
    page.select_option("select[name=owner]", str(world.staff["m1"].pk))  # type: ignore[attr-defined]
    page.fill("input[name=due_on]", yesterday.isoformat())  # type: ignore[attr-defined]
    screenshot(page, "task-hand-down")
    page.click("[data-testid=task-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=overdue]")  # type: ignore[attr-defined]
    task = Task.objects.get(title="上报新车型展厅布置照片")
    assert (task.owner, task.created_by, task.status) == (world.staff["m1"], world.staff["gm1"], Task.Status.OPEN)

    log_in(page, "m1")
    page.goto("/")  # type: ignore[attr-defined]
    overdue = page.get_by_test_id("overdue-tasks")  # type: ignore[attr-defined]
    assert "上报新车型展厅布置照片" in overdue.inner_text()
    shoot_both_widths(page, "home-overdue-tasks")
    overdue.get_by_text("上报新车型展厅布置照片").click()
    page.wait_for_selector("[data-testid=task-complete]")  # type: ignore[attr-defined]
    page.click("[data-testid=task-complete] button[type=submit]")  # without evidence: refused  # type: ignore
    page.wait_for_selector(".invalid")  # type: ignore[attr-defined]
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    page.fill("textarea[name=note]", "三张照片已上传厂家系统")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", files=[  # type: ignore[attr-defined]
        {"name": "showroom.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("[data-testid=task-complete] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=evidence-file]")  # type: ignore[attr-defined]
    screenshot(page, "task-done")
    task.refresh_from_db()
    assert (task.status, task.closed_by) == (Task.Status.DONE, world.staff["m1"])
    assert task.evidence_note == "三张照片已上传厂家系统"
    assert bytes(EvidenceFile.objects.get(task=task).content) == PNG

    page.goto("/")  # type: ignore[attr-defined]
    assert page.get_by_test_id("overdue-tasks").count() == 0  # type: ignore[attr-defined]
    page.goto("/tasks/")  # type: ignore[attr-defined]
    assert "已完成" in page.get_by_test_id("tasks").inner_text()  # type: ignore[attr-defined]
    shoot_both_widths(page, "task-list")

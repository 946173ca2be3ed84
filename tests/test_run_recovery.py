"""A run whose job died (its worker killed) is given up as failed once it shows no progress for the timeout, with
the reason in the reader's language; its page stops polling and offers a recompute, which succeeds."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dealerkpi.core.models import AuditEntry
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run, Statement
from dealerkpi.pay.tasks import give_up_stalled_runs
from tests.test_runs import EXPECTED_TOTALS, OCTOBER, PLAN
from tests.world import PASSWORD, World, world_with_consultant_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def computing_since(world: World, minutes: int) -> Run:
    """A run left computing by a job that last showed progress ``minutes`` ago."""
    run = runs.new_run(world.stores["S1"], OCTOBER)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.COMPUTING, progress_total=3, progress_done=1,
                                         heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes))
    return run


def test_a_run_that_stopped_making_progress_fails_when_its_page_is_read_and_recomputes(
        world: World, client, django_capture_on_commit_callbacks) -> None:
    stalled = computing_since(world, settings.PAY_RUN_STALLED_MINUTES + 1)
    client.login(username="m1", password=PASSWORD)
    page = client.get(reverse("run-detail", args=[stalled.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    stalled.refresh_from_db()
    assert (stalled.status, stalled.error) == (Run.Status.FAILED, Run.STALLED)
    html = page.content.decode()
    assert 'data-testid="run-error"' in html and 'data-testid="recompute"' in html
    assert "hx-get" not in html and "hx-trigger" not in html and 'data-testid="progress"' not in html
    move = AuditEntry.objects.filter(content_type__model="run", object_id=str(stalled.pk)).latest("pk")
    assert (move.before["status"], move.after["status"]) == ("computing", "failed")

    assert f"已 {settings.PAY_RUN_STALLED_MINUTES} 分钟没有进展" in html  # Chinese unless English is chosen
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("run-detail", args=[stalled.pk]))
    assert f"showed no progress for {settings.PAY_RUN_STALLED_MINUTES} minutes" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("run-action", args=[stalled.pk, "recompute"]))
    again = Run.objects.get(previous=stalled)
    assert response["Location"] == reverse("run-detail", args=[again.pk])
    assert again.status == Run.Status.DRAFT, again.error
    assert dict(Statement.objects.filter(run=again).values_list("staff__name", "total")) == EXPECTED_TOTALS
    stalled.refresh_from_db()
    assert stalled.status == Run.Status.SUPERSEDED


def test_a_run_still_making_progress_is_left_alone(world: World, client) -> None:
    fresh = computing_since(world, 1)
    client.login(username="m1", password=PASSWORD)
    page = client.get(reverse("run-detail", args=[fresh.pk])).content.decode()
    assert 'hx-get="{}"'.format(reverse("run-progress", args=[fresh.pk])) in page
    assert client.get(reverse("run-progress", args=[fresh.pk])).headers.get("HX-Refresh") is None
    client.get(reverse("run-list"))
    give_up_stalled_runs.call_local()
    fresh.refresh_from_db()
    assert fresh.status == Run.Status.COMPUTING


def test_the_run_list_and_the_worker_give_up_stalled_runs(world: World, client) -> None:
    listed = computing_since(world, settings.PAY_RUN_STALLED_MINUTES + 5)
    client.login(username="m1", password=PASSWORD)
    client.get(reverse("run-list"))
    listed.refresh_from_db()
    assert listed.status == Run.Status.FAILED
    queued = runs.new_run(world.stores["S2"], OCTOBER)
    Run.objects.filter(pk=queued.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    give_up_stalled_runs.call_local()  # what the worker runs at start and every 5 minutes
    queued.refresh_from_db()
    assert (queued.status, queued.error) == (Run.Status.FAILED, Run.STALLED)


def test_the_progress_poll_of_a_stalled_run_reloads_the_page_and_a_lost_job_does_not_revive_it(world: World,
                                                                                               client) -> None:
    stalled = computing_since(world, settings.PAY_RUN_STALLED_MINUTES + 1)
    client.login(username="m1", password=PASSWORD)
    assert client.get(reverse("run-progress", args=[stalled.pk])).headers.get("HX-Refresh") == "true"
    assert runs.compute(Run.objects.get(pk=stalled.pk)).status == Run.Status.FAILED  # a job delivered late
    assert not Statement.objects.filter(run=stalled).exists()


def test_a_run_given_up_while_it_computes_writes_no_statements(world: World) -> None:
    run = runs.new_run(world.stores["S1"], OCTOBER)

    def given_up_meanwhile(done: int, total: int) -> None:
        if done == total:  # the sweep judges the job lost just before the statements are written
            Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
            runs.give_up_stalled()

    computed = runs.compute(run, given_up_meanwhile)
    assert (computed.status, computed.error) == (Run.Status.FAILED, Run.STALLED)
    assert not Statement.objects.filter(run=run).exists()

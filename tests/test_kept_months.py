"""Past months kept with their final bonus run (reports/kept.py): what is read back equals what the records tally
to; a month without a final run is never kept; a new final run of the month makes it be tallied again; a record
changed after the approval is not shown until then (the rule docs/reports.md states); reading kept months costs
the same queries however many records they were tallied from. The session check, the web benchmark's baseline, is
here too.

The store is the monthly analysis's hand-made one (tests/test_reports.py): October 2025 seen on 15 November 2025,
beside September 2025 and October 2024. Runs are computed, submitted and approved through pay.runs and
pay.workflow, by a superuser (the store has no users)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealerkpi.org.models import User
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Run
from dealerkpi.plans.engine import Period
from dealerkpi.reports import analysis, kept
from dealerkpi.reports.models import KeptMonth
from dealerkpi.sales.models import Delivery
from tests import test_reports as hand
from tests.metrics_world import MetricsWorld, at

pytestmark = pytest.mark.django_db
OCTOBER, SEPTEMBER, LAST_OCTOBER = hand.OCTOBER, Period(2025, 9), Period(2024, 10)
MONTHS = (OCTOBER, SEPTEMBER, LAST_OCTOBER)
TODAY = hand.TODAY
DOC = Path(__file__).resolve().parents[1] / "docs" / "reports.md"


@pytest.fixture
def store() -> MetricsWorld:
    return hand.build_store()


def boss() -> User:
    return User.objects.get_or_create(username="boss", defaults={"is_superuser": True, "is_staff": True})[0]


def submitted(run: Run) -> Run:
    return workflow.submit(run, viewer_for(boss()), boss())


def approved(run: Run) -> Run:
    """The run submitted and approved, as the sales manager and the general manager do."""
    return workflow.approve(submitted(run), viewer_for(boss()), boss())


def computed(store: MetricsWorld, period: Period) -> Run:
    return runs.compute(runs.new_run(store.store, period))


def approved_run(store: MetricsWorld, period: Period) -> Run:
    """The month's run computed (again) and approved."""
    return approved(computed(store, period))


def approve_all(store: MetricsWorld) -> dict[Period, Run]:
    return {period: approved_run(store, period) for period in MONTHS}


def tallied(store: MetricsWorld, period: Period) -> analysis.Tally:
    return analysis.tally([store.store.pk], period, TODAY)[store.store.pk]


def read_back(store: MetricsWorld) -> dict[Period, analysis.Tally]:
    return kept.tallies(store.store, MONTHS, TODAY).tallies


def move_d2_out_of_october(store: MetricsWorld) -> None:
    Delivery.objects.filter(pk=store.deliveries["D2"].pk).update(delivered_at=at(11, 2))  # no signal: none needed


def test_a_kept_month_reads_back_equal_to_its_tally(store: MetricsWorld) -> None:
    approve_all(store)
    first = read_back(store)
    assert KeptMonth.objects.filter(store=store.store).count() == 3
    again = read_back(store)
    for period in MONTHS:
        assert again[period] == first[period] == tallied(store, period)
    october = again[OCTOBER]
    assert (october["units"], october["sales_amount"], october["front_gross"]) == (3, 410000, 16500)
    assert str(october.counts["sales_amount"]) == str(tallied(store, OCTOBER).counts["sales_amount"])  # to the fen
    assert october.people and all(isinstance(pk, int) for pk in october.people)


def test_a_month_is_kept_with_its_latest_final_run(store: MetricsWorld) -> None:
    runs_of = approve_all(store)
    read_back(store)
    assert dict(KeptMonth.objects.values_list("month", "run")) == {
        period.first_day: run.pk for period, run in runs_of.items()}
    assert kept.tallies(store.store, MONTHS, TODAY).runs == {period: 1 for period in MONTHS}


def test_the_page_reads_the_kept_months_and_says_so(store: MetricsWorld) -> None:
    approve_all(store)
    kept_before = analysis.month_analysis(store.store, OCTOBER, TODAY)
    KeptMonth.objects.filter(store=store.store, month=OCTOBER.first_day).update(
        tally=kept.stored(analysis.Tally(store.store.pk)))  # what is kept is what is shown: emptied, it shows 0
    assert kept_before.now["units"] == 3
    month = analysis.month_analysis(store.store, OCTOBER, TODAY)
    assert month.now["units"] == 0
    assert month.as_approved == [(OCTOBER, 1), (SEPTEMBER, 1), (LAST_OCTOBER, 1)]


def test_a_month_without_a_final_run_is_never_kept(store: MetricsWorld) -> None:
    computed(store, SEPTEMBER)  # a draft
    submitted(computed(store, LAST_OCTOBER))  # waiting for the general manager
    approved_run(store, OCTOBER)
    november = Period(2025, 11)
    approved_run(store, november)  # the month under way, even approved early
    found = kept.tallies(store.store, [*MONTHS, november], TODAY)
    assert list(KeptMonth.objects.values_list("month", flat=True)) == [OCTOBER.first_day]
    assert found.runs == {OCTOBER: 1}
    assert found.tallies[SEPTEMBER]["units"] == 2
    Delivery.objects.filter(pk=store.deliveries["D6"].pk).update(delivered_at=at(10, 2))
    assert read_back(store)[SEPTEMBER]["units"] == 1 == tallied(store, SEPTEMBER)["units"]  # live
    assert analysis.month_analysis(store.store, SEPTEMBER, TODAY).as_approved == []  # its own and August 2025


def test_a_correction_shows_once_the_month_is_run_and_approved_again(store: MetricsWorld) -> None:
    """docs/reports.md: a late correction to a closed month shows once its run is computed and approved again;
    until then the month is shown as it was kept with the approved run."""
    approve_all(store)
    assert read_back(store)[OCTOBER]["units"] == 3
    move_d2_out_of_october(store)
    assert tallied(store, OCTOBER)["units"] == 2
    assert read_back(store)[OCTOBER]["units"] == 3  # as at the approval of run 1
    newer = computed(store, OCTOBER)  # computed, not approved yet: nothing changes
    assert read_back(store)[OCTOBER]["units"] == 3
    approved(newer)
    found = kept.tallies(store.store, MONTHS, TODAY)
    assert found.tallies[OCTOBER]["units"] == 2 == tallied(store, OCTOBER)["units"]
    assert found.runs[OCTOBER] == newer.number == 2
    assert KeptMonth.objects.get(month=OCTOBER.first_day).run_id == newer.pk
    assert read_back(store)[OCTOBER] == tallied(store, OCTOBER)


def test_the_page_says_which_run_a_kept_month_is_as_at(store: MetricsWorld) -> None:
    approved_run(store, SEPTEMBER)
    approved_run(store, SEPTEMBER)
    client = Client()
    client.force_login(boss())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("monthly-analysis"), {"store": store.store.pk, "month": "2025-10"})
    assert response.status_code == 200
    note = response.content.decode().split('data-testid="as-approved">')[1].split("</p>")[0]
    assert note.startswith("2025-09: as at the approval of run 2<br>")
    assert "2025-10" not in note and "2024-10" not in note


def test_the_documentation_states_the_rule() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert "shows in the analysis once the month's run is computed and approved again" in text
    assert "RecordsVersion" not in text


def queries(store: MetricsWorld) -> int:
    with CaptureQueriesContext(connection) as captured:
        read_back(store)
    return len(captured)


def test_reading_kept_months_costs_one_query_however_many_deliveries(store: MetricsWorld) -> None:
    approve_all(store)
    read_back(store)
    few = queries(store)
    for n in range(20):
        store.order(f"more{n}", {"ann": 100}, "M1", 100000, at(10, 1))
        store.deliver(f"more{n}", 90000, at(10, 2 + n % 20))
    approved_run(store, OCTOBER)
    assert read_back(store)[OCTOBER]["units"] == 23  # tallied again under the new run, and kept
    assert queries(store) == few == 1


# --- the session check ---------------------------------------------------------------------------------------------

SESSION = reverse("session")


def test_the_session_check_names_the_user(store: MetricsWorld) -> None:
    """By the staff member's name, as the header does (a Chinese name is not first name then surname); a login
    without a staff member by its username."""
    user = User.objects.create_user("ann_login", password="x", first_name="宇立", last_name="王",
                                    staff=store.person("王宇立"))
    client = Client()
    client.force_login(user)
    response = client.get(SESSION)
    assert response.status_code == 200
    assert response.json() == {"username": "ann_login", "name": "王宇立"}
    assert client.post(SESSION).status_code == 405
    client.force_login(User.objects.create_user("no_staff", password="x"))
    assert client.get(SESSION).json() == {"username": "no_staff", "name": "no_staff"}


def test_the_session_check_wants_a_login() -> None:
    response = Client().get(SESSION)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


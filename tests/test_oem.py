"""The manufacturer's commercial policy evaluated for a store (oem/): every rebate worked out by hand from the
records below, on both databases; the policy page, its forms and who may read and write them.

Store MS (brand MB), consultant ann, in the fourth quarter of 2025; today is 10 December 2025, so the days over
are 1 to 9 December and the pace is 31 / 9.

- October: M1 delivered 5 Oct, M2 delivered 20 Oct; two vehicles invoiced (financed from) in October at 100,000.
  Targets: retail 2, wholesale 2. CSI 90.
- November: M2 delivered 10 Nov; one vehicle invoiced at 80,000. Targets: retail 2, wholesale 2.
- December: M1 on 2 and 5 Dec, M2 on 8 Dec, M2 on 10 Dec (today: not a day over); two vehicles invoiced on
  3 Dec at 100,000. Targets: retail 8, wholesale 2. No CSI yet.

The policy: 1,500 a car of M1 and 1,000 of the others; 1% of the wholesale invoices; both zeroed below 80% of the
retail target; 5,000 in the quarter's last month when the quarter's retail target is met.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.oem.models import CommercialPolicy, ManufacturerScore, ManufacturerTarget
from dealerkpi.oem.policy import one_more_sale, read_policy, reading, standings
from dealerkpi.org.models import Role, Staff, Store, User
from dealerkpi.plans import engine
from dealerkpi.reports.analysis import month_analysis
from tests.metrics_world import D, MetricsWorld, at, day, organisation
from tests.world import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

POLICY = """
plan: test_policy
name: 测试商务政策
role: store
version: "t1"
period: month
policies: {division_by_zero: zero, missing_target: zero, missing_value: zero}
indicators:
  retail: {label: 零售完成率, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  wholesale: {label: 批售完成率, metric: units_wholesale, target: person, scoring: {kind: linear, cap: 120}}
  csi: {label: CSI, scoring: {kind: manual, max: 100}}
weights: {default: {retail: 50, wholesale: 30, csi: 20}}
pay:
  per_car: {label: 零售返利, kind: per_unit, amount: 1000, by_model: {M1: 1500}}
  invoice: {label: 批售返利, kind: formula, amount: wholesale_amount * 0.01}
  quarter: {label: 季度奖, kind: formula, every: quarter,
            amount: "if(quarter.units_delivered >= quarter.target.units_delivered, 5000, 0)"}
gates:
  floor: {label: 零售未达80%, when: achievement.retail < 80, multiply: 0, applies_to: [commission, bonus]}
"""
TODAY = datetime.date(2025, 12, 10)
OCT, NOV, DEC = engine.Period(2025, 10), engine.Period(2025, 11), engine.Period(2025, 12)


def _sale(w: MetricsWorld, key: str, model: str, delivered: datetime.datetime) -> None:
    w.order(key, {"ann": 100}, model, 150000, delivered - datetime.timedelta(days=1))
    w.deliver(key, 140000, delivered)


def _targets(w: MetricsWorld, period: engine.Period, retail: int, wholesale: int = 2) -> None:
    for figure, value in (("units_delivered", retail), ("units_wholesale", wholesale)):
        ManufacturerTarget.objects.update_or_create(store=w.store, month=period.first_day, figure=figure,
                                                    defaults={"value": D(value)})


@pytest.fixture
def w() -> MetricsWorld:
    w = organisation()
    w.person("ann")
    w.person("mgr", Role.SALES_MANAGER)
    CommercialPolicy.objects.create(group=w.group, brand=w.store.brand, valid_from=day(10, 1), document=POLICY)
    _sale(w, "O1", "M1", at(10, 5))
    _sale(w, "O2", "M2", at(10, 20))
    _sale(w, "N1", "M2", at(11, 10))
    _sale(w, "D1", "M1", at(12, 2))
    _sale(w, "D2", "M1", at(12, 5))
    _sale(w, "D3", "M2", at(12, 8))
    _sale(w, "D4", "M2", at(12, 10))
    for on, cost in ((day(10, 3), 100000), (day(10, 4), 100000), (day(11, 6), 80000), (day(12, 3), 100000),
                     (day(12, 3), 100000)):
        vehicle = w.vehicle("M2", cost)
        vehicle.financed_from = on
        vehicle.save(update_fields=["financed_from"])
    _targets(w, OCT, 2)
    _targets(w, NOV, 2)
    _targets(w, DEC, 8)
    ManufacturerScore.objects.create(store=w.store, month=OCT.first_day, item="csi", value=D(90))
    return w


def _standing(w: MetricsWorld, period: engine.Period = DEC):
    return standings([w.store], period, TODAY)[w.store.pk]


def _amounts(result: engine.PersonResult) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for line in result.lines:
        found[line.rule] = found.get(line.rule, D(0)) + line.amount
    return found


def test_a_closed_month_pays_by_model_and_by_invoice(w: MetricsWorld) -> None:
    october = _standing(w, OCT).month
    assert october.reading == "closed"
    assert _amounts(october.result) == {"per_car": D("2500.00"), "invoice": D("2000.00")}
    retail, wholesale, csi = october.result.indicators
    assert (retail.actual, retail.target, retail.score) == (D(2), D(2), D(100))
    assert (wholesale.actual, wholesale.score) == (D(2), D(100))
    assert csi.score == D(90)
    assert october.rebate == D("4500.00")


def test_the_monthly_analysis_shows_the_rebate_the_policy_computes_on_its_own(w: MetricsWorld) -> None:
    """The analysis reads its consultants' figures and the rebate's store figures in one computation; the rebate
    is the standing computed alone, for the month over and for the month under way (read apart)."""
    october = month_analysis(w.store, OCT, TODAY)
    assert october.rebate.earned == _standing(w, OCT).month.rebate == D("4500.00")
    assert october.rebate.quarter == _standing(w, OCT).quarter_rebate
    december = month_analysis(w.store, DEC, TODAY)
    alone = _standing(w, DEC)
    assert (december.rebate.earned, december.rebate.projected) == (alone.to_date.rebate, alone.month.rebate)


def test_a_standing_from_a_page_s_own_computation_is_the_standing_read_alone(w: MetricsWorld) -> None:
    read = reading([w.store], OCT)
    computed = metrics.compute_by_store(("new_leads", *read.names), [w.store.pk], OCT, as_of=TODAY)
    shared = standings([w.store], OCT, TODAY, read, computed)[w.store.pk]
    assert shared == _standing(w, OCT) and shared.month_figures.sums["sales_amount"] > 0
    with pytest.raises(ValueError, match="leave out"):
        standings([w.store], OCT, TODAY, read, metrics.compute_by_store(["units_delivered"], [w.store.pk], OCT))


def test_below_the_retail_floor_the_gate_takes_the_rebate_back(w: MetricsWorld) -> None:
    november = _standing(w, NOV).month
    assert november.result.indicators[0].achievement == D(50)
    assert november.rebate == D("0.00")
    gated = [line for line in november.result.lines if line.kind == "gate"]
    assert sorted(line.amount for line in gated) == [D("-1000.00"), D("-800.00")]


def test_the_month_under_way_to_date_and_projected(w: MetricsWorld) -> None:
    standing = _standing(w)
    to_date, projected = standing.to_date, standing.month
    assert standing.factor == D(31) / D(9)
    assert to_date.result.indicators[0].actual == D(3)  # the 10th is not a day over
    assert to_date.rebate == D("0.00")  # 3 of 8 is below 80%
    assert projected.reading == "projected"
    assert projected.result.indicators[0].actual.quantize(D("0.01")) == D("10.33")
    # 4,000 (M1, M1, M2) and 1% of 200,000, both x 31/9; the quarter 2 + 1 + 10.33 of 2 + 2 + 8 is met
    assert _amounts(projected.result) == {"per_car": D("13777.78"), "invoice": D("6888.89"), "quarter": D("5000.00")}
    assert projected.rebate == D("25666.67")
    assert [(str(m.period), m.reading, m.rebate) for m in standing.quarter] == [
        ("2025-10", "closed", D("4500.00")), ("2025-11", "closed", D("0.00")),
        ("2025-12", "projected", D("25666.67"))]
    assert standing.quarter_rebate == D("30166.67")


def test_the_quarter_s_later_months_go_at_the_month_s_pace(w: MetricsWorld) -> None:
    _targets(w, NOV, 1)
    _targets(w, DEC, 1)
    standing = standings([w.store], NOV, datetime.date(2025, 11, 20))[w.store.pk]  # days over: 1-19 November
    assert standing.factor == D(30) / D(19)
    # November: N1 (M2) and 80,000 invoiced, x 30/19: 1,578.95 and 1% of 126,315.79
    assert _amounts(standing.month.result) == {"per_car": D("1578.95"), "invoice": D("1263.16")}
    (december,) = standing.later
    assert (str(december.period), december.reading) == ("2025-12", "projected")
    assert december.result.indicators[0].actual.quantize(D("0.0001")) == D("1.5789")  # November's pace, not its own
    # the same again, and the quarter 2 + 1.58 + 1.58 of 2 + 1 + 1 is met in December
    assert _amounts(december.result) == {"per_car": D("1578.95"), "invoice": D("1263.16"), "quarter": D("5000.00")}
    assert standing.quarter_rebate == D("4500.00") + D("2842.11") + D("7842.11")


def test_a_score_not_given_is_said_not_defaulted(w: MetricsWorld) -> None:
    warnings = _standing(w).month.result.warnings
    assert [(warning.kind, warning.item.id) for warning in warnings] == [("missing_rating", "csi")]


def test_one_more_sale_adds_its_model_s_rebate(w: MetricsWorld) -> None:
    standing = _standing(w)
    added = {item.model.code: item for item in one_more_sale(standing, [w.models["M1"], w.models["M2"]])}
    assert (added["M1"].month, added["M1"].quarter, added["M1"].averaged_over) == (D("1500.00"), D("1500.00"), "model")
    assert (added["M2"].month, added["M2"].quarter) == (D("1000.00"), D("1000.00"))


def test_one_more_sale_that_crosses_the_floor_brings_the_whole_month_back(w: MetricsWorld) -> None:
    _targets(w, DEC, 13)  # 10.33 of 13 is 79.5%: below the floor; one more car makes 87.2%
    standing = _standing(w)
    assert standing.month.rebate == D("0.00")
    added = {item.model.code: item for item in one_more_sale(standing, [w.models["M2"]])}
    # the projected 13,777.78 + 6,888.89 are no longer taken back, and the car adds 1,000; the quarter (2 + 2 + 13)
    # is still missed
    assert added["M2"].month == D("21666.67")
    assert added["M2"].quarter == D("21666.67")


def test_a_policy_must_assess_the_store() -> None:
    with pytest.raises(engine.PlanInvalid, match="role: store"):
        read_policy(POLICY.replace("role: store", "role: consultant"))
    with pytest.raises(engine.PlanInvalid, match="unknown metric 'units_wholsale'"):
        read_policy(POLICY.replace("metric: units_wholesale", "metric: units_wholsale"))


def test_a_store_without_a_policy_has_no_standing(w: MetricsWorld) -> None:
    Store.objects.filter(pk=w.other.pk).update(brand=None)
    assert standings([Store.objects.get(pk=w.other.pk)], DEC, TODAY) == {}
    assert standings([w.store], engine.Period(2025, 9), TODAY) == {}  # before the policy's first month


# --- pages ------------------------------------------------------------------------------------------------------


def _user(staff: Staff) -> Staff:
    User.objects.create_user(username=staff.name, password=PASSWORD, staff=staff)
    return staff


@pytest.fixture
def people(w: MetricsWorld) -> MetricsWorld:
    """Logins: mgr (MS's sales manager), ann (a consultant), xmgr (MX's sales manager), hq (head office)."""
    _user(w.staff["mgr"])
    _user(w.staff["ann"])
    _user(w.person("xmgr", Role.SALES_MANAGER, store=w.other))
    _user(Staff.objects.create(group=w.group, employee_no="HQ1", name="hq", role=Role.HEAD_OFFICE,
                               hire_date=day(1, 1)))
    return w


def _page(who: str, w: MetricsWorld, month: str = "2025-10", store: Store | None = None):
    return signed_in(who).get(reverse("oem-policy"), {"month": month, "store": (store or w.store).pk})


def test_the_manager_reads_the_store_s_month(people: MetricsWorld) -> None:
    page = _page("mgr", people)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="oem-earned">4,500.00<' in html
    assert "零售返利" in html and "2,500.00" in html and "2,000.00" in html


def test_the_policy_is_not_for_a_consultant(people: MetricsWorld) -> None:
    assert _page("ann", people).status_code == 403
    post = signed_in("ann").post(f"{reverse('oem-policy-target')}?store={people.store.pk}&month=2025-12",
                                 {"figure": "units_delivered", "value": "9"})
    assert post.status_code == 403
    assert not ManufacturerTarget.objects.filter(value=9).exists()


def test_another_store_is_not_found(people: MetricsWorld) -> None:
    assert _page("xmgr", people).status_code == 404
    assert _page("xmgr", people, store=people.other).status_code == 200


def test_head_office_sees_every_store_sorted(people: MetricsWorld) -> None:
    page = signed_in("hq").get(reverse("oem-policy-stores"), {"month": "2025-10", "sort": "month"})
    assert page.status_code == 200
    rows = re.findall(r'data-store="(\w+)"', page.content.decode())
    assert rows == ["MS", "MX"]  # 4,500 before 0
    assert signed_in("hq").get(reverse("oem-policy-stores"), {"sort": "nonsense"}).status_code == 200


def test_the_manager_enters_a_target_audited(people: MetricsWorld) -> None:
    url = f"{reverse('oem-policy-target')}?store={people.store.pk}&month=2025-12"
    answer = signed_in("mgr").post(url, {"figure": "units_delivered", "value": "10"})
    assert answer.status_code == 302
    target = ManufacturerTarget.objects.get(store=people.store, month=DEC.first_day, figure="units_delivered")
    assert target.value == D(10)
    entry = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(ManufacturerTarget),
                                      object_id=str(target.pk)).latest("pk")
    assert (D(entry.before["value"]), D(entry.after["value"])) == (8, 10)
    assert _standing(people).month.result.indicators[0].target == D(10)


@pytest.mark.parametrize(("posted", "field"), [
    ({"figure": "units_delivered", "value": "-1"}, "value"),
    ({"figure": "units_delivered", "value": "abc"}, "value"),
    ({"figure": "front_gross_profit", "value": "1"}, "figure"),  # the policy reads no target of it
])
def test_a_wrong_target_is_a_field_error(people: MetricsWorld, posted: dict, field: str) -> None:
    url = f"{reverse('oem-policy-target')}?store={people.store.pk}&month=2025-12"
    answer = signed_in("mgr").post(url, posted)
    assert answer.status_code == 400
    assert field in answer.context["target_form"].errors
    assert ManufacturerTarget.objects.get(store=people.store, month=DEC.first_day, figure="units_delivered").value == 8


def test_a_score_above_the_item_s_maximum_is_refused(people: MetricsWorld) -> None:
    url = f"{reverse('oem-policy-score')}?store={people.store.pk}&month=2025-12"
    with translation.override("en"):
        answer = signed_in("mgr").post(url, {"item": "csi", "value": "101"})
    assert answer.status_code == 400
    assert answer.context["score_form"].errors["value"] == ["The score of this item is at most 100."]
    assert signed_in("mgr").post(url, {"item": "csi", "value": "95", "comment": "满意度报告"}).status_code == 302
    assert _standing(people).month.result.warnings == ()


def test_head_office_publishes_the_next_version(people: MetricsWorld) -> None:
    url = f"{reverse('oem-policy-versions')}?brand={people.store.brand_id}"
    bad = signed_in("hq").post(url, {"valid_from": "2026-01", "note": "x",
                                     "document": POLICY.replace("units_wholesale", "units_wholsale")})
    assert bad.status_code == 400 and "units_wholsale" in str(bad.context["form"].errors["document"])
    early = signed_in("hq").post(url, {"valid_from": "2025-10", "note": "x", "document": POLICY})
    assert early.status_code == 400 and "valid_from" in early.context["form"].errors
    assert signed_in("mgr").post(url, {"valid_from": "2026-01", "note": "x", "document": POLICY}).status_code == 403
    good = signed_in("hq").post(url, {"valid_from": "2026-01", "note": "2026 policy",
                                      "document": POLICY.replace("amount: 1000", "amount: 1200")})
    assert good.status_code == 302
    version = CommercialPolicy.objects.get(valid_from=datetime.date(2026, 1, 1))
    assert version.published_by.username == "hq"
    assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(CommercialPolicy),
                                     object_id=str(version.pk), action=AuditEntry.Action.CREATE).exists()
    assert signed_in("mgr").get(reverse("oem-policy-document", args=[version.pk])).status_code == 200

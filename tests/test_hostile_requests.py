"""No request brings a page down: every URL of the site, as every role, with hostile values in its path, its query
string and its forms, answers with anything but a server error (5xx).

The walk (issue 12): every URL pattern the resolver knows (the admin's too), its path filled with real ids of a small
world (a record of the walkers' store, one of another group's store) and with hostile ids; each role GETs every page
plain, which finds the page's forms and links in its HTML. Then:

- a sweep: each catalogue value of TYPED in each date, number, select and hidden field of each form, the other
  fields good, and each value of QUERY_SWEEP in every query parameter of a page of each pattern;
- hypothesis, per URL pattern: query strings and posted forms with one field or several made hostile (dates in
  year 1 or 9999 or that do not exist, huge and negative numbers, digits that are not ASCII, NUL bytes, very long
  text, NaN and 1e999, lists, files that are not spreadsheets) among otherwise good values, so that the hostile
  value reaches the code behind the form, each sent as one of the roles the page opens for;
- every role a page refuses sends it one request with a catalogue value everywhere (a view may read a parameter
  before it refuses).

Every request runs in a savepoint rolled back after it: each sees the same world. Deterministic: a fixed number of
examples per pattern, hypothesis seeded by the pattern.

Rerun: ``DATABASE_URL=sqlite:///:memory: .venv/bin/pytest -q -s tests/test_hostile_requests.py`` (and with a
PostgreSQL ``DATABASE_URL``); ``-s`` shows the summary line that docs/reliability.md quotes.
"""

from __future__ import annotations

import datetime
import re
import sys
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from dealerkpi.api.models import ApiToken
from dealerkpi.api.tokens import create_token
from dealerkpi.catalog.models import Brand
from dealerkpi.conduct.models import Fault, FaultType, ProcessCheck, ProcessStep
from dealerkpi.core.registry import browse_entries
from dealerkpi.crm import models as crm
from dealerkpi.crm.claims import claim_card
from dealerkpi.demo_data.oem import EXAMPLE as EXAMPLE_POLICY
from dealerkpi.imports.models import ColumnMapping, ImportBatch
from dealerkpi.oem.models import CommercialPolicy
from dealerkpi.org.models import Staff, Store, User
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Run, Statement, StatementQuery
from dealerkpi.people import onboarding
from dealerkpi.people.models import Candidate, MeetingNote, OnboardingItem, Position, Probation
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment, SalesPolicy, Spiff
from dealerkpi.stock.models import SecondaryDealer, Vehicle, VehicleOrder
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.workflow import start_draft
from dealerkpi.targets.models import Target
from dealerkpi.targets.services import set_annual_target, set_target
from dealerkpi.tasks.models import EvidenceFile, Task
from tests.world import World, build_world, world_with_consultant_plan

pytestmark = pytest.mark.django_db

ROLES = ("c1", "sup1", "m1", "gm1", "hr1", "fin1", "ho_group", "admin", "nostaff", None)  # None: not logged in
GET_EXAMPLES = 8  # hostile query strings per URL pattern, each sent as one of the roles its pages open for
DOWNLOAD_EXAMPLES = 3  # ... of a pattern whose pages are downloads (PDF, Excel: slower, and read fewer values)
POST_EXAMPLES = 6  # hostile posts per form that sends to the URL pattern ...
MAX_POSTS = 18  # ... and at most this many per pattern
ADMIN_EXAMPLES = 2  # per pattern of the admin: Django's code; ours is in its model forms
ADMIN_ROLES = ("admin", "ho_group")  # the admin refuses everyone else before reading anything

# Query parameters that pages read, besides those their forms and links show.
COMMON_PARAMS = ("day", "month", "year", "period", "store", "team", "customer", "lead", "page", "sort", "q", "v",
                 "metric", "kind", "model", "batch", "visit", "source", "from", "per_page", "o", "p", "e")
HOSTILE_IDS = ("0", "2147483648", "9223372036854775808", "99999999999999999999999")
HOSTILE_WORDS = ("x", "0", "²", "..", "a" * 300)
HOSTILE = (
    "2026-13-45", "9999-12-31", "0001-01-01", "0000-00-00", "2026-02-30", "0001-01", "9999-12", "2026-00",
    "0001-01-01T00:00", "9999-12-31T23:59", "2026-10-01T25:61", "24:00", "99999999999999999999999", "-1",
    "-99999999999999999999999", "2147483648", "9223372036854775808", "0", "²", "٣", "１２", "1e999", "-1e999", "NaN",
    "-0", "Infinity", "0.000000000000000000001", "\x00", "a\x00b", "x" * 5000, "", " ", "🚗" * 20,
    "<script>alert(1)</script>", "' OR 1=1 --", "%", "../../etc/passwd", "true", "None", "[]",
)
# Sent to every typed field of every form and every query parameter, each in its own request, among good values:
# the cases issue 12 names always run, whatever hypothesis draws.
TYPED = {
    "date": ("0001-01-01", "9999-12-31", "2026-13-45"),
    "datetime-local": ("0001-01-01T00:00", "9999-12-31T23:59", "2026-13-45T10:00"),
    "month": ("0001-01", "9999-12", "2026-00"),
    "number": ("99999999999999999999999", "-99999999999999999999999", "²", "1e999", "NaN"),
    "select": ("99999999999999999999999", "-1", "٣"),
    "hidden": ("99999999999999999999999", "-1", "٣"),
    "text": ("²", "٣", "\x00"),
}
QUERY_SWEEP = ("0001-01-01", "9999-12-31", "0001-01", "9999-12", "99999999999999999999999", "²", "１２", "\x00")
UPLOADS = (b"", b"\x00\xff\xfe garbage", b"PK\x03\x04 not really a workbook", "姓名,手机\n\x00,²\n".encode())


def hostile_values() -> st.SearchStrategy[object]:
    """One hostile value for a field: from the catalogue above, or drawn: numbers, dates, decimals, text, lists."""
    scalar = st.one_of(
        st.sampled_from(HOSTILE),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.dates().map(datetime.date.isoformat),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.text(max_size=30),
    )
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


# --- the world the walk runs in ------------------------------------------------------------------------------

PLAN = """
plan: hostile_consultant
name: 顾问方案
role: consultant
version: "h1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 2
    scoring: {kind: linear, cap: 120}
  showroom:
    label: 展厅接待
    scoring: {kind: manual, max: 10}
weights:
  default: {volume: 80, showroom: 20}
base_pay:
  - {amount: 1200}
"""
OCTOBER = Period(2026, 10)


def walk_world() -> World:
    """The hand-built world (tests/world.py) with what the pay, target, import and meeting pages show."""
    world = world_with_consultant_plan(PLAN)
    s1 = world.stores["S1"]
    run = runs.compute(runs.new_run(s1, OCTOBER))
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])
    StatementQuery.objects.create(statement=statement, raised_by=world.staff["c1"], question="单车奖少了")
    runs.new_run(world.stores["S4"], OCTOBER)  # another group's run: outside everyone's reach but the superuser
    for code in ("S1", "S4"):  # orders to the manufacturer, the walkers' store's and another group's
        VehicleOrder.objects.create(store=world.stores[code], month=OCTOBER.first_day)
    set_target(s1, OCTOBER.first_day, "units_delivered", Decimal("10"), user=world.users["m1"])
    set_target(s1, OCTOBER.first_day, "units_delivered", Decimal("4"), staff=world.staff["c1"], user=world.users["m1"])
    set_annual_target(s1, 2026, "units_delivered", Decimal("120"), user=world.users["m1"])
    MeetingNote.objects.create(store=s1, day=datetime.date(2026, 10, 9), kind=MeetingNote.Kind.MORNING,
                               summary="早会", author=world.staff["sup1"])
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.FOLLOW_UPS, outcome=ImportBatch.Outcome.REJECTED,
                                       file_name="f.csv", file_sha256="0" * 64, imported_by=world.users["m1"],
                                       actor="m1", started_at=timezone.now(), report=b"PK")
    batch.stores.add(s1)
    for code in ("S1", "S4"):  # a saved column mapping of the walkers' store, and one of another group's store
        store = world.stores[code]
        ColumnMapping.objects.create(name="DMS", kind=ImportBatch.Kind.ORDERS, group=store.region.group, store=store,
                                     columns={"合同编号": "order_no"})
    start_draft(Plan.objects.order_by("pk").first(), world.users["m1"])
    claimed = crm.Lead.objects.filter(store=s1, owner=world.staff["c1"], status=crm.Lead.Status.OPEN).first()
    claim_card(claimed, world.staff["c2"], "展厅是我接待的", timezone.now())  # a claim waiting in the inbox
    brand = Brand.objects.get(code="YH")
    policy = EXAMPLE_POLICY.read_text(encoding="utf-8")
    for code in ("S1", "S4"):  # the manufacturer's policy of the walkers' group, and of another group
        store = world.stores[code]
        Store.objects.filter(pk=store.pk).update(brand=brand)
        CommercialPolicy.objects.create(group=store.region.group, brand=brand, valid_from=datetime.date(2026, 1, 1),
                                        document=policy)
    create_token(world.users["c1"], "DMS")  # an API token of the walkers' (its page revokes the walker's own)
    for code, key in (("S1", "m1"), ("S4", "c6")):  # a sales policy and a spiff of the walkers' store and another
        store = world.stores[code]
        SalesPolicy.objects.create(store=store, trim=world.trim, valid_from=datetime.date(2026, 10, 1),
                                   valid_to=datetime.date(2026, 10, 31), discount_ceiling=Decimal("8000"))
        Spiff.objects.create(store=store, title="专项", trim=world.trim, valid_from=datetime.date(2026, 10, 1),
                             valid_to=datetime.date(2026, 10, 31), amount=Decimal("500"), published_by=world.staff[key],
                             published_at=timezone.now())
    for key in ("c1", "c6"):  # onboarding, probation and recruiting of a walkers' store and of another group
        staff = world.staff[key]
        onboarding.start(staff)
        position = Position.objects.create(store=staff.store, role="consultant", reason="growth",
                                           opened_on=datetime.date(2026, 10, 1), opened_by=staff)
        Candidate.objects.create(position=position, store=staff.store, name="应聘者", phone="13600000000",
                                 source="job_site", applied_on=datetime.date(2026, 10, 2), cv=b"%PDF-1.4",
                                 cv_name="cv.pdf", cv_type="application/pdf")
        # a task handed down, done with its evidence file, and a manufacturer's survey result
        task = Task.objects.create(store=staff.store, source=Task.Source.MANUFACTURER, title="上报展厅照片",
                                   owner=staff, due_on=datetime.date(2026, 10, 20), evidence_name="photo.png")
        EvidenceFile.objects.create(task=task, content=b"\x89PNG\r\n\x1a\n", content_type="image/png")
        crm.SurveyResult.objects.create(store=staff.store, kind="ssi", reference=f"SSI-{key}", consultant=staff,
                                        surveyed_on=datetime.date(2026, 10, 20), score=Decimal("90"))
    for status in (Fault.Status.PROPOSED, Fault.Status.APPEALED):  # a fault for the manager, an appeal for the GM
        Fault.objects.create(store=s1, staff=world.staff["c2"], day=datetime.date(2026, 10, 12), points=1,
                             fault_type=FaultType.objects.get(group=s1.region.group), amount=Decimal("20"),
                             description="仪容不整", recorded_by=world.staff["sup1"], recorded_at=timezone.now(),
                             status=status, evidence=b"%PDF-1.4", evidence_name="e.pdf",
                             evidence_type="application/pdf")
    ProcessStep.objects.create(store=s1, kind="reception", name="门口迎接", weight=10)
    return world


def _own_and_other(model: type[Model], store_path: str = "store") -> Callable[[World], list[int]]:
    """A record of the walkers' store S1 and one of S4 (another group), where there is one."""

    def ids(world: World) -> list[int]:
        found = []
        for code in ("S1", "S4"):
            record = model._default_manager.filter(**{store_path: world.stores[code]}).order_by("pk").first()
            if record is not None:
                found.append(record.pk)
        return found

    return ids


STATEMENTS = _own_and_other(Statement)
RUNS = _own_and_other(Run)
LEADS = _own_and_other(crm.Lead)
ORDERS = _own_and_other(Order)
VEHICLES = _own_and_other(Vehicle)
# The real ids of each URL's path, by URL name: a pattern of the site missing here fails the walk.
def DRAFTS(world: World) -> list[int]:  # noqa: N802 - named like its neighbours
    return list(PlanDraft.objects.values_list("pk", flat=True))


PATH_IDS: dict[str, Callable[[World], list[int]]] = {
    "plan-detail": lambda world: list(Plan.objects.values_list("pk", flat=True)),
    "plan-version-confirm": lambda world: list(PlanVersion.objects.values_list("pk", flat=True)),
    "draft-start": lambda world: list(Plan.objects.values_list("pk", flat=True)),
    "draft-detail": DRAFTS, "draft-propose": DRAFTS, "draft-decide": DRAFTS,
    "statement-pdf": STATEMENTS, "statement-detail": STATEMENTS, "statement-records": STATEMENTS,
    "statement-figure-records": STATEMENTS,
    "run-pdf": RUNS, "run-xlsx": RUNS, "run-payroll": RUNS, "run-detail": RUNS, "run-progress": RUNS,
    "run-inputs": RUNS, "run-action": RUNS,
    "query-answer": _own_and_other(StatementQuery, "statement__store"),
    "lead-detail": LEADS, "followup-new": LEADS, "lostsale-new": LEADS, "order-new": LEADS,
    "lost-sale-decide": _own_and_other(crm.LostSale), "visit-left": _own_and_other(crm.ShowroomVisit),
    "testdrive-act": _own_and_other(crm.TestDrive),
    "order-detail": ORDERS, "payment-new": ORDERS, "order-sold-via": ORDERS, "delivery-schedule": ORDERS,
    "delivery-complete": ORDERS, "delivery-override": ORDERS, "order-cancel": ORDERS, "delivery-unwind": ORDERS,
    "order-approval-decide": _own_and_other(OrderApproval),
    "vehicle-detail": VEHICLES, "vehicle-transfer": VEHICLES,
    "vehicle-order-detail": _own_and_other(VehicleOrder), "vehicle-order-line": _own_and_other(VehicleOrder),
    "vehicle-order-submit": _own_and_other(VehicleOrder), "vehicle-order-confirm": _own_and_other(VehicleOrder),
    "vehicle-order-allocate": _own_and_other(VehicleOrder), "vehicle-order-suggest": _own_and_other(VehicleOrder),
    "dealer-detail": _own_and_other(SecondaryDealer), "dealer-target": _own_and_other(SecondaryDealer),
    "dealer-settlement": _own_and_other(SecondaryDealer), "dealer-payment": _own_and_other(SecondaryDealer),
    "dealer-sale": _own_and_other(SecondaryDealer),
    "complaint-detail": _own_and_other(crm.Complaint),
    "imports-report": lambda world: list(ImportBatch.objects.values_list("pk", flat=True)),
    "imports-batch": lambda world: list(ImportBatch.objects.values_list("pk", flat=True)),
    "imports-undo": lambda world: list(ImportBatch.objects.values_list("pk", flat=True)),
    "imports-mapping": lambda world: list(ColumnMapping.objects.values_list("pk", flat=True)),
    "imports-mapping-delete": lambda world: list(ColumnMapping.objects.values_list("pk", flat=True)),
    "record-detail": lambda world: [],  # one record of every browse entry: see concrete_urls
    "draft-edit": DRAFTS, "draft-validate": DRAFTS, "draft-form": DRAFTS, "draft-diff": DRAFTS,
    "draft-whatif": DRAFTS, "draft-whatif-xlsx": DRAFTS, "draft-preview": DRAFTS,
    "plan-version-diff": lambda world: list(Plan.objects.values_list("pk", flat=True)),
    "plan-health": lambda world: list(Plan.objects.values_list("pk", flat=True)),
    "oem-policy-document": lambda world: list(CommercialPolicy.objects.values_list("pk", flat=True)),
    "claim-decide": _own_and_other(crm.OwnershipClaim),
    "sales-policy-edit": _own_and_other(SalesPolicy), "spiff-withdraw": _own_and_other(Spiff),
    "task-detail": _own_and_other(Task), "task-evidence": _own_and_other(Task),
    # The API (/api/v1/): a record of S1 and one of S4 of each kind, on its URL and on its actions' URLs.
    **{f"api-{name}": ids for names, ids in (
        (("customer-detail",), _own_and_other(crm.Customer)),
        (("lead-detail", "lead-follow-up", "lead-lost", "lead-order"), LEADS),
        (("lostsale-detail", "lostsale-approve", "lostsale-reject"), _own_and_other(crm.LostSale)),
        (("followup-detail",), _own_and_other(crm.FollowUp)),
        (("visit-detail", "visit-left"), _own_and_other(crm.ShowroomVisit)),
        (("testdrive-detail", "testdrive-step"), _own_and_other(crm.TestDrive)),
        (("complaint-detail",), _own_and_other(crm.Complaint)),
        (("order-detail", "order-payments", "order-schedule-delivery", "order-hand-over", "order-cancel",
          "order-unwind"), ORDERS),
        (("orderapproval-detail", "orderapproval-approve", "orderapproval-reject"), _own_and_other(OrderApproval)),
        (("payment-detail",), _own_and_other(Payment)),
        (("delivery-detail",), _own_and_other(Delivery)),
        (("ccard-detail",), _own_and_other(DeliveryFollowUp)),
        (("vehicle-detail", "vehicle-transfer"), VEHICLES),
        (("target-detail",), _own_and_other(Target)),
        (("plan-detail",), lambda world: list(Plan.objects.values_list("pk", flat=True))),
        (("planversion-detail",), lambda world: list(PlanVersion.objects.values_list("pk", flat=True))),
        (("run-detail", "run-submit", "run-approve", "run-send-back", "run-lock"), RUNS),
        (("statement-detail",), STATEMENTS),
    ) for name in names},
    "token-revoke": lambda world: list(ApiToken.objects.values_list("pk", flat=True)),
    "departure-new": _own_and_other(Staff), "onboarding-start": _own_and_other(Staff),
    "onboarding-tick": _own_and_other(OnboardingItem), "probation-detail": _own_and_other(Probation),
    "position-detail": _own_and_other(Position), "candidate-detail": _own_and_other(Candidate),
    "candidate-cv": _own_and_other(Candidate),
    "fault-detail": _own_and_other(Fault), "fault-evidence": _own_and_other(Fault),
    "process-check-detail": _own_and_other(ProcessCheck),
}
PATH_WORDS: dict[str, tuple[str, ...]] = {
    "fmt": ("xlsx", "csv"), "action": ("submit", "send_back", "approve", "lock", "recompute"),
    "step": ("licence", "agreement", "start", "end", "cancel"), "indicator": ("volume", "showroom"),
    "metric": ("units_delivered", "late_arrivals"),
    "kind": tuple(ImportBatch.Kind.values), "slug": tuple(entry.slug for entry in browse_entries()),
}
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


# --- the URLs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the site: its route (``desk/leads/<int:pk>/``) and name."""

    route: str
    name: str

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def site_routes() -> list[Route]:
    """Every URL pattern, the admin's included (its regular expressions written as routes)."""

    def walk(patterns: list, prefix: str) -> Iterator[Route]:
        for pattern in patterns:
            text = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + text)
            elif isinstance(pattern, URLPattern):
                yield Route(prefix + text, pattern.name or "")

    return list(walk(get_resolver().url_patterns, ""))


def _admin_ids(route: Route) -> list[str]:
    """A real object of the admin page's model (the model is in the route: admin/<app>/<model>/...)."""
    app, model_name = route.route.split("/")[1:3]
    for model in admin_site._registry:
        if (model._meta.app_label, model._meta.model_name) == (app, model_name):
            return [str(pk) for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:1]]
    return []


def _as_route(route: Route) -> str:
    """The admin's named groups, ``(?P<object_id>.+)``, written as the converters of routes."""
    return NAMED_GROUP.sub(lambda m: f"<{m['name']}>", route.route)


def _fill(route: Route, values: dict[str, str]) -> str:
    return "/" + CONVERTER.sub(lambda m: quote(values[m["name"]], safe=""), _as_route(route))


def concrete_urls(route: Route, world: World) -> tuple[list[str], list[str]]:
    """The route with real values (the pages to walk) and with hostile values (each only requested)."""
    names = [m["name"] for m in CONVERTER.finditer(_as_route(route))]
    if not names:
        return [_fill(route, {})], []
    real: dict[str, list[str]] = {}
    for name in names:
        if name in ("pk", "lead_pk"):
            real[name] = [str(pk) for pk in PATH_IDS[route.name](world)] if not route.is_admin else []
        elif name in ("object_id", "id"):
            real[name] = _admin_ids(route)
        elif route.is_admin:
            real[name] = []
        else:
            real[name] = list(PATH_WORDS[name])
    good = [_fill(route, {n: (real[n] or ["1"])[i % max(len(real[n]), 1)] for n in names})
            for i in range(max(len(v) for v in real.values()) or 1)]
    if any(not real[n] for n in names):
        good = []  # e.g. the admin's pages of an app or a model with no records: only hostile values
    if route.name == "record-detail":
        good = [_fill(route, {"slug": entry.slug, "pk": str(pk)}) for entry in browse_entries()
                for pk in entry.model._default_manager.order_by("pk").values_list("pk", flat=True)[:1]]
    fallback = {n: (real[n] or ["1"])[0] for n in names}
    values = {name: HOSTILE_IDS if name.endswith(("pk", "id")) else HOSTILE_WORDS for name in names}
    hostile = [_fill(route, {**fallback, name: value}) for name in names
               for value in (values[name][1::2] if route.is_admin else values[name])]
    return good, hostile


# --- what the pages show: their forms and links --------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class FoundForm:
    url: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    seen: tuple[str, str | None] = ("", None)  # the page that showed it and to whom

    def signature(self) -> tuple[str, str, tuple[str, ...]]:
        return self.method, self.url, tuple(sorted(self.fields))


class PageReader(HTMLParser):
    """The forms of a page (fields with their values and options), its htmx posts, and the links' query strings."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FoundForm] = []
        self.links: list[tuple[str, list[str]]] = []
        self._form: FoundForm | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def _target(self, url: str | None) -> str:
        path = urlsplit(url or "").path
        return path if path.startswith("/") else urlsplit(self.page_url).path

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = FoundForm(self._target(a.get("action")), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "a" and "?" in a.get("href", ""):
            url = a["href"]
            self.links.append((self._target(url), [k for k, _v in parse_qsl(urlsplit(url).query, True)]))
        for verb in ("post", "get"):
            if a.get(f"hx-{verb}") and a.get("name"):
                loose = FoundForm(self._target(a[f"hx-{verb}"]), verb)
                loose.fields[a["name"]] = Field(a["name"], a.get("type", "text"), a.get("value", ""))
                self.forms.append(loose)
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
                if "selected" in a:
                    self._select.value = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if a.get("value"):
                    self._form.fields.setdefault(name, Field(name, "choice", a["value"], [a["value"]]))
                return
            if kind in ("checkbox", "radio"):
                known = self._form.fields.setdefault(name, Field(name, kind))
                known.options.append(a.get("value", "on"))
                if "checked" in a or (kind == "radio" and not known.value):
                    known.value = a.get("value", "on")
                return
            self._form.fields[name] = Field(name, kind, a.get("value", ""))
        elif tag == "select":
            self._select = self._form.fields[name] = Field(name, "select")
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = Field(name, "textarea")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = self._select
            if not chosen.value:
                chosen.value = next((option for option in chosen.options if option), "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route  # the route (not the name): admin patterns share names across models


# --- sending -------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    last_error: BaseException | None = None

    def note_exception(self, sender: object, **kwargs: object) -> None:
        self.last_error = sys.exc_info()[1]

    def failure(self, status: int, method: str, url: str, role: str | None, data: dict) -> None:
        error, where = self.last_error, ""
        if error is not None:
            frames = [f for f in traceback.extract_tb(error.__traceback__) if "/dealerkpi/" in f.filename]
            where = f" at {frames[-1].filename.split('/src/')[-1]}:{frames[-1].lineno}" if frames else ""
        shown = {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in data.items()
                 if not isinstance(v, SimpleUploadedFile)}
        self.failures.append(f"{status} {method.upper()} {url} as {role} -> {type(error).__name__ if error else ''}: "
                             f"{str(error)[:150]}{where}; sent {shown!r}"[:600])


class Walker:
    """Sends the requests, each in a savepoint rolled back after it, and remembers what the pages show."""

    def __init__(self, world: World) -> None:
        self.tally = Tally()
        self.clients: dict[str | None, Client] = {}
        self.forms: dict[str, dict[tuple, FoundForm]] = {}  # by route: the forms that send to it
        self.params: dict[str, set[str]] = {}  # by route: the query parameters its links and GET forms use
        self.today = timezone.localdate()
        self.sweep = 0  # the next catalogue value for a request that sends one value everywhere
        s1 = world.stores["S1"]
        self.world_ids = {  # hidden fields a page leaves to htmx or to the URL: a good record of the store
            "lead": crm.Lead.objects.filter(store=s1, status="open").order_by("pk").first().pk,
            "vehicle": Vehicle.objects.filter(store=s1).order_by("pk").first().pk,
            "staff": world.staff["c1"].pk, "consultant": world.staff["c1"].pk, "to_owner": world.staff["c2"].pk,
        }

    def client(self, role: str | None) -> Client:
        if role not in self.clients:
            client = Client(raise_request_exception=False)
            if role is not None:
                client.force_login(User.objects.get(username=role))
            self.clients[role] = client
        return self.clients[role]

    def send(self, role: str | None, method: str, url: str, data: dict | None = None) -> HttpResponse:
        """One request in a savepoint that is rolled back; a 5xx is a failure that names the request."""
        client, data = self.client(role), data or {}
        self.tally.sent += 1
        self.tally.last_error = None
        with transaction.atomic():
            response = client.get(url, data) if method == "get" else client.post(url, data)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            self.tally.failure(response.status_code, method, url, role, data)
        if role is not None and "_auth_user_id" not in client.session:
            del self.clients[role]  # the request logged the role out (the logout page): log in again next time
        return response

    def read(self, url: str, role: str | None, response: HttpResponse) -> None:
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return
        reader = PageReader(url)
        reader.feed(response.content.decode())
        for form in reader.forms:
            route = route_of(form.url)
            if route is None:
                continue
            form.fields.pop("csrfmiddlewaretoken", None)
            form.seen = (url, role)
            self.forms.setdefault(route, {}).setdefault(form.signature(), form)
            if form.method == "get":
                self.params.setdefault(route, set()).update(form.fields)
        for target, names in reader.links:
            route = route_of(target)
            if route is not None:
                self.params.setdefault(route, set()).update(names)

    def query_names(self, url: str) -> list[str]:
        return sorted(set(COMMON_PARAMS) | self.params.get(route_of(url) or "", set()))

    def post_forms(self, url: str) -> list[FoundForm]:
        found = [form for form in self.forms.get(route_of(url) or "", {}).values() if form.method == "post"]
        return sorted(found, key=FoundForm.signature)

    def next_hostile(self) -> str:
        self.sweep += 1
        return HOSTILE[self.sweep % len(HOSTILE)]

    # --- the values ---

    def good_value(self, found: Field) -> object:
        """What a person would send: the page's value, else a plausible one for the input's type."""
        if found.value:
            return found.value
        if found.name in self.world_ids:
            return str(self.world_ids[found.name])
        plausible = {"date": self.today.isoformat(), "datetime-local": f"{self.today.isoformat()}T10:00",
                     "time": "10:00", "month": f"{self.today:%Y-%m}", "number": "1", "tel": "13912345678",
                     "checkbox": "", "file": SimpleUploadedFile("x.csv", b"")}
        return plausible.get(found.kind, "x")

    def form_data(self, form: FoundForm, draw: Callable) -> dict:
        """The form with good values, one to three fields (or, one time in five, all) made hostile."""
        names = sorted(form.fields)
        data = {name: self.good_value(form.fields[name]) for name in names}
        if names:
            everything = draw(st.integers(0, 4)) == 0
            spoiled = names if everything else draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                                                             unique=True))
            for name in spoiled:
                if form.fields[name].kind == "file":
                    data[name] = SimpleUploadedFile(draw(st.sampled_from(("x.xlsx", "x.csv", "x" * 300))),
                                                    draw(st.sampled_from(UPLOADS)))
                else:
                    data[name] = draw(hostile_values())
        return {k: v for k, v in data.items() if v != ""}

    def swept_data(self, url: str, method: str) -> dict:
        """One catalogue value in every query parameter, or every field of the first form that sends to the page."""
        value = self.next_hostile()
        forms = self.post_forms(url)
        names = sorted(forms[0].fields) if method == "post" and forms else self.query_names(url)
        return dict.fromkeys(names, value)


def _examples(count: int, url: str) -> Callable:
    """Deterministic: a fixed number of examples, from a seed that is the URL's (each page gets other values)."""

    def decorate(test: Callable) -> Callable:
        configured = settings(max_examples=count, database=None, deadline=None, phases=(Phase.generate,),
                              suppress_health_check=list(HealthCheck))(test)
        return seed(zlib.crc32(url.encode()))(configured)

    return decorate


@dataclass
class Page:
    route: Route
    url: str
    get_opened: list[str | None] = field(default_factory=list)  # the roles the page opens for (200)
    post_opened: list[str | None] = field(default_factory=list)  # ... and those that may post (GET 200 or 405)
    refused: list[str | None] = field(default_factory=list)
    download: bool = False  # answers a file, not a page


def walk_hostile(walker: Walker, route: Route, pages: list[Page]) -> None:
    """One URL pattern: hypothesis draws hostile query strings and forms, each sent to one of its pages as one of
    the roles that open it; every role that a page refuses sends it one request with a catalogue value everywhere
    (a view may read a parameter before it refuses)."""
    admin = route.is_admin
    for page in pages:
        for index, role in enumerate(page.refused):
            method = "post" if index % 2 else "get"
            walker.send(role, method, page.url, walker.swept_data(page.url, method))
    readers = [(page.url, role) for page in pages for role in page.get_opened]
    posters = [(page.url, role) for page in pages for role in page.post_opened]
    forms = walker.post_forms(pages[0].url) if pages else []
    if readers:
        downloads = all(page.download for page in pages)

        @_examples(ADMIN_EXAMPLES if admin else DOWNLOAD_EXAMPLES if downloads else GET_EXAMPLES, route.route + "?")
        @given(st.data())
        def get_with_hostile_query(data: st.DataObject) -> None:
            url, role = data.draw(st.sampled_from(readers))
            names = walker.query_names(url)
            chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
            walker.send(role, "get", url, {name: data.draw(hostile_values()) for name in chosen})

        get_with_hostile_query()
    if posters:
        count = min(POST_EXAMPLES * max(len(forms), 1), MAX_POSTS) if forms else 2
        fallback = FoundForm(pages[0].url, "post", {name: Field(name, "text") for name in COMMON_PARAMS[:6]})

        @_examples(ADMIN_EXAMPLES if admin else count, route.route + "!")
        @given(st.data())
        def post_hostile_form(data: st.DataObject) -> None:
            url, role = data.draw(st.sampled_from(posters))
            form = data.draw(st.sampled_from(walker.post_forms(url) or [fallback]))
            walker.send(role, "post", url, walker.form_data(form, data.draw))

        post_hostile_form()


def sweep_typed(walker: Walker, pages: dict[Route, list[Page]]) -> None:
    """Each value of TYPED in each typed field of each form, the other fields good, as the role the form was shown
    to (the admin's forms: every typed field at once, value by value, and only its add forms: a change form has the
    same fields); each value of QUERY_SWEEP in every query parameter of one page of each URL pattern, as a role the
    page opens for (a manager's if it may)."""
    swept = set()
    for by_signature in walker.forms.values():
        for form in by_signature.values():
            route = route_of(form.url) or ""
            if form.method != "post" or (route, *sorted(form.fields)) in swept or "<path:object_id>" in route:
                continue
            swept.add((route, *sorted(form.fields)))
            good = {name: walker.good_value(found) for name, found in form.fields.items()}
            typed = {name: TYPED[found.kind] for name, found in sorted(form.fields.items()) if found.kind in TYPED}
            if route.startswith("admin/"):
                for index in range(3):
                    spoiled = {name: values[index % len(values)] for name, values in typed.items()}
                    walker.send(form.seen[1], "post", form.url, {**good, **spoiled})
                continue
            for name, values in typed.items():
                for value in values:
                    walker.send(form.seen[1], "post", form.url, {**good, name: value})
    for route, found in pages.items():
        page = next((page for page in found if page.get_opened and not page.download), None)
        if page is not None and not route.is_admin:
            role = "m1" if "m1" in page.get_opened else page.get_opened[0]
            for value in QUERY_SWEEP:
                walker.send(role, "get", page.url, dict.fromkeys(walker.query_names(page.url), value))


def walk_plain(walker: Walker, route: Route, world: World) -> list[Page]:
    """Hostile ids and words in the path (a GET as the superuser, who sees every record, and a POST as one of the
    roles in turn), then every page plain as every role: which roles it opens for, and its forms and links."""
    good, hostile = concrete_urls(route, world)
    roles = ADMIN_ROLES + (None,) if route.is_admin else ROLES
    for index, url in enumerate(hostile):
        walker.send("admin", "get", url)
        if not route.is_admin:
            walker.send(roles[index % len(roles)], "post", url, walker.swept_data(url, "post"))
    pages = []
    for url in good:
        page = Page(route, url)
        for role in roles:
            response = walker.send(role, "get", url)
            walker.read(url, role, response)
            if response.status_code == 200:
                page.get_opened.append(role)
                page.download = "text/html" not in response.get("Content-Type", "")
            if response.status_code in (200, 405):
                page.post_opened.append(role)
            else:
                page.refused.append(role)
        pages.append(page)
    return pages


def test_no_request_brings_a_page_down(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture) -> None:
    for logger in ("django.request", "django.security"):  # a 5xx is reported by the walk below, a 400 is expected
        caplog.set_level("CRITICAL", logger=logger)
    started = time.monotonic()
    world = walk_world()
    walker = Walker(world)
    routes = site_routes()
    missing = {r.name for r in routes if "<int:" in r.route} - set(PATH_IDS)
    assert not missing, f"add the real ids of these URLs to PATH_IDS: {sorted(missing)}"
    got_request_exception.connect(walker.tally.note_exception)
    try:
        pages = {route: walk_plain(walker, route, world) for route in routes}
        sweep_typed(walker, pages)
        for route in routes:
            walk_hostile(walker, route, pages[route])
    finally:
        got_request_exception.disconnect(walker.tally.note_exception)
    tally = walker.tally
    with capsys.disabled():
        print(f"\nhostile requests on {connection.vendor}: {len(routes)} URL patterns, {len(ROLES)} roles, "
              f"{tally.sent} requests, {len(tally.failures)} 5xx, {time.monotonic() - started:.0f} s")
    assert not tally.failures, f"{len(tally.failures)} requests answered 5xx:\n" + "\n".join(tally.failures[:80])


# --- the cases the issue names, and the answers they get -----------------------------------------------------


@pytest.mark.parametrize("day", ["2026-13-45", "9999-12-31", "0001-01-01", "２０２６-１０-０１"])
def test_a_day_that_is_not_one_of_ours_shows_today(client, day: str) -> None:
    world = build_world()
    client.force_login(world.users["c1"])
    for name in ("visit-list", "testdrive-board"):
        response = client.get(reverse(name), {"day": day})
        assert (response.status_code, response.context["day"]) == (200, timezone.localdate())


@pytest.mark.parametrize("store", ["²", "٣", "99999999999999999999999", "-1"])
def test_a_store_that_is_no_id_reads_as_the_viewers_own(client, store: str) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    for name in ("training-list", "complaint-list", "competitor-intel", "targets-month"):
        response = client.get(reverse(name), {"store": store})
        assert (response.status_code, response.context["store"]) == (200, world.stores["S1"]), name
    assert client.get(reverse("monthly-analysis"), {"store": store}).status_code == 404  # as the report says


def test_a_parent_that_is_no_id_leaves_a_list_whole(client) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    url = reverse("record-list", args=["orders"])
    whole = client.get(url).context["table"].rows
    for customer in ("99999999999999999999999", "²", "x"):
        assert len(client.get(url, {"customer": customer}).context["table"].rows) == len(whole)
    assert len(client.get(url, {"customer": world.staff["c1"].customers.get().pk}).context["table"].rows) == 2


def test_dates_beyond_the_years_are_a_field_error_in_every_desk_form(client) -> None:
    world = build_world()
    client.force_login(world.users["c1"])
    c1 = world.staff["c1"]
    order = Order.objects.filter(consultant=c1, status="confirmed").get()
    lead = crm.Lead.objects.filter(owner=c1, status="open").get()
    for moment in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post(reverse("visit-new"), {"arrived_at": moment, "party_size": 1, "consultant": c1.pk})
        assert response.context["form"].has_error("arrived_at", "year_range")
        response = client.post(reverse("payment-new", args=[order.pk]),
                               {"kind": "deposit", "amount": "100", "paid_at": moment})
        assert response.status_code == 400
        assert response.context["forms"]["payment"].has_error("paid_at", "year_range")
    response = client.post(reverse("testdrive-new"), {"lead": lead.pk, "day": "9999-12-31", "start": "10:00",
                                                      "minutes": 30})
    assert response.context["form"].has_error("day", "year_range")
    client.force_login(world.users["m1"])
    complaint = {"channel": "in_store", "summary": "x", "received_at": "0001-01-01T00:00", "handler": c1.pk}
    response = client.post(reverse("complaint-new"), complaint)
    assert response.context["form"].has_error("received_at", "year_range")


def test_a_run_for_the_month_0001_01_is_refused_with_a_field_error(client) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    response = client.post(reverse("run-list"), {"month": "0001-01"})
    assert response.status_code == 200 and response.context["form"].has_error("month", "year_range")
    assert not Run.objects.exists()


def test_ids_beyond_the_database_are_not_a_choice(client) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    response = client.post(reverse("training-new"), {"people": ["99999999999999999999999"], "course": "x",
                                                     "held_on": "2026-10-09", "hours": "2"})
    assert response.context["form"].has_error("people", "invalid_pk_value")


# --- the grade settings' formset ------------------------------------------------------------------------------


def test_a_grade_formset_with_one_form_too_many_is_refused_and_writes_nothing(client) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    page = client.get(reverse("grade-settings"))
    formset = page.context["formset"]
    before = list(crm.IntentGrade.objects.order_by("pk").values())
    data = {"form-TOTAL_FORMS": str(len(formset.forms) + 1), "form-INITIAL_FORMS": str(len(formset.forms)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for i, form in enumerate(formset.forms):
        data |= {f"form-{i}-id": str(form.instance.pk), f"form-{i}-name": "改了", f"form-{i}-follow_up_days": "3",
                 f"form-{i}-is_open": "on"}
    data |= {f"form-{len(formset.forms)}-name": "多一个", f"form-{len(formset.forms)}-follow_up_days": "5"}
    response = client.post(reverse("grade-settings"), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert list(crm.IntentGrade.objects.order_by("pk").values()) == before


def test_a_grade_formset_without_its_management_form_is_refused(client) -> None:
    world = build_world()
    client.force_login(world.users["m1"])
    grade = crm.IntentGrade.objects.filter(store=world.stores["S1"]).first()
    before = list(crm.IntentGrade.objects.order_by("pk").values())
    response = client.post(reverse("grade-settings"), {"form-0-id": grade.pk, "form-0-name": "改了"})
    assert response.status_code == 200 and response.context["formset"].non_form_errors()
    assert list(crm.IntentGrade.objects.order_by("pk").values()) == before

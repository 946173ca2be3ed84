"""A bonus run: the store's records -> metrics, targets, ratings and history -> the engine -> statements.

Computing reads everything first and writes the statements in one transaction at the end, so a run that
fails leaves nothing half-written and the previous version intact.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import Max, Q
from django.utils import timezone

from dealerkpi.core.money import ZERO, fen
from dealerkpi.kpi import engine
from dealerkpi.kpi.models import Adjustment, ManualRating, PlanVersion, Run, Statement
from dealerkpi.kpi.models.runs import StatementIndicator, StatementLine
from dealerkpi.kpi.stages import stage_in_force
from dealerkpi.kpi.workflow import supersede_older_drafts
from dealerkpi.org.models import STORE_WIDE_ROLES, RoleAssignment, Store, TeamMembership

Progress = Callable[[int, int], None]
FINAL = (Run.Status.APPROVED, Run.Status.LOCKED)


def period_of(run: Run) -> engine.Period:
    return engine.Period(run.period.year, run.period.month)


def store_team(store_id: int) -> str:
    """The team key of a store-wide role: a sales manager's "team" is the whole store."""
    return f"store-{store_id}"


@transaction.atomic
def new_run(store: Store, period: engine.Period, user: object = None) -> Run:
    """A new version of the store's run for the month, queued for computing."""
    Store.objects.select_for_update().filter(pk=store.pk).first()  # one numbering at a time per store
    runs = Run.objects.filter(store=store, period=period.first_day)
    latest = runs.order_by("-number").first()
    number = (runs.aggregate(n=Max("number"))["n"] or 0) + 1
    return Run.objects.create(store=store, period=period.first_day, number=number, previous=latest,
                              created_by=user if getattr(user, "is_authenticated", False) else None)


@dataclass(frozen=True)
class Member:
    staff_id: int
    name: str
    role: str
    team_id: int | None


def members_of(store: Store, period: engine.Period) -> list[Member]:
    """Who is assessed: everyone who held a role in the store during the month, with the role and team they
    had on their last day in it."""
    first, last = period.first_day, period.last_day
    assignments = (
        RoleAssignment.objects.filter(store=store, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .filter(Q(staff__leave_date__isnull=True) | Q(staff__leave_date__gte=first))
        .order_by("staff_id", "valid_from")
        .values_list("staff_id", "staff__name", "role")
    )
    latest_role = {staff_id: (name, role) for staff_id, name, role in assignments}
    memberships = (
        TeamMembership.objects.filter(staff_id__in=list(latest_role), valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("staff_id", "valid_from")
        .values_list("staff_id", "team_id")
    )
    team_of = dict(memberships)
    return [Member(staff_id, name, role, team_of.get(staff_id)) for staff_id, (name, role) in latest_role.items()]


_ENGINE_PLANS: dict[tuple[int, str], engine.Plan] = {}
ENGINE_PLANS_KEPT = 64


def engine_plan_of(version: PlanVersion) -> engine.Plan:
    """The version's engine plan, parsed once per process. A published version is never edited (and its
    document is part of the key all the same). Parsing the YAML took 20 ms or more, six times per store (three
    plans, then again when writing), which was a third of a store's run. Engine plans are frozen, so sharing
    them is safe."""
    key = (version.pk, version.document)
    plan = _ENGINE_PLANS.get(key)
    if plan is None:
        if len(_ENGINE_PLANS) >= ENGINE_PLANS_KEPT:
            _ENGINE_PLANS.clear()
        plan = _ENGINE_PLANS[key] = version.engine_plan()
    return plan


PlansInForce = dict[str, tuple[PlanVersion, engine.Plan, str]]


def plans_in_force(store: Store, period: engine.Period) -> PlansInForce:
    """For each role with a plan in the store: the version in force on the first of the month, its engine
    plan and its crediting policy. A store's own plan wins over the group's."""
    return plans_in_force_by_store([store], period)[store.pk]


def plans_in_force_by_store(stores: Sequence[Store], period: engine.Period) -> dict[int, PlansInForce]:
    """plans_in_force() of each store, in one query for all of them."""
    day = period.first_day
    store_ids = [store.pk for store in stores]
    versions = (
        PlanVersion.objects.filter(plan__group_id__in={store.region.group_id for store in stores})
        .filter(Q(plan__store__isnull=True) | Q(plan__store_id__in=store_ids))
        .filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("plan")
        .order_by("plan_id", "effective_from")
    )
    latest = {version.plan_id: version for version in versions}  # the last to take effect wins
    found: dict[int, PlansInForce] = {}
    for store in stores:
        mine = found[store.pk] = {}
        for version in latest.values():
            plan = version.plan
            if plan.group_id != store.region.group_id or plan.store_id not in (None, store.pk):
                continue
            if plan.role not in mine or plan.store_id:
                mine[plan.role] = (version, engine_plan_of(version), plan.crediting)
    return found


def metrics_needed(plans: Iterable[engine.Plan]) -> list[str]:
    """The metrics the plans refer to: their indicators' metrics and every metric named in an expression
    (derived values, indicator values and targets, conditions, base pay, bonus, pay rules, gates; `target.m`,
    `team.sum.m`, `quarter.m`... name metric m). A run computes only these: the engine never reads the others,
    and every metric of the catalogue (63 names) takes a quarter more time and queries than the 25 the example
    plans refer to (14 of them through indicators, 11 more only in gates and pay rules)."""
    from dealerkpi.kpi.engine.expr import names
    from dealerkpi.kpi.engine.names import METRIC_KINDS, reference
    from dealerkpi.kpi.engine.validate import plan_expressions
    from dealerkpi.kpi.metrics import UnknownMetric, definition_of

    found: dict[str, None] = {}
    for plan in plans:
        derived = {name for name, _ in plan.derived}
        found.update((i.metric, None) for i in plan.indicators if i.metric)
        for _where, expression in plan_expressions(plan):
            for name in names(expression.tree):
                referred = reference(name.name, derived)
                if referred.kind in METRIC_KINDS:
                    found[referred.subject] = None
    known = []
    for name in found:
        try:
            definition_of(name)
        except UnknownMetric:  # not a metric of the catalogue (the plan check refuses those): nothing to compute
            continue
        known.append(name)
    return sorted(known)


def _people(members: Iterable[Member], store_id: int) -> tuple[engine.Person, ...]:
    return tuple(
        engine.Person(str(m.staff_id), m.name, m.role,
                      store_team(store_id) if m.role in STORE_WIDE_ROLES else str(m.team_id or ""))
        for m in members
    )


def _ratings(store: Store, period: engine.Period) -> tuple[engine.Rating, ...]:
    rows = ManualRating.objects.filter(store=store, period=period.first_day).values_list(
        "staff_id", "indicator", "value", "comment", "rated_by__name"
    )
    return tuple(engine.Rating(str(s), indicator, value, comment, by) for s, indicator, value, comment, by in rows)


def _final_statements(store: Store, since: datetime.date, before: datetime.date) -> list[Statement]:
    """The statements of the latest approved or locked run of each earlier month in the window."""
    runs = Run.objects.filter(store=store, status__in=FINAL, period__gte=since, period__lt=before)
    latest: dict[datetime.date, int] = {}
    for run_id, month in runs.order_by("period", "number").values_list("pk", "period"):
        latest[month] = run_id
    return list(
        Statement.objects.filter(run_id__in=latest.values()).select_related("run").order_by("run__period")
        .only("staff_id", "run__period", "actuals", "targets", "total_score", "carried_balance",
              "draw_outstanding", "paid_for_deals")
    )


def history_of(store: Store, period: engine.Period) -> dict[str, engine.History]:
    """What earlier final runs left: the year's months, the balance and draw carried, what each deal was paid."""
    year_ago = datetime.date(period.year - 1, period.month, 1)
    months: dict[str, list[engine.MonthRecord]] = defaultdict(list)
    carried: dict[str, tuple[Decimal, Decimal]] = {}
    paid: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for statement in _final_statements(store, year_ago, period.first_day):
        person = str(statement.staff_id)
        month = statement.run.period
        if month.year == period.year:
            months[person].append(engine.MonthRecord(
                engine.Period(month.year, month.month),
                {k: Decimal(v) for k, v in statement.actuals.items()},
                {k: Decimal(v) for k, v in statement.targets.items()},
                statement.total_score,
            ))
        carried[person] = (statement.carried_balance, statement.draw_outstanding)
        for deal, amount in statement.paid_for_deals.items():
            paid[person][deal] = paid[person].get(deal, ZERO) + Decimal(amount)
    people = months.keys() | carried.keys() | paid.keys()
    return {
        person: engine.History(tuple(months.get(person, ())), *carried.get(person, (ZERO, ZERO)),
                               paid_for_deals=paid.get(person, {}))
        for person in people
    }


RecordInputs = dict[str, tuple[tuple[engine.Actuals, ...], tuple[engine.Deal, ...]]]


@dataclass(frozen=True)
class Evaluated:
    member: Member
    version: PlanVersion
    result: engine.PersonResult
    adjustments: tuple[Adjustment, ...]


def _for_plan_team(actuals: tuple[engine.Actuals, ...], store_id: int, role: str) -> tuple[engine.Actuals, ...]:
    """A store-wide role's team is the store: its plan sees every record as the store's."""
    if role not in STORE_WIDE_ROLES:
        return actuals
    team = store_team(store_id)
    return tuple(engine.Actuals(row.person, team, row.metrics) for row in actuals)


def _for_plan_deals(deals: tuple[engine.Deal, ...], store_id: int, role: str) -> tuple[engine.Deal, ...]:
    if role not in STORE_WIDE_ROLES:
        return deals
    team = store_team(store_id)
    return tuple(
        engine.Deal(d.id, d.delivered_on, tuple(engine.Credit(c.person, c.share, team) for c in d.credits),
                    d.figures, d.model_code, d.margin_class, d.unwound_on)
        for d in deals
    )


@dataclass(frozen=True)
class ReadAhead:
    """What a run of many stores has already read for one of them: its plans and its records."""

    plans: PlansInForce
    records: RecordInputs


def evaluate(run: Run, progress: Progress | None = None, read: ReadAhead | None = None) -> list[Evaluated]:
    """Every member's result under the plan of their role; reads only, writes nothing."""
    if read is None:
        return evaluate_store(run.store, period_of(run), progress)
    return evaluate_store(run.store, period_of(run), progress, from_records=read.records, plans=read.plans)


def evaluate_store(
    store: Store, period: engine.Period, progress: Progress | None = None, only: int | None = None,
    what_if: Callable[[engine.PeriodInputs], engine.PeriodInputs] | None = None,
    from_records: RecordInputs | None = None, plans: PlansInForce | None = None,
) -> list[Evaluated]:
    """The store's results for the month from live records (``only``: one person's; ``what_if``: a change to
    the inputs before evaluating, e.g. one more car; ``from_records``: the actuals and deals already read for
    this store and month, by crediting policy, filled as they are read so a second call reuses them;
    ``plans``: the plans in force, already read)."""
    from dealerkpi.kpi import metrics
    from dealerkpi.kpi.targets import targets_for

    if plans is None:
        plans = plans_in_force(store, period)
    members = [m for m in members_of(store, period) if m.role in plans and (only is None or m.staff_id == only)]
    total = len(members)
    if progress:
        progress(0, total)
    people = _people(members, store.pk)
    shared = {
        "targets": targets_for(store.pk, period.first_day),
        "ratings": _ratings(store, period),
        "history": history_of(store, period),
        "stage": stage_in_force(store, period.first_day),
    }
    by_crediting = {} if from_records is None else from_records
    adjustments = defaultdict(list)
    for adjustment in Adjustment.objects.filter(store=store, period=period.first_day).order_by("pk"):
        adjustments[adjustment.staff_id].append(adjustment)
    member_of = {str(m.staff_id): m for m in members}
    results: list[Evaluated] = []
    for role, (version, plan, crediting) in plans.items():
        role_people = tuple(p for p in people if p.role == role)
        if not role_people:
            continue
        if crediting not in by_crediting:
            by_crediting[crediting] = metrics.period_inputs(store, period, crediting, _wanted(plans, crediting))
        actuals, deals = by_crediting[crediting]
        inputs = engine.PeriodInputs(
            period=period, people=role_people, actuals=_for_plan_team(actuals, store.pk, role),
            deals=_for_plan_deals(deals, store.pk, role), **shared,
        )
        for result in engine.evaluate_period(plan, what_if(inputs) if what_if else inputs):
            member = member_of[result.person]
            results.append(Evaluated(member, version, result, tuple(adjustments.get(member.staff_id, ()))))
            if progress:
                progress(len(results), total)
    return results


def _wanted(plans: PlansInForce, crediting: str) -> tuple[str, ...]:
    """The metrics that the store's plans crediting deals this way refer to."""
    return tuple(metrics_needed(plan for _version, plan, policy in plans.values() if policy == crediting))


def records_by_store(stores: Sequence[Store], period: engine.Period,
                     plans: dict[int, PlansInForce]) -> dict[int, RecordInputs]:
    """What each store's run reads from the records (actuals and deals by crediting policy), computed for all
    the stores at once: one computation per crediting policy and set of metrics (stores under the same plans
    share one), each a few grouped queries over all the stores."""
    from dealerkpi.kpi import metrics

    alike: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for store in stores:
        for crediting in {policy for _version, _plan, policy in plans[store.pk].values()}:
            alike[(crediting, _wanted(plans[store.pk], crediting))].append(store.pk)
    found: dict[int, RecordInputs] = {store.pk: {} for store in stores}
    for (crediting, wanted), store_ids in alike.items():
        for store_id, inputs in metrics.period_inputs_by_store(store_ids, period, crediting, wanted).items():
            found[store_id][crediting] = inputs
    return found


def _decimal_map(values: object) -> dict[str, str]:
    return {key: str(value) for key, value in dict(values).items() if value is not None}  # type: ignore[call-overload]


def stored_wording(said: engine.Wording | None) -> dict | None:
    return None if said is None else {"key": said.key, "args": dict(said.args)}


def _statement(run: Run, item: Evaluated) -> Statement:
    result = item.result
    adjusted = sum((a.amount for a in item.adjustments), ZERO)
    return Statement(
        run=run, store_id=run.store_id, staff_id=item.member.staff_id, team_id=item.member.team_id,
        plan_version=item.version, weight_set=result.weight_set, stage=result.stage or "",
        total_score=result.total_score, coefficient=result.coefficient, total=fen(result.total + adjusted),
        carried_balance=fen(result.carried_balance), draw_outstanding=fen(result.draw_outstanding),
        paid_for_deals=_decimal_map(result.paid_for_deals),
        actuals={i.id: str(i.actual) for i in result.indicators if i.actual is not None},
        targets={i.id: str(i.target) for i in result.indicators if i.target is not None},
        gates=[{"id": g.id, "label": g.label, "condition": g.condition, "held": g.held, "factor": str(g.factor),
                "inputs": _decimal_map(g.inputs)} for g in result.gates],
        notes=list(result.notes), error=result.error,
    )


def _indicators(statement: Statement, result: engine.PersonResult, metric_of: dict[str, str]) -> list:
    return [
        StatementIndicator(
            statement=statement, position=position, code=i.id, label=i.label, metric=metric_of.get(i.id, ""),
            rule=i.rule[:200], actual=i.actual, target=i.target, achievement=i.achievement, score=i.score,
            weight=i.weight, weighted_score=i.weighted_score, note=i.note[:300], skipped=i.skipped,
            rule_wording=stored_wording(i.rule_wording),
        )
        for position, i in enumerate(result.indicators)
    ]


def _lines(statement: Statement, item: Evaluated) -> list:
    lines = [
        StatementLine(
            statement=statement, position=position, category=line.category, kind=line.kind, rule=line.rule,
            label=line.label[:200], amount=line.amount, exact=str(line.exact), inputs=_decimal_map(line.inputs),
            values=_decimal_map(line.values),
            deals=[{"deal": d.deal, "quantity": str(d.quantity), "amount": str(d.amount)} for d in line.deals],
            wording=stored_wording(line.wording),
        )
        for position, line in enumerate(item.result.lines)
    ]
    start = len(lines)
    lines += [
        StatementLine(statement=statement, position=start + n, category="adjustment", kind="adjustment",
                      label=adjustment.reason[:200], amount=adjustment.amount, exact=str(adjustment.amount),
                      adjustment=adjustment)
        for n, adjustment in enumerate(item.adjustments)
    ]
    return lines


def _metric_of(version: PlanVersion, cache: dict[int, dict[str, str]]) -> dict[str, str]:
    if version.pk not in cache:
        cache[version.pk] = {i.id: i.metric or "" for i in engine_plan_of(version).indicators}
    return cache[version.pk]


def _insert(model: type, rows: list, batch_size: int) -> None:
    """Rows whose ids nobody reads back: COPY on PostgreSQL, bulk_create elsewhere. For statement indicators
    and lines (JSON columns, ~20 rows a person) COPY writes about ten times as many rows a second as
    bulk_create, whose INSERT ... UNNEST arrays psycopg quotes value by value on the client."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])


@transaction.atomic
def write_statements(run: Run, evaluated: list[Evaluated]) -> None:
    """All statements of the run in a few bulk inserts; the run becomes a draft."""
    statements = Statement.objects.bulk_create([_statement(run, item) for item in evaluated], batch_size=500)
    metric_cache: dict[int, dict[str, str]] = {}
    indicators, lines = [], []
    for statement, item in zip(statements, evaluated, strict=True):
        indicators += _indicators(statement, item.result, _metric_of(item.version, metric_cache))
        lines += _lines(statement, item)
    _insert(StatementIndicator, indicators, batch_size=1000)
    _insert(StatementLine, lines, batch_size=1000)
    run.status, run.computed_at, run.error = Run.Status.DRAFT, timezone.now(), ""
    run.save(update_fields=["status", "computed_at", "error", "progress_done", "progress_total"])
    supersede_older_drafts(run)


PROGRESS_EVERY = 1.0  # seconds between writes of a run's progress: the number of writes follows time, not people


def compute(run: Run, progress: Progress | None = None, read: ReadAhead | None = None) -> Run:
    """Compute a queued run (``read``: its plans and records already read by a run of many stores). On failure
    the run is marked failed with the reason; nothing else changes."""
    written = {"at": -PROGRESS_EVERY}

    def report(done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total
        now = time.monotonic()
        if done in (0, total) or now - written["at"] >= PROGRESS_EVERY:
            Run.objects.filter(pk=run.pk).update(progress_done=done, progress_total=total)
            written["at"] = now
        if progress:
            progress(done, total)

    Run.objects.filter(pk=run.pk).update(status=Run.Status.COMPUTING)
    try:
        evaluated = evaluate(run, report, read)
        write_statements(run, evaluated)
    except Exception as error:  # the run records any failure; the previous version stays as it was
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, error=f"{type(error).__name__}: {error}")
        run.refresh_from_db()
        return run
    return run


STORES_READ_TOGETHER = 50


def read_ahead(stores: Sequence[Store], period: engine.Period) -> dict[int, ReadAhead]:
    plans = plans_in_force_by_store(stores, period)
    records = records_by_store(stores, period, plans)
    return {store.pk: ReadAhead(plans[store.pk], records[store.pk]) for store in stores}


def compute_stores(
    stores: Sequence[Store], period: engine.Period, user: object = None,
    progress: Callable[[Store], Progress | None] | None = None, batch: int = STORES_READ_TOGETHER,
) -> Iterator[Run]:
    """A new run of each store for the month (a group's month-end), each its own version and transaction as
    if computed alone, with the same results. The plans and records of `batch` stores are read together: a
    store's share of each grouped query instead of ~20 queries a store. Memory follows the batch, not the
    group. If reading a batch fails, its stores are computed one by one, so each failed run says why."""
    for start in range(0, len(stores), batch):
        chunk = stores[start:start + batch]
        try:
            read = read_ahead(chunk, period)
        except Exception:  # each store's own run then records what is wrong with it
            read = {}
        for store in chunk:
            run = new_run(store, period, user)
            yield compute(run, progress(store) if progress else None, read.get(store.pk))

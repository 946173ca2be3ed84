"""A bonus run: the store's records -> metrics, targets, ratings and history -> the engine -> statements.

Computing reads everything first and writes the statements in one transaction at the end, so a run that
fails leaves nothing half-written and the previous version intact.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.audit import acting_user, audited_create, audited_update
from dealerkpi.core.bulk import FieldValues, insert_field_values
from dealerkpi.core.money import ZERO, fen, half_up
from dealerkpi.org.models import STORE_WIDE_ROLES, Store
from dealerkpi.pay.inputs import (
    Member,
    SpiffEarned,
    StoreMonth,
    engine_plan_of,
    metrics_wanted,
    read_store_month,
    read_store_months,
    spiffs_earned,
)
from dealerkpi.pay.models import Adjustment, Run, Statement, StatementIndicator, StatementLine
from dealerkpi.pay.period_figures import keep_figures
from dealerkpi.pay.workflow import supersede_older_drafts
from dealerkpi.plans import engine
from dealerkpi.plans.models import PlanVersion
from dealerkpi.targets.services import store_team

Progress = Callable[[int, int], None]


def period_of(run: Run) -> engine.Period:
    return engine.Period(run.period.year, run.period.month)


def new_run(store: Store, period: engine.Period, user: object = None) -> Run:
    """A new version of the store's run for the month, queued for computing, started by ``user`` (by default
    whoever is acting: ``core.audit.acting_as``)."""
    return new_runs([store], period, user)[0]


@transaction.atomic
def new_runs(stores: Sequence[Store], period: engine.Period, user: object = None) -> list[Run]:
    """A new version of each store's run for the month, queued, in the stores' order: the stores locked (one
    numbering at a time per store), their month's versions read and the new ones created, audited, at once."""
    ids = sorted(store.pk for store in stores)
    list(Store.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    latest = {run.store_id: run for run in Run.objects.filter(store_id__in=ids, period=period.first_day)
              .order_by("number")}  # the highest number wins
    started_by = acting_user() if user is None else user
    created_by = started_by if getattr(started_by, "is_authenticated", False) else None
    return audited_create(Run, [
        Run(store=store, period=period.first_day, previous=latest.get(store.pk), created_by=created_by,
            number=latest[store.pk].number + 1 if store.pk in latest else 1)
        for store in stores])


def _people(members: Iterable[Member], store_id: int, minimum_wage: Decimal | None) -> tuple[engine.Person, ...]:
    """The members as the engine takes them, each with their base salary, the store's minimum wage and the days
    of the month they were employed in the store."""
    return tuple(
        engine.Person(str(m.staff_id), m.name, m.role,
                      store_team(store_id) if m.role in STORE_WIDE_ROLES else str(m.team_id or ""),
                      m.base_salary, minimum_wage, m.days_employed)
        for m in members
    )


@dataclass(frozen=True)
class Evaluated:
    member: Member
    version: PlanVersion
    result: engine.PersonResult
    adjustments: tuple[Adjustment, ...]
    month: engine.MonthRecord  # the person's metrics and own targets of the month, by metric
    spiffs: tuple[SpiffEarned, ...] = ()  # paid beside the plan (sales.Spiff)


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


def evaluate(run: Run, progress: Progress | None = None, month: StoreMonth | None = None) -> list[Evaluated]:
    """Every member's result under their plan (their role's, or its plan for people on probation); reads only,
    writes nothing."""
    return evaluate_store(month or read_store_month(run.store, period_of(run)), progress)


def evaluate_store(
    month: StoreMonth, progress: Progress | None = None, only: int | None = None,
    what_if: Callable[[engine.PeriodInputs], engine.PeriodInputs] | None = None,
) -> list[Evaluated]:
    """The store's results for the month (``only``: one person's; ``what_if``: a change to the inputs before
    evaluating, e.g. one more car). Records not read ahead are read into ``month`` as needed, so a second
    evaluation of the same month reuses them."""
    store, period, plans = month.store, month.period, month.plans
    plan_of = {str(m.staff_id): m.plan_in(plans) for m in month.members if only is None or m.staff_id == only}
    members = [m for m in month.members if plan_of.get(str(m.staff_id))]
    total = len(members)
    if progress:
        progress(0, total)
    people = _people(members, store.pk, month.minimum_wage)
    shared = {"targets": month.targets, "ratings": month.ratings, "history": month.history, "stage": month.stage}
    member_of = {str(m.staff_id): m for m in members}
    results: list[Evaluated] = []
    for key, (version, plan, crediting) in plans.items():
        role_people = tuple(p for p in people if plan_of[p.id] == key)
        if not role_people:
            continue
        role = plan.role
        if crediting not in month.records:
            month.records[crediting] = metrics.period_inputs(store, period, crediting,
                                                             metrics_wanted(plans, crediting))
        if crediting not in month.spiffs:
            month.spiffs[crediting] = spiffs_earned([store.pk], period, crediting).get(store.pk, {})
        actuals, deals = month.records[crediting]
        spiffs = month.spiffs[crediting]
        inputs = engine.PeriodInputs(
            period=period, people=role_people, actuals=_for_plan_team(actuals, store.pk, role),
            deals=_for_plan_deals(deals, store.pk, role), **shared,
        )
        inputs = what_if(inputs) if what_if else inputs
        records = month_records(inputs)
        for result in engine.evaluate_period(plan, inputs):
            member = member_of[result.person]
            results.append(Evaluated(member, version, result, tuple(month.adjustments.get(member.staff_id, ())),
                                     records.get(result.person, engine.MonthRecord(period)),
                                     spiffs.get(member.staff_id, ())))
            if progress:
                progress(len(results), total)
    return results


def month_records(inputs: engine.PeriodInputs) -> dict[str, engine.MonthRecord]:
    """Each person assessed's metrics (summed over their teams' rows; a rate is on one row) and own targets, by
    metric. The store's other people are left out: their plan's inputs give theirs."""
    assessed = {person.id for person in inputs.people}
    metrics: dict[str, dict[str, Decimal]] = defaultdict(dict)
    targets: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in inputs.actuals:
        if row.person in assessed:
            for name, value in row.metrics.items():
                metrics[row.person][name] = metrics[row.person].get(name, ZERO) + value
    for target in inputs.targets:
        if target.person in assessed:
            targets[target.person].update(target.metrics)
    return {person: engine.MonthRecord(inputs.period, metrics.get(person, {}), targets.get(person, {}))
            for person in metrics.keys() | targets.keys()}


def _decimal_map(values: object) -> dict[str, str]:
    return {key: str(value) for key, value in dict(values).items() if value is not None}  # type: ignore[call-overload]


def stored_wording(said: engine.Wording | None) -> dict | None:
    return None if said is None else {"key": said.key, "args": dict(said.args)}


PLACES = 4  # of the statements' scores and of the indicators' figures


def _placed(value: Decimal | None) -> Decimal | None:
    """A score or figure as its column holds it, rounded here so that both databases hold the same."""
    return None if value is None else half_up(value, PLACES)


def statement_row(run: Run, item: Evaluated) -> FieldValues:
    result = item.result
    adjusted = sum((a.amount for a in item.adjustments), ZERO) + sum((spiff_line_amount(s) for s in item.spiffs), ZERO)
    return {
        "run_id": run.pk, "store_id": run.store_id, "staff_id": item.member.staff_id,
        "team_id": item.member.team_id, "plan_version_id": item.version.pk, "weight_set": result.weight_set,
        "probation_until": item.member.probation_until if item.version.plan.for_probation else None,
        "stage": result.stage or "", "total_score": _placed(result.total_score),
        "coefficient": _placed(result.coefficient),
        "total": fen(result.total + adjusted), "carried_balance": fen(result.carried_balance),
        "draw_outstanding": fen(result.draw_outstanding), "paid_for_deals": _decimal_map(result.paid_for_deals),
        "actuals": {i.id: str(i.actual) for i in result.indicators if i.actual is not None},
        "targets": {i.id: str(i.target) for i in result.indicators if i.target is not None},
        "month_metrics": _decimal_map(item.month.metrics), "month_targets": _decimal_map(item.month.targets),
        "gates": [{"id": g.id, "label": g.label, "condition": g.condition, "held": g.held, "factor": str(g.factor),
                   "inputs": _decimal_map(g.inputs)} for g in result.gates],
        "notes": list(result.notes), "warnings": [asdict(w) for w in result.warnings], "error": result.error,
    }


def indicator_rows(statement_id: int, result: engine.PersonResult, metric_of: dict[str, str]) -> list[FieldValues]:
    return [
        {"statement_id": statement_id, "position": position, "code": i.id, "label": i.label,
         "metric": metric_of.get(i.id, ""), "rule": i.rule[:200], "actual": _placed(i.actual),
         "target": _placed(i.target), "achievement": _placed(i.achievement), "score": _placed(i.score),
         "weight": i.weight, "weighted_score": _placed(i.weighted_score),
         "note": i.note[:300], "skipped": i.skipped, "rule_wording": stored_wording(i.rule_wording)}
        for position, i in enumerate(result.indicators)
    ]


def _line(statement_id: int, position: int, **values: object) -> FieldValues:
    return {"statement_id": statement_id, "position": position, "rule": "", "inputs": {}, "values": {}, "deals": [],
            "adjustment_id": None, "wording": None, **values}


def line_rows(statement_id: int, item: Evaluated) -> list[FieldValues]:
    lines = [
        _line(statement_id, position, category=line.category, kind=line.kind, rule=line.rule, label=line.label[:200],
              amount=line.amount, exact=str(line.exact), inputs=_decimal_map(line.inputs),
              values=_decimal_map(line.values),
              deals=[{"deal": d.deal, "quantity": str(d.quantity), "amount": str(d.amount)} for d in line.deals],
              wording=stored_wording(line.wording))
        for position, line in enumerate(item.result.lines)
    ]
    lines += [spiff_line(statement_id, len(lines) + n, earned) for n, earned in enumerate(item.spiffs)]
    start = len(lines)
    lines += [
        _line(statement_id, start + n, category="adjustment", kind="adjustment", label=adjustment.reason[:200],
              amount=adjustment.amount, exact=str(adjustment.amount), adjustment_id=adjustment.pk)
        for n, adjustment in enumerate(item.adjustments)
    ]
    return lines


def spiff_line_amount(earned: SpiffEarned) -> Decimal:
    return fen(earned.amount)


def spiff_line(statement_id: int, position: int, earned: SpiffEarned) -> FieldValues:
    """A spiff's line: the cars behind it (the person's share of each, negative for an unwind), rounded once."""
    spiff = earned.spiff
    wording = {"key": "spiff", "args": {"title": spiff.title, "units": str(earned.units),
                                        "per_car": str(spiff.amount)}}
    return _line(statement_id, position, category="spiff", kind="spiff", rule=str(spiff.pk),
                 label=f"{spiff.title}: {earned.units} x {spiff.amount}"[:200],
                 amount=spiff_line_amount(earned), exact=str(earned.amount), wording=wording,
                 deals=[{"deal": str(d.delivery_id), "quantity": str(d.units), "amount": str(d.amount)}
                        for d in earned.deals])


def indicator_metrics(version: PlanVersion, cache: dict[int, dict[str, str]]) -> dict[str, str]:
    if version.pk not in cache:
        cache[version.pk] = {i.id: i.metric or "" for i in engine_plan_of(version).indicators}
    return cache[version.pk]


def _insert_statements(rows: list[FieldValues]) -> list[int]:
    """The statements, and their new ids in the same order: on PostgreSQL the ids are taken from the table's
    sequence first so that the rows can be copied; elsewhere bulk_create returns them."""
    connection = connections[router.db_for_write(Statement)]
    if connection.vendor != "postgresql":
        return [statement.pk for statement in Statement.objects.bulk_create([Statement(**r) for r in rows],
                                                                            batch_size=500)]
    table = Statement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(rows)])
        ids = [pk for (pk,) in cursor.fetchall()]
    insert_field_values(Statement, [{"id": pk, **row} for pk, row in zip(ids, rows, strict=True)])
    return ids


@dataclass(frozen=True)
class Evaluation:
    """A claimed run's results, waiting to be written, with what it read."""

    run: Run
    month: StoreMonth
    evaluated: list[Evaluated]


@transaction.atomic
def write_statements(evaluations: Sequence[Evaluation]) -> None:
    """The runs' statements in one transaction and one bulk insert per table; each run becomes a draft and
    supersedes its store's older drafts, and the figures it read are kept (``pay.period_figures``), replacing the
    month's earlier. A run no longer computing (given up as stalled meanwhile: its row is locked first, so it is
    given up either before or not at all) is left as it is, its statements not written."""
    computing = set(Run.objects.select_for_update().filter(
        pk__in=[e.run.pk for e in evaluations], status=Run.Status.COMPUTING).values_list("pk", flat=True))
    written = [e for e in evaluations if e.run.pk in computing]
    for evaluation in evaluations:
        if evaluation.run.pk not in computing:
            evaluation.run.refresh_from_db()
    if not written:
        return
    people = [(e.run, item) for e in written for item in e.evaluated]
    statement_ids = _insert_statements([statement_row(run, item) for run, item in people])
    metric_cache: dict[int, dict[str, str]] = {}
    indicators, lines = [], []
    for statement_id, (_run, item) in zip(statement_ids, people, strict=True):
        indicators += indicator_rows(statement_id, item.result, indicator_metrics(item.version, metric_cache))
        lines += line_rows(statement_id, item)
    insert_field_values(StatementIndicator, indicators)
    insert_field_values(StatementLine, lines)
    keep_figures(written[0].month.period, {
        e.run.store_id: (e.month.records, {crediting: metrics_wanted(e.month.plans, crediting)
                                           for crediting in e.month.records})
        for e in written})
    _become_drafts([e.run for e in written])


def _become_drafts(done: list[Run]) -> None:
    """The runs' last progress (left out of the audit) in one update, their status in one audited update, and the
    older drafts of their months superseded."""
    Run.objects.bulk_update(done, ["progress_done", "progress_total"])
    computed_at = timezone.now()
    audited_update(Run.objects.filter(pk__in=[run.pk for run in done]), status=Run.Status.DRAFT,
                   computed_at=computed_at, error="")
    for run in done:
        run.status, run.computed_at, run.error = Run.Status.DRAFT, computed_at, ""
    supersede_older_drafts(*done)


PROGRESS_EVERY = 1.0  # seconds between writes of a run's progress: the number of writes follows time, not people


def compute(run: Run, progress: Progress | None = None, month: StoreMonth | None = None) -> Run:
    """Compute a queued run (``month``: what it reads, already read by a run of many stores). On failure the
    run is marked failed with the reason; nothing else changes. A run no longer queued (given up meanwhile, or
    a job delivered twice) is left as it is."""
    if _claim([run]):
        evaluation = _evaluate(run, month, _progress_written(run, progress))
        if evaluation is not None:
            _write_each([evaluation])
    return run


def _claim(queued: Sequence[Run]) -> list[Run]:
    """The runs still queued, now computing (locked first, so that a run is claimed once, by one job); the
    others are read again as they are."""
    now = timezone.now()
    with transaction.atomic():
        mine = set(Run.objects.select_for_update().filter(pk__in=[run.pk for run in queued],
                                                          status=Run.Status.QUEUED).values_list("pk", flat=True))
        audited_update(Run.objects.filter(pk__in=mine), status=Run.Status.COMPUTING, heartbeat_at=now)
    for run in queued:
        if run.pk in mine:
            run.status, run.heartbeat_at = Run.Status.COMPUTING, now
        else:
            run.refresh_from_db()
    return [run for run in queued if run.pk in mine]


def _progress_written(run: Run, progress: Progress | None) -> Progress:
    """A run computed alone shows its progress as it goes: the start, then at most once a second. The last report
    is written with the statements. The progress and heartbeat are left out of the audit (``Run.audit_ignore``)."""
    written = {"at": -PROGRESS_EVERY}

    def report(done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total
        now = time.monotonic()
        if done == 0 or (done < total and now - written["at"] >= PROGRESS_EVERY):
            audited_update(Run.objects.filter(pk=run.pk), progress_done=done, progress_total=total,
                           heartbeat_at=timezone.now())
            written["at"] = now
        if progress:
            progress(done, total)

    return report


def _progress_kept(run: Run) -> Progress:
    """A run computed with its batch: its progress is written with its statements."""

    def report(done: int, total: int) -> None:
        run.progress_done, run.progress_total = done, total

    return report


def _evaluate(run: Run, month: StoreMonth | None, report: Progress) -> Evaluation | None:
    """The claimed run's people evaluated; None if that failed (the run is marked failed with the reason)."""
    try:
        month = month or read_store_month(run.store, period_of(run))
        return Evaluation(run, month, evaluate(run, report, month))
    except Exception as error:  # the run records any failure; the previous version stays as it was
        _fail(run, error)
        return None


def _fail(run: Run, error: Exception) -> None:
    audited_update(Run.objects.filter(pk=run.pk), status=Run.Status.FAILED, error=f"{type(error).__name__}: {error}")
    run.refresh_from_db()


def _write_each(evaluations: Iterable[Evaluation]) -> None:
    """Each run's statements in its own transaction: a run that cannot be written fails alone, saying why."""
    for evaluation in evaluations:
        try:
            write_statements([evaluation])
        except Exception as error:  # the run records any failure; the previous version stays as it was
            _fail(evaluation.run, error)


def _write_together(evaluations: list[Evaluation]) -> None:
    """The runs of a batch of stores written in one transaction; if that fails, each in its own, so that the runs
    that can be written are, and each that cannot says why."""
    try:
        write_statements(evaluations)
    except Exception:
        _write_each(evaluations)


def give_up_stalled(candidates: QuerySet[Run] | None = None) -> int:
    """Marks failed, audited, the queued or computing runs (of ``candidates``; by default all) that have shown no
    progress for ``settings.PAY_RUN_STALLED_MINUTES``: their job was lost, its worker killed or restarted (Huey
    does not deliver a job again). Their reason is ``Run.STALLED``; they can be recomputed. How many."""
    since = timezone.now() - timedelta(minutes=settings.PAY_RUN_STALLED_MINUTES)
    stalled = (Run.objects.all() if candidates is None else candidates).filter(
        Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, created_at__lt=since),
        status__in=Run.BUSY,
    )
    return audited_update(stalled, status=Run.Status.FAILED, error=Run.STALLED)


STORES_READ_TOGETHER = 50


def compute_stores(
    stores: Sequence[Store], period: engine.Period, user: object = None, batch: int = STORES_READ_TOGETHER,
) -> Iterator[Run]:
    """A new run of each store for the month (a group's month-end), each its own version, with the results it
    gets computed alone. `batch` stores at a time: what their runs read is read together (a store's share of each
    grouped query instead of ~25 queries a store), and their statements are written together, in one transaction
    and one bulk insert per table; on PostgreSQL the next two batches are read meanwhile (``_read_ahead``). Memory
    follows the batch, not the group. If reading or writing a batch fails, its stores are read or written one by one, so
    each failed run says why and the others are computed. Python's cyclic collector is paused until the last run
    is yielded (``_collector_paused``)."""
    chunks = [stores[start:start + batch] for start in range(0, len(stores), batch)]
    with _commits_not_waited_for(), _collector_paused(), _read_ahead(chunks, period) as months:
        for chunk, read in zip(chunks, months, strict=True):
            yield from _compute_batch(chunk, period, user, read)


def _read_batch(stores: Sequence[Store], period: engine.Period) -> dict[int, StoreMonth]:
    """What the batch's runs read; none if that fails: each store's own run then records what is wrong with it."""
    try:
        return read_store_months(stores, period)
    except Exception:
        return {}


READERS = 2  # batches read ahead at once, each on its own connection and thread


@contextmanager
def _read_ahead(chunks: list[Sequence[Store]], period: engine.Period) -> Iterator[Iterator[dict[int, StoreMonth]]]:
    """What each batch reads, in order. On PostgreSQL, the next two batches are read meanwhile, each on a connection
    of its own in a thread, while this one computes and writes the batch before: the database works while Python
    does, instead of each waiting for the other, and while one reading thread turns rows into figures (holding
    Python's lock) the other's statements run. Two batches ahead at most, so memory still follows the batch. Not
    when the caller holds a transaction open: another connection would not see what it has not committed; not on
    SQLite, where reading in a thread was no faster."""
    connection = connections[router.db_for_read(Run)]
    if len(chunks) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        yield (_read_batch(chunk, period) for chunk in chunks)
        return
    with ThreadPoolExecutor(READERS, thread_name_prefix="run-reader") as reader:
        try:
            yield _reads_in_turn(reader, chunks, period)
        finally:
            everyone = threading.Barrier(READERS)  # each thread takes one of these, so each closes its own
            for _ in range(READERS):
                reader.submit(_close_connection_when_all_here, everyone)


def _close_connection_when_all_here(everyone: threading.Barrier) -> None:
    everyone.wait()
    connections.close_all()  # this thread's own connections


def _reads_in_turn(reader: ThreadPoolExecutor, chunks: list[Sequence[Store]],
                   period: engine.Period) -> Iterator[dict[int, StoreMonth]]:
    pending = deque(reader.submit(_read_batch, chunk, period) for chunk in chunks[:READERS])
    for following in chunks[READERS:]:
        read = pending.popleft().result()
        pending.append(reader.submit(_read_batch, following, period))
        yield read
    while pending:
        yield pending.popleft().result()


def _compute_batch(stores: Sequence[Store], period: engine.Period, user: object,
                   read: dict[int, StoreMonth]) -> list[Run]:
    _plan_again()
    runs = new_runs(stores, period, user)
    evaluated = [_evaluate(run, read.get(run.store_id), _progress_kept(run)) for run in _claim(runs)]
    _write_together([evaluation for evaluation in evaluated if evaluation is not None])
    return runs


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the stores compute. A batch makes millions of small objects
    (its records, people and lines) that live until its statements are written, while the next batch is read
    beside it, and the collector went over all of them in several full collections a batch, in vain: they are freed
    by their reference counts once the batch is done. The little the batches leave in reference cycles is
    collected once the stores are done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def _commits_not_waited_for() -> Iterator[None]:
    """A group's month-end commits three times a store (the new version, its claim, its statements): 3,000 commits
    for 1,000 stores, each waiting for the disk (5 to 30 ms). On PostgreSQL this session does not wait
    (``synchronous_commit off``): each commit stays atomic and in order, and a crash of the server can only lose
    the last commits of the last fraction of a second, whose runs then stay queued or computing until they are
    given up as stalled (``give_up_stalled``) and computed again; the previous versions are intact either way."""
    connection = connections[router.db_for_write(Run)]
    if connection.vendor != "postgresql":  # SQLite in WAL mode with synchronous=NORMAL does not wait already
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _plan_again() -> None:
    """PostgreSQL keeps the plans of its foreign-key checks for the life of a connection. Made while the
    statement tables were small (empty, in a new database), they are scans, which a group's month-end makes
    slower with every store: 1 s a store by the 600th store of 1,000, the COMMIT checking each new statement
    line against every statement. Forgotten at each batch, they are planned again as index lookups."""
    connection = connections[router.db_for_write(Statement)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DISCARD PLANS")


def compute_stores_in_workers(
    stores: Sequence[Store], period: engine.Period, workers: int, batch: int = STORES_READ_TOGETHER,
) -> Iterator[Run]:
    """compute_stores() with its batches spread over `workers` processes: stores are independent, and one
    process leaves a core idle while the database works. Runs come back batch by batch in the stores' order.
    On PostgreSQL only: SQLite takes one writer at a time, so there the stores are computed in this process."""
    if workers <= 1 or connections["default"].vendor != "postgresql":
        yield from compute_stores(stores, period, batch=batch)
        return
    chunks = [[store.pk for store in stores[start:start + batch]] for start in range(0, len(stores), batch)]
    connections.close_all()  # each worker opens its own connection
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for run_ids in pool.map(_compute_chunk, chunks, itertools.repeat(period)):
            found = Run.objects.select_related("store").in_bulk(run_ids)
            yield from (found[pk] for pk in run_ids)


def _compute_chunk(store_ids: list[int], period: engine.Period) -> list[int]:
    """In a worker process: the runs of a batch of stores; their ids."""
    found = Store.objects.select_related("region__group").in_bulk(store_ids)
    stores = [found[pk] for pk in store_ids]
    return [run.pk for run in compute_stores(stores, period, batch=len(stores))]

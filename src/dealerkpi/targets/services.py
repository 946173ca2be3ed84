"""Targets as the rest of the system uses them: for a bonus run, for the split form and for the import.

    targets_for(store_id, month)                    -> the engine's Targets of the month (one query)
    store_team(store_id)                            -> the team key of a store-wide role: the store
    split_status(store, month, metric)              -> store target, allocated to people, remaining
    save_split(store, month, metric, shares, user)  -> person targets saved at once, never above the store's
    import_split(file, store, month, user)          -> all rows saved, or none and a row-by-row report
    seasonal_split(value, percents, unit)           -> an annual figure in twelve months summing exactly
    generate_monthly(store, year, user)             -> the store's monthly targets from its annual ones

Every save goes through the model (full_clean, then save), so each change is in the audit trail.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from dealerkpi.core.audit import acting_as
from dealerkpi.core.money import FEN, HUNDRED, ZERO, fen
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.core.spreadsheets import (
    NUL_IN_CELL,
    Limits,
    NotANumber,
    Unreadable,
    cell_number,
    cell_text,
    column_letter,
    nul_cells,
    read_sheet,
)
from dealerkpi.org.models import EffectiveDated, Staff, Store, TeamMembership
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.plans.engine import Period
from dealerkpi.plans.engine import Target as EngineTarget
from dealerkpi.plans.engine.catalogue import METRICS
from dealerkpi.plans.metric_labels import labelled
from dealerkpi.targets.models import (
    MONTHS,
    WHOLE_UNITS,
    AnnualTarget,
    SeasonalDistribution,
    Target,
    metric_of,
    metric_problem,
    plain,
)

IMPORT_LIMITS = Limits(rows=2000, megabytes=2)


# --- what a viewer sees (who may change what: rules.py) ---------------------------------------------------


def visible_stores(viewer: Viewer) -> QuerySet[Store]:
    return visible_to(Store.objects.select_related("region"), viewer).order_by("code")


def visible_targets(viewer: Viewer) -> QuerySet[Target]:
    """The targets ``viewer`` may read: by data scope, plus a supervisor's own teams' team-level targets."""
    targets = visible_to(Target.objects.all(), viewer)
    if viewer.reach is Reach.TEAM and viewer.team_ids:
        # The scope's owner path gives a supervisor the members' rows; the team's own rows have no owner.
        team_rows = Target.objects.filter(team_id__in=viewer.team_ids, staff__isnull=True)
        targets = Target.objects.filter(Q(pk__in=targets.values("pk")) | Q(pk__in=team_rows.values("pk")))
    return targets


# --- periods -----------------------------------------------------------------------------------------------


def month_start(period: Period | datetime.date | str) -> datetime.date:
    if isinstance(period, str):
        period = Period.parse(period)
    if isinstance(period, Period):
        return period.first_day
    return period.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return Period(month.year, month.month).last_day


def split_people(store: Store | int, month: datetime.date) -> QuerySet[Staff]:
    """The consultants and supervisors of the store employed at some time in the month, by employee number."""
    store_id = store if isinstance(store, int) else store.pk
    first, last = month_start(month), month_end(month_start(month))
    return (
        Staff.objects.filter(store_id=store_id, role__in=SALES_FORCE, hire_date__lte=last)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=first))
        .order_by("employee_no")
    )


def team_of_people(store: Store, month: datetime.date) -> dict[int, int]:
    """staff id -> team id at the end of the month (one query)."""
    day = month_end(month_start(month))
    rows = TeamMembership.objects.filter(EffectiveDated.in_force_on(day), team__store=store).order_by("valid_from")
    return {staff_id: team_id for staff_id, team_id in rows.values_list("staff_id", "team_id")}


def metric_sort_key(name: str) -> tuple[int, str]:
    family = name.partition(":")[0]
    order = list(METRICS)
    return (order.index(family) if family in order else len(order), name)


def is_additive(metric: str) -> bool:
    found = metric_of(metric)
    return found is not None and found.additive


# --- the bonus run ------------------------------------------------------------------------------------------


def store_team(store_id: int) -> str:
    """The team key of a store-wide role (the sales manager, the general manager...): their "team" is the
    whole store, so the store's targets are that team's targets."""
    return f"store-{store_id}"


def targets_for(store_id: int, month: datetime.date | Period | str) -> tuple[EngineTarget, ...]:
    """The engine's targets of a store's month, in one query: a Target per person (person=str(staff_id)),
    per team with explicit targets (team=str(team_id)), and the store's own targets as the explicit targets
    of the store-wide team (team=store_team(store_id)), which the engine has no other level for."""
    return targets_by_store([store_id], month).get(store_id, ())


def targets_by_store(
    store_ids: Iterable[int], month: datetime.date | Period | str
) -> dict[int, tuple[EngineTarget, ...]]:
    """targets_for() of each store, in one query for all of them."""
    rows = Target.objects.filter(store_id__in=list(store_ids), month=month_start(month)).values_list(
        "store_id", "staff_id", "team_id", "metric", "value")
    people: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    teams: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))  # team 0: the store
    for store_id, staff_id, team_id, metric, value in rows:
        (people[store_id][staff_id] if staff_id else teams[store_id][team_id or 0])[metric] = value
    return {
        store_id: tuple(
            [EngineTarget(metrics=dict(sorted(teams[store_id][key].items())), team=str(key or store_team(store_id)))
             for key in sorted(teams[store_id])]
            + [EngineTarget(metrics=dict(sorted(people[store_id][key].items())), person=str(key))
               for key in sorted(people[store_id])]
        )
        for store_id in people.keys() | teams.keys()
    }


# --- setting targets ----------------------------------------------------------------------------------------


def set_target(
    store: Store, month: datetime.date, metric: str, value: Decimal | None, *, team: Any = None, staff: Any = None,
    user: Any = None,
) -> Target | None:
    """Create, change or (value None) delete one target; audited. Raises ValidationError with field errors."""
    metric = metric.strip()
    month = month_start(month)
    lookup = {"store": store, "month": month, "metric": metric, "team": team, "staff": staff}
    with acting_as(user) if user is not None else _nothing(), transaction.atomic():
        one_change_at_a_time(store)
        existing = Target.objects.filter(**lookup).first()
        if value is None:
            if existing is not None:
                existing.delete()
            return None
        changed = existing is None or existing.value != value  # before the value is set on `existing` itself
        target = existing or Target(**lookup)
        target.value = value
        target.full_clean()
        if changed:
            target.save()
        return target


def one_change_at_a_time(store: Store) -> None:
    """Lock the store's row until the transaction ends: its targets change one save at a time, so a save reads
    what the one before it wrote (no over-allocated split, no second row for one target)."""
    list(Store.objects.select_for_update().filter(pk=store.pk).order_by().values_list("pk"))


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- the split ----------------------------------------------------------------------------------------------

# The person targets that are shares of the store's: the sales force's. A store-wide role's own target (the sales
# manager's year of cars, say) is the store's figure again, not a part of it.
SHARES = Q(staff__role__in=SALES_FORCE)


@dataclass(frozen=True)
class SplitStatus:
    """A metric's split in a month: the store's target, what is allocated to people, and what remains."""

    metric: str
    store_target: Decimal | None
    allocated: Decimal
    additive: bool

    @property
    def remaining(self) -> Decimal | None:
        if self.store_target is None or not self.additive:
            return None
        return self.store_target - self.allocated

    @property
    def over(self) -> bool:
        return self.remaining is not None and self.remaining < ZERO


def split_status(store: Store, month: datetime.date, metric: str) -> SplitStatus:
    month = month_start(month)
    rows = Target.objects.filter(store=store, month=month, metric=metric)
    store_target = rows.filter(team__isnull=True, staff__isnull=True).values_list("value", flat=True).first()
    allocated = rows.filter(SHARES).aggregate(total=Sum("value"))["total"] or ZERO
    return SplitStatus(metric, store_target, allocated, is_additive(metric))


def split_remaining(store: Store, month: datetime.date, metric: str) -> Decimal | None:
    """The store target less what is allocated to people; None when the store has no target for it."""
    return split_status(store, month, metric).remaining


def split_statuses(store: Store, month: datetime.date) -> list[SplitStatus]:
    """Every metric with a store target or a share in the month, in catalogue order (one query)."""
    store_targets: dict[str, Decimal] = {}
    allocated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    rows = Target.objects.filter(Q(staff__isnull=True) | SHARES, store=store, month=month_start(month),
                                 team__isnull=True)
    for metric, staff_id, value in rows.values_list("metric", "staff_id", "value"):
        if staff_id is None:
            store_targets[metric] = value
        else:
            allocated[metric] += value
    names = sorted(set(store_targets) | set(allocated), key=metric_sort_key)
    return [SplitStatus(name, store_targets.get(name), allocated[name], is_additive(name)) for name in names]


def over_allocation_message(metric: str, total: Decimal, store_target: Decimal) -> str:
    return _(
        "The shares of %(metric)s add up to %(total)s, %(over)s more than the store target of %(target)s. "
        "Lower some shares or raise the store target first."
    ) % {"metric": metric, "total": plain(total), "over": plain(total - store_target), "target": plain(store_target)}


@transaction.atomic
def save_split(
    store: Store, month: datetime.date, metric: str, shares: Mapping[int, Decimal | None], user: Any = None
) -> list[Target]:
    """Each person's share of the store's target for ``metric``; a None share removes the person's target.

    The store's row is locked while checking, so two managers saving at once cannot over-allocate.
    Raises ValidationError (not field-bound) when the shares exceed the store target.
    """
    month = month_start(month)
    one_change_at_a_time(store)
    status = split_status(store, month, metric)
    existing = {t.staff_id: t for t in Target.objects.filter(store=store, month=month, metric=metric,
                                                              staff_id__in=list(shares))}
    others = status.allocated - sum((t.value for t in existing.values()), ZERO)
    total = others + sum((v for v in shares.values() if v is not None), ZERO)
    if status.additive and status.store_target is not None and total > status.store_target:
        raise ValidationError(over_allocation_message(metric, total, status.store_target))
    staff = Staff.objects.in_bulk(list(shares))
    saved = []
    with acting_as(user) if user is not None else _nothing():
        for staff_id, value in shares.items():
            current = existing.get(staff_id)
            if value is None:
                if current is not None:
                    current.delete()
                continue
            target = current or Target(store=store, month=month, metric=metric, staff=staff[staff_id])
            if current is not None and current.value == value:
                saved.append(current)
                continue
            target.value = value
            target.full_clean()
            target.save()
            saved.append(target)
    return saved


# --- the seasonal split -------------------------------------------------------------------------------------


def seasonal_split(value: Decimal, percents: Iterable[Decimal], unit: str) -> list[Decimal]:
    """``value`` spread over twelve months by ``percents`` (summing to 100); the months sum exactly to it.

    Whole units (cars, counts): the largest-remainder method: each month gets the whole part of its
    quota, and the cars left over go one each to the months with the largest fractional parts (the
    earlier month first on a tie). Anything else (yuan, hours, rates' sums): each month rounded half-up
    to the fen, and the rounding difference added to the last month with a share.
    """
    shares = [Decimal(p) for p in percents]
    if len(shares) != 12:
        raise ValueError("a seasonal distribution has twelve months")
    if sum(shares, ZERO) != HUNDRED:
        raise ValueError(f"the percentages sum to {sum(shares, ZERO)}, not 100")
    if unit in WHOLE_UNITS:
        if value % 1:
            raise ValueError(f"{value} is not a whole number of {unit}")
        return [m.quantize(Decimal(1)) for m in _largest_remainder(value, shares)]
    if value != value.quantize(FEN):
        raise ValueError(f"{value} has more than two decimals")
    months = [fen(value * share / HUNDRED) for share in shares]
    last = max(i for i, share in enumerate(shares) if share > ZERO)
    months[last] += value - sum(months, ZERO)
    if months[last] < ZERO:
        # Only for a few fen spread thin (the halves rounded up outweigh the last month): deal the fen out
        # by largest remainder instead, so no month goes below zero.
        return [(m / 100).quantize(FEN) for m in _largest_remainder(value * 100, shares)]
    return [m.quantize(FEN) for m in months]


def _largest_remainder(whole: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """``whole`` (an integer) in parts proportional to ``shares``: the whole part of each quota, then one
    each to the largest fractional parts, the earlier month first on a tie."""
    quotas = [whole * share / HUNDRED for share in shares]
    parts = [quota.to_integral_value(rounding=ROUND_DOWN) for quota in quotas]
    left = int(whole - sum(parts, ZERO))
    for i in sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))[:left]:
        parts[i] += 1
    return parts


def annual_unit(metric: str) -> str:
    found = metric_of(metric)
    return found.unit if found is not None else "yuan"


def monthly_values(annual: AnnualTarget, distribution: SeasonalDistribution) -> list[Decimal]:
    """An annual target's twelve months: additive metrics split by the distribution, rates and scores
    apply to every month as they are."""
    found = metric_of(annual.metric)
    if found is not None and not found.additive:
        return [annual.value] * 12
    return seasonal_split(annual.value, distribution.percents, annual_unit(annual.metric))


@transaction.atomic
def generate_monthly(store: Store, year: int, user: Any = None) -> int:
    """Write the store-level monthly targets of ``year`` from its annual targets and seasonal distribution,
    replacing the store-level figures of those metrics. Returns how many monthly targets changed."""
    one_change_at_a_time(store)
    distribution = SeasonalDistribution.objects.filter(store=store, year=year).first()
    if distribution is None:
        raise ValidationError(_("Set the seasonal distribution for %(year)s first.") % {"year": year})
    distribution.full_clean()
    annuals = list(AnnualTarget.objects.filter(store=store, year=year))
    if not annuals:
        raise ValidationError(_("There is no annual target for %(year)s to split.") % {"year": year})
    existing = {
        (t.month, t.metric): t
        for t in Target.objects.filter(store=store, month__year=year, team__isnull=True, staff__isnull=True)
    }
    changed = 0
    with acting_as(user) if user is not None else _nothing():
        for annual in annuals:
            for month, value in zip(MONTHS, monthly_values(annual, distribution), strict=True):
                day = datetime.date(year, month, 1)
                target = existing.get((day, annual.metric)) or Target(store=store, month=day, metric=annual.metric)
                if target.pk is not None and target.value == value:
                    continue
                target.value = value
                target.full_clean()
                target.save()
                changed += 1
    return changed


# --- import of the split ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None  # the spreadsheet's row number (the header is row 1); None for the whole file
    column: str  # "C (units_delivered)", or "" for the whole row
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    saved: int = 0  # targets created or changed
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(upload: IO[bytes], name: str) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """The header and the numbered rows with something in them; raises Unreadable."""
    with read_sheet(upload, name, IMPORT_LIMITS, translate=_) as sheet:
        return sheet.header, list(sheet.filled_rows())


def import_split(upload: IO[bytes], store: Store, month: datetime.date, user: Any = None,
                 name: str | None = None) -> ImportResult:
    """Person targets from a spreadsheet: column A the employee number, B the name (ignored), then one
    column per metric headed by its catalogue name. A blank cell leaves that target as it is.

    Atomic: when any row is wrong nothing is saved and ``errors`` lists each problem by row and column.
    """
    month = month_start(month)
    result = ImportResult()
    try:
        first_row, rows = _read_rows(upload, name or getattr(upload, "name", ""))
    except Unreadable as problem:
        result.errors.append(RowError(problem.row, problem.column, problem.message))
        return result
    result.errors.extend(RowError(number, column_letter(index), _(NUL_IN_CELL))
                         for number, cells in [(1, first_row), *rows] for index in nul_cells(cells))
    if result.errors:  # before any query: PostgreSQL refuses a NUL character in text
        return result
    if not first_row and not rows:
        result.errors.append(RowError(None, "", _("The file is empty.")))
        return result
    header = [cell_text(cell) for cell in first_row]
    metrics: dict[int, str] = {}
    for index, title in enumerate(header[2:], start=2):
        if not title:
            continue
        column = f"{column_letter(index)} ({title})"
        problem = metric_problem(title)
        if problem is not None:
            result.errors.append(RowError(1, column, problem))
        elif title in metrics.values():
            result.errors.append(RowError(1, column, _("The metric %(metric)s has two columns.") % {"metric": title}))
        else:
            metrics[index] = title
    if len(header) < 3 or (not metrics and not result.errors):
        result.errors.append(RowError(1, "", _(
            "The first row must read: employee number, name, then one metric name per column "
            "(e.g. units_delivered). Download the template for the layout.")))
        return result

    people = {s.employee_no: s for s in split_people(store, month)}
    elsewhere = set(Staff.objects.filter(employee_no__in=[cell_text(cells[0]) for _number, cells in rows]).exclude(
        pk__in=[s.pk for s in people.values()]).values_list("employee_no", flat=True))
    values: dict[str, dict[int, Decimal]] = defaultdict(dict)  # metric -> staff id -> value
    seen: dict[str, int] = {}
    for number, row in rows:
        cells = row + [None] * (len(header) - len(row))
        result.rows += 1
        employee_no = cell_text(cells[0])
        person = people.get(employee_no)
        column_a = f"A ({header[0] or _('employee number')})"
        if not employee_no:
            result.errors.append(RowError(number, column_a, _("The employee number is missing.")))
        elif employee_no in seen:
            result.errors.append(RowError(number, column_a, _(
                "Employee %(no)s appears twice (rows %(first)s and %(again)s).") % {
                "no": employee_no, "first": seen[employee_no], "again": number}))
        elif person is None:
            message = (_("Employee %(no)s is not a consultant or supervisor of %(store)s in %(month)s.")
                       if employee_no in elsewhere else _("No employee has the number %(no)s."))
            result.errors.append(RowError(number, column_a, message % {
                "no": employee_no, "store": store.name, "month": f"{month:%Y-%m}"}))
        seen.setdefault(employee_no, number)
        for index, metric in metrics.items():
            column = f"{column_letter(index)} ({metric})"
            try:
                value = cell_number(cells[index])
            except NotANumber:
                result.errors.append(RowError(number, column, _("“%(text)s” is not a number.") % {
                    "text": cell_text(cells[index])}))
                continue
            if value is None:
                continue
            if value < ZERO:
                result.errors.append(RowError(number, column, _("A target cannot be negative.")))
            elif value != value.quantize(FEN):
                result.errors.append(RowError(number, column, _("At most two decimals, e.g. 12.50.")))
            elif abs(value) >= Decimal("1e14"):
                result.errors.append(RowError(number, column, _("The number is too large.")))
            elif person is not None:
                values[metric][person.pk] = value
    if not result.errors:
        _check_import_totals(store, month, values, metrics, result)
    if result.errors:
        return result
    try:
        with transaction.atomic(), acting_as(user) if user is not None else _nothing():
            for metric, shares in values.items():
                before = {t.staff_id: t.value for t in Target.objects.filter(
                    store=store, month=month, metric=metric, staff_id__in=list(shares))}
                save_split(store, month, metric, shares, user=user)
                result.saved += sum(1 for staff_id, value in shares.items() if before.get(staff_id) != value)
    except ValidationError as exc:  # a concurrent change; nothing was saved
        result.saved = 0
        result.errors.extend(RowError(None, "", message) for message in exc.messages)
    return result


def _check_import_totals(store: Store, month: datetime.date, values: Mapping[str, Mapping[int, Decimal]],
                         metrics: Mapping[int, str], result: ImportResult) -> None:
    """The file's shares plus everyone else's may not exceed the store target of an additive metric."""
    index_of = {metric: index for index, metric in metrics.items()}
    for metric, shares in values.items():
        status = split_status(store, month, metric)
        if not status.additive or status.store_target is None:
            continue
        replaced = Target.objects.filter(store=store, month=month, metric=metric, staff_id__in=list(shares)).aggregate(
            total=Sum("value"))["total"] or ZERO
        total = status.allocated - replaced + sum(shares.values(), ZERO)
        if total > status.store_target:
            result.errors.append(RowError(None, f"{column_letter(index_of[metric])} ({metric})",
                                          over_allocation_message(metric, total, status.store_target)))


def template_metrics(store: Store, month: datetime.date) -> list[str]:
    """The metrics the template offers: those with a store or person target this month, else the usual three."""
    names = [status.metric for status in split_statuses(store, month)]
    return names or ["units_delivered", "sales_amount", "front_gross_profit"]


def import_template(store: Store, month: datetime.date) -> bytes:
    """An .xlsx with the store's consultants and supervisors of the month and their current targets."""
    month = month_start(month)
    metrics = template_metrics(store, month)
    people = list(split_people(store, month))
    current = {
        (staff_id, metric): value
        for staff_id, metric, value in Target.objects.filter(
            store=store, month=month, staff__isnull=False, metric__in=metrics
        ).values_list("staff_id", "metric", "value")
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month:%Y-%m}"
    sheet.append([_("employee number"), _("name"), *metrics])
    shown = labelled(metrics)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if cell.column > 2:  # the header stays the metric's name, which the import reads; the label is its note
            cell.comment = Comment(shown[cell.value].text, "dealerkpi")
    for person in people:
        row: list[Any] = [person.employee_no, person.name]
        for metric in metrics:
            value = current.get((person.pk, metric))
            row.append(None if value is None else (int(value) if value == value.to_integral_value() else value))
        sheet.append(row)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 14
    for index in range(2, 2 + len(metrics)):
        sheet.column_dimensions[column_letter(index)].width = max(14, len(metrics[index - 2]) + 2)
    sheet.freeze_panes = "C2"
    notes = workbook.create_sheet(_("How to fill in"))
    for line in (
        _("Column A: employee number. Column B: name (not read). One column per metric, headed by its name."),
        _("A blank cell leaves that person's target as it is; 0 sets it to zero."),
        _("Shares of a metric may not add up to more than the store's target for it."),
        _("If any row is wrong, nothing is saved and each problem is listed by row and column."),
    ):
        notes.append([line])
    notes.append([])
    notes.append([_("Column heading"), _("Metric"), _("Unit")])
    for metric in metrics:
        notes.append([metric, shown[metric].label, shown[metric].unit])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- annual targets -----------------------------------------------------------------------------------------


def set_annual_target(store: Store, year: int, metric: str, value: Decimal | None, user: Any = None
                      ) -> AnnualTarget | None:
    """Create, change or (value None) delete a store's annual target; audited. Raises ValidationError."""
    metric = metric.strip()
    with acting_as(user) if user is not None else _nothing(), transaction.atomic():
        one_change_at_a_time(store)
        existing = AnnualTarget.objects.filter(store=store, year=year, metric=metric).first()
        if value is None:
            if existing is not None:
                existing.delete()
            return None
        changed = existing is None or existing.value != value  # before the value is set on `existing` itself
        annual = existing or AnnualTarget(store=store, year=year, metric=metric)
        annual.value = value
        annual.full_clean()
        if changed:
            annual.save()
        return annual


def set_distribution(distribution: SeasonalDistribution, user: Any = None) -> SeasonalDistribution:
    """Validate (twelve shares summing to 100) and save a seasonal distribution; audited."""
    with acting_as(user) if user is not None else _nothing(), transaction.atomic():
        one_change_at_a_time(distribution.store)
        if distribution.pk is None:  # the year's first, unless someone saved one meanwhile: then this changes it
            distribution.pk = SeasonalDistribution.objects.filter(
                store=distribution.store, year=distribution.year).values_list("pk", flat=True).first()
            distribution._state.adding = distribution.pk is None
        distribution.full_clean()
        distribution.save()
    return distribution


def show(value: Decimal | None, metric: str = "") -> str:
    """A figure for a page: 1,000 cars, 12,345,678.91 yuan; an em dash when there is none."""
    if value is None:
        return "—"
    found = metric_of(metric) if metric else None
    if found is not None and found.unit == "yuan":
        return f"{value.quantize(FEN):,f}"
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):,f}"
    return f"{value.normalize():,f}"

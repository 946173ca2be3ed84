"""What-if: a draft tried on past months of a store, a region or the group, beside what the version in force then
paid (``studio.replay``), as a page and as a workbook. Nothing is written to runs or statements.

Every amount is a sum of the engine's payout lines, each rounded half-up to the fen where the engine made it (or as
the statement holds it): totals, changes and bands add those, never compute pay again.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.forms import MonthField
from dealerkpi.core.money import HUNDRED, ZERO, half_up
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.core.spreadsheets import Amount, Book, Figure, Label
from dealerkpi.metrics.period import shift
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.export_views import XLSX, audited_download
from dealerkpi.plans import engine
from dealerkpi.plans.models import Plan, parse_plan_document
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import PersonMonth, replayed
from dealerkpi.studio.views import draft_of

MAX_MONTHS = 24
RANKED = 10  # who gains and who loses most: this many each
SCORE_BANDS = (Decimal(60), Decimal(80), Decimal(100), Decimal(120))
PAY_STEPS = (Decimal(500), Decimal(1000), Decimal(2000), Decimal(5000), Decimal(10000), Decimal(20000),
             Decimal(50000), Decimal(100000))
MOST_PAY_BANDS = 12


# --- the computation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sums:
    """Old and new pay of a set of person-months."""

    old: Decimal = ZERO
    new: Decimal = ZERO

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.old + other.old, self.new + other.new)

    @property
    def change(self) -> Decimal:
        return self.new - self.old

    @property
    def percent(self) -> Decimal | None:
        """The change in percent of the old, to one place; None when nothing was paid."""
        return half_up(self.change / self.old * HUNDRED, 1) if self.old else None


@dataclass(frozen=True)
class Outcome:
    """A person's month as the what-if shows it: pay and total score under each version (None: not assessed)."""

    store_id: int
    period: engine.Period
    staff_id: int
    name: str
    old: Decimal | None
    new: Decimal | None
    old_score: Decimal | None
    new_score: Decimal | None

    @classmethod
    def of(cls, person: PersonMonth) -> Outcome:
        old, new = person.old, person.new
        return cls(person.store_id, person.period, person.staff_id, person.name, old.total if old else None,
                   new.total if new else None, old.total_score if old else None, new.total_score if new else None)

    @property
    def sums(self) -> Sums:
        return Sums(self.old if self.old is not None else ZERO, self.new if self.new is not None else ZERO)


@dataclass(frozen=True)
class PersonRow:
    store: Store
    staff_id: int
    name: str
    months: int
    sums: Sums


@dataclass(frozen=True)
class Distribution:
    bands: list[str]
    old: list[int]
    new: list[int]


@dataclass(frozen=True)
class WhatIf:
    stores: list[Store]
    periods: list[engine.Period]
    rows: list[Outcome]
    people: list[PersonRow]  # by store, then name
    by_store: list[tuple[Store, int, Sums]]  # with the number of people
    by_month: list[tuple[engine.Period, int, Sums]]
    totals: Sums
    gainers: list[PersonRow]
    losers: list[PersonRow]
    pay: Distribution
    scores: Distribution

    @property
    def person_months(self) -> int:
        return len(self.rows)

    @property
    def unplanned(self) -> int:
        """Person-months no version paid (no plan in force then): the draft's pay there is all change."""
        return sum(1 for row in self.rows if row.old is None)

    def chart(self) -> dict[str, object]:
        """What the page's charts draw (amounts as text: exact, never floats)."""
        return {
            "months": [str(period) for period, _people, _sums in self.by_month],
            "old": [str(sums.old) for _period, _people, sums in self.by_month],
            "new": [str(sums.new) for _period, _people, sums in self.by_month],
            "pay": asdict(self.pay), "scores": asdict(self.scores),
            "labels": {"old": _("Paid (version in force)"), "new": _("Draft"),
                       "pay": _("Distribution of monthly pay"), "scores": _("Distribution of total scores"),
                       "people": _("Person-months"), "yuan": _("yuan")},
        }


def what_if(draft: PlanDraft, stores: Sequence[Store], periods: Sequence[engine.Period]) -> WhatIf:
    """The draft on the months of the stores, beside what was paid. A ValidationError if the draft is no valid
    plan."""
    engine_plan = parse_plan_document(draft.document)
    rows = [Outcome.of(person) for month in replayed(draft.plan, engine_plan, stores, periods) for person in month]
    people = _people(rows, {store.pk: store for store in stores})
    changed = sorted((person for person in people if person.sums.change), key=lambda person: person.sums.change)
    return WhatIf(
        stores=list(stores), periods=sorted(set(periods)), rows=rows, people=people,
        by_store=_by_store(rows, stores), by_month=_by_month(rows),
        totals=sum((row.sums for row in rows), Sums()),
        gainers=[person for person in reversed(changed[-RANKED:]) if person.sums.change > 0],
        losers=[person for person in changed[:RANKED] if person.sums.change < 0],
        pay=_pay_distribution(rows), scores=_score_distribution(rows),
    )


def _people(rows: Iterable[Outcome], stores: dict[int, Store]) -> list[PersonRow]:
    months: dict[tuple[int, int], list[Outcome]] = defaultdict(list)
    for row in rows:
        months[(row.store_id, row.staff_id)].append(row)
    found = [PersonRow(stores[store_id], staff_id, listed[-1].name, len(listed),
                       sum((row.sums for row in listed), Sums()))
             for (store_id, staff_id), listed in months.items()]
    return sorted(found, key=lambda person: (person.store.code, person.name, person.staff_id))


def _by_store(rows: Iterable[Outcome], stores: Sequence[Store]) -> list[tuple[Store, int, Sums]]:
    sums: dict[int, Sums] = defaultdict(Sums)
    people: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        sums[row.store_id] += row.sums
        people[row.store_id].add(row.staff_id)
    return [(store, len(people[store.pk]), sums[store.pk]) for store in stores if store.pk in sums]


def _by_month(rows: Iterable[Outcome]) -> list[tuple[engine.Period, int, Sums]]:
    sums: dict[engine.Period, Sums] = defaultdict(Sums)
    people: dict[engine.Period, int] = defaultdict(int)
    for row in rows:
        sums[row.period] += row.sums
        people[row.period] += 1
    return [(period, people[period], sums[period]) for period in sorted(sums)]


def _counted(bands: list[tuple[Decimal | None, Decimal | None]], values: Iterable[Decimal]) -> list[int]:
    counts = [0] * len(bands)
    for value in values:
        for index, (low, high) in enumerate(bands):
            if (low is None or value >= low) and (high is None or value < high):
                counts[index] += 1
                break
    return counts


def _band_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return _("below %(high)s") % {"high": f"{high:,}"}
    if high is None:
        return _("%(low)s or more") % {"low": f"{low:,}"}
    return f"{low:,}–{high:,}"


def _distribution(bands: list[tuple[Decimal | None, Decimal | None]], old: list[Decimal],
                  new: list[Decimal]) -> Distribution:
    return Distribution([_band_label(low, high) for low, high in bands], _counted(bands, old), _counted(bands, new))


def _pay_distribution(rows: Sequence[Outcome]) -> Distribution:
    """Each person-month's pay in bands of a round width (at most about a dozen), the same for old and new."""
    old = [row.old for row in rows if row.old is not None]
    new = [row.new for row in rows if row.new is not None]
    highest = max([*old, *new, ZERO])
    step = next((step for step in PAY_STEPS if highest / step <= MOST_PAY_BANDS), PAY_STEPS[-1])
    top = (highest // step + 1) * step
    bands: list[tuple[Decimal | None, Decimal | None]] = [(None, ZERO)] if min([*old, *new, ZERO]) < 0 else []
    bands += [(low, low + step) for low in (step * n for n in range(int(top // step)))]
    return _distribution(bands, old, new)


def _score_distribution(rows: Sequence[Outcome]) -> Distribution:
    edges: list[Decimal | None] = [None, *SCORE_BANDS, None]
    bands = list(zip(edges[:-1], edges[1:], strict=True))
    old = [row.old_score for row in rows if row.old_score is not None]
    new = [row.new_score for row in rows if row.new_score is not None]
    return _distribution(bands, old, new)


# --- where and when ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    label: str
    stores: list[Store]


def scopes(viewer: Viewer, plan: Plan) -> dict[str, Scope]:
    """What the viewer may try the plan's draft on: each store of the plan they see; for a group's plan, their
    regions (head office) and the whole group (head office of the group). By key, the widest first. One query."""
    stores = visible_to(Store.objects.select_related("region__group"), viewer).filter(region__group_id=plan.group_id)
    if plan.store_id is not None:
        stores = stores.filter(pk=plan.store_id)
    listed = list(stores.order_by("region__code", "code"))
    found: dict[str, Scope] = {}
    if viewer.reach in (Reach.GROUP, Reach.EVERYTHING) and plan.store_id is None and listed:
        found["group"] = Scope(_("The whole group (%(count)d stores)") % {"count": len(listed)}, listed)
    if viewer.reach in (Reach.GROUP, Reach.REGION, Reach.EVERYTHING) and plan.store_id is None:
        regions: dict[int, list[Store]] = defaultdict(list)
        for store in listed:
            regions[store.region_id].append(store)
        for in_region in regions.values():
            region = in_region[0].region
            found[f"region-{region.pk}"] = Scope(_("Region %(name)s (%(count)d stores)") % {
                "name": region.name, "count": len(in_region)}, in_region)
    found.update((f"store-{store.pk}", Scope(store.name, [store])) for store in listed)
    return found


def months_between(first: datetime.date, last: datetime.date) -> list[engine.Period]:
    start = engine.Period(first.year, first.month)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [shift(start, n) for n in range(count)]


class WhatIfForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Where"))
    first = MonthField(label=gettext_lazy("From"))
    last = MonthField(label=gettext_lazy("To"))

    def __init__(self, data: object, choices: dict[str, Scope], today: datetime.date) -> None:
        last = shift(engine.Period(today.year, today.month), -1)
        initial = {"scope": next(iter(choices), ""), "first": f"{shift(last, -11)}", "last": f"{last}"}
        super().__init__(data, initial=initial)
        self.choices, self.today = choices, today
        self.fields["scope"].choices = [(key, scope.label) for key, scope in choices.items()]

    def clean(self) -> dict:
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if last >= self.today.replace(day=1):
                self.add_error("last", _("Choose months that are over: up to last month."))
            elif first > last:
                self.add_error("first", _("The first month comes after the last."))
            elif len(months_between(first, last)) > MAX_MONTHS:
                self.add_error("first", _("At most %(count)d months at a time.") % {"count": MAX_MONTHS})
        return cleaned

    def chosen(self) -> tuple[Scope, list[engine.Period]]:
        data = self.cleaned_data
        return self.choices[data["scope"]], months_between(data["first"], data["last"])


def _form(request: HttpRequest, draft: PlanDraft) -> WhatIfForm:
    """The form of the request; with no parameters and one place to choose, its defaults, as if sent."""
    choices = scopes(viewer_of(request), draft.plan)
    today = timezone.localdate()
    form = WhatIfForm(request.GET or None, choices, today)
    if not request.GET and len(choices) == 1:
        form = WhatIfForm({name: form[name].initial for name in form.fields}, choices, today)
    return form


# --- the page and the workbook -------------------------------------------------------------------------------


def _computed(draft: PlanDraft, form: WhatIfForm) -> tuple[WhatIf | None, list[str]]:
    if not form.is_valid():
        return None, []
    scope, periods = form.chosen()
    try:
        return what_if(draft, scope.stores, periods), []
    except ValidationError as invalid:
        return None, invalid.messages


@login_required
def whatif_page(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_of(request, pk)
    form = _form(request, draft)
    result, problems = _computed(draft, form)
    return render(request, "studio/whatif.html", {
        "draft": draft, "plan": draft.plan, "form": form, "result": result, "problems": problems,
        "chart": result.chart() if result else None, "query": request.GET.urlencode() if form.is_bound else "",
        "ranked": [(_("Who gains most"), result.gainers, "gainers"), (_("Who loses most"), result.losers, "losers")]
        if result else [],
    })


@login_required
def whatif_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The what-if as a workbook; a page with the form's errors when the request is not one."""
    draft = draft_of(request, pk)
    form = _form(request, draft)
    result, problems = _computed(draft, form)
    if result is None:
        return render(request, "studio/whatif.html", {"draft": draft, "plan": draft.plan, "form": form,
                                                      "problems": problems}, status=400)
    code = re.sub(r"[^\w-]+", "_", draft.plan.code)
    name = f"what-if-{code}-draft{draft.pk}-{result.periods[0]}-{result.periods[-1]}.xlsx"
    return audited_download(draft, workbook(draft, form.chosen()[0], result), XLSX, name)


def workbook(draft: PlanDraft, scope: Scope, result: WhatIf) -> bytes:
    """A summary sheet (by month and by store), one row per person, one row per person and month."""
    book = Book(title=f"{draft.plan.name} · {_('What-if')}")
    above = [[Label(label), None, value] for label, value in (
        (_("Pay plan"), draft.plan.name), (_("Draft"), str(draft)), (_("Where"), scope.label),
        (_("Months"), f"{result.periods[0]} – {result.periods[-1]}"),
        (_("Generated at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"))]
    header = [_("Paid (version in force)"), _("Draft"), _("Change")]
    months = book.sheet(_("By month"), [_("Month"), _("Person-months"), *header], above=above)
    for period, people, sums in result.by_month:
        months.append([str(period), people, *_cells(sums)])
    months.totals(_("Total"), label_column=1, first=3, amounts=_amounts(result.totals))
    stores = book.sheet(_("By store"), [_("Store code"), _("Store"), _("People"), *header])
    for store, people, sums in result.by_store:
        stores.append([store.code, store.name, people, *_cells(sums)])
    stores.totals(_("Total"), label_column=2, first=4, amounts=_amounts(result.totals))
    numbers = dict(Staff.objects.filter(pk__in={row.staff_id for row in result.rows}).values_list("pk", "employee_no"))
    people = book.sheet(_("People"), [_("Store"), _("Employee no."), _("Name"), _("Months"), *header],
                        frozen_columns=3, filtered=True)
    for person in result.people:
        people.append([person.store.name, numbers.get(person.staff_id, ""), person.name, person.months,
                       *_cells(person.sums)])
    _person_months(book, result, numbers, header)
    return book.save()


def _amounts(sums: Sums) -> list[Decimal]:
    return [sums.old, sums.new, sums.change]


def _cells(sums: Sums) -> list[Amount]:
    return [Amount(amount) for amount in _amounts(sums)]


def _person_months(book: Book, result: WhatIf, numbers: dict[int, str], header: list[str]) -> None:
    names = {store.pk: store.name for store in result.stores}
    sheet = book.sheet(_("Each month"), [_("Month"), _("Store"), _("Employee no."), _("Name"), *header,
                                        _("Total score, paid"), _("Total score, draft")],
                       frozen_columns=4, filtered=True)
    for row in result.rows:
        sheet.append([str(row.period), names[row.store_id], numbers.get(row.staff_id, ""), row.name,
                      Amount(row.old), Amount(row.new), Amount(row.sums.change), Figure(row.old_score),
                      Figure(row.new_score)])

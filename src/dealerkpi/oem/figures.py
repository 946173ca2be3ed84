"""A store's figures as the manufacturer's policy reads them: the whole store's month (or days), not a person's.

Additive figures are the metrics library's, summed over everyone in the store (`PeriodActuals.total`); rates are
computed from those sums the way the monthly analysis computes them (insurance units / units delivered...), never
averaged over people. Three figures exist only here, for policies:

- `units_wholesale` (批售): vehicles the manufacturer invoiced to the store in the period. The invoice day is the
  day floor-plan interest runs from (`Vehicle.financed_from`, set when the manufacturer allocates a VIN);
- `wholesale_amount`: their invoice cost;
- `stock_depth` (库存深度): vehicles on hand at the period's end (`metrics.now.closing_stock`, the monthly
  analysis's closing stock) / units delivered in it; no value without deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from dealerkpi import metrics
from dealerkpi.core.money import HUNDRED, ZERO
from dealerkpi.metrics.base import ratio
from dealerkpi.metrics.now import closing_stock
from dealerkpi.metrics.period import Frame, Span
from dealerkpi.plans import engine
from dealerkpi.plans.engine.catalogue import DEAL_FIGURES, Metric, catalogue
from dealerkpi.plans.metric_labels import labelled
from dealerkpi.stock.models import Vehicle

ONE = Decimal(1)
WHOLESALE = ("units_wholesale", "wholesale_amount")
EXTRA_METRICS = (
    Metric("units_wholesale", "units", "批售: vehicles the manufacturer invoiced to the store in the period."),
    Metric("wholesale_amount", "yuan", "批售金额: the invoice cost of the vehicles invoiced in the period."),
    Metric("stock_depth", "score", "库存深度: vehicles on hand at the period's end / units delivered in it."),
)
POLICY_METRICS = catalogue(EXTRA_METRICS)
EXTRA_LABELS = {
    "units_wholesale": _("Wholesale units"),
    "wholesale_amount": _("Wholesale invoice amount"),
    "stock_depth": _("Stock depth (months)"),
}


def figure_labels(names: Iterable[str]) -> dict[str, str]:
    """Each figure's label in the reader's language: the store's own figures, and the catalogue's."""
    names = list(names)
    found = {name: label.label for name, label in labelled(n for n in names if n not in EXTRA_LABELS).items()}
    return {name: str(EXTRA_LABELS[name]) if name in EXTRA_LABELS else found[name] for name in names}

# a store's rate -> (numerator, denominator, scale): each from the store's sums
RATES: dict[str, tuple[str, str, Decimal]] = {
    "insurance_penetration": ("insurance_units", "units_delivered", HUNDRED),
    "finance_penetration": ("finance_units", "units_delivered", HUNDRED),
    "extended_warranty_penetration": ("extended_warranty_units", "units_delivered", HUNDRED),
    "trade_in_penetration": ("trade_in_units", "units_delivered", HUNDRED),
    "referral_rate": ("referral_deliveries", "units_delivered", HUNDRED),
    "gross_profit_per_unit": ("front_gross_profit", "units_delivered", ONE),
    "accessories_per_unit": ("accessories_amount", "units_delivered", ONE),
    "follow_up_compliance": ("follow_ups_on_time", "follow_ups_due", HUNDRED),
    "test_drive_rate": ("test_drives", "first_visits", HUNDRED),
    "lead_to_order_rate": ("orders", "new_leads", HUNDRED),
    # customer satisfaction (issue 19): the store's average over all its responses
    "c_card_satisfaction": ("c_card_satisfaction_points", "c_card_scored_calls", ONE),
    "survey_csi": ("survey_csi_points", "survey_csi_responses", ONE),
    "survey_ssi": ("survey_ssi_points", "survey_ssi_responses", ONE),
}


def _additive(name: str) -> bool:
    found = POLICY_METRICS.find(name)
    return found is not None and found.additive


def store_figures_of(named: Iterable[str]) -> tuple[str, ...]:
    """The sums to read for a policy naming `named`: its additive metrics, the parts of its rates, and always the
    deal figures (a projection and one more sale change them)."""
    wanted: dict[str, None] = dict.fromkeys(DEAL_FIGURES)
    for name in named:
        if name in RATES:
            wanted.update(dict.fromkeys(RATES[name][:2]))
        elif _additive(name) and name not in WHOLESALE:
            wanted[name] = None
    return tuple(wanted)


@dataclass(frozen=True)
class StoreMonth:
    """A store's sums for a month (or days of it), its deals and its stock at the end."""

    sums: Mapping[str, Decimal]
    deals: tuple[engine.Deal, ...]
    on_hand: int

    def figures(self) -> dict[str, Decimal]:
        """The sums, the rates from them, and the stock depth; a rate with no denominator is left out."""
        found = dict(self.sums)
        for name, (numerator, denominator, scale) in RATES.items():
            value = ratio(self.sums.get(numerator), self.sums.get(denominator), scale)
            if value is not None:
                found[name] = value
        depth = ratio(Decimal(self.on_hand), self.sums.get("units_delivered"), ONE)
        if depth is not None:
            found["stock_depth"] = depth
        return found

    def scaled(self, factor: Decimal, period: engine.Period) -> StoreMonth:
        """The month as if it went on at this pace: every sum x factor, each deal followed by one for the rest of
        the month (its figures x (factor - 1)); the stock at the end is the stock now."""
        rest = factor - ONE
        twins = tuple(replace(deal, id=f"{deal.id}+", figures={name: deal.figure(name) * rest for name in DEAL_FIGURES})
                      for deal in self.deals if deal.counts_in(period) or deal.reversed_in(period))
        sums = {name: value * factor for name, value in self.sums.items()}
        return replace(self, sums=sums, deals=self.deals + twins)

    def with_sale(self, deal: engine.Deal) -> StoreMonth:
        """The month with one more car sold from stock: the deal's figures added to the sums."""
        sums = dict(self.sums)
        for name in DEAL_FIGURES:
            sums[name] = sums.get(name, ZERO) + deal.figure(name)
        for name in (f"units_by_model:{deal.model_code}", f"units_by_margin_class:{deal.margin_class}"):
            if name in sums:
                sums[name] += ONE
        return StoreMonth(sums, self.deals + (deal,), max(self.on_hand - 1, 0))

    def moved_to(self, source: engine.Period, period: engine.Period) -> StoreMonth:
        """This month's figures as another month's (a later month projected at this month's pace): the deals that
        count in `source`, each on the same day of `period` (the last, in a shorter month)."""
        moved = tuple(replace(deal, unwound_on=None, delivered_on=period.first_day.replace(
            day=min(deal.delivered_on.day, period.days))) for deal in self.deals if deal.counts_in(source))
        return replace(self, deals=moved)


def _wholesale(store_ids: Sequence[int], frame: Frame) -> dict[int, dict[str, Decimal]]:
    rows = (Vehicle.objects.filter(store_id__in=store_ids, financed_from__gte=frame.first_day,
                                   financed_from__lte=frame.last_day)
            .order_by().values("store_id").annotate(n=Count("pk"), amount=Sum("cost")))
    return {row["store_id"]: {"units_wholesale": Decimal(row["n"]), "wholesale_amount": row["amount"] or ZERO}
            for row in rows}


def _on_hand(frame: Frame) -> dict[int, int]:
    rows = closing_stock(frame).order_by().values("store_id").annotate(n=Count("pk"))
    return {row["store_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class StoreMonths:
    """Each store's month, read for many stores at once."""

    months: dict[int, StoreMonth] = field(default_factory=dict)

    def of(self, store_id: int) -> StoreMonth:
        return self.months.get(store_id, StoreMonth({}, (), 0))


def read_store_months(store_ids: Sequence[int], when: Span, names: Sequence[str],
                      computed: Mapping[int, metrics.PeriodActuals] | None = None) -> StoreMonths:
    """The stores' sums of `names` (store_figures_of), wholesale, deals and closing stock for the month or days:
    a fixed number of queries whatever the number of stores. `computed`: the stores' metrics for `when`, if the
    caller has computed them (with these names among others) for a page that shows them too."""
    frame = Frame.of(store_ids, when, as_of=when.last if isinstance(when, metrics.Days) else None)
    library = [name for name in names if name not in WHOLESALE]
    if computed is not None and any(set(library) - set(found.names) for found in computed.values()):
        raise ValueError("the metrics computed for the page leave out figures the policy reads")
    actuals = computed if computed is not None else metrics.compute_by_store(library, store_ids, when)
    deals = metrics.deals_by_store(store_ids, when)
    wholesale, on_hand = _wholesale(store_ids, frame), _on_hand(frame)
    months = {}
    for store_id in frame.store_ids:
        sums = {name: actuals[store_id].total(name) for name in library}
        sums.update(wholesale.get(store_id, dict.fromkeys(WHOLESALE, ZERO)))
        months[store_id] = StoreMonth(sums, deals[store_id], on_hand.get(store_id, 0))
    return StoreMonths(months)

"""Competitor intelligence (竞品信息): prices and offers seen for competitor models, summarised per model.

The summary covers the last 90 days (today and the 89 days before) and takes two queries whatever the
number of models: one grouped query for the lowest and highest price and the number of sightings, and one
for the latest sightings of every model (a window function ranks each model's rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Max, Min, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.forms import asked
from dealerkpi.core.pages import page_of, refuse_unless, saved
from dealerkpi.core.scope import visible_to
from dealerkpi.market.forms import CompetitorPriceForm
from dealerkpi.market.models import CompetitorPrice
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of

WINDOW_DAYS = 90
LATEST_SHOWN = 3


@dataclass
class CompetitorSummary:
    """One competitor model over the window: its latest sightings (newest first) and the price range."""

    model: VehicleModel
    lowest: Decimal
    highest: Decimal
    sightings: int
    latest: list[CompetitorPrice] = field(default_factory=list)

    @property
    def latest_price(self) -> Decimal:
        return self.latest[0].price

    @property
    def latest_seen_on(self) -> datetime.date:
        return self.latest[0].seen_on


def in_window(prices: QuerySet, today: datetime.date) -> QuerySet:
    return prices.filter(seen_on__gt=today - datetime.timedelta(days=WINDOW_DAYS), seen_on__lte=today)


def competitor_summary(prices: QuerySet, today: datetime.date) -> list[CompetitorSummary]:
    """Per competitor model seen in the window: latest price, lowest, highest, sightings, latest offers."""
    window = in_window(prices, today)
    figures = window.values("competitor_model_id").annotate(
        lowest=Min("price"), highest=Max("price"), sightings=Count("pk"))
    ranked = window.annotate(rank=Window(
        RowNumber(), partition_by=[F("competitor_model_id")], order_by=[F("seen_on").desc(), F("pk").desc()],
    )).filter(rank__lte=LATEST_SHOWN).select_related("competitor_model__brand", "reported_by")
    latest: dict[int, list[CompetitorPrice]] = {}
    for sighting in sorted(ranked, key=lambda row: row.rank):
        latest.setdefault(sighting.competitor_model_id, []).append(sighting)
    summaries = [
        CompetitorSummary(latest[row["competitor_model_id"]][0].competitor_model, row["lowest"], row["highest"],
                          row["sightings"], latest[row["competitor_model_id"]])
        for row in figures
    ]
    return sorted(summaries, key=lambda s: (s.model.brand.name, s.model.name))


@login_required
@require_http_methods(["GET", "POST"])
def competitor_intel(request: HttpRequest) -> HttpResponse:
    """Record a competitor price (any member of the store's staff); the store's summary per competitor model
    and the sightings of the window, newest first (``?model=`` narrows them to one model)."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    may_record = request.user.has_perm("market.add_competitor_price", store)
    form = CompetitorPriceForm(request.POST or None, initial={"seen_on": today}) if may_record else None
    if request.method == "POST":
        refuse_unless(form is not None, _("The store's staff record competitor prices."))
        if form.is_valid():
            form.instance.store, form.instance.reported_by_id = store, viewer.staff_id
            sighting = form.save()
            return saved(request, _("Recorded %(model)s at %(price)s.") % {
                "model": sighting.competitor_model, "price": sighting.price})
    prices = visible_to(CompetitorPrice.objects.filter(store=store), viewer)
    sightings = in_window(prices, today).select_related("competitor_model__brand", "reported_by")
    model_id = asked(request, "model")
    if model_id is not None:
        sightings = sightings.filter(competitor_model_id=model_id)
    return render(request, "market/competitor_intel.html", store_context(
        viewer, store, form=form, summaries=competitor_summary(prices, today), window_days=WINDOW_DAYS,
        page=page_of(request, sightings.order_by("-seen_on", "-pk")), asked_model=model_id,
        sources=[_("Competitor showroom"), "汽车之家", "懂车帝", "易车", _("Customer's quote"), _("Phone enquiry")],
    ))

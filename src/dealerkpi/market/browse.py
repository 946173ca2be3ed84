"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, register_browse
from dealerkpi.market.models import CompetitorPrice, MarketShareSurvey, PresentationAudit, PromotionExecution

register_browse(
    Browse(
        "promotions", PromotionExecution, columns=("id", "name", "starts_on", "ends_on", "score"),
        section="market",
    ),
    Browse(
        "presentation-audits", PresentationAudit,
        columns=("id", "audited_on", "secondary_dealer", "score", "auditor"),
        select_related=("secondary_dealer", "auditor"), section="market",
    ),
    Browse("market-share", MarketShareSurvey, columns=("id", "store", "month", "share", "source"),
           select_related=("store",), section="market"),
    Browse(
        "competitor-prices", CompetitorPrice,
        columns=("id", "seen_on", "competitor_model", "price", "offer", "source"),
        filters=("competitor_model",), select_related=("competitor_model__brand",), section="market",
    ),
)

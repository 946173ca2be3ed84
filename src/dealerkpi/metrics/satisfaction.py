"""Customer satisfaction: the scores customers give on C-card calls (1-5) and the manufacturer's surveys (CSI, SSI;
0-100), each an average per person: the sum of the scores over the number scored, never a mean of means (a team's,
a store's or a quarter's average is its points over its responses)."""

from __future__ import annotations

from django.db.models import Aggregate, Count, F, Q, QuerySet, Sum

from dealerkpi.crm.models import SurveyResult
from dealerkpi.sales.models import DeliveryFollowUp

from .base import Table, grouped, two_places
from .care import c_cards_done
from .period import Frame, local_day

SURVEY_KINDS = {"survey_csi": SurveyResult.Kind.CSI, "survey_ssi": SurveyResult.Kind.SSI}


def scored_c_cards(frame: Frame) -> QuerySet[DeliveryFollowUp]:
    """C-card calls done in the period on which the customer gave a satisfaction score."""
    return c_cards_done(frame).filter(satisfaction__isnull=False)


def c_card_scores_table(frame: Frame) -> Table:
    """Scored calls and their points, per person and team of the call's day. One query."""
    aggregates = {"c_card_scored_calls": Count("pk"), "c_card_satisfaction_points": Sum("satisfaction")}
    return Table(rows=grouped(scored_c_cards(frame), "staff_id", local_day("done_at"), aggregates))


def survey_results(frame: Frame, metric: str | None = None) -> QuerySet[SurveyResult]:
    """The manufacturer's survey results of the period (by survey day), of one survey (a metric of SURVEY_KINDS)."""
    found = SurveyResult.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("surveyed_on"))
    return found.filter(kind=SURVEY_KINDS[metric]) if metric else found


def surveys_table(frame: Frame) -> Table:
    """Responses and points of each survey, per consultant and team of the survey day. One query."""
    aggregates: dict[str, Aggregate] = {}
    convert = {}
    for metric, kind in SURVEY_KINDS.items():
        aggregates[f"{metric}_responses"] = Count("pk", filter=Q(kind=kind))
        aggregates[f"{metric}_points"] = Sum("score", filter=Q(kind=kind))
        convert[f"{metric}_points"] = two_places
    return Table(rows=grouped(survey_results(frame), "consultant_id", F("surveyed_on"), aggregates, convert))

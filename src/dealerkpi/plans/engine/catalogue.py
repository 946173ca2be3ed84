"""The metric catalogue: every figure the Django side provides for a person and a period.

Percentages are in percent points (85 means 85%). Additive metrics (units, yuan, counts, hours) can be
summed over a team or a quarter; rates and scores cannot, so `team.sum.<rate>` is refused by validation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

UNITS = ("units", "yuan", "percent", "count", "score", "hours", "days", "minutes")
ADDITIVE_UNITS = ("units", "yuan", "count", "hours", "days", "minutes")
MARGIN_CLASSES = ("high", "normal", "low")


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    definition: str

    @property
    def additive(self) -> bool:
        return self.unit in ADDITIVE_UNITS


def _metrics(*rows: tuple[str, str, str]) -> dict[str, Metric]:
    return {name: Metric(name, unit, definition) for name, unit, definition in rows}


METRICS = _metrics(
    ("units_delivered", "units", "New cars delivered (交车) in the period, credited by deal share."),
    ("units_by_model", "units", "New cars delivered of one model; written units_by_model:<model_code>."),
    (
        "units_by_margin_class",
        "units",
        "New cars delivered of one margin class; written units_by_margin_class:<high|normal|low>.",
    ),
    ("sales_amount", "yuan", "Invoiced vehicle sales amount of the delivered cars."),
    ("front_gross_profit", "yuan", "前端毛利: vehicle price - vehicle cost - discounts and gifts."),
    ("gross_profit_per_unit", "yuan", "Front gross profit divided by units delivered."),
    ("insurance_units", "units", "Deliveries that carried insurance bought through the store."),
    ("insurance_premium", "yuan", "Commercial insurance premium written through the store."),
    ("insurance_penetration", "percent", "保险渗透率: insurance units / units delivered."),
    ("finance_units", "units", "Deliveries financed through the store."),
    ("finance_penetration", "percent", "金融渗透率: finance units / units delivered."),
    ("finance_fee", "yuan", "Finance service fees and commissions earned."),
    ("accessories_amount", "yuan", "精品: accessories sold with the delivered cars."),
    ("accessories_per_unit", "yuan", "Accessories amount divided by units delivered."),
    ("extended_warranty_units", "units", "延保: deliveries that carried an extended warranty."),
    ("extended_warranty_penetration", "percent", "Extended-warranty units / units delivered."),
    ("trade_in_units", "units", "置换: deliveries with a trade-in of the customer's old car."),
    ("trade_in_penetration", "percent", "Trade-in units / units delivered."),
    ("referral_deliveries", "units", "转介绍交车: cars delivered whose order came from a referral."),
    ("referral_rate", "percent", "转介绍率: referral deliveries / units delivered."),
    ("repeat_purchases", "units", "增换购: cars delivered to customers the group had delivered a car to before."),
    ("collections", "yuan", "回款: money collected from customers and secondary dealers."),
    ("receivables_outstanding", "yuan", "账款: receivables still open at the end of the period."),
    ("new_leads", "count", "新开客户数: potential-customer cards (A卡) opened."),
    ("first_visits", "count", "首次到店批次: first showroom visits with buying intent."),
    ("test_drive_rate", "percent", "试乘试驾率: test drives / first-visit intent visitors."),
    ("lead_to_order_rate", "percent", "Orders / leads opened in the period."),
    ("visit_to_order_rate", "percent", "成交率: showroom orders / intent visitors."),
    ("lost_sale_rate", "percent", "战败率: lost cards / cards opened in the period."),
    ("follow_up_compliance", "percent", "A卡/C卡 follow-ups done on time / follow-ups due."),
    ("follow_ups_due", "count", "A卡/C卡 follow-ups due in the period: done (on time or late) or missed."),
    ("follow_ups_on_time", "count", "Of the follow-ups due, those done by their due day."),
    ("c_card_follow_ups_done", "count", "C卡 follow-ups of delivered customers done."),
    ("active_owned_customers", "count", "保有客户活跃: owned customers contacted (C卡 or A卡) in the period."),
    ("complaints", "count", "Customer complaints attributed to the person."),
    ("major_complaints", "count", "重大客户投诉: major customer complaints (400 hotline, 12315, media)."),
    ("cross_region_sales", "count", "窜货: cars sold outside the assigned territory or channel."),
    ("price_floor_breaches", "count", "Deals closed below the price policy without approval."),
    ("presentation_score", "score", "终端生动化: showroom and point-of-sale presentation check score."),
    ("promotion_score", "score", "促销活动执行: promotion execution check score."),
    ("market_share", "percent", "市场份额: share of the local segment from the third-party survey."),
    ("market_share_change", "percent", "Change of market share against the previous period, in points."),
    ("new_model_distribution", "percent", "新产品铺货率: outlets or channels carrying the new model."),
    ("attendance_rate", "percent", "考勤: days present / working days."),
    ("late_arrivals", "count", "考勤 迟到: days clocked in late, after the store's minutes of grace."),
    ("minutes_late", "minutes", "迟到分钟: minutes after the start of work on the days late."),
    ("absent_days", "days", "旷工: working days absent (no clock-in, or later than the store's limit)."),
    ("leave_days", "days", "请假: days on leave of any kind."),
    ("training_hours", "hours", "Training hours attended or given."),
    ("team_attrition_rate", "percent", "团队人员流失率: leavers / average headcount, over a year."),
    ("subordinate_complaints", "count", "下属投诉: complaints from subordinates."),
    ("people_developed", "count", "人才培养: people promoted or certified for the company."),
    # Process checks and faults (conduct)
    ("reception_process_score", "score", "接待流程: average score of the reception checks, 0-100."),
    ("delivery_process_score", "score", "交车流程: average score of the delivery checks, 0-100."),
    ("process_checks", "count", "Reception and delivery checks made of the person."),
    ("fault_points", "count", "过失扣分: points of the approved faults not overturned on appeal."),
    ("fault_amount", "yuan", "过失罚款: amount of the approved faults not overturned on appeal."),
    # the sales policy of the day: spiffs (专项奖励), paid by the run beside the plan (metrics/spiffs.py)
    ("spiff_units", "units", "专项奖励台数: cars delivered that earn a published spiff, by credit share."),
    ("spiff_amount", "yuan", "专项奖励: the spiffs those cars earn (amount per car x credit share)."),
    # customer satisfaction and tasks handed down (issue 19)
    ("c_card_satisfaction", "score", "C卡满意度: average 1-5 score customers gave on C卡 calls done in the period."),
    ("c_card_satisfaction_points", "count", "The 1-5 scores of the scored C卡 calls added up."),
    ("c_card_scored_calls", "count", "C卡 calls done in the period on which the customer gave a satisfaction score."),
    ("survey_csi", "score", "CSI: average 0-100 score of the manufacturer's customer-satisfaction surveys."),
    ("survey_csi_points", "count", "The CSI survey scores of the period added up."),
    ("survey_csi_responses", "count", "CSI surveys of the period about the consultant's customers."),
    ("survey_ssi", "score", "SSI: average 0-100 score of the manufacturer's sales-satisfaction surveys."),
    ("survey_ssi_points", "count", "The SSI survey scores of the period added up."),
    ("survey_ssi_responses", "count", "SSI surveys of the period about the consultant's customers."),
    ("tasks_due", "count", "Tasks handed down (GM, manufacturer) due in the period: done, or open past their day."),
    ("tasks_done_on_time", "count", "Of the tasks due, those done with evidence by their due day."),
    ("task_on_time_rate", "percent", "Tasks done on time / tasks due."),
)

PARAMETERISED = {"units_by_model": None, "units_by_margin_class": MARGIN_CLASSES}

DEAL_FIGURES = (
    "units_delivered",
    "sales_amount",
    "front_gross_profit",
    "insurance_units",
    "insurance_premium",
    "finance_units",
    "finance_fee",
    "accessories_amount",
    "extended_warranty_units",
    "trade_in_units",
)


@dataclass(frozen=True)
class Catalogue:
    """The metric names a plan may use: the shipped ones plus the caller's extra names."""

    metrics: dict[str, Metric]

    def find(self, name: str) -> Metric | None:
        family, _, parameter = name.partition(":")
        metric = self.metrics.get(family)
        if metric is None or bool(parameter) != (family in PARAMETERISED):
            return None
        allowed = PARAMETERISED.get(family)
        if parameter and allowed is not None and parameter not in allowed:
            return None
        return metric

    def problem(self, name: str) -> str | None:
        """Why `name` is not a metric, or None when it is."""
        if self.find(name) is not None:
            return None
        family, _, parameter = name.partition(":")
        if family in PARAMETERISED and not parameter:
            return f"{family} needs a parameter, e.g. {family}:{(PARAMETERISED[family] or ('XLCH',))[0]}"
        if family in PARAMETERISED:
            return f"{name!r}: {family} takes one of {', '.join(PARAMETERISED[family] or ())}"
        return f"unknown metric {name!r}"


def catalogue(extra: Iterable[Metric] = ()) -> Catalogue:
    """The shipped catalogue, with the caller's extra metrics added."""
    return Catalogue({**METRICS, **{metric.name: metric for metric in extra}})

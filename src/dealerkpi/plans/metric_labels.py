"""The metric catalogue as a sales manager reads it: each metric's label, its group and its unit, in the reader's
language (zh-Hans by default, English).

The engine's catalogue (plans/engine/catalogue.py) keeps the names plans and targets are written in and their
English definitions, Django-free; every page, form and workbook that names a metric to a person reads its label here:

    labelled(["units_delivered", "units_by_model:YH-S7"])  # {code: Labelled}: 交车台数（台）, 分车型交车台数 · S7（台）
    grouped_choices(names)  # a select's optgroups, in GROUPS order, labels with units
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.plans.engine.catalogue import MARGIN_CLASSES, METRICS, PARAMETERISED

# Groups as a sales manager thinks of them, each with its metrics in the order they are offered.
_GROUPED: tuple[tuple[str, Promise, tuple[tuple[str, Promise], ...]], ...] = (
    ("volume", _("Volume"), (
        ("units_delivered", _("Cars delivered")),
        ("units_by_model", _("Cars delivered by model")),
        ("units_by_margin_class", _("Cars delivered by margin class")),
        ("spiff_units", _("Cars earning a spiff")),
        ("spiff_amount", _("Spiffs earned")),
    )),
    ("profit", _("Gross profit and output"), (
        ("sales_amount", _("Vehicle sales amount")),
        ("front_gross_profit", _("Front-end gross profit")),
        ("gross_profit_per_unit", _("Front-end gross profit per unit")),
        ("collections", _("Money collected")),
        ("receivables_outstanding", _("Receivables outstanding")),
        ("price_floor_breaches", _("Deals below the price floor")),
    )),
    ("derivatives", _("Derivative business"), (
        ("insurance_units", _("Cars insured through the store")),
        ("insurance_premium", _("Insurance premium")),
        ("insurance_penetration", _("Insurance penetration")),
        ("finance_units", _("Cars financed through the store")),
        ("finance_penetration", _("Finance penetration")),
        ("finance_fee", _("Finance fees and commissions")),
        ("accessories_amount", _("Accessories sales")),
        ("accessories_per_unit", _("Accessories per car")),
        ("extended_warranty_units", _("Extended warranties sold")),
        ("extended_warranty_penetration", _("Extended-warranty penetration")),
        ("trade_in_units", _("Trade-ins")),
        ("trade_in_penetration", _("Trade-in penetration")),
    )),
    ("customers", _("Customers"), (
        ("new_leads", _("Leads opened (A-cards)")),
        ("first_visits", _("First visits with buying intent")),
        ("test_drive_rate", _("Test-drive rate")),
        ("visit_to_order_rate", _("Order conversion")),
        ("lead_to_order_rate", _("Orders / leads opened")),
        ("lost_sale_rate", _("Lost-sale rate")),
        ("follow_up_compliance", _("All follow-ups on time (A and C cards)")),
        ("follow_ups_due", _("Follow-ups due")),
        ("follow_ups_on_time", _("Follow-ups done on time")),
        ("c_card_follow_ups_done", _("C-card follow-ups done")),
        ("active_owned_customers", _("Owned customers in contact")),
        ("referral_deliveries", _("Referral deliveries")),
        ("referral_rate", _("Referral rate")),
        ("repeat_purchases", _("Repeat and upgrade purchases")),
        ("complaints", _("Customer complaints")),
        ("major_complaints", _("Major customer complaints")),
        # customer satisfaction (issue 19)
        ("c_card_satisfaction", _("C-card satisfaction")),
        ("c_card_satisfaction_points", _("C-card satisfaction points")),
        ("c_card_scored_calls", _("C-card calls scored")),
        ("survey_csi", _("CSI survey score")),
        ("survey_csi_points", _("CSI survey points")),
        ("survey_csi_responses", _("CSI surveys")),
        ("survey_ssi", _("SSI survey score")),
        ("survey_ssi_points", _("SSI survey points")),
        ("survey_ssi_responses", _("SSI surveys")),
    )),
    ("market", _("Market"), (
        ("market_share", _("Market share")),
        ("market_share_change", _("Market share change")),
        ("new_model_distribution", _("New-model distribution")),
        ("presentation_score", _("Showroom presentation score")),
        ("promotion_score", _("Promotion execution score")),
        ("cross_region_sales", _("Sales outside the territory")),
    )),
    ("people", _("Team and people"), (
        ("attendance_rate", _("Attendance rate")),
        ("late_arrivals", _("Late arrivals")),
        ("minutes_late", _("Minutes late")),
        ("absent_days", _("Days absent")),
        ("leave_days", _("Days on leave")),
        ("training_hours", _("Training hours")),
        ("team_attrition_rate", _("Team attrition rate")),
        ("subordinate_complaints", _("Complaints from subordinates")),
        ("people_developed", _("People developed")),
        # tasks handed down (issue 19)
        ("tasks_due", _("Tasks due")),
        ("tasks_done_on_time", _("Tasks done on time")),
        ("task_on_time_rate", _("Tasks done on time (rate)")),
    )),
    ("conduct", _("Process and faults"), (
        ("reception_process_score", _("Reception process score")),
        ("delivery_process_score", _("Delivery process score")),
        ("process_checks", _("Process checks")),
        ("fault_points", _("Fault points")),
        ("fault_amount", _("Fault amount")),
    )),
)
GROUPS: dict[str, Promise] = {key: title for key, title, _metrics in _GROUPED}
LABELS: dict[str, Promise] = {name: label for _key, _title, metrics in _GROUPED for name, label in metrics}
GROUP_OF: dict[str, str] = {name: key for key, _title, metrics in _GROUPED for name, _label in metrics}
_ORDER = {name: index for index, name in enumerate(LABELS)}

UNITS: dict[str, Promise | str] = {  # the catalogue's units as the page shows them after a label
    "units": pgettext_lazy("unit", "cars"),
    "yuan": pgettext_lazy("unit", "yuan"),
    "percent": "%",
    "count": pgettext_lazy("unit", "count"),
    "score": pgettext_lazy("unit", "points"),
    "hours": pgettext_lazy("unit", "hours"),
    "days": pgettext_lazy("unit", "days"),
    "minutes": pgettext_lazy("unit", "minutes"),
}
MARGIN_CLASS_LABELS: dict[str, Promise] = {
    "high": _("High margin"), "normal": _("Normal margin"), "low": _("Low margin"),
}


@dataclass(frozen=True)
class Labelled:
    """A target's metric as the reader sees it: 分车型交车台数 · S7, in 台; ``code`` for a tooltip at most."""

    code: str
    label: str
    unit: str

    @property
    def text(self) -> str:
        """The label with its unit: 交车台数（台）."""
        if not self.unit:
            return self.label
        return gettext("%(label)s (%(unit)s)") % {"label": self.label, "unit": self.unit}

    def __str__(self) -> str:
        return self.text


def labelled(codes: Iterable[str]) -> dict[str, Labelled]:
    """Each code's label and unit in the active language; the models' names in one query (none without a model).
    A name the catalogue does not know keeps its code as its label: it is still shown, if not understood."""
    codes = list(dict.fromkeys(codes))
    model_codes = [code.partition(":")[2] for code in codes if code.startswith("units_by_model:")]
    model_names = dict(VehicleModel.objects.filter(code__in=model_codes).values_list("code", "name")) if model_codes \
        else {}
    shown = {}
    for code in codes:
        family, _sep, parameter = code.partition(":")
        metric = METRICS.get(family)
        label = str(LABELS.get(family, code))
        if parameter and family in PARAMETERISED:
            choice = model_names.get(parameter) if family == "units_by_model" else MARGIN_CLASS_LABELS.get(parameter)
            label = f"{label} · {choice or parameter}"
        shown[code] = Labelled(code, label, str(UNITS.get(metric.unit, "")) if metric is not None else "")
    return shown


def group_key(code: str) -> tuple[int, int]:
    """Where a metric stands in a grouped list: by group, then as its group lists it; unknown names last."""
    family = code.partition(":")[0]
    group = GROUP_OF.get(family)
    return (list(GROUPS).index(group) if group else len(GROUPS), _ORDER.get(family, len(_ORDER)))


def grouped_choices(codes: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """A select's choices: the codes under their groups' titles, each shown by its label and unit. Within a
    family (the models of units_by_model), the order given."""
    codes = sorted(dict.fromkeys(codes), key=group_key)
    shown = labelled(codes)
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in codes:
        group = GROUP_OF.get(code.partition(":")[0])
        title = str(GROUPS[group]) if group else gettext("Other")
        groups.setdefault(title, []).append((code, shown[code].text))
    return list(groups.items())


def margin_class_choices() -> list[tuple[str, str]]:
    """The engine's margin classes by name, highest first."""
    return [(code, str(MARGIN_CLASS_LABELS[code])) for code in MARGIN_CLASSES]


# What each metric counts, said to the people paid by a plan without a plan's syntax (the plan page); the engine
# keeps its English definitions for plan authors and the command line. Every metric has one (tests/test_plan_page.py).
DEFINITIONS: dict[str, Promise] = {
    "units_delivered": _("New cars delivered (交车) in the period, credited by deal share."),
    "units_by_model": _("New cars delivered of one model."),
    "units_by_margin_class": _("New cars delivered of one margin class (high, normal or low margin)."),
    "sales_amount": _("Invoiced vehicle sales amount of the delivered cars."),
    "front_gross_profit": _("前端毛利: vehicle price - vehicle cost - discounts and gifts."),
    "gross_profit_per_unit": _("Front gross profit divided by units delivered."),
    "insurance_units": _("Deliveries that carried insurance bought through the store."),
    "insurance_premium": _("Commercial insurance premium written through the store."),
    "insurance_penetration": _("保险渗透率: insurance units / units delivered."),
    "finance_units": _("Deliveries financed through the store."),
    "finance_penetration": _("金融渗透率: finance units / units delivered."),
    "finance_fee": _("Finance service fees and commissions earned."),
    "accessories_amount": _("精品: accessories sold with the delivered cars."),
    "accessories_per_unit": _("Accessories amount divided by units delivered."),
    "extended_warranty_units": _("延保: deliveries that carried an extended warranty."),
    "extended_warranty_penetration": _("Extended-warranty units / units delivered."),
    "trade_in_units": _("置换: deliveries with a trade-in of the customer's old car."),
    "trade_in_penetration": _("Trade-in units / units delivered."),
    "referral_deliveries": _("转介绍交车: cars delivered whose order came from a referral."),
    "referral_rate": _("转介绍率: referral deliveries / units delivered."),
    "repeat_purchases": _("增换购: cars delivered to customers the group had delivered a car to before."),
    "collections": _("回款: money collected from customers and secondary dealers."),
    "receivables_outstanding": _("账款: receivables still open at the end of the period."),
    "new_leads": _("新开客户数: potential-customer cards (A卡) opened."),
    "first_visits": _("首次到店批次: first showroom visits with buying intent."),
    "test_drive_rate": _("试乘试驾率: test drives / first-visit intent visitors."),
    "lead_to_order_rate": _("Orders / leads opened in the period."),
    "visit_to_order_rate": _("成交率: showroom orders / intent visitors."),
    "lost_sale_rate": _("战败率: lost cards / cards opened in the period."),
    "follow_up_compliance": _("A卡/C卡 follow-ups done on time / follow-ups due."),
    "follow_ups_due": _("A卡/C卡 follow-ups due in the period: done (on time or late) or missed."),
    "follow_ups_on_time": _("Of the follow-ups due, those done by their due day."),
    "c_card_follow_ups_done": _("C卡 follow-ups of delivered customers done."),
    "active_owned_customers": _("保有客户活跃: owned customers contacted (C卡 or A卡) in the period."),
    "complaints": _("Customer complaints attributed to the person."),
    "major_complaints": _("重大客户投诉: major customer complaints (400 hotline, 12315, media)."),
    "cross_region_sales": _("窜货: cars sold outside the assigned territory or channel."),
    "price_floor_breaches": _("Deals closed below the price policy without approval."),
    "presentation_score": _("终端生动化: showroom and point-of-sale presentation check score."),
    "promotion_score": _("促销活动执行: promotion execution check score."),
    "market_share": _("市场份额: share of the local segment from the third-party survey."),
    "market_share_change": _("Change of market share against the previous period, in points."),
    "new_model_distribution": _("新产品铺货率: outlets or channels carrying the new model."),
    "attendance_rate": _("考勤: days present / working days."),
    "late_arrivals": _("考勤 迟到: days clocked in late, after the store's minutes of grace."),
    "minutes_late": _("迟到分钟: minutes after the start of work on the days late."),
    "absent_days": _("旷工: working days absent (no clock-in, or later than the store's limit)."),
    "leave_days": _("请假: days on leave of any kind."),
    "training_hours": _("Training hours attended or given."),
    "team_attrition_rate": _("团队人员流失率: leavers / average headcount, over a year."),
    "subordinate_complaints": _("下属投诉: complaints from subordinates."),
    "people_developed": _("人才培养: people promoted or certified for the company."),
    # Process checks and faults (conduct)
    "reception_process_score": _("接待流程: average score of the reception checks, 0-100."),
    "delivery_process_score": _("交车流程: average score of the delivery checks, 0-100."),
    "process_checks": _("Reception and delivery checks made of the person."),
    "fault_points": _("过失扣分: points of the approved faults not overturned on appeal."),
    "fault_amount": _("过失罚款: amount of the approved faults not overturned on appeal."),
    "spiff_units": _("专项奖励台数: cars delivered that earn a published spiff, by credit share."),
    "spiff_amount": _("专项奖励: the spiffs those cars earn (amount per car x credit share)."),
    # customer satisfaction and tasks handed down (issue 19)
    "c_card_satisfaction": _("C卡满意度: average 1-5 score customers gave on C卡 calls done in the period."),
    "c_card_satisfaction_points": _("The 1-5 scores of the scored C卡 calls added up."),
    "c_card_scored_calls": _("C卡 calls done in the period on which the customer gave a satisfaction score."),
    "survey_csi": _("CSI: average 0-100 score of the manufacturer's customer-satisfaction surveys."),
    "survey_csi_points": _("The CSI survey scores of the period added up."),
    "survey_csi_responses": _("CSI surveys of the period about the consultant's customers."),
    "survey_ssi": _("SSI: average 0-100 score of the manufacturer's sales-satisfaction surveys."),
    "survey_ssi_points": _("The SSI survey scores of the period added up."),
    "survey_ssi_responses": _("SSI surveys of the period about the consultant's customers."),
    "tasks_due": _("Tasks handed down (GM, manufacturer) due in the period: done, or open past their day."),
    "tasks_done_on_time": _("Of the tasks due, those done with evidence by their due day."),
    "task_on_time_rate": _("Tasks done on time / tasks due."),
}


def definition(metric: str) -> str:
    """The metric's definition (a parameterised one's family: units_by_model:XLCH is units_by_model)."""
    found = DEFINITIONS.get(metric.partition(":")[0])
    return str(found) if found is not None else ""

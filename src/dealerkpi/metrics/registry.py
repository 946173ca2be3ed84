"""Every metric of the engine's catalogue: where its figure comes from, how it is shaped, and the records
behind one person's figure (with the browse page that lists them).

Kinds:
- additive: a part summed per person and team of the record's day (units, yuan, counts, hours);
- ratio: a part over another, summed over the person's teams, times `scale`; given once per person; no value
  when the denominator is zero or negative;
- store: a store-level value given once to everyone of the store;
- led: team attrition, for those who lead people (supervisors: their teams; managers and the GM: the store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from dealerkpi.core.money import HUNDRED
from dealerkpi.org.models import Staff
from dealerkpi.plans.engine.catalogue import METRICS, PARAMETERISED, Metric

from . import care, conduct, funnel, market, people, sales, satisfaction, spiffs, tasks
from .base import RecordSet, Table
from .members import people_in_scope
from .period import Frame

ONE = Decimal(1)
Records = Callable[[Frame, int, str], tuple[RecordSet, ...]]

SOURCES: dict[str, Callable[[Frame], Table]] = {
    "deals": sales.deal_table,
    "collections": sales.collections_table,
    "receivables": sales.receivables_table,
    "orders": sales.orders_table,
    "leads": funnel.leads_table,
    "visits": funnel.visits_table,
    "test_drives": funnel.test_drives_table,
    "lost_sales": funnel.lost_sales_table,
    "compliance": care.compliance_table,
    "c_cards": care.c_cards_table,
    "owned_customers": care.active_owned_table,
    "complaints": care.complaints_table,
    "presentation": market.presentation_table,
    "promotion": market.promotion_table,
    "market_share": market.market_share_table,
    "distribution": market.distribution_table,
    "attendance": people.attendance_table,
    "training": people.training_table,
    "developed": people.developed_table,
    "attrition": people.attrition_table,
    # Process checks and faults (conduct)
    "process": conduct.process_table,
    "faults": conduct.faults_table,
    "spiffs": spiffs.spiffs_table,
    # customer satisfaction and tasks handed down (issue 19)
    "c_card_scores": satisfaction.c_card_scores_table,
    "surveys": satisfaction.surveys_table,
    "tasks": tasks.tasks_table,
}


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # additive | ratio | store | led
    source: str
    part: str  # the source's part (numerator for a ratio); "{}" stands for the parameter
    records: Records
    per: str = ""  # ratio: the denominator part
    per_source: str = ""  # ratio: the denominator's source, when not `source`
    scale: Decimal = HUNDRED

    @property
    def unit(self) -> str:
        return (METRICS.get(self.name) or PAGE_FIGURES[self.name]).unit

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source, self.per_source) if self.per_source else (self.source,)


# -- records behind a figure ------------------------------------------------------------------------------

PRODUCT_OF = {
    "insurance": sales.Kind.INSURANCE,
    "finance": sales.Kind.FINANCE,
    "accessories": sales.Kind.ACCESSORIES,
    "extended_warranty": sales.Kind.EXTENDED_WARRANTY,
    "trade_in": sales.Kind.TRADE_IN,
}


def _deliveries(products: Q | None = None, label: str = "") -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        return (RecordSet("deliveries", sales.deal_records(frame, staff_id, products), label),)

    return found


def _by_parameter(lookup: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        return (RecordSet("deliveries", sales.deal_records(frame, staff_id, Q(**{lookup: parameter}))),)

    return found


def _part_of_deliveries(products: Q) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        return (
            RecordSet("deliveries", sales.deal_records(frame, staff_id, products), "numerator"),
            RecordSet("deliveries", sales.deal_records(frame, staff_id), "denominator"),
        )

    return found


def _penetration(product: str) -> Records:
    return _part_of_deliveries(sales.with_product(PRODUCT_OF[product]))


def _all_deliveries(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("deliveries", sales.deal_records(frame, staff_id), "denominator"),)


def _collections(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("payments", sales.collection_records(frame, staff_id)),)


def _receivables(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("orders", sales.receivable_records(frame, staff_id)),)


def _orders(part: str, label: str = "") -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        return (RecordSet("orders", sales.order_records(frame, staff_id, part), label),)

    return found


def _leads(frame: Frame, staff_id: int, label: str = "") -> RecordSet:
    return RecordSet("leads", funnel.opened_leads(frame).filter(owner_id=staff_id).order_by("created_at", "pk"), label)


def _visits(frame: Frame, staff_id: int, part: str, label: str = "") -> RecordSet:
    chosen = funnel.visits(frame).filter(funnel.VISIT_PARTS[part], consultant_id=staff_id)
    return RecordSet("visits", chosen.order_by("arrived_at", "pk"), label)


def _new_leads(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (_leads(frame, staff_id),)


def _visit_records(part: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        return (_visits(frame, staff_id, part),)

    return found


def _test_drives_done(frame: Frame, staff_id: int, label: str = "") -> RecordSet:
    drives = funnel.test_drives_done(frame).filter(consultant_id=staff_id).order_by("starts_at", "pk")
    return RecordSet("test-drives", drives, label)


def _test_drives(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (_test_drives_done(frame, staff_id),)


def _test_drive_rate(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return _test_drives_done(frame, staff_id, "numerator"), _visits(frame, staff_id, "first_visits", "denominator")


def _lead_to_order(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return *_orders("orders", "numerator")(frame, staff_id, parameter), _leads(frame, staff_id, "denominator")


def _visit_to_order(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    orders = _orders("orders", "numerator")(frame, staff_id, parameter)
    return *orders, _visits(frame, staff_id, "intent_visits", "denominator")


def _lost_sale_rate(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    lost = funnel.approved_lost_sales(frame).filter(lead__owner_id=staff_id).order_by("decided_at", "pk")
    return RecordSet("lost-sales", lost, "numerator"), _leads(frame, staff_id, "denominator")


def _compliance(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    answered = care.answered_follow_ups(frame).filter(staff_id=staff_id).order_by("due_on", "pk")
    missed = care.missed_leads(frame).filter(owner_id=staff_id).order_by("next_follow_up_on", "pk")
    c_cards = care.c_cards_due(frame).filter(staff_id=staff_id).order_by("due_on", "pk")
    return (
        RecordSet("follow-ups", answered, "due and answered"),
        RecordSet("follow-ups", answered.filter(care.ON_TIME), "on time"),
        RecordSet("follow-ups", answered.filter(care.NOT_ON_TIME), "late"),
        RecordSet("leads", missed, "missed"),
        RecordSet("c-cards", c_cards.filter(care.ON_TIME), "on time"),
        RecordSet("c-cards", c_cards.filter(care.NOT_ON_TIME), "late or missed"),
    )


def _c_cards_done(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("c-cards", care.c_cards_done(frame).filter(staff_id=staff_id).order_by("done_at", "pk")),)


def _active_customers(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("customers", care.active_owned_customers(frame, staff_id)),)


def _complaints(part: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        chosen = care.complaints_received(frame).filter(care.COMPLAINT_PARTS[part], about_staff_id=staff_id)
        return (RecordSet("complaints", chosen.order_by("received_at", "pk")),)

    return found


def _spiffs(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("deliveries", spiffs.spiff_records(frame, staff_id)),)


def store_of(frame: Frame, staff_id: int) -> int | None:
    """The store the person belongs to at the period's end (as compute() gives store-level values)."""
    person = people_in_scope(frame, {staff_id}).get(staff_id)
    return person.store_id if person else None


def _store_records(slug: str, records: Callable[[Frame], object], order: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        store_id = store_of(frame, staff_id)
        return (RecordSet(slug, records(frame).filter(store_id=store_id).order_by(order, "pk")),)  # type: ignore[attr-defined]

    return found


def _distribution(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    dealers = market.active_dealers(frame).filter(store_id=store_of(frame, staff_id)).order_by("code")
    return (
        RecordSet("secondary-dealers", dealers.filter(holds_new_model=True), "numerator"),
        RecordSet("secondary-dealers", dealers, "denominator"),
    )


def _attendance(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    days = people.attendance(frame).filter(staff_id=staff_id).order_by("day")
    return (
        RecordSet("attendance", days.filter(status__in=people.WORKED), "numerator"),
        RecordSet("attendance", days.filter(status__in=people.WORKING_DAY), "denominator"),
    )


def _attendance_of(status: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        days = people.attendance(frame).filter(staff_id=staff_id, status=status)
        return (RecordSet("attendance", days.order_by("day")),)

    return found


def _training(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("trainings", people.trainings(frame).filter(staff_id=staff_id).order_by("held_on", "pk")),)


def _developed(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("trainings", people.trainees(frame).filter(trainer_id=staff_id).order_by("held_on", "pk")),)


def _leavers(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    """The leavers' departure records (why they left), and the leavers nobody recorded a departure for."""
    person = people_in_scope(frame, {staff_id}).get(staff_id)
    if person is None:
        found = Staff.objects.none()
    elif person.role in people.LEADS_STORE:
        found = people.store_leavers(frame, (person.store_id,) if person.store_id else ())
    else:
        found = people.team_leavers(frame, people.attrition_table(frame).leaders.get(staff_id, []))
    return (
        RecordSet("departures", people.departures(found).order_by("left_on", "pk"), "leavers"),
        RecordSet("staff", found.filter(departure__isnull=True).order_by("leave_date", "pk"),
                  people.UNRECORDED_LEAVERS),
    )


def _process_checks(kind: str = "") -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        checks = conduct.process_checks(frame, kind).filter(staff_id=staff_id).order_by("day", "pk")
        return (RecordSet("process-checks", checks),)

    return found


def _faults(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    return (RecordSet("faults", conduct.counted_faults(frame).filter(staff_id=staff_id).order_by("day", "pk")),)


# customer satisfaction and tasks handed down (issue 19)


def _scored_c_cards(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    calls = satisfaction.scored_c_cards(frame).filter(staff_id=staff_id).order_by("done_at", "pk")
    return (RecordSet("c-cards", calls, "scored"),)


def _surveys(metric: str) -> Records:
    def found(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
        results = satisfaction.survey_results(frame, metric).filter(consultant_id=staff_id)
        return (RecordSet("survey-results", results.order_by("surveyed_on", "pk"), "responses"),)

    return found


def _tasks(frame: Frame, staff_id: int, parameter: str) -> tuple[RecordSet, ...]:
    due = tasks.tasks_due(frame).filter(owner_id=staff_id).order_by("due_on", "pk")
    return RecordSet("tasks", due.filter(tasks.ON_TIME), "on time"), RecordSet("tasks", due, "due")


def _satisfaction(name: str, source: str, records: Records, points: str, responses: str) -> tuple[Definition, ...]:
    """An average score (points / responses) and its two parts."""
    return (
        _ratio(name, source, points, responses, records, scale=ONE),
        _additive(points, source, records),
        _additive(responses, source, records),
    )


# -- the definitions --------------------------------------------------------------------------------------


def _additive(name: str, source: str, records: Records, part: str = "") -> Definition:
    return Definition(name, "additive", source, part or name, records)


def _ratio(name: str, source: str, part: str, per: str, records: Records, per_source: str = "",
           scale: Decimal = HUNDRED) -> Definition:
    return Definition(name, "ratio", source, part, records, per=per, per_source=per_source, scale=scale)


def _store(name: str, source: str, records: Records) -> Definition:
    return Definition(name, "store", source, name, records)


_DEFINITIONS = (
    _additive("units_delivered", "deals", _deliveries()),
    _additive("units_by_model", "deals", _by_parameter(sales.MODEL_CODE), "units_by_model:{}"),
    _additive("units_by_margin_class", "deals", _by_parameter(sales.MARGIN_CODE), "units_by_margin_class:{}"),
    _additive("sales_amount", "deals", _deliveries()),
    _additive("front_gross_profit", "deals", _deliveries()),
    _ratio("gross_profit_per_unit", "deals", "front_gross_profit", "units_delivered", _all_deliveries, scale=ONE),
    _additive("insurance_units", "deals", _deliveries(sales.with_product(sales.Kind.INSURANCE))),
    _additive("insurance_premium", "deals", _deliveries(sales.with_product(sales.Kind.INSURANCE))),
    _ratio("insurance_penetration", "deals", "insurance_units", "units_delivered", _penetration("insurance")),
    _additive("finance_units", "deals", _deliveries(sales.with_product(sales.Kind.FINANCE))),
    _ratio("finance_penetration", "deals", "finance_units", "units_delivered", _penetration("finance")),
    _additive("finance_fee", "deals", _deliveries(sales.with_product(sales.Kind.FINANCE))),
    _additive("accessories_amount", "deals", _deliveries(sales.with_product(sales.Kind.ACCESSORIES))),
    _ratio("accessories_per_unit", "deals", "accessories_amount", "units_delivered", _penetration("accessories"),
           scale=ONE),
    _additive("extended_warranty_units", "deals", _deliveries(sales.with_product(sales.Kind.EXTENDED_WARRANTY))),
    _ratio("extended_warranty_penetration", "deals", "extended_warranty_units", "units_delivered",
           _penetration("extended_warranty")),
    _additive("trade_in_units", "deals", _deliveries(sales.with_product(sales.Kind.TRADE_IN))),
    _ratio("trade_in_penetration", "deals", "trade_in_units", "units_delivered", _penetration("trade_in")),
    _additive("referral_deliveries", "deals", _deliveries(sales.REFERRAL)),
    _ratio("referral_rate", "deals", "referral_deliveries", "units_delivered", _part_of_deliveries(sales.REFERRAL)),
    _additive("repeat_purchases", "deals", _deliveries(Q(sales.repeat_purchase()))),
    _additive("collections", "collections", _collections),
    _additive("receivables_outstanding", "receivables", _receivables),
    _additive("new_leads", "leads", _new_leads),
    _additive("first_visits", "visits", _visit_records("first_visits")),
    _ratio("test_drive_rate", "test_drives", "test_drives", "first_visits", _test_drive_rate, per_source="visits"),
    _ratio("lead_to_order_rate", "orders", "orders", "new_leads", _lead_to_order, per_source="leads"),
    _ratio("visit_to_order_rate", "orders", "orders", "intent_visits", _visit_to_order, per_source="visits"),
    _ratio("lost_sale_rate", "lost_sales", "lost_sales", "new_leads", _lost_sale_rate, per_source="leads"),
    _ratio("follow_up_compliance", "compliance", "follow_ups_on_time", "follow_ups_due", _compliance),
    _additive("follow_ups_due", "compliance", _compliance),
    _additive("follow_ups_on_time", "compliance", _compliance),
    _additive("c_card_follow_ups_done", "c_cards", _c_cards_done),
    _additive("active_owned_customers", "owned_customers", _active_customers),
    _additive("complaints", "complaints", _complaints("complaints")),
    _additive("major_complaints", "complaints", _complaints("major_complaints")),
    _additive("cross_region_sales", "orders", _orders("cross_region_sales")),
    _additive("price_floor_breaches", "orders", _orders("price_floor_breaches")),
    _store("presentation_score", "presentation",
           _store_records("presentation-audits", market.presentation_audits, "audited_on")),
    _store("promotion_score", "promotion", _store_records("promotions", market.promotions_assessed, "ends_on")),
    _store("market_share", "market_share", _store_records("market-share", market.surveys, "month")),
    _store("market_share_change", "market_share", _store_records("market-share", market.surveys, "month")),
    _store("new_model_distribution", "distribution", _distribution),
    _ratio("attendance_rate", "attendance", "days_worked", "working_days", _attendance),
    _additive("late_arrivals", "attendance", _attendance_of(people.Status.LATE)),
    _additive("minutes_late", "attendance", _attendance_of(people.Status.LATE)),
    _additive("absent_days", "attendance", _attendance_of(people.Status.ABSENT)),
    _additive("leave_days", "attendance", _attendance_of(people.Status.LEAVE)),
    _additive("training_hours", "training", _training),
    Definition("team_attrition_rate", "led", "attrition", "leavers", _leavers, per="headcount_months"),
    _additive("subordinate_complaints", "complaints", _complaints("subordinate_complaints")),
    _additive("people_developed", "developed", _developed),
    # Process checks and faults (conduct)
    _ratio("reception_process_score", "process", "reception_score_total", "reception_checks",
           _process_checks("reception"), scale=ONE),
    _ratio("delivery_process_score", "process", "delivery_score_total", "delivery_checks",
           _process_checks("delivery"), scale=ONE),
    _additive("process_checks", "process", _process_checks()),
    _additive("fault_points", "faults", _faults),
    _additive("fault_amount", "faults", _faults),
    _additive("spiff_units", "spiffs", _spiffs),
    _additive("spiff_amount", "spiffs", _spiffs),
    # customer satisfaction and tasks handed down (issue 19)
    *_satisfaction("c_card_satisfaction", "c_card_scores", _scored_c_cards, "c_card_satisfaction_points",
                   "c_card_scored_calls"),
    *_satisfaction("survey_csi", "surveys", _surveys("survey_csi"), "survey_csi_points", "survey_csi_responses"),
    *_satisfaction("survey_ssi", "surveys", _surveys("survey_ssi"), "survey_ssi_points", "survey_ssi_responses"),
    _additive("tasks_due", "tasks", _tasks),
    _additive("tasks_done_on_time", "tasks", _tasks),
    _ratio("task_on_time_rate", "tasks", "tasks_done_on_time", "tasks_due", _tasks),
)
DEFINITIONS: dict[str, Definition] = {definition.name: definition for definition in _DEFINITIONS}

# Page figures: what the desk, the boards and the reports count beside the metrics, which no plan pays on.
# They are parts of the metrics' own sources, so a page's "orders" is the orders of lead_to_order_rate.
PAGE_FIGURES: dict[str, Metric] = {
    figure.name: figure
    for figure in (
        Metric("showroom_visits", "count", "Showroom parties received, first or repeat, with intent or not."),
        Metric("visits_with_test_drive", "count", "Showroom parties who took a test drive during the visit."),
        Metric("test_drives", "count", "Test drives done whose slot started in the period."),
        Metric("orders", "count", "Orders placed in the period and not cancelled by its end."),
    )
}
PAGE_DEFINITIONS: dict[str, Definition] = {
    definition.name: definition
    for definition in (
        _additive("showroom_visits", "visits", _visit_records("showroom_visits")),
        _additive("visits_with_test_drive", "visits", _visit_records("visits_with_test_drive")),
        _additive("test_drives", "test_drives", _test_drives),
        _additive("orders", "orders", _orders("orders")),
    )
}


class UnknownMetric(ValueError):
    """A name that is not a metric of the catalogue (or a parameterised one without its parameter)."""


def definition_of(name: str) -> tuple[Definition, str]:
    """The definition of `name` and its parameter ("" when it takes none)."""
    family, _, parameter = name.partition(":")
    definition = DEFINITIONS.get(family) or PAGE_DEFINITIONS.get(family)
    if definition is None or family not in METRICS and family not in PAGE_FIGURES:
        raise UnknownMetric(f"unknown metric {name!r}")
    if bool(parameter) != (family in PARAMETERISED):
        raise UnknownMetric(f"{family} {'needs' if not parameter else 'takes no'} parameter: {name!r}")
    return definition, parameter

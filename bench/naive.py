"""The naive way: one ORM query per person per metric, against our set-based metrics, on a slice of stores.

    .venv/bin/python bench/naive.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 --stores 5 [--repeat 3]

Naive: for every person employed in the slice's stores during the month and every metric the run computes
(`metrics.all_names`, units by model for each own model included), one aggregate query through the ORM,
filtered on the person (ratios: one query for the numerator and one for the denominator). It is simpler than
ours in ways that only flatter it: no split by team of the day, deals are not netted against unwinds, no
PAID crediting. Set-based: `metrics.period_inputs(store, period)` for each store of the slice (what a run
reads from the metrics library: every metric and the deal list), and `metrics.compute` over the whole slice
at once. Each side runs in its own child process; the report gives the times, the query counts and the
ratio naive / set-based.
"""

from __future__ import annotations

import argparse
import time

from common import emit, peak_rss_mb, record, run_child, setup_django, spread


def naive_catalogue(frame, model_codes):
    """metric name -> function(staff_id) -> value, each making one query (ratios: two)."""
    from django.db.models import Avg, F, Q, Sum

    from dealerkpi.crm.models import Complaint, FollowUp, Lead, LostSale, ShowroomVisit, TestDrive
    from dealerkpi.market.models import MarketShareSurvey, PresentationAudit, PromotionExecution
    from dealerkpi.org.models import Staff
    from dealerkpi.people.models import AttendanceRecord, TrainingRecord
    from dealerkpi.sales.models import DeliveryFollowUp, Order, OrderCredit, Payment

    start, end, first, last = frame.start, frame.end, frame.first_day, frame.last_day

    def deals(staff, **extra):
        return OrderCredit.objects.filter(staff_id=staff, order__delivery__delivered_at__gte=start,
                                          order__delivery__delivered_at__lt=end, **extra)

    def total(queryset, expression):
        return queryset.aggregate(v=Sum(expression))["v"] or 0

    def rate(numerator, denominator):
        n, d = numerator(), denominator()
        return None if not d else n * 100 / d

    def units(staff, **extra):
        return total(deals(staff, **extra), "share")

    def product(staff, kind, field=None):
        credits = deals(staff, order__derivatives__kind=kind)
        return total(credits, F("share") * F(f"order__derivatives__{field}")) if field else total(credits, "share")

    def orders(staff, **extra):
        return Order.objects.filter(consultant_id=staff, ordered_at__gte=start, ordered_at__lt=end, **extra).count()

    def leads(staff):
        return Lead.objects.filter(owner_id=staff, created_at__gte=start, created_at__lt=end).count()

    def visits(staff, **extra):
        return ShowroomVisit.objects.filter(consultant_id=staff, arrived_at__gte=start, arrived_at__lt=end,
                                            has_intent=True, **extra).count()

    def store_of(staff):
        return Staff.objects.filter(pk=staff).values_list("store_id", flat=True).first()

    def follow_up_compliance(staff):
        answered = FollowUp.objects.filter(staff_id=staff, due_on__gte=first, due_on__lte=last)
        due = answered.count()
        on_time = answered.filter(at__date__lte=F("due_on")).count()
        missed = Lead.objects.filter(owner_id=staff, status__in=("open", "dormant"), next_follow_up_on__gte=first,
                                     next_follow_up_on__lte=last, next_follow_up_on__lt=frame.today).count()
        calls = DeliveryFollowUp.objects.filter(staff_id=staff, due_on__gte=first, due_on__lte=last)
        c_due = calls.filter(Q(done_at__isnull=False) | Q(due_on__lt=frame.today)).count()
        c_on_time = calls.filter(done_at__date__lte=F("due_on")).count()
        return rate(lambda: on_time + c_on_time, lambda: due + missed + c_due)

    catalogue = {
        "units_delivered": lambda s: units(s),
        "sales_amount": lambda s: total(deals(s), F("share") * F("order__price")),
        "front_gross_profit": lambda s: total(
            deals(s), F("share") * (F("order__price") - F("order__delivery__vehicle__cost") - F("order__gifts_cost"))),
        "gross_profit_per_unit": lambda s: rate(
            lambda: total(deals(s), F("share") * (F("order__price") - F("order__vehicle__cost"))), lambda: units(s)),
        "insurance_units": lambda s: product(s, "insurance"),
        "finance_units": lambda s: product(s, "finance"),
        "extended_warranty_units": lambda s: product(s, "extended_warranty"),
        "trade_in_units": lambda s: product(s, "trade_in"),
        "insurance_premium": lambda s: product(s, "insurance", "amount"),
        "finance_fee": lambda s: product(s, "finance", "income"),
        "accessories_amount": lambda s: product(s, "accessories", "amount"),
        "accessories_per_unit": lambda s: rate(lambda: product(s, "accessories", "amount"), lambda: units(s)),
        "collections": lambda s: total(Payment.objects.filter(order__credits__staff_id=s, paid_at__gte=start,
                                                              paid_at__lt=end), "amount"),
        "receivables_outstanding": lambda s: total(
            Order.objects.filter(credits__staff_id=s, delivery__delivered_at__lt=end), "price")
        - total(Payment.objects.filter(order__credits__staff_id=s, order__delivery__delivered_at__lt=end,
                                       paid_at__lt=end), "amount"),
        "cross_region_sales": lambda s: orders(s, is_cross_region=True),
        "price_floor_breaches": lambda s: orders(s, price__lt=F("floor_price")),
        "new_leads": leads,
        "first_visits": lambda s: visits(s, is_first_visit=True),
        "test_drive_rate": lambda s: rate(
            lambda: TestDrive.objects.filter(consultant_id=s, status="done", starts_at__gte=start,
                                             starts_at__lt=end).count(),
            lambda: visits(s, is_first_visit=True)),
        "lead_to_order_rate": lambda s: rate(lambda: orders(s), lambda: leads(s)),
        "visit_to_order_rate": lambda s: rate(lambda: orders(s), lambda: visits(s)),
        "lost_sale_rate": lambda s: rate(
            lambda: LostSale.objects.filter(lead__owner_id=s, status="approved", decided_at__gte=start,
                                            decided_at__lt=end).count(), lambda: leads(s)),
        "follow_up_compliance": follow_up_compliance,
        "c_card_follow_ups_done": lambda s: DeliveryFollowUp.objects.filter(staff_id=s, done_at__gte=start,
                                                                            done_at__lt=end).count(),
        "complaints": lambda s: Complaint.objects.filter(about_staff_id=s, received_at__gte=start,
                                                         received_at__lt=end).exclude(channel="subordinate").count(),
        "major_complaints": lambda s: Complaint.objects.filter(about_staff_id=s, received_at__gte=start,
                                                               received_at__lt=end, is_major=True).count(),
        "subordinate_complaints": lambda s: Complaint.objects.filter(
            about_staff_id=s, received_at__gte=start, received_at__lt=end, channel="subordinate").count(),
        "attendance_rate": lambda s: rate(
            lambda: AttendanceRecord.objects.filter(staff_id=s, day__gte=first, day__lte=last,
                                                    status__in=("present", "late")).count(),
            lambda: AttendanceRecord.objects.filter(staff_id=s, day__gte=first, day__lte=last,
                                                    status__in=("present", "late", "absent")).count()),
        "training_hours": lambda s: total(TrainingRecord.objects.filter(staff_id=s, held_on__gte=first,
                                                                        held_on__lte=last), "hours"),
        "people_developed": lambda s: TrainingRecord.objects.filter(
            trainer_id=s, held_on__gte=first, held_on__lte=last, passed=True).exclude(staff_id=s)
        .values("staff_id").distinct().count(),
        "presentation_score": lambda s: PresentationAudit.objects.filter(
            store__staff__pk=s, audited_on__gte=first, audited_on__lte=last).aggregate(v=Avg("score"))["v"],
        "promotion_score": lambda s: PromotionExecution.objects.filter(
            store__staff__pk=s, ends_on__gte=first, ends_on__lte=last).aggregate(v=Avg("score"))["v"],
        "market_share": lambda s: MarketShareSurvey.objects.filter(store_id=store_of(s), month=first)
        .aggregate(v=Avg("share"))["v"],
        "team_attrition_rate": lambda s: rate(
            lambda: Staff.objects.filter(store_id=store_of(s), leave_date__gte=first).count(),
            lambda: Staff.objects.filter(store_id=store_of(s)).count()),
    }
    for kind in ("insurance", "finance", "extended_warranty", "trade_in"):
        catalogue[f"{kind}_penetration"] = lambda s, kind=kind: rate(lambda: product(s, kind), lambda: units(s))
    for code in ("high", "normal", "low"):
        catalogue[f"units_by_margin_class:{code}"] = lambda s, code=code: units(
            s, order__delivery__vehicle__trim__margin_class__code=code)
    for code in model_codes:
        catalogue[f"units_by_model:{code}"] = lambda s, code=code: units(
            s, order__delivery__vehicle__trim__vehicle_model__code=code)
    return catalogue


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection
    from django.db.models import Q

    from dealerkpi import metrics
    from dealerkpi.catalog.models import VehicleModel
    from dealerkpi.org.models import Staff, Store
    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    stores = list(Store.objects.order_by("code").values_list("pk", flat=True)[: args.stores])
    frame = metrics.Frame.of(stores, period)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        if args.way == "naive":
            codes = list(VehicleModel.objects.filter(brand__is_competitor=False).order_by("code")
                         .values_list("code", flat=True))
            catalogue = naive_catalogue(frame, codes)
            people = list(Staff.objects.filter(store_id__in=stores, hire_date__lte=frame.last_day)
                          .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=frame.first_day))
                          .values_list("pk", flat=True))
            values = {(person, name): function(person) for person in people for name, function in catalogue.items()}
            size = {"people": len(people), "metrics": len(catalogue), "values": len(values)}
        elif args.way == "per_store":
            rows = [metrics.period_inputs([store], period) for store in stores]
            size = {"rows": sum(len(actuals) for actuals, _ in rows)}
        else:  # slice: one set-based pass over all the slice's stores
            actuals, deals = metrics.period_inputs(stores, period)
            size = {"rows": len(actuals)}
        wall = time.perf_counter() - started
    emit({"way": args.way, "stores": len(stores), "seconds": round(wall, 3), "queries": queries[0],
          "peak_rss_mb": round(peak_rss_mb(), 1), **size})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--stores", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--way", default="naive", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    found = {}
    for way in ("naive", "per_store", "slice"):
        results = [run_child("naive.py", ["--database-url", args.database_url, "--period", args.period,
                                          "--stores", str(args.stores), "--way", way]) for _ in range(args.repeat)]
        print(results, flush=True)
        found[way] = {**{k: v for k, v in results[0].items() if k not in ("seconds", "peak_rss_mb")},
                      "seconds": spread([r["seconds"] for r in results])}
    naive = found["naive"]["seconds"]["median"]
    record("naive", {
        "database": args.database_url, "period": args.period, "stores": args.stores, **found,
        "naive_over_per_store": round(naive / found["per_store"]["seconds"]["median"], 1),
        "naive_over_slice": round(naive / found["slice"]["seconds"]["median"], 1),
    })


if __name__ == "__main__":
    main()

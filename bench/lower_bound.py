"""The lower bound: hand-written SQL computing the raw actuals of every metric, for all stores at once.

    .venv/bin/python bench/lower_bound.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores N] [--repeat 3] [--check 5]

One statement per family of raw figures (19 statements), each over every store in one pass, grouped in the
database by person and team of the day exactly as docs/metrics.md defines them: deals net of unwinds with
credit shares (units, amounts, derivative units and amounts, by model and margin class), the deal list the
engine attributes commissions to, collections, receivables, orders and floor breaches, leads, visits, test
drives, lost sales, follow-ups due / on time / missed (A-cards and C-cards), C-card calls done, complaints,
attendance, training hours and people developed, team and store attrition, the store-level market figures,
and who is assessed (role, store and team on their last day). Every row is fetched to the client (nothing
is left in the database), so the bound includes moving the results, as the run must.

The trick that makes it fast: rows are first aggregated per person and *day*, and only then is the team of
that day looked up (a correlated subquery per person-day, not per record) and re-aggregated.

`--check N` computes the same figures with `dealerkpi.metrics.compute` for the first N stores and
compares them person by person with the bound's rows, so the bound is known to compute the same thing.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from common import emit, is_sqlite, peak_rss_mb, record, run_child, setup_django, spread

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Dialect:
    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def day(self, column: str) -> str:
        """The Shanghai calendar day of a timestamp column."""
        if self.sqlite:
            return f"date({column}, '+8 hours')"
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"

    def ts(self, moment: datetime.datetime) -> str:
        utc = moment.astimezone(datetime.UTC)
        if self.sqlite:
            return f"'{utc:%Y-%m-%d %H:%M:%S}'"
        return f"TIMESTAMPTZ '{utc:%Y-%m-%d %H:%M:%S}+00'"

    def date(self, day: datetime.date) -> str:
        return f"'{day:%Y-%m-%d}'" if self.sqlite else f"DATE '{day:%Y-%m-%d}'"


def team(staff: str, day: str) -> str:
    """The team the person belonged to on the day (the membership that started last; ties: lower team)."""
    return (
        "(SELECT tm.team_id FROM org_teammembership tm WHERE tm.staff_id = " + staff + " AND tm.valid_from <= "
        + day + " AND (tm.valid_to IS NULL OR tm.valid_to >= " + day + ") ORDER BY tm.valid_from DESC, tm.team_id "
        "LIMIT 1)"
    )


def by_team(inner: str, key: str, sums: list[str], extra_keys: tuple[str, ...] = ()) -> str:
    """Re-aggregate `inner` (grouped per person `key`, `day` and extra keys) per person and team of the day."""
    keys = ", ".join((key, *extra_keys))
    totals = ", ".join(f"SUM({name}) AS {name}" for name in sums)
    return (
        f"SELECT {keys}, team, {totals} FROM (SELECT a.*, {team('a.' + key, 'a.day')} AS team FROM ({inner}) a) b "
        f"GROUP BY {keys}, team"
    )


def statements(d: Dialect, period: tuple[int, int], today: datetime.date) -> dict[str, str]:
    year, month = period
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = following - datetime.timedelta(days=1)
    start = d.ts(datetime.datetime(year, month, 1, tzinfo=SHANGHAI))
    end = d.ts(datetime.datetime(following.year, following.month, 1, tzinfo=SHANGHAI))
    F, L, T = d.date(first), d.date(last), d.date(today)
    previous = d.date((first - datetime.timedelta(days=1)).replace(day=1))
    stores = "(SELECT id FROM lb_stores)"
    during = lambda column: f"{column} >= {start} AND {column} < {end}"  # noqa: E731
    on_days = lambda column: f"{column} >= {F} AND {column} <= {L}"  # noqa: E731
    ends = []
    y, m = year, month
    for _ in range(12):
        nxt = datetime.date(y + m // 12, m % 12 + 1, 1)
        ends.append(d.date(nxt - datetime.timedelta(days=1)))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    window_start = d.date(datetime.date(y + m // 12, m % 12 + 1, 1))

    deal_rows = f"""
        SELECT c.staff_id AS staff, c.share AS share, o.id AS order_id, dl.id AS delivery_id,
               dl.delivered_at AS delivered_at, r.at AS unwound_at, o.price AS price,
               o.price - v.cost - o.gifts_cost AS profit, vm.code AS model, mc.code AS margin,
               (CASE WHEN {during('dl.delivered_at')} AND (r.at IS NULL OR r.at >= dl.delivered_at) THEN 1 ELSE 0 END)
             - (CASE WHEN {during('r.at')} AND dl.delivered_at <= r.at THEN 1 ELSE 0 END) AS sign
        FROM sales_ordercredit c
        JOIN sales_order o ON o.id = c.order_id
        JOIN sales_delivery dl ON dl.order_id = o.id
        JOIN stock_vehicle v ON v.id = dl.vehicle_id
        JOIN catalog_trim t ON t.id = v.trim_id
        JOIN catalog_vehiclemodel vm ON vm.id = t.vehicle_model_id
        JOIN catalog_marginclass mc ON mc.id = t.margin_class_id
        LEFT JOIN sales_reversal r ON r.order_id = o.id AND r.kind = 'unwind'
        WHERE c.store_id IN {stores} AND dl.delivered_at IS NOT NULL
          AND (({during('dl.delivered_at')}) OR ({during('r.at')}))"""
    derivatives = """
        SELECT order_id,
          MAX(CASE WHEN kind = 'insurance' THEN 1 ELSE 0 END) AS insurance_units,
          SUM(CASE WHEN kind = 'insurance' THEN amount ELSE 0 END) AS insurance_premium,
          MAX(CASE WHEN kind = 'finance' THEN 1 ELSE 0 END) AS finance_units,
          SUM(CASE WHEN kind = 'finance' THEN income ELSE 0 END) AS finance_fee,
          SUM(CASE WHEN kind = 'accessories' THEN amount ELSE 0 END) AS accessories_amount,
          MAX(CASE WHEN kind = 'extended_warranty' THEN 1 ELSE 0 END) AS extended_warranty_units,
          MAX(CASE WHEN kind = 'trade_in' THEN 1 ELSE 0 END) AS trade_in_units
        FROM sales_derivativesale WHERE order_id IN (SELECT order_id FROM deal_rows) GROUP BY order_id"""
    deal_figures = ["insurance_units", "insurance_premium", "finance_units", "finance_fee", "accessories_amount",
                    "extended_warranty_units", "trade_in_units"]
    deal_sums = ", ".join(
        ["SUM(sign * share) AS units_delivered", "SUM(sign * share * price) AS sales_amount",
         "SUM(sign * share * profit) AS front_gross_profit"]
        + [f"SUM(sign * share * COALESCE(x.{name}, 0)) AS {name}" for name in deal_figures]
    )
    deals_inner = (
        f"SELECT staff, {d.day('delivered_at')} AS day, model, margin, {deal_sums} "
        "FROM deal_rows LEFT JOIN derivatives x ON x.order_id = deal_rows.order_id "
        "WHERE sign <> 0 GROUP BY staff, day, model, margin"
    )
    deal_names = ["units_delivered", "sales_amount", "front_gross_profit", *deal_figures]
    follow_ups_counted = f"""
        SELECT staff_id AS staff, COUNT(*) AS due,
               SUM(CASE WHEN {d.day('at')} <= due_on THEN 1 ELSE 0 END) AS on_time
        FROM crm_followup WHERE store_id IN {stores} AND {on_days('due_on')} GROUP BY staff_id
        UNION ALL
        SELECT l.owner_id, COUNT(*), 0 FROM crm_lead l
        WHERE l.store_id IN {stores} AND l.status IN ('open', 'dormant') AND {on_days('l.next_follow_up_on')}
          AND l.next_follow_up_on < {T}
          AND NOT EXISTS (SELECT 1 FROM crm_followup f WHERE f.lead_id = l.id AND f.due_on = l.next_follow_up_on)
        GROUP BY l.owner_id
        UNION ALL
        SELECT staff_id, COUNT(*), SUM(CASE WHEN {d.day('done_at')} <= due_on THEN 1 ELSE 0 END)
        FROM sales_deliveryfollowup WHERE store_id IN {stores} AND {on_days('due_on')}
          AND (done_at IS NOT NULL OR due_on < {T}) GROUP BY staff_id"""
    employed = lambda day, p="": f"{p}hire_date <= {day} AND ({p}leave_date IS NULL OR {p}leave_date >= {day})"  # noqa: E731
    store_heads = ", ".join(
        f"SUM(CASE WHEN {employed(day)} THEN 1 ELSE 0 END) AS h{n}" for n, day in enumerate(ends))
    team_heads = ", ".join(
        f"COUNT(DISTINCT CASE WHEN tm.valid_from <= {day} AND (tm.valid_to IS NULL OR tm.valid_to >= {day}) "
        f"AND {employed(day, 's.')} THEN tm.staff_id END) AS h{n}" for n, day in enumerate(ends))
    in_force_last = f"valid_from <= {L} AND (valid_to IS NULL OR valid_to >= {L})"
    new_models = (f"SELECT vehicle_model_id FROM catalog_lifecyclestage WHERE {in_force_last} "
                  "AND stage = 'introduction'")
    last_day_of = f"CASE WHEN s.leave_date < {L} THEN s.leave_date ELSE {L} END"
    assignment = ("FROM org_roleassignment ra WHERE ra.staff_id = s.id AND ra.valid_from <= s.last_day "
                  "AND (ra.valid_to IS NULL OR ra.valid_to >= s.last_day) ORDER BY ra.valid_from DESC, ra.id DESC "
                  "LIMIT 1")
    return {
        "deals": f"WITH deal_rows AS ({deal_rows}), derivatives AS ({derivatives}) "
                 + by_team(deals_inner, "staff", deal_names, ("model", "margin")),
        "deal_list": f"WITH deal_rows AS ({deal_rows}), derivatives AS ({derivatives}) "
                     f"SELECT deal_rows.*, {team('deal_rows.staff', d.day('deal_rows.delivered_at'))} AS team, "
                     + ", ".join(f"x.{name}" for name in deal_figures)
                     + " FROM deal_rows LEFT JOIN derivatives x ON x.order_id = deal_rows.order_id"
                     " ORDER BY deal_rows.delivery_id, deal_rows.staff",
        "collections": by_team(
            f"SELECT c.staff_id AS staff, {d.day('p.paid_at')} AS day, SUM(c.share * p.amount) AS collections "
            f"FROM sales_ordercredit c JOIN sales_payment p ON p.order_id = c.order_id "
            f"WHERE c.store_id IN {stores} AND {during('p.paid_at')} GROUP BY staff, day", "staff", ["collections"]),
        "receivables": by_team(
            f"SELECT c.staff_id AS staff, {d.day('dl.delivered_at')} AS day, "
            f"SUM(c.share * (o.price - COALESCE(pp.paid, 0))) AS receivables "
            f"FROM sales_ordercredit c JOIN sales_order o ON o.id = c.order_id "
            f"JOIN sales_delivery dl ON dl.order_id = o.id "
            f"LEFT JOIN (SELECT order_id, SUM(amount) AS paid FROM sales_payment WHERE paid_at < {end} "
            f"GROUP BY order_id) pp ON pp.order_id = o.id "
            f"WHERE c.store_id IN {stores} AND dl.delivered_at < {end} "
            f"AND NOT EXISTS (SELECT 1 FROM sales_reversal r WHERE r.order_id = o.id AND r.kind = 'unwind' "
            f"AND r.at < {end}) AND o.price - COALESCE(pp.paid, 0) > 0.005 GROUP BY staff, day",
            "staff", ["receivables"]),
        "orders": by_team(
            f"SELECT o.consultant_id AS staff, {d.day('o.ordered_at')} AS day, COUNT(*) AS orders, "
            f"SUM(CASE WHEN o.is_cross_region = TRUE THEN 1 ELSE 0 END) AS cross_region_sales, "
            f"SUM(CASE WHEN o.price < o.floor_price AND NOT EXISTS (SELECT 1 FROM sales_orderapproval a "
            f"WHERE a.order_id = o.id AND a.kind IN ('below_floor', 'below_cost') AND a.status = 'approved') "
            f"THEN 1 ELSE 0 END) AS price_floor_breaches "
            f"FROM sales_order o WHERE o.store_id IN {stores} AND {during('o.ordered_at')} "
            f"AND NOT EXISTS (SELECT 1 FROM sales_reversal r WHERE r.order_id = o.id AND r.kind = 'cancellation' "
            f"AND r.at < {end}) GROUP BY staff, day",
            "staff", ["orders", "cross_region_sales", "price_floor_breaches"]),
        "leads": by_team(
            f"SELECT owner_id AS staff, {d.day('created_at')} AS day, COUNT(*) AS new_leads FROM crm_lead "
            f"WHERE store_id IN {stores} AND {during('created_at')} GROUP BY staff, day", "staff", ["new_leads"]),
        "visits": by_team(
            f"SELECT consultant_id AS staff, {d.day('arrived_at')} AS day, "
            f"SUM(CASE WHEN is_first_visit = TRUE AND has_intent = TRUE THEN 1 ELSE 0 END) AS first_visits, "
            f"SUM(CASE WHEN has_intent = TRUE THEN 1 ELSE 0 END) AS intent_visits FROM crm_showroomvisit "
            f"WHERE store_id IN {stores} AND {during('arrived_at')} GROUP BY staff, day",
            "staff", ["first_visits", "intent_visits"]),
        "test_drives": by_team(
            f"SELECT consultant_id AS staff, {d.day('starts_at')} AS day, COUNT(*) AS test_drives FROM crm_testdrive "
            f"WHERE store_id IN {stores} AND status = 'done' AND {during('starts_at')} GROUP BY staff, day",
            "staff", ["test_drives"]),
        "lost_sales": by_team(
            f"SELECT l.owner_id AS staff, {d.day('ls.decided_at')} AS day, COUNT(*) AS lost_sales "
            f"FROM crm_lostsale ls JOIN crm_lead l ON l.id = ls.lead_id WHERE ls.store_id IN {stores} "
            f"AND ls.status = 'approved' AND {during('ls.decided_at')} GROUP BY staff, day", "staff", ["lost_sales"]),
        "compliance": f"SELECT staff, SUM(due) AS due, SUM(on_time) AS on_time FROM ({follow_ups_counted}) u "
                      "WHERE staff IS NOT NULL GROUP BY staff",
        "c_cards": by_team(
            f"SELECT staff_id AS staff, {d.day('done_at')} AS day, COUNT(*) AS c_card_follow_ups_done "
            f"FROM sales_deliveryfollowup WHERE store_id IN {stores} AND {during('done_at')} GROUP BY staff, day",
            "staff", ["c_card_follow_ups_done"]),
        "complaints": by_team(
            f"SELECT about_staff_id AS staff, {d.day('received_at')} AS day, "
            f"SUM(CASE WHEN channel <> 'subordinate' THEN 1 ELSE 0 END) AS complaints, "
            f"SUM(CASE WHEN channel <> 'subordinate' AND is_major = TRUE THEN 1 ELSE 0 END) AS major_complaints, "
            f"SUM(CASE WHEN channel = 'subordinate' THEN 1 ELSE 0 END) AS subordinate_complaints "
            f"FROM crm_complaint WHERE store_id IN {stores} AND about_staff_id IS NOT NULL "
            f"AND {during('received_at')} GROUP BY staff, day",
            "staff", ["complaints", "major_complaints", "subordinate_complaints"]),
        "attendance": f"SELECT staff_id AS staff, "
                      f"SUM(CASE WHEN status IN ('present', 'late') THEN 1 ELSE 0 END) AS days_worked, "
                      f"SUM(CASE WHEN status IN ('present', 'late', 'absent') THEN 1 ELSE 0 END) AS working_days "
                      f"FROM people_attendancerecord WHERE store_id IN {stores} AND {on_days('day')} "
                      f"GROUP BY staff_id",
        "training": by_team(
            f"SELECT staff_id AS staff, held_on AS day, SUM(hours) AS training_hours FROM people_trainingrecord "
            f"WHERE store_id IN {stores} AND {on_days('held_on')} GROUP BY staff, day", "staff", ["training_hours"]),
        "developed": f"SELECT staff, team, COUNT(DISTINCT trainee) AS people_developed FROM ("
                     f"SELECT a.*, {team('a.staff', 'a.day')} AS team FROM ("
                     f"SELECT DISTINCT trainer_id AS staff, held_on AS day, staff_id AS trainee "
                     f"FROM people_trainingrecord WHERE store_id IN {stores} AND {on_days('held_on')} "
                     f"AND trainer_id IS NOT NULL AND passed = TRUE AND trainer_id <> staff_id) a) b "
                     f"GROUP BY staff, team",
        "attrition_stores": f"SELECT store_id, SUM(CASE WHEN leave_date >= {window_start} AND leave_date <= {L} "
                            f"THEN 1 ELSE 0 END) AS leavers, {store_heads} FROM org_staff "
                            f"WHERE store_id IN {stores} AND role IN ('consultant', 'supervisor') GROUP BY store_id",
        "attrition_teams": f"SELECT tm.team_id, COUNT(DISTINCT CASE WHEN s.leave_date >= {window_start} "
                           f"AND s.leave_date <= {L} AND tm.valid_from <= s.leave_date AND (tm.valid_to IS NULL "
                           f"OR tm.valid_to >= s.leave_date) THEN tm.staff_id END) AS leavers, {team_heads} "
                           f"FROM org_teammembership tm JOIN org_team t ON t.id = tm.team_id "
                           f"JOIN org_staff s ON s.id = tm.staff_id WHERE t.store_id IN {stores} "
                           f"AND tm.is_leader = FALSE GROUP BY tm.team_id",
        "leaders": f"SELECT tm.staff_id, tm.team_id FROM org_teammembership tm JOIN org_team t ON t.id = tm.team_id "
                   f"WHERE t.store_id IN {stores} AND tm.is_leader = TRUE AND tm.{in_force_last} "
                   f"ORDER BY tm.staff_id, tm.team_id",
        "market": "SELECT store_id, 'presentation' AS what, CAST(NULL AS date) AS month, SUM(score) AS total, "
                  f"COUNT(*) AS n "
                  f"FROM market_presentationaudit WHERE store_id IN {stores} AND {on_days('audited_on')} "
                  f"GROUP BY store_id "
                  f"UNION ALL SELECT store_id, 'promotion', NULL, SUM(score), COUNT(*) FROM market_promotionexecution "
                  f"WHERE store_id IN {stores} AND {on_days('ends_on')} GROUP BY store_id "
                  f"UNION ALL SELECT store_id, 'share', month, SUM(share), COUNT(*) FROM market_marketsharesurvey "
                  f"WHERE store_id IN {stores} AND month IN ({previous}, {F}) GROUP BY store_id, month "
                  f"UNION ALL SELECT sd.store_id, 'distribution', NULL, SUM(CASE WHEN EXISTS ("
                  f"SELECT 1 FROM stock_transfer t JOIN stock_vehicle v ON v.id = t.vehicle_id "
                  f"JOIN catalog_trim tr ON tr.id = v.trim_id WHERE t.to_dealer_id = sd.id AND t.moved_on <= {L} "
                  f"AND tr.vehicle_model_id IN ({new_models}) "
                  f"AND NOT EXISTS (SELECT 1 FROM stock_transfer t2 WHERE t2.vehicle_id = t.vehicle_id "
                  f"AND t2.moved_on <= {L} AND (t2.moved_on > t.moved_on OR (t2.moved_on = t.moved_on "
                  f"AND t2.id > t.id))) AND NOT EXISTS (SELECT 1 FROM sales_delivery dd "
                  f"WHERE dd.vehicle_id = t.vehicle_id AND dd.delivered_at < {end})) THEN 1 ELSE 0 END), COUNT(*) "
                  f"FROM stock_secondarydealer sd WHERE sd.store_id IN {stores} AND sd.is_active = TRUE "
                  f"GROUP BY sd.store_id",
        "people": f"SELECT s.id, s.name, COALESCE((SELECT ra.role {assignment}), s.role) AS role, "
                  f"COALESCE((SELECT ra.store_id {assignment}), s.store_id) AS store, "
                  f"{team('s.id', 's.last_day')} AS team FROM (SELECT s.*, {last_day_of} AS last_day "
                  f"FROM org_staff s WHERE s.store_id IN {stores} AND s.hire_date <= {L} "
                  f"AND (s.leave_date IS NULL OR s.leave_date >= {F})) s ORDER BY s.id",
    }


def prepare(cursor, sqlite: bool, store_ids: list[int]) -> None:
    cursor.execute("DROP TABLE IF EXISTS lb_stores")
    cursor.execute("CREATE TEMPORARY TABLE lb_stores (id bigint PRIMARY KEY)")
    if sqlite:
        cursor.executemany("INSERT INTO lb_stores (id) VALUES (%s)", [(i,) for i in store_ids])
    else:
        cursor.execute("INSERT INTO lb_stores (id) SELECT unnest(%s::bigint[])", [store_ids])
        cursor.execute("ANALYZE lb_stores")


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection

    from dealerkpi.org.models import Store

    sqlite = is_sqlite(args.database_url)
    year, month = (int(part) for part in args.period.split("-"))
    today = datetime.datetime.now(SHANGHAI).date()
    store_ids = list(Store.objects.order_by("code").values_list("pk", flat=True))
    if args.stores:
        store_ids = store_ids[: args.stores]
    sql = statements(Dialect(sqlite), (year, month), today)
    if args.explain:
        with connection.cursor() as cursor:
            prepare(cursor, sqlite, store_ids)
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ANALYZE ") + sql[args.explain])
            for row in cursor.fetchall():
                print(*row)
        return
    timings, rows = {}, {}
    results = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        prepare(cursor, sqlite, store_ids)
        for name, statement in sql.items():
            began = time.perf_counter()
            cursor.execute(statement)
            columns = [c[0] for c in cursor.description]
            fetched = cursor.fetchall()
            timings[name] = round(time.perf_counter() - began, 3)
            rows[name] = len(fetched)
            if args.keep:
                results[name] = (columns, fetched)
    wall = time.perf_counter() - started
    out = {"stores": len(store_ids), "seconds": round(wall, 3), "statements": len(sql), "timings": timings,
           "rows": rows, "peak_rss_mb": round(peak_rss_mb(), 1)}
    if args.keep:
        out["check"] = check(results, store_ids[: args.check], (year, month), today)
    emit(out)


def check(results: dict, store_ids: list[int], period: tuple[int, int], today: datetime.date) -> dict:
    """Compare the bound's figures with metrics.compute() for the given stores, person by person."""
    from dealerkpi import metrics
    from dealerkpi.org.models import Staff
    from dealerkpi.plans.engine import Period

    wanted = ["units_delivered", "sales_amount", "front_gross_profit", "insurance_units", "insurance_premium",
              "finance_fee", "accessories_amount", "trade_in_units", "units_by_margin_class:high", "collections",
              "receivables_outstanding", "cross_region_sales", "price_floor_breaches", "new_leads", "first_visits",
              "test_drive_rate", "lost_sale_rate", "follow_up_compliance", "c_card_follow_ups_done", "complaints",
              "major_complaints", "attendance_rate", "training_hours", "people_developed"]
    computed = metrics.compute(wanted, store_ids, Period(*period), as_of=today)
    people = set(Staff.objects.filter(store_id__in=store_ids).values_list("pk", flat=True))
    bound: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))

    def add(staff, name, value):
        if staff in people and value is not None:
            bound[staff][name] += Decimal(str(value))

    def rows(name):
        columns, fetched = results[name]
        return [dict(zip(columns, row, strict=True)) for row in fetched]

    for row in rows("deals"):
        for name in ("units_delivered", "sales_amount", "front_gross_profit", "insurance_units",
                     "insurance_premium", "finance_fee", "accessories_amount", "trade_in_units"):
            add(row["staff"], name, Decimal(str(row[name])) / 100)
        if row["margin"] == "high":
            add(row["staff"], "units_by_margin_class:high", Decimal(str(row["units_delivered"])) / 100)
    for source, name, column in (("collections", "collections", "collections"),
                                 ("receivables", "receivables_outstanding", "receivables")):
        for row in rows(source):
            add(row["staff"], name, Decimal(str(row[column])) / 100)
    for source, names in (("orders", ("orders", "cross_region_sales", "price_floor_breaches")),
                          ("leads", ("new_leads",)), ("visits", ("first_visits",)), ("test_drives", ("test_drives",)),
                          ("lost_sales", ("lost_sales",)), ("c_cards", ("c_card_follow_ups_done",)),
                          ("complaints", ("complaints", "major_complaints")), ("training", ("training_hours",)),
                          ("developed", ("people_developed",)), ("compliance", ("due", "on_time")),
                          ("attendance", ("days_worked", "working_days"))):
        for row in rows(source):
            for name in names:
                add(row["staff"], name, row[name])

    def rate(n, d):
        return None if not d else round(Decimal(n) * 100 / Decimal(d), 4)

    mismatches, compared = [], 0
    for staff in sorted(people):
        mine = bound.get(staff, {})
        derived = {
            "test_drive_rate": rate(mine.get("test_drives", 0), mine.get("first_visits", 0)),
            "lost_sale_rate": rate(mine.get("lost_sales", 0), mine.get("new_leads", 0)),
            "follow_up_compliance": rate(mine.get("on_time", 0), mine.get("due", 0)),
            "attendance_rate": rate(mine.get("days_worked", 0), mine.get("working_days", 0)),
        }
        for name in wanted:
            ours = computed.value(staff, name)
            theirs = derived[name] if name in derived else mine.get(name, Decimal(0))
            if ours is None and theirs is not None and name not in derived and theirs == 0:
                continue
            compared += 1
            differs = ours is not None and theirs is not None and abs(Decimal(ours) - theirs) > Decimal("0.01")
            if (ours is None) != (theirs is None) or differs:
                mismatches.append((staff, name, str(ours), str(theirs)))
    return {"stores": len(store_ids), "people": len(people), "figures_compared": compared,
            "mismatches": len(mismatches), "first_mismatches": mismatches[:10]}


def measure(database_url: str, period: str, stores: int | None, repeat: int) -> dict:
    results = []
    for _ in range(repeat):
        args = ["--database-url", database_url, "--period", period] + (["--stores", str(stores)] if stores else [])
        result = run_child("lower_bound.py", args)
        print({k: v for k, v in result.items() if k != "timings"}, flush=True)
        results.append(result)
    return {
        "stores": results[0]["stores"], "statements": results[0]["statements"], "rows": results[0]["rows"],
        "seconds": spread([r["seconds"] for r in results]),
        "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]),
        "timings_median": {name: spread([r["timings"][name] for r in results])["median"]
                           for name in results[0]["timings"]},
        "runs": [{k: v for k, v in r.items() if k != "rows"} for r in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--stores", type=int, default=None, help="only the first N stores by code")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", type=int, default=0,
                        help="compare with metrics.compute() on the first N stores (run once, not timed)")
    parser.add_argument("--explain", default="", help="print the plan of one statement (by name) and stop")
    parser.add_argument("--label", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.explain:
        child(args)
        return
    if args.check:
        extra = ["--stores", str(args.stores)] if args.stores else []
        result = run_child("lower_bound.py", ["--database-url", args.database_url, "--period", args.period,
                                              "--keep", "--check", str(args.check), *extra])
        record("lower_bound_check", {"database": args.database_url, "period": args.period, **result["check"]})
        return
    result = measure(args.database_url, args.period, args.stores, args.repeat)
    record("lower_bound", {"database": args.database_url, "period": args.period, "label": args.label, **result})


if __name__ == "__main__":
    main()

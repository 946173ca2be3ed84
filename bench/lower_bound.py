"""The lower bound of a month-end run: what the database must do for it, hand-written, for all stores at once.

    .venv/bin/python bench/lower_bound.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_l \
        --period 2026-10 [--stores N] [--repeat 3]        # the read bound
    ... --check                                            # every figure against the metrics code, not timed
    ... --write [--repeat 3]                               # the write bound (needs the month's runs computed)
    ... --explain NAME                                     # one statement's plan

**The read bound** reads exactly what a run of the example plans reads, no more: the figures of the 27 metrics
those plans name (checked at start against `pay.inputs.metrics_needed` of the plans in force: the script
refuses to run when they differ), the deal list the engine pays commissions on (with each deal's spiff), who
is assessed (role assignments, team memberships, probations, the metrics' people with their role, store and
team on their last day), targets, manual ratings, adjustments and what earlier final runs left. Each table is
read once for the whole group (one statement per source of figures: 18 in all), grouped in the database by
store, person and team of the day exactly as docs/metrics.md defines them, and every row is fetched to the
client. The team of the day comes from a join on the memberships (resolved, where two overlap, as
`metrics.period.team_of_day` resolves them), after the records are summed per person and day. The deals'
sums per person are added up in the client from the deal list the run needs anyway, so the 8-table deal join
runs once. Statements are plain SQL over the stores' ids (no temporary table), so PostgreSQL may run each
with parallel workers.

`--check` computes the same sources with the metrics code (`metrics.registry.SOURCES`, as a run does:
`--batch` stores at a time) for every store of the scope and compares every figure, row by row by store,
person and team of the day, the store-level and team-level attrition and market figures, the deal list
credit by credit (share, team, figures, days), and the people; it reports the figures compared and every
difference. Not timed.

**The write bound** loads exactly a computed run's output, the statements, indicators and pay lines of the
latest run of each store for the month, one run row per store, and the figures the runs read (kept per store
and month: deleted and loaded again, as a run replaces them), with COPY (PostgreSQL) or executemany (SQLite) in
one transaction, committed (foreign keys checked); the new rows are then deleted (not timed).
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from common import emit, peak_rss_mb, record, run_child, setup_django, spread

SHANGHAI = ZoneInfo("Asia/Shanghai")
FAR = "9999-12-31"

# The metrics of the example plans (src/dealerkpi/examples/plans), which the read bound computes.
BOUND_METRICS = (
    "accessories_amount", "accessories_per_unit", "attendance_rate", "complaints", "cross_region_sales",
    "finance_units", "follow_up_compliance", "follow_ups_due", "follow_ups_on_time", "front_gross_profit",
    "insurance_penetration", "insurance_units", "major_complaints", "market_share_change", "new_leads",
    "people_developed", "price_floor_breaches", "receivables_outstanding", "sales_amount", "subordinate_complaints",
    "team_attrition_rate", "test_drive_rate", "trade_in_units", "training_hours", "units_by_margin_class:high",
    "units_delivered", "visit_to_order_rate",
)
# Per source of figures (metrics.registry.SOURCES): the parts of its rows those metrics read.
PARTS = {
    "deals": ("units_delivered", "sales_amount", "front_gross_profit", "insurance_units", "finance_units",
              "accessories_amount", "trade_in_units", "units_by_margin_class:high"),
    "receivables": ("receivables_outstanding",),
    "orders": ("orders", "cross_region_sales", "price_floor_breaches"),
    "leads": ("new_leads",),
    "visits": ("first_visits", "intent_visits"),
    "test_drives": ("test_drives",),
    "compliance": ("follow_ups_due", "follow_ups_on_time"),
    "complaints": ("complaints", "major_complaints", "subordinate_complaints"),
    "attendance": ("days_worked", "working_days"),
    "training": ("training_hours",),
    "developed": ("people_developed",),
}
DEAL_FIGURES = ("units_delivered", "sales_amount", "front_gross_profit", "insurance_units", "insurance_premium",
                "finance_units", "finance_fee", "accessories_amount", "extended_warranty_units", "trade_in_units")
DERIVATIVES = {  # deal figure -> (kind, column summed; None: 1 when the deal carries the product)
    "insurance_units": ("insurance", None), "insurance_premium": ("insurance", "amount"),
    "finance_units": ("finance", None), "finance_fee": ("finance", "income"),
    "accessories_amount": ("accessories", "amount"), "extended_warranty_units": ("extended_warranty", None),
    "trade_in_units": ("trade_in", None),
}


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

    def date(self, day: datetime.date | str) -> str:
        text = day if isinstance(day, str) else f"{day:%Y-%m-%d}"
        return f"'{text}'" if self.sqlite else f"DATE '{text}'"


def in_force(alias: str, day: str) -> str:
    return f"{alias}.valid_from <= {day} AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= {day})"


def memberships(d: Dialect) -> str:
    """Team memberships, each marked `alone` when no other membership of the person overlaps it: only the others
    need the check of which one wins on a day."""
    far = d.date(FAR)
    return (
        "ms AS MATERIALIZED (SELECT m.staff_id, m.team_id, m.valid_from, m.valid_to, CASE WHEN EXISTS (SELECT 1 FROM "
        "org_teammembership o WHERE o.staff_id = m.staff_id AND o.id <> m.id "
        f"AND o.valid_from <= COALESCE(m.valid_to, {far}) AND COALESCE(o.valid_to, {far}) >= m.valid_from) "
        "THEN 0 ELSE 1 END AS alone, m.id FROM org_teammembership m)"
    )


def team_join(staff: str, day: str) -> str:
    """LEFT JOIN of the membership in force on `day` for `staff` (columns of the outer rows): with two in force,
    the one that started last (ties: the lower team, then the lower id), as metrics.period.team_of_day."""
    return (
        f"LEFT JOIN ms ON ms.staff_id = {staff} AND {in_force('ms', day)} AND (ms.alone = 1 OR NOT EXISTS ("
        f"SELECT 1 FROM org_teammembership o WHERE o.staff_id = ms.staff_id AND {in_force('o', day)} AND "
        "(o.valid_from > ms.valid_from OR (o.valid_from = ms.valid_from AND (o.team_id < ms.team_id "
        "OR (o.team_id = ms.team_id AND o.id < ms.id))))))"
    )


def by_team(d: Dialect, inner: str, sums: list[str], distinct: str = "") -> str:
    """`inner` (rows per store, staff, day with partial sums) summed per store, staff and team of the day."""
    totals = f"COUNT(DISTINCT a.{distinct}) AS {sums[0]}" if distinct else ", ".join(
        f"SUM(a.{name}) AS {name}" for name in sums)
    return (
        f"WITH {memberships(d)} SELECT a.store, a.staff, ms.team_id AS team, {totals} FROM ({inner}) a "
        f"{team_join('a.staff', 'a.day')} GROUP BY a.store, a.staff, ms.team_id"
    )


def statements(d: Dialect, store_ids: list[int], period: tuple[int, int], today: datetime.date,
               every_store: bool = False) -> dict[str, str]:
    year, month = period
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = following - datetime.timedelta(days=1)
    start = d.ts(datetime.datetime(year, month, 1, tzinfo=SHANGHAI))
    end = d.ts(datetime.datetime(following.year, following.month, 1, tzinfo=SHANGHAI))
    F, L, T = d.date(first), d.date(last), d.date(today)
    previous = d.date((first - datetime.timedelta(days=1)).replace(day=1))
    year_ago = d.date(datetime.date(year - 1, month, 1))
    stores = "(" + ", ".join(str(pk) for pk in store_ids) + ")"

    def scope(column: str) -> str:
        """The row is one of the stores'; every store (the whole group): any store, no list to match rows against."""
        return f"{column} IS NOT NULL" if every_store else f"{column} IN {stores}"
    true, false = ("1", "0") if d.sqlite else ("TRUE", "FALSE")

    def during(column: str) -> str:
        return f"{column} >= {start} AND {column} < {end}"

    def on_days(column: str) -> str:
        return f"{column} >= {F} AND {column} <= {L}"

    ends, (y, m) = [], (year, month)
    for _ in range(12):
        nxt = datetime.date(y + m // 12, m % 12 + 1, 1)
        ends.append(d.date(nxt - datetime.timedelta(days=1)))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    window_start = d.date(datetime.date(y + m // 12, m % 12 + 1, 1))

    def employed(day: str, p: str = "") -> str:
        return f"{p}hire_date <= {day} AND ({p}leave_date IS NULL OR {p}leave_date >= {day})"

    counts = f"(({during('dl.delivered_at')}) AND (r.at IS NULL OR r.at >= dl.delivered_at))"
    reverses = f"(({during('r.at')}) AND dl.delivered_at <= r.at)"
    pivot = ", ".join(
        (f"MAX(CASE WHEN x.kind = '{kind}' THEN 1 ELSE 0 END) AS {name}" if column is None else
         f"SUM(CASE WHEN x.kind = '{kind}' THEN x.{column} ELSE 0 END) AS {name}")
        for name, (kind, column) in DERIVATIVES.items())
    spiff_day = d.day("deal.delivered_at")
    spiff = (
        "(SELECT {column} FROM sales_spiff sp WHERE sp.store_id = deal.store AND sp.status = 'published' "
        f"AND sp.valid_from <= {spiff_day} AND sp.valid_to >= {spiff_day} AND (sp.vehicle_id = deal.vehicle_id "
        "OR sp.trim_id = deal.order_trim OR sp.vehicle_model_id = deal.order_model) ORDER BY CASE WHEN "
        "sp.vehicle_id IS NOT NULL THEN 0 WHEN sp.trim_id IS NOT NULL THEN 1 ELSE 2 END, sp.amount DESC, "
        "sp.published_at DESC, sp.id DESC LIMIT 1)"
    )
    deal_list = f"""WITH {memberships(d)}, deal AS (
        SELECT c.store_id AS store, c.staff_id AS staff, c.share AS share, o.id AS order_id, dl.id AS delivery_id,
               dl.delivered_at AS delivered_at, r.at AS unwound_at, {d.day('dl.delivered_at')} AS day,
               dl.vehicle_id AS vehicle_id, o.trim_id AS order_trim, ot.vehicle_model_id AS order_model,
               o.price AS price, o.price - v.cost - o.gifts_cost AS profit, vm.code AS model, mc.code AS margin,
               (CASE WHEN {counts} THEN 1 ELSE 0 END) - (CASE WHEN {reverses} THEN 1 ELSE 0 END) AS sign
        FROM sales_ordercredit c
        JOIN sales_order o ON o.id = c.order_id
        JOIN sales_delivery dl ON dl.order_id = o.id
        LEFT JOIN catalog_trim ot ON ot.id = o.trim_id
        LEFT JOIN stock_vehicle v ON v.id = dl.vehicle_id
        LEFT JOIN catalog_trim t ON t.id = v.trim_id
        LEFT JOIN catalog_vehiclemodel vm ON vm.id = t.vehicle_model_id
        LEFT JOIN catalog_marginclass mc ON mc.id = t.margin_class_id
        LEFT JOIN sales_reversal r ON r.order_id = o.id AND r.kind = 'unwind'
        WHERE {scope('c.store_id')} AND dl.delivered_at IS NOT NULL AND ({counts} OR {reverses})),
      products AS (SELECT x.order_id, {pivot} FROM sales_derivativesale x
                   WHERE x.order_id IN (SELECT order_id FROM deal) GROUP BY x.order_id)
    SELECT deal.store, deal.delivery_id, deal.delivered_at, deal.unwound_at, deal.staff, deal.share, ms.team_id AS team,
           deal.model, deal.margin, deal.sign, deal.price, deal.profit,
           {', '.join(f'COALESCE(p.{name}, 0) AS {name}' for name in DERIVATIVES)},
           {spiff.format(column='sp.id')} AS spiff_id, {spiff.format(column='sp.amount')} AS spiff_amount
    FROM deal LEFT JOIN products p ON p.order_id = deal.order_id {team_join('deal.staff', 'deal.day')}
    ORDER BY deal.delivery_id, deal.staff"""
    follow_ups = f"""
        SELECT store_id AS store, staff_id AS staff, due_on AS day, COUNT(*) AS follow_ups_due,
               SUM(CASE WHEN {d.day('at')} <= due_on THEN 1 ELSE 0 END) AS follow_ups_on_time
        FROM crm_followup WHERE {scope('store_id')} AND {on_days('due_on')} GROUP BY store_id, staff_id, due_on
        UNION ALL
        SELECT l.store_id, l.owner_id, l.next_follow_up_on, COUNT(*), 0 FROM crm_lead l
        WHERE {scope('l.store_id')} AND l.status IN ('open', 'dormant') AND {on_days('l.next_follow_up_on')}
          AND l.next_follow_up_on < {T}
          AND NOT EXISTS (SELECT 1 FROM crm_followup f WHERE f.lead_id = l.id AND f.due_on = l.next_follow_up_on)
        GROUP BY l.store_id, l.owner_id, l.next_follow_up_on
        UNION ALL
        SELECT store_id, staff_id, due_on, COUNT(*), SUM(CASE WHEN {d.day('done_at')} <= due_on THEN 1 ELSE 0 END)
        FROM sales_deliveryfollowup WHERE {scope('store_id')} AND {on_days('due_on')}
          AND (done_at IS NOT NULL OR due_on < {T}) GROUP BY store_id, staff_id, due_on"""
    store_heads = ", ".join(f"SUM(CASE WHEN {employed(day)} THEN 1 ELSE 0 END) AS h{n}" for n, day in enumerate(ends))
    team_heads = ", ".join(
        f"COUNT(DISTINCT CASE WHEN {in_force('tm', day)} AND {employed(day, 's.')} THEN tm.staff_id END) AS h{n}"
        for n, day in enumerate(ends))
    last_day = f"CASE WHEN s.leave_date < {L} THEN s.leave_date ELSE {L} END"
    assignment = ("FROM org_roleassignment ra WHERE ra.staff_id = s.id AND " + in_force("ra", "s.last_day")
                  + " ORDER BY ra.valid_from DESC, ra.id DESC LIMIT 1")
    in_month = f"valid_from <= {L} AND (valid_to IS NULL OR valid_to >= {F})"
    return {
        "deals": deal_list,
        "receivables": by_team(d, f"""
            SELECT c.store_id AS store, c.staff_id AS staff, {d.day('dl.delivered_at')} AS day,
                   SUM(c.share * (o.price - COALESCE(pp.paid, 0))) AS receivables_outstanding
            FROM sales_ordercredit c JOIN sales_order o ON o.id = c.order_id
            JOIN sales_delivery dl ON dl.order_id = o.id
            LEFT JOIN (SELECT order_id, SUM(amount) AS paid FROM sales_payment WHERE paid_at < {end}
                       GROUP BY order_id) pp ON pp.order_id = o.id
            WHERE {scope('c.store_id')} AND dl.delivered_at < {end}
              AND NOT EXISTS (SELECT 1 FROM sales_reversal r WHERE r.order_id = o.id AND r.kind = 'unwind'
                              AND r.at < {end})
              AND o.price - COALESCE(pp.paid, 0) > 0.005
            GROUP BY c.store_id, c.staff_id, {d.day('dl.delivered_at')}""", ["receivables_outstanding"]),
        "orders": by_team(d, f"""
            SELECT o.store_id AS store, o.consultant_id AS staff, {d.day('o.ordered_at')} AS day, COUNT(*) AS orders,
                   SUM(CASE WHEN o.is_cross_region = {true} THEN 1 ELSE 0 END) AS cross_region_sales,
                   SUM(CASE WHEN o.price < o.floor_price AND NOT EXISTS (SELECT 1 FROM sales_orderapproval a
                       WHERE a.order_id = o.id AND a.kind IN ('below_floor', 'below_cost') AND a.status = 'approved')
                       THEN 1 ELSE 0 END) AS price_floor_breaches
            FROM sales_order o WHERE {scope('o.store_id')} AND {during('o.ordered_at')}
              AND NOT EXISTS (SELECT 1 FROM sales_reversal r WHERE r.order_id = o.id AND r.kind = 'cancellation'
                              AND r.at < {end})
            GROUP BY o.store_id, o.consultant_id, {d.day('o.ordered_at')}""",
                          ["orders", "cross_region_sales", "price_floor_breaches"]),
        "leads": by_team(d, f"""
            SELECT store_id AS store, owner_id AS staff, {d.day('created_at')} AS day, COUNT(*) AS new_leads
            FROM crm_lead WHERE {scope('store_id')} AND {during('created_at')}
            GROUP BY store_id, owner_id, {d.day('created_at')}""", ["new_leads"]),
        "visits": by_team(d, f"""
            SELECT store_id AS store, consultant_id AS staff, {d.day('arrived_at')} AS day,
                   SUM(CASE WHEN is_first_visit = {true} AND has_intent = {true} THEN 1 ELSE 0 END) AS first_visits,
                   SUM(CASE WHEN has_intent = {true} THEN 1 ELSE 0 END) AS intent_visits
            FROM crm_showroomvisit WHERE {scope('store_id')} AND {during('arrived_at')}
            GROUP BY store_id, consultant_id, {d.day('arrived_at')}""", ["first_visits", "intent_visits"]),
        "test_drives": by_team(d, f"""
            SELECT store_id AS store, consultant_id AS staff, {d.day('starts_at')} AS day, COUNT(*) AS test_drives
            FROM crm_testdrive WHERE {scope('store_id')} AND status = 'done' AND {during('starts_at')}
            GROUP BY store_id, consultant_id, {d.day('starts_at')}""", ["test_drives"]),
        "compliance": by_team(d, f"SELECT * FROM ({follow_ups}) u WHERE staff IS NOT NULL",
                              ["follow_ups_due", "follow_ups_on_time"]),
        "complaints": by_team(d, f"""
            SELECT store_id AS store, about_staff_id AS staff, {d.day('received_at')} AS day,
                   SUM(CASE WHEN channel <> 'subordinate' THEN 1 ELSE 0 END) AS complaints,
                   SUM(CASE WHEN channel <> 'subordinate' AND is_major = {true} THEN 1 ELSE 0 END) AS major_complaints,
                   SUM(CASE WHEN channel = 'subordinate' THEN 1 ELSE 0 END) AS subordinate_complaints
            FROM crm_complaint WHERE {scope('store_id')} AND about_staff_id IS NOT NULL AND {during('received_at')}
            GROUP BY store_id, about_staff_id, {d.day('received_at')}""",
                              ["complaints", "major_complaints", "subordinate_complaints"]),
        "attendance": by_team(d, f"""
            SELECT store_id AS store, staff_id AS staff, day,
                   SUM(CASE WHEN status IN ('present', 'late') THEN 1 ELSE 0 END) AS days_worked,
                   SUM(CASE WHEN status IN ('present', 'late', 'absent') THEN 1 ELSE 0 END) AS working_days
            FROM people_attendancerecord WHERE {scope('store_id')} AND {on_days('day')}
            GROUP BY store_id, staff_id, day""", ["days_worked", "working_days"]),
        "training": by_team(d, f"""
            SELECT store_id AS store, staff_id AS staff, held_on AS day, SUM(hours) AS training_hours
            FROM people_trainingrecord WHERE {scope('store_id')} AND {on_days('held_on')}
            GROUP BY store_id, staff_id, held_on""", ["training_hours"]),
        "developed": by_team(d, f"""
            SELECT DISTINCT store_id AS store, trainer_id AS staff, held_on AS day, staff_id AS trainee
            FROM people_trainingrecord WHERE {scope('store_id')} AND {on_days('held_on')}
              AND trainer_id IS NOT NULL AND passed = {true} AND trainer_id <> staff_id""",
                             ["people_developed"], distinct="trainee"),
        "attrition_stores": f"SELECT store_id, SUM(CASE WHEN leave_date >= {window_start} AND leave_date <= {L} "
                            f"THEN 1 ELSE 0 END) AS leavers, {store_heads} FROM org_staff "
                            f"WHERE {scope('store_id')} AND role IN ('consultant', 'supervisor') GROUP BY store_id",
        "attrition_teams": f"SELECT tm.team_id, t.store_id, COUNT(DISTINCT CASE WHEN s.leave_date >= {window_start} "
                           f"AND s.leave_date <= {L} AND tm.valid_from <= s.leave_date AND (tm.valid_to IS NULL "
                           f"OR tm.valid_to >= s.leave_date) THEN tm.staff_id END) AS leavers, {team_heads} "
                           f"FROM org_teammembership tm JOIN org_team t ON t.id = tm.team_id "
                           f"JOIN org_staff s ON s.id = tm.staff_id WHERE {scope('t.store_id')} "
                           f"AND tm.is_leader = {false} GROUP BY tm.team_id, t.store_id",
        "leaders": f"SELECT tm.staff_id, tm.team_id, t.store_id FROM org_teammembership tm "
                   f"JOIN org_team t ON t.id = tm.team_id WHERE {scope('t.store_id')} AND tm.is_leader = {true} "
                   f"AND {in_force('tm', L)} ORDER BY tm.staff_id, tm.team_id",
        "market_share": f"SELECT store_id, month, SUM(share) AS total, COUNT(*) AS n FROM market_marketsharesurvey "
                        f"WHERE {scope('store_id')} AND month IN ({previous}, {F}) GROUP BY store_id, month",
        "people": f"WITH {memberships(d)} SELECT s.id, s.name, "
                  f"COALESCE((SELECT ra.role {assignment}), s.role) AS role, "
                  f"COALESCE((SELECT ra.store_id {assignment}), s.store_id) AS store, ms.team_id AS team, "
                  f"s.store_id AS employed_in FROM (SELECT s.*, {last_day} AS last_day FROM org_staff s "
                  f"WHERE {scope('s.store_id')} AND s.hire_date <= {L} AND (s.leave_date IS NULL OR "
                  f"s.leave_date >= {F})) s {team_join('s.id', 's.last_day')} ORDER BY s.id",
        "assessed": f"SELECT ra.store_id, ra.staff_id, s.name, ra.role, s.base_salary, ra.valid_from, ra.valid_to, "
                    f"s.hire_date, s.leave_date, (SELECT tm.team_id FROM org_teammembership tm WHERE tm.staff_id = "
                    f"ra.staff_id AND tm.{in_month} ORDER BY tm.valid_from DESC LIMIT 1) AS team "
                    f"FROM org_roleassignment ra JOIN org_staff s ON s.id = ra.staff_id WHERE {scope('ra.store_id')} "
                    f"AND ra.{in_month} AND (s.leave_date IS NULL OR s.leave_date >= {F}) "
                    f"ORDER BY ra.store_id, ra.staff_id, ra.valid_from",
        "probations": f"SELECT store_id, staff_id, starts_on, ends_on, status, decided_on FROM people_probation "
                      f"WHERE {scope('store_id')} AND starts_on <= {L} AND ends_on >= {F} AND NOT (status IN "
                      f"('confirmed', 'ended') AND decided_on < {F})",
        "targets": f"SELECT store_id, staff_id, team_id, metric, value FROM targets_target "
                   f"WHERE {scope('store_id')} AND month = {F}",
        "ratings_adjustments": f"SELECT store_id, staff_id, indicator, value, comment, NULL FROM pay_manualrating "
                               f"WHERE {scope('store_id')} AND period = {F} UNION ALL SELECT store_id, staff_id, "
                               f"reason, amount, '', id FROM pay_adjustment "
                               f"WHERE {scope('store_id')} AND period = {F}",
        "history": f"SELECT st.staff_id, st.store_id, r.period, st.month_metrics, st.month_targets, st.total_score, "
                   f"st.carried_balance, st.draw_outstanding, st.paid_for_deals FROM pay_statement st "
                   f"JOIN pay_run r ON r.id = st.run_id WHERE r.id IN (SELECT MAX(id) FROM pay_run "
                   f"WHERE {scope('store_id')} AND status IN ('approved', 'locked') "
                   f"AND period >= {year_ago} AND period < {F} "
                   f"GROUP BY store_id, period)",
    }


# --- the deals' sums, from the deal list -------------------------------------------------------------------------

def deal_sums(rows: list[tuple], columns: list[str]) -> dict[tuple, dict[str, Decimal]]:
    """The deal figures per store, person and team of the delivery day: sign x share / 100 x the deal's figure,
    summed; units by margin class 'high' apart."""
    at = {name: columns.index(name) for name in columns}
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    derived = [name for name in PARTS["deals"] if name in DERIVATIVES]
    for row in rows:
        sign = row[at["sign"]]
        if not sign:
            continue
        share = Decimal(sign) * Decimal(row[at["share"]]) / 100
        mine = sums[(row[at["store"]], row[at["staff"]], row[at["team"]])]
        mine["units_delivered"] += share
        mine["sales_amount"] += share * Decimal(row[at["price"]])
        mine["front_gross_profit"] += share * Decimal(row[at["profit"]])
        for name in derived:
            mine[name] += share * Decimal(row[at[name]])
        if row[at["margin"]] == "high":
            mine["units_by_margin_class:high"] += share
    return sums


# --- the read bound ------------------------------------------------------------------------------------------------

def stores_measured(args: argparse.Namespace) -> list[int]:
    from dealerkpi.org.models import Store

    store_ids = list(Store.objects.order_by("code").values_list("pk", flat=True))
    return store_ids[: args.stores] if args.stores else store_ids


def refuse_other_metrics(store_ids: list[int], period) -> None:  # noqa: ANN001
    """The bound computes the example plans' metrics: a run whose plans name others is not what it bounds."""
    from dealerkpi.org.models import Store
    from dealerkpi.pay.inputs import metrics_needed, plans_in_force_by_store

    stores = list(Store.objects.select_related("region").filter(pk__in=store_ids[:1]))
    plans = plans_in_force_by_store(stores, period)[stores[0].pk]
    named = metrics_needed(plan for _version, plan, _crediting in plans.values())
    policies = {crediting for _version, _plan, crediting in plans.values()}
    if tuple(named) != BOUND_METRICS or policies != {"delivered"}:
        raise SystemExit(f"the plans in force read {named} ({policies}); the bound computes {BOUND_METRICS}")


def read(cursor, sql: dict[str, str]) -> tuple[dict[str, float], dict[str, int], dict[str, tuple]]:  # noqa: ANN001
    timings, counts, results = {}, {}, {}
    for name, statement in sql.items():
        began = time.perf_counter()
        cursor.execute(statement)
        columns = [c[0] for c in cursor.description]
        fetched = cursor.fetchall()
        if name == "deals":
            results["deal_sums"] = deal_sums(fetched, columns)
        timings[name] = round(time.perf_counter() - began, 3)
        counts[name] = len(fetched)
        results[name] = (columns, fetched)
    return timings, counts, results


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import connection

    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    today = datetime.datetime.now(SHANGHAI).date()
    store_ids = stores_measured(args)
    refuse_other_metrics(store_ids, period)
    sql = statements(Dialect(connection.vendor == "sqlite"), store_ids, (period.year, period.month), today,
                     every_store=not args.stores)
    with connection.cursor() as cursor:
        if args.explain:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
            cursor.execute(explain + sql[args.explain])
            for row in cursor.fetchall():
                print(*row)
            return
        started = time.perf_counter()
        timings, counts, results = read(cursor, sql)
        wall = time.perf_counter() - started
    out = {"stores": len(store_ids), "seconds": round(wall, 3), "statements": len(sql), "timings": timings,
           "rows": counts, "peak_rss_mb": round(peak_rss_mb(), 1)}
    if args.check:
        out["check"] = check(results, store_ids, period, today, args.batch)
    emit(out)


# --- the check ---------------------------------------------------------------------------------------------------

def same(bound: object, expected: object, tolerance: Decimal) -> bool:
    if bound is None or expected is None:
        return bound is None and expected is None
    return abs(Decimal(str(bound)) - Decimal(str(expected))) <= tolerance


def shared_of(value: object) -> Decimal:
    """As metrics.base.shared: a sum of share (percent) x amount, credited."""
    return (Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) / 100)


class Differences:
    def __init__(self, tolerance: Decimal) -> None:
        self.tolerance, self.compared, self.found = tolerance, 0, []

    def compare(self, where: tuple, expected: dict, bound: dict, names: tuple[str, ...]) -> None:
        """The bound's values against the metrics code's (`expected`), name by name."""
        for name in names:
            other, mine = expected.get(name, 0), bound.get(name, 0)  # no row for a part: no records, zero
            self.compared += 1
            if not same(mine, other, self.tolerance):
                self.found.append((*where, name, str(mine), str(other)))


def bound_rows(results: dict) -> dict[str, dict[tuple, dict[str, object]]]:
    """The bound's figures by source, keyed (store, staff, team), converted as the metrics code converts them."""
    found: dict[str, dict[tuple, dict[str, object]]] = {"deals": results["deal_sums"]}
    money = {"receivables_outstanding"}
    for source in PARTS:
        if source == "deals":
            continue
        columns, fetched = results[source]
        rows = found[source] = {}
        for row in fetched:
            values = dict(zip(columns, row, strict=True))
            rows[(values["store"], values["staff"], values["team"])] = {
                name: shared_of(values[name]) if name in money else values[name] for name in PARTS[source]}
    return found


def check(results: dict, store_ids: list[int], period, today: datetime.date, batch: int) -> dict:  # noqa: ANN001
    """Every figure of the bound against the metrics code (the sources a run reads), store by store."""
    from django.db import connection

    from dealerkpi import metrics
    from dealerkpi.metrics.registry import SOURCES

    tolerance = Decimal("0.0001") if connection.vendor == "sqlite" else Decimal(0)
    ours = bound_rows(results)
    differences = Differences(tolerance)
    wanted = set(store_ids)
    for start in range(0, len(store_ids), batch):
        frame = metrics.Frame.of(store_ids[start:start + batch], period, as_of=today)
        for source in PARTS:
            table = SOURCES[source](frame)
            theirs = {key: parts for key, parts in table.rows.items()}
            mine = {key: parts for key, parts in ours[source].items() if key[0] in frame.store_ids}
            for key in mine.keys() | theirs.keys():
                differences.compare((source, *key), theirs.get(key, {}), mine.get(key, {}), PARTS[source])
        check_stores(results, SOURCES, frame, differences)
        check_deals(results, frame, differences)
    check_people(results, store_ids, period, today, differences)
    return {"stores": len(wanted), "figures_compared": differences.compared, "differences": len(differences.found),
            "first_differences": differences.found[:20]}


def check_stores(results: dict, sources: dict, frame, differences: Differences) -> None:  # noqa: ANN001
    """Attrition per store and team, the leaders, and the market share change, against the metrics code."""
    from dealerkpi.metrics.base import ratio

    attrition = sources["attrition"](frame)
    here = set(frame.store_ids)
    for statement, key, expected in (("attrition_stores", "store_id", attrition.stores),
                                     ("attrition_teams", "team_id", attrition.teams)):
        columns, fetched = results[statement]
        for row in fetched:
            values = dict(zip(columns, row, strict=True))
            if values["store_id"] in here:
                mine = {"leavers": values["leavers"], "headcount_months": sum(values[f"h{n}"] for n in range(12))}
                differences.compare((key, values[key]), expected.get(values[key], {}), mine,
                                    ("leavers", "headcount_months"))
    leaders: dict[int, list[int]] = defaultdict(list)
    for staff_id, team_id, store_id in results["leaders"][1]:
        if store_id in here:
            leaders[staff_id].append(team_id)
    differences.compared += 1
    if dict(leaders) != {staff: teams for staff, teams in attrition.leaders.items()}:
        differences.found.append(("leaders", sorted(leaders.items())[:3], sorted(attrition.leaders.items())[:3]))
    market = sources["market_share"](frame)
    shares = {(store, month): ratio(Decimal(str(total)), Decimal(n), Decimal(1))
              for store, month, total, n in results["market_share"][1] if store in here}
    previous = (frame.period.first_day - datetime.timedelta(days=1)).replace(day=1)
    for store in frame.store_ids:
        now, before = shares.get((store, frame.period.first_day)), shares.get((store, previous))
        mine = {"market_share_change": None if now is None or before is None else now - before}
        expected = {"market_share_change": market.stores.get(store, {}).get("market_share_change")}
        differences.compare(("market", store), expected, mine, ("market_share_change",))


def check_deals(results: dict, frame, differences: Differences) -> None:  # noqa: ANN001
    """The deal list, credit by credit, against metrics.deals_by_store."""
    from dealerkpi import metrics

    columns, fetched = results["deals"]
    at = {name: columns.index(name) for name in columns}
    mine: dict[tuple[str, str], dict[str, object]] = {}
    for row in fetched:
        if row[at["store"]] not in frame.store_ids:
            continue
        share = Decimal(row[at["share"]])
        figures = {"units_delivered": 1, "sales_amount": row[at["price"]], "front_gross_profit": row[at["profit"]],
                   **{name: row[at[name]] for name in DERIVATIVES}}
        mine[(str(row[at["delivery_id"]]), str(row[at["staff"]]))] = {
            "share": share, "team": str(row[at["team"]] or ""), "model": row[at["model"]] or "",
            "margin": row[at["margin"]] or "", **figures}
    theirs: dict[tuple[str, str], dict[str, object]] = {}
    for deals in metrics.deals_by_store(frame.store_ids, frame.period).values():
        for deal in deals:
            for credit in deal.credits:
                theirs[(deal.id, credit.person)] = {"share": credit.share, "team": credit.team,
                                                    "model": deal.model_code, "margin": deal.margin_class,
                                                    **deal.figures}
    for key in mine.keys() | theirs.keys():
        a, b = mine.get(key), theirs.get(key)
        differences.compared += 1
        if a is None or b is None:
            differences.found.append(("deal", *key, "missing in " + ("bound" if a is None else "metrics")))
            continue
        for name in ("team", "model", "margin"):
            if a[name] != b[name]:
                differences.found.append(("deal", *key, name, a[name], b[name]))
        differences.compare(("deal", *key), b, a, ("share", *DEAL_FIGURES))


def check_people(results: dict, store_ids: list[int], period, today: datetime.date,  # noqa: ANN001
                 differences: Differences) -> None:
    """The people employed in the stores, with the role, store and team of their last day."""
    from dealerkpi import metrics

    everyone = metrics.people_in_scope(metrics.Frame.of(store_ids, period, as_of=today))
    mine = {pk: (role, store, team) for pk, _name, role, store, team, _employed in results["people"][1]}
    theirs = {pk: (m.role, m.store_id, m.team_id) for pk, m in everyone.items()}
    differences.compared += len(mine.keys() | theirs.keys())
    for pk in mine.keys() | theirs.keys():
        if mine.get(pk) != theirs.get(pk):
            differences.found.append(("person", pk, str(mine.get(pk)), str(theirs.get(pk))))


# --- the write bound -----------------------------------------------------------------------------------------------

def copy_into(connection: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY ... FROM STDIN of the rows, as the run writes them; written here, not by the code measured, so the bound
    is the same whatever BENCH_SRC measures."""
    names = ", ".join(map(connection.ops.quote_name, columns))
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write_child(args: argparse.Namespace) -> None:
    """The latest run of each store for the month, its output held in memory, then loaded in one transaction."""
    setup_django(args.database_url)
    from django.db import connection, transaction

    from dealerkpi.pay.models import PeriodFigures, Run, Statement, StatementIndicator, StatementLine
    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    store_ids = stores_measured(args)
    runs = {}
    for run_id, store_id in Run.objects.filter(store_id__in=store_ids, period=period.first_day).order_by(
            "store_id", "number").values_list("pk", "store_id"):
        runs[store_id] = run_id
    if len(runs) < len(store_ids):
        raise SystemExit(f"{len(store_ids) - len(runs)} store(s) have no run for {args.period}: run it first")
    output = {model: fetch_output(connection, model, list(runs.values()))
              for model in (Run, Statement, StatementIndicator, StatementLine)}
    kept_where = f"store_id IN ({', '.join(map(str, store_ids))}) AND period = '{period.first_day}'"
    with connection.cursor() as cursor:  # the figures the runs read, kept: replaced, as a run replaces them
        cursor.execute(f"SELECT * FROM pay_periodfigures WHERE {kept_where} ORDER BY id")
        kept = ([c[0] for c in cursor.description], cursor.fetchall())
    numbers = dict(Run.objects.filter(pk__in=runs.values()).values_list("store_id", "number"))
    new_ids: dict[type, dict[int, int]] = {}
    with connection.cursor() as cursor:
        for model, (_columns, rows) in output.items():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
            top = cursor.fetchone()[0] + 1_000_000
            new_ids[model] = {row[0]: top + n for n, row in enumerate(rows)}
    loaded = {**renumber(output, new_ids, numbers), PeriodFigures: kept}
    sizes = {model._meta.model_name: len(rows) for model, (_columns, rows) in loaded.items()}
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM pay_periodfigures WHERE {kept_where}")
        for model, (columns, rows) in loaded.items():
            if connection.vendor == "postgresql":
                copy_into(connection, model._meta.db_table, columns, rows)
            else:
                table, names = model._meta.db_table, ", ".join(map(connection.ops.quote_name, columns))
                with connection.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                                       f"({', '.join(['%s'] * len(columns))})", rows)
    seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (StatementLine, StatementIndicator, Statement, Run):
            ids = list(new_ids[model].values())
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id >= %s AND id <= %s", [min(ids), max(ids)])
    emit({"stores": len(store_ids), "seconds": round(seconds, 3), "rows": sizes,
          "peak_rss_mb": round(peak_rss_mb(), 1)})


def fetch_output(connection, model, run_ids: list[int]) -> tuple[list[str], list[tuple]]:  # noqa: ANN001
    """The model's rows of these runs, every column, as the database returns them."""
    column = {"run": "id", "statement": "run_id"}.get(model._meta.model_name)
    where = (f"{column} IN ({', '.join(map(str, run_ids))})" if column else
             f"statement_id IN (SELECT id FROM pay_statement WHERE run_id IN ({', '.join(map(str, run_ids))}))")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE {where} ORDER BY id")
        return [c[0] for c in cursor.description], cursor.fetchall()


def renumber(output: dict, new_ids: dict, numbers: dict[int, int]) -> dict:  # noqa: ANN001
    """The rows with new ids (a new run version per store), their references following."""
    from dealerkpi.pay.models import Run, Statement

    loaded = {}
    for model, (columns, rows) in output.items():
        at = {name: columns.index(name) for name in columns}
        fresh = []
        for row in rows:
            values = list(row)
            values[0] = new_ids[model][row[0]]
            if "run_id" in at:
                values[at["run_id"]] = new_ids[Run][row[at["run_id"]]]
            if "statement_id" in at:
                values[at["statement_id"]] = new_ids[Statement][row[at["statement_id"]]]
            if model is Run:
                values[at["number"]] = numbers[row[at["store_id"]]] + 1000
                values[at["previous_id"]] = None
            fresh.append(tuple(values))
        loaded[model] = (columns, fresh)
    return loaded


# --- the parent ----------------------------------------------------------------------------------------------------

def measure(args: argparse.Namespace, extra: list[str]) -> dict:
    results = []
    for _ in range(args.repeat):
        result = run_child("lower_bound.py", ["--database-url", args.database_url, "--period", args.period, *extra])
        print({k: v for k, v in result.items() if k not in ("timings", "rows")}, flush=True)
        results.append(result)
    summary = {
        "stores": results[0]["stores"], "rows": results[0]["rows"],
        "seconds": spread([r["seconds"] for r in results]),
        "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]),
        "runs": [{k: v for k, v in r.items() if k != "rows"} for r in results],
    }
    if "timings" in results[0]:
        summary["statements"] = results[0]["statements"]
        summary["timings_median"] = {name: spread([r["timings"][name] for r in results])["median"]
                                     for name in results[0]["timings"]}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--stores", type=int, default=None, help="only the first N stores by code")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="compare every figure with the metrics code (not timed)")
    parser.add_argument("--batch", type=int, default=50, help="stores the check computes together")
    parser.add_argument("--write", action="store_true", help="the write bound instead of the read bound")
    parser.add_argument("--explain", default="", help="print the plan of one statement (by name) and stop")
    parser.add_argument("--label", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scope_args = ["--stores", str(args.stores)] if args.stores else []
    if args.child:
        (write_child if args.write else child)(args)
        return
    if args.explain:
        child(args)
        return
    if args.check:
        result = run_child("lower_bound.py", ["--database-url", args.database_url, "--period", args.period,
                                              "--check", "--batch", str(args.batch), *scope_args])
        record("lower_bound_check", {"database": args.database_url, "period": args.period, **result["check"],
                                     "seconds": result["seconds"]})
        print(result["check"])
        return
    way = ["--write"] if args.write else []
    result = measure(args, [*way, *scope_args])
    record("write_bound" if args.write else "lower_bound",
           {"database": args.database_url, "period": args.period, "label": args.label, **result})


if __name__ == "__main__":
    main()

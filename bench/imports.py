"""Imports: rows per second and peak memory of the product importer (src/dealerkpi/imports) for A-card follow-ups
and deliveries from a CSV and an Excel file, and for a large file of orders (CSV), against the database's own bulk
load of the same rows as the bound.

    .venv/bin/python bench/imports.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_imp \
        [--follow-ups 200000] [--orders 200000] [--kinds follow_ups,deliveries,orders] [--repeat 3]

The database must hold generated data it can lose: the first run takes the newest `--follow-ups` A-card
follow-ups and every delivery of a delivered order (with its C-card calls) out of it, into
var/bench/import_<db>/{follow_ups,deliveries}.{csv,xlsx} (store code, A-card or order number, employee
number, VIN, local times: what a store's system would export; the .xlsx holds typed cells, as Excel does), and
deletes them. The delivered orders go back to how the desk leaves them before the handover (confirmed, vehicle
allocated, A-card ordered), so the importer can deliver them again. The exported follow-ups are older than or as
old as their cards' latest contact, so they import as history and do not move the cards. Later runs reuse
the files.

Measured, each in a fresh child process, each repetition inside a transaction that is rolled back afterwards
(the commit is not timed, for either way; the database is the same for every repetition):

- **importer** / **xlsx**: `dealerkpi.imports.service.import_file` on the CSV / the .xlsx file, as the
  `dealerkpi import` command runs it (an administrator, every store): read and type every row, resolve the
  references with one query per kind of record, check every row as the desk would, then write in batches
  (`bulk_create`), with a delivery's consequences (C-cards; the order, vehicle and A-card updated).
- **bound**: the database's own bulk load of the same inserted rows, already resolved to ids and typed (not
  timed): the project's BulkWriter (COPY ... FROM STDIN on PostgreSQL, executemany INSERT on SQLite), one
  transaction. For deliveries it writes the deliveries and their C-cards, not the order, vehicle and A-card
  updates the importer also makes.

**Orders** (`--orders` rows, written once to var/bench/import_<db>/orders_<rows>.csv, nothing taken out of the
database; `--orders 100000,1000000` measures each size in turn):
each row a new order of the first store with consultants, numbered BENCH-0000001..., for a new customer (a new
mobile), by one of the store's consultants in turn, of one trim at its price. The importer makes the customer,
the order, its credit and the batch's list of what it made (``ImportedRecord``), three records and a link each;
the bound COPYs the same customers, orders and credits.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import time
from pathlib import Path

from common import ROOT, emit, peak_rss_mb, record, run_child, setup_django, spread

FOLLOW_UP_COLUMNS = ["store", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on",
                     "note"]
DELIVERY_COLUMNS = ["store", "order", "vin", "scheduled_for", "delivered_at", "inspection_done", "invoice_issued",
                    "certificate_handed", "insurance_done", "handover_done", "customer_signed"]
CHECKS = DELIVERY_COLUMNS[5:]
WAYS = ("bound", "importer", "xlsx")
ORDER_COLUMNS = ["store", "order_no", "mobile", "customer", "consultant", "trim", "colour", "ordered_at",
                 "guide_price", "floor_price", "price"]


def folder(database_url: str) -> Path:
    name = database_url.rstrip("/").rsplit("/", 1)[-1].replace(".", "_")
    return ROOT / "var" / "bench" / f"import_{name}"


def write_files(out: Path, kind: str, header: list[str], rows: list[list]) -> None:
    """The rows as CSV (text, times with their offset) and as .xlsx (typed cells, local times)."""
    from openpyxl import Workbook

    text = [[value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else
             ("" if value is None else value) for value in row] for row in rows]
    with (out / f"{kind}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(text)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    sheet.append(header)
    for row in rows:
        sheet.append([value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value
                      for value in row])
    book.save(out / f"{kind}.xlsx")


def prepare(database_url: str, follow_ups: int) -> None:
    """Export the rows to import and take them out of the database (once)."""
    out = folder(database_url)
    if (out / "deliveries.xlsx").exists():
        return
    setup_django(database_url)
    from django.db import transaction
    from django.utils import timezone

    from dealerkpi.crm.models import FollowUp, Lead
    from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order
    from dealerkpi.stock.models import Vehicle

    out.mkdir(parents=True, exist_ok=True)
    local = timezone.localtime
    chosen = list(FollowUp.objects.order_by("-pk").values_list("pk", flat=True)[:follow_ups])
    rows = (FollowUp.objects.filter(pk__in=chosen).order_by("pk")
            .values_list("store__code", "lead_id", "staff__employee_no", "at", "channel", "outcome",
                         "grade_after", "due_on", "next_due_on", "note"))
    table = [[s, lead, e, local(at), *rest] for s, lead, e, at, *rest in rows.iterator(chunk_size=10000)]
    write_files(out, "follow_ups", FOLLOW_UP_COLUMNS, table)
    done = (Delivery.objects.filter(delivered_at__isnull=False, order__status=Order.Status.DELIVERED).order_by("pk")
            .values_list("pk", "order_id", "order__lead_id", "vehicle_id", "store__code", "vehicle__vin",
                         "scheduled_for", "delivered_at", *CHECKS))
    ids, orders, leads, vehicles, table = [], [], [], [], []
    for pk, order, lead, vehicle, store, vin, scheduled, delivered, *checks in done.iterator(chunk_size=10000):
        ids.append(pk)
        orders.append(order)
        vehicles.append(vehicle)
        leads.append(lead)
        table.append([store, order, vin, local(scheduled) if scheduled else None, local(delivered),
                      *(1 if c else 0 for c in checks)])
    write_files(out, "deliveries", DELIVERY_COLUMNS, table)
    with transaction.atomic():
        FollowUp.objects.filter(pk__in=chosen)._raw_delete("default")
        for at in range(0, len(ids), 5000):
            DeliveryFollowUp.objects.filter(delivery_id__in=ids[at: at + 5000])._raw_delete("default")
            Delivery.objects.filter(pk__in=ids[at: at + 5000])._raw_delete("default")
            Order.objects.filter(pk__in=orders[at: at + 5000]).update(status=Order.Status.CONFIRMED)
            Vehicle.objects.filter(pk__in=vehicles[at: at + 5000]).update(status=Vehicle.Status.ALLOCATED)
            Lead.objects.filter(pk__in=[lead for lead in leads[at: at + 5000] if lead]).update(
                status=Lead.Status.ORDERED, grade="O", closed_at=None)
    print(f"exported {len(chosen)} follow-ups and {len(ids)} deliveries to {out}")


def orders_file(database_url: str, orders: int) -> Path:
    return folder(database_url) / f"orders_{orders}.csv"


def prepare_orders(database_url: str, orders: int) -> None:
    """Write the orders file (once): new orders of the first store with consultants, for new customers."""
    out = folder(database_url)
    if orders_file(database_url, orders).exists():
        return
    setup_django(database_url)
    from django.utils import timezone

    from dealerkpi.catalog.models import TrimPrice
    from dealerkpi.org.models import Role, RoleAssignment

    out.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    held = RoleAssignment.objects.filter(role=Role.CONSULTANT, valid_to__isnull=True, staff__leave_date__isnull=True)
    store = held.order_by("store__code").values_list("store__code", flat=True).first()
    consultants = list(held.filter(store__code=store).order_by("staff__employee_no")
                       .values_list("staff__employee_no", flat=True))
    price = TrimPrice.objects.filter(valid_from__lte=today).select_related("trim").order_by("-valid_from").first()
    start = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(days=30)
    step = min(datetime.timedelta(seconds=10), datetime.timedelta(days=29) / orders)  # every order in the past
    with orders_file(database_url, orders).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(ORDER_COLUMNS)
        for i in range(orders):
            at = (start + step * i).replace(microsecond=0)
            writer.writerow([store, f"BENCH-{i:07d}", f"19{i:09d}", f"客户{i}", consultants[i % len(consultants)],
                             price.trim.code, "白", at.isoformat(sep=" "), price.guide_price, price.floor_price,
                             price.guide_price])
    print(f"wrote {orders} orders of store {store} to {out}")


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def bound(kind: str, path: Path) -> tuple[int, float]:
    """Resolve and type the rows (not timed), then time the project's BulkWriter on them."""
    from django.utils import timezone

    from dealerkpi.core.bulk import BulkWriter
    from dealerkpi.crm.models import FollowUp
    from dealerkpi.org.models import Staff, Store
    from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order
    from dealerkpi.sales.services import c_card_days
    from dealerkpi.stock.models import Vehicle

    rows = read_rows(path)
    stores = dict(Store.objects.values_list("code", "pk"))
    when = lambda text: datetime.datetime.fromisoformat(text) if text else None  # noqa: E731
    day = lambda text: datetime.date.fromisoformat(text) if text else None  # noqa: E731
    writer = BulkWriter()
    if kind == "orders":
        return bound_orders(rows, stores, writer)
    if kind == "follow_ups":
        staff = dict(Staff.objects.values_list("employee_no", "pk"))
        tables = [writer.table(FollowUp, ("id", "store_id", "lead_id", "staff_id", "at", "channel", "outcome",
                                          "grade_after", "due_on", "next_due_on", "note"))]
        tuples = [[(stores[r["store"]], int(r["lead"]), staff[r["staff"]], when(r["at"]), r["channel"],
                    r["outcome"], r["grade_after"], day(r["due_on"]), day(r["next_due_on"]), r["note"])]
                  for r in rows]
    else:
        vehicles = dict(Vehicle.objects.filter(vin__in=[r["vin"] for r in rows]).values_list("vin", "pk"))
        consultants = dict(Order.objects.filter(pk__in=[int(r["order"]) for r in rows]).values_list(
            "pk", "consultant_id"))
        days = {pk: c_card_days(pk) for pk in stores.values()}
        tables = [writer.table(Delivery, ("id", "store_id", "order_id", "vehicle_id", "scheduled_for",
                                          "delivered_at", *CHECKS)),
                  writer.table(DeliveryFollowUp, ("id", "store_id", "delivery_id", "staff_id", "due_on", "note"))]
        tuples = []
        for r in rows:
            store, order, delivered = stores[r["store"]], int(r["order"]), when(r["delivered_at"])
            on = timezone.localdate(delivered)
            tuples.append([(store, order, vehicles[r["vin"]], when(r["scheduled_for"]), delivered,
                            *(r[name] == "1" for name in CHECKS))]
                          + [(store, None, consultants[order], on + datetime.timedelta(days=n), "")
                             for n in days[store]])
    started = time.perf_counter()
    for parts in tuples:
        parent = tables[0].new_id()
        tables[0].add((parent, *parts[0]))
        for store, _none, staff_id, due, note in parts[1:]:
            tables[1].add((tables[1].new_id(), store, parent, staff_id, due, note))
    writer.close()
    return len(tuples), time.perf_counter() - started


def bound_orders(rows: list[dict], stores: dict[str, int], writer: object) -> tuple[int, float]:
    """The customers, orders and credits of the orders file, typed and resolved (not timed), COPYed (timed)."""
    from decimal import Decimal

    from django.utils import timezone

    from dealerkpi.catalog.models import Trim
    from dealerkpi.crm.models import Customer
    from dealerkpi.org.models import Staff
    from dealerkpi.sales.models import Order, OrderCredit

    staff = dict(Staff.objects.values_list("employee_no", "pk"))
    trims = dict(Trim.objects.values_list("code", "pk"))
    zone = timezone.get_current_timezone()
    customers = writer.table(Customer, ("id", "store_id", "owner_id", "name", "phone", "district", "created_at"))
    orders = writer.table(Order, ("id", "store_id", "lead_id", "customer_id", "consultant_id", "trim_id", "colour",
                                  "vehicle_id", "ordered_at", "guide_price", "floor_price", "price", "gifts_cost",
                                  "sold_via_id", "is_cross_region", "status", "number"))
    credits = writer.table(OrderCredit, ("id", "store_id", "order_id", "staff_id", "share"))
    typed = [(stores[r["store"]], staff[r["consultant"]], trims[r["trim"]],
              datetime.datetime.fromisoformat(r["ordered_at"]).replace(tzinfo=zone), r) for r in rows]
    started = time.perf_counter()
    for store, consultant, trim, at, r in typed:
        customer, order = customers.new_id(), orders.new_id()
        customers.add((customer, store, consultant, r["customer"], r["mobile"], "", at))
        orders.add((order, store, None, customer, consultant, trim, r["colour"], None, at, Decimal(r["guide_price"]),
                    Decimal(r["floor_price"]), Decimal(r["price"]), Decimal("0"), None, False, "confirmed",
                    r["order_no"]))
        credits.add((credits.new_id(), store, order, consultant, Decimal("100")))
    writer.close()
    return len(typed), time.perf_counter() - started


def importer(kind: str, path: Path) -> tuple[int, float]:
    """The product importer, as the `dealerkpi import` command runs it."""
    from dealerkpi.core.scope import Reach, Viewer
    from dealerkpi.imports.models import ImportBatch
    from dealerkpi.imports.service import Options, import_file

    options = Options(actor="bench", via=ImportBatch.Via.COMMAND, keep_report=False)
    started = time.perf_counter()
    with path.open("rb") as raw:
        outcome = import_file(kind, raw, path.name, Viewer(Reach.EVERYTHING), options)
    seconds = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit(f"the importer refused {path}: {outcome.report.error_count} problems, the first "
                         f"{outcome.report.sorted_errors()[:5]}")
    return outcome.report.written, seconds


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import transaction

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.sales.models import Delivery, Order

    model = {"follow_ups": FollowUp, "deliveries": Delivery, "orders": Order}[args.kind]
    path = (orders_file(args.database_url, args.orders) if args.kind == "orders"
            else folder(args.database_url) / f"{args.kind}{'.xlsx' if args.way == 'xlsx' else '.csv'}")
    before = model.objects.count()
    with transaction.atomic():  # rolled back: every repetition starts from the same database
        rows, seconds = (bound if args.way == "bound" else importer)(args.kind, path)
        written = model.objects.count() - before
        transaction.set_rollback(True)
    emit({"kind": args.kind, "way": args.way, "rows": rows, "written": written, "seconds": round(seconds, 3),
          "rows_per_second": round(rows / seconds), "peak_rss_mb": round(peak_rss_mb(), 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--follow-ups", type=int, default=200000)
    parser.add_argument("--orders", default="200000", help="rows of the orders file; several: 100000,1000000")
    parser.add_argument("--kinds", default="follow_ups,deliveries,orders", help="which files to import")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kind", default="follow_ups", help=argparse.SUPPRESS)
    parser.add_argument("--way", default="importer", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    kinds = args.kinds.split(",")
    if {"follow_ups", "deliveries"} & set(kinds):
        prepare(args.database_url, args.follow_ups)
    sizes = [int(size) for size in args.orders.split(",")]
    if "orders" in kinds:
        for size in sizes:
            prepare_orders(args.database_url, size)
    found = {}
    for kind in kinds:
        for size in sizes if kind == "orders" else [0]:
            name = f"orders_{size}" if kind == "orders" else kind
            ways = WAYS[:2] if kind == "orders" else WAYS  # the orders file is CSV only
            for way in ways:
                results = [run_child("imports.py", ["--database-url", args.database_url, "--kind", kind, "--way", way,
                                                    "--orders", str(size)])
                           for _ in range(args.repeat)]
                print(results, flush=True)
                found[f"{name}/{way}"] = {"rows": results[0]["rows"], "written": results[0]["written"],
                                          "seconds": spread([r["seconds"] for r in results]),
                                          "rows_per_second": spread([r["rows_per_second"] for r in results]),
                                          "peak_rss_mb": spread([r["peak_rss_mb"] for r in results])}
            for way in ways[1:]:
                found[f"{name}/bound_over_{way}"] = round(
                    found[f"{name}/bound"]["rows_per_second"]["median"]
                    / found[f"{name}/{way}"]["rows_per_second"]["median"], 1)
    record("imports", {"database": args.database_url, **found})


if __name__ == "__main__":
    main()

"""Imports: rows per second for follow-ups and deliveries from a CSV (and an Excel) file, against the
database's own bulk load as the bound.

    .venv/bin/python bench/imports.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_imp \
        [--follow-ups 200000] [--repeat 3]

The database must hold generated data it can lose: the first run takes the newest `--follow-ups` A-card
follow-ups and every done delivery (with their C-card calls) out of it, into
var/bench/import_<db>/{follow_ups.csv, follow_ups.xlsx, deliveries.csv} (store code, lead or order id,
employee number, VIN, local times with offsets: what a store's system would export), and deletes them.
Later runs reuse the files.

Measured, each in a fresh child process, each repetition followed by deleting what it wrote (not timed):

- **importer**: what a product importer does. Read the file; resolve the references in one query each
  (stores by code, staff by employee number, leads / orders / vehicles by id or VIN); validate every row
  with a Django form (types, choices, dates, required fields) and check that the references exist and belong
  to the row's store; then `bulk_create(batch_size=2000)`, all in one transaction (a bad row rejects the
  file). The product has no follow-up or delivery importer yet (src/ has none): this one is bench/'s.
- **fields**: the same importer validating each row with the form's fields' `clean()` instead of a bound
  Form instance per row (a Form deep-copies all its fields and widgets when it is made: half the time).
- **xlsx**: the same importer (Form per row) reading the Excel file (openpyxl, read-only) - follow-ups only.
- **bound**: the database's own bulk load of the same rows, already resolved to ids and typed: the
  project's BulkWriter (COPY ... FROM STDIN on PostgreSQL, one executemany INSERT on SQLite), one
  transaction.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import time
from pathlib import Path

from common import ROOT, emit, is_sqlite, peak_rss_mb, record, run_child, setup_django, spread

FOLLOW_UP_COLUMNS = ["store", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on",
                     "note"]
DELIVERY_COLUMNS = ["store", "order", "vin", "scheduled_for", "delivered_at", "inspection_done", "invoice_issued",
                    "certificate_handed", "insurance_done", "handover_done", "customer_signed"]
CHECKS = DELIVERY_COLUMNS[5:]


def folder(database_url: str) -> Path:
    name = database_url.rstrip("/").rsplit("/", 1)[-1].replace(".", "_")
    return ROOT / "var" / "bench" / f"import_{name}"


def prepare(database_url: str, follow_ups: int) -> None:
    """Export the rows to import and delete them from the database (once)."""
    out = folder(database_url)
    if (out / "deliveries.csv").exists():
        return
    setup_django(database_url)
    from django.db import transaction
    from django.utils import timezone

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.sales.models import Delivery, DeliveryFollowUp

    out.mkdir(parents=True, exist_ok=True)
    local = timezone.localtime
    iso = lambda moment: local(moment).isoformat() if moment else ""  # noqa: E731
    chosen = list(FollowUp.objects.order_by("-pk").values_list("pk", flat=True)[:follow_ups])
    rows = (FollowUp.objects.filter(pk__in=chosen).order_by("pk")
            .values_list("store__code", "lead_id", "staff__employee_no", "at", "channel", "outcome",
                         "grade_after", "due_on", "next_due_on", "note"))
    table = [[s, lead, e, iso(at), ch, o, g, d.isoformat() if d else "", n.isoformat() if n else "", note]
             for s, lead, e, at, ch, o, g, d, n, note in rows.iterator(chunk_size=10000)]
    with (out / "follow_ups.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(FOLLOW_UP_COLUMNS)
        writer.writerows(table)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("follow-ups")
    sheet.append(FOLLOW_UP_COLUMNS)
    for row in table:
        sheet.append(row)
    book.save(out / "follow_ups.xlsx")
    deliveries = (Delivery.objects.filter(delivered_at__isnull=False).order_by("pk")
                  .values_list("pk", "store__code", "order_id", "vehicle__vin", "scheduled_for", "delivered_at",
                               *CHECKS))
    ids = []
    with (out / "deliveries.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(DELIVERY_COLUMNS)
        for pk, store, order, vin, scheduled, delivered, *checks in deliveries.iterator(chunk_size=10000):
            ids.append(pk)
            writer.writerow([store, order, vin, iso(scheduled), iso(delivered), *("1" if c else "0" for c in checks)])
    with transaction.atomic():
        FollowUp.objects.filter(pk__in=chosen)._raw_delete("default")
        for at in range(0, len(ids), 5000):
            DeliveryFollowUp.objects.filter(delivery_id__in=ids[at: at + 5000])._raw_delete("default")
            Delivery.objects.filter(pk__in=ids[at: at + 5000])._raw_delete("default")
    print(f"exported {len(table)} follow-ups and {len(ids)} deliveries to {out}")


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        return [{k: ("" if v is None else str(v)) for k, v in zip(header, row, strict=False)} for row in rows]
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def follow_up_form():
    from django import forms

    from dealerkpi.crm.models import FollowUp

    class FollowUpRow(forms.Form):
        store = forms.CharField(max_length=20)
        lead = forms.IntegerField(min_value=1)
        staff = forms.CharField(max_length=20)
        at = forms.DateTimeField()
        channel = forms.ChoiceField(choices=FollowUp.Channel.choices)
        outcome = forms.ChoiceField(choices=FollowUp.Outcome.choices)
        grade_after = forms.CharField(max_length=2)
        due_on = forms.DateField(required=False)
        next_due_on = forms.DateField(required=False)
        note = forms.CharField(max_length=200, required=False)

    return FollowUpRow


def delivery_form():
    from django import forms

    class DeliveryRow(forms.Form):
        store = forms.CharField(max_length=20)
        order = forms.IntegerField(min_value=1)
        vin = forms.CharField(min_length=17, max_length=17)
        scheduled_for = forms.DateTimeField(required=False)
        delivered_at = forms.DateTimeField()

    for name in CHECKS:
        DeliveryRow.base_fields[name] = forms.TypedChoiceField(choices=[("0", "no"), ("1", "yes")], coerce=int)
    return DeliveryRow


class Rejected(Exception):
    pass


def validator(form_class, per_row_form: bool):
    """row -> cleaned data: a bound Django form per row, or (fast) the same form's fields' clean() directly,
    which skips the per-row deep copy of every field and widget a Form instance makes."""
    if per_row_form:
        def clean(row: dict, number: int) -> dict:
            form = form_class(row)
            if not form.is_valid():
                raise Rejected(f"line {number}: {form.errors.as_text()}")
            return form.cleaned_data
        return clean
    from django.core.exceptions import ValidationError

    fields = form_class.base_fields

    def clean_fields(row: dict, number: int) -> dict:
        try:
            return {name: field.clean(row.get(name, "")) for name, field in fields.items()}
        except ValidationError as error:
            raise Rejected(f"line {number}: {error}") from error
    return clean_fields


def import_follow_ups(path: Path, per_row_form: bool = True) -> int:
    from django.db import transaction

    from dealerkpi.crm.models import FollowUp, Lead
    from dealerkpi.org.models import Staff, Store

    rows = read_rows(path)
    stores = dict(Store.objects.values_list("code", "pk"))
    staff = dict(Staff.objects.filter(employee_no__in={r["staff"] for r in rows}).values_list("employee_no", "pk"))
    lead_ids = {int(r["lead"]) for r in rows if r["lead"].isdigit()}
    lead_store = {}
    for at in range(0, len(lead_ids), 20000):  # SQLite allows so many parameters per statement
        chunk = sorted(lead_ids)[at: at + 20000]
        lead_store.update(Lead.objects.filter(pk__in=chunk).values_list("pk", "store_id"))
    clean = validator(follow_up_form(), per_row_form)
    made = []
    for number, row in enumerate(rows, start=2):
        data = clean(row, number)
        store_id = stores.get(data["store"])
        if store_id is None or lead_store.get(data["lead"]) != store_id or data["staff"] not in staff:
            raise Rejected(f"line {number}: unknown store, lead or staff member")
        made.append(FollowUp(store_id=store_id, lead_id=data["lead"], staff_id=staff[data["staff"]], at=data["at"],
                             channel=data["channel"], outcome=data["outcome"], grade_after=data["grade_after"],
                             due_on=data["due_on"], next_due_on=data["next_due_on"], note=data["note"]))
    with transaction.atomic():
        FollowUp.objects.bulk_create(made, batch_size=2000)
    return len(made)


def import_deliveries(path: Path, per_row_form: bool = True) -> int:
    from django.db import transaction

    from dealerkpi.org.models import Store
    from dealerkpi.sales.models import Delivery, Order
    from dealerkpi.stock.models import Vehicle

    rows = read_rows(path)
    stores = dict(Store.objects.values_list("code", "pk"))
    orders = dict(Order.objects.filter(pk__in=[int(r["order"]) for r in rows]).values_list("pk", "store_id"))
    vehicles = dict(Vehicle.objects.filter(vin__in=[r["vin"] for r in rows]).values_list("vin", "pk"))
    clean = validator(delivery_form(), per_row_form)
    made = []
    for number, row in enumerate(rows, start=2):
        data = clean(row, number)
        store_id = stores.get(data["store"])
        if store_id is None or orders.get(data["order"]) != store_id or data["vin"] not in vehicles:
            raise Rejected(f"line {number}: unknown store, order or vehicle")
        made.append(Delivery(store_id=store_id, order_id=data["order"], vehicle_id=vehicles[data["vin"]],
                             scheduled_for=data["scheduled_for"], delivered_at=data["delivered_at"],
                             **{name: bool(data[name]) for name in CHECKS}))
    with transaction.atomic():
        Delivery.objects.bulk_create(made, batch_size=2000)
    return len(made)


def bound(kind: str, path: Path) -> tuple[int, float]:
    """Resolve and type the rows (not timed), then time the project's BulkWriter on them."""
    from django.db import transaction

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.demo_data.bulk import BulkWriter
    from dealerkpi.org.models import Staff, Store
    from dealerkpi.sales.models import Delivery
    from dealerkpi.stock.models import Vehicle

    rows = read_rows(path)
    stores = dict(Store.objects.values_list("code", "pk"))
    when = lambda text: datetime.datetime.fromisoformat(text) if text else None  # noqa: E731
    day = lambda text: datetime.date.fromisoformat(text) if text else None  # noqa: E731
    writer = BulkWriter()
    if kind == "follow_ups":
        staff = dict(Staff.objects.values_list("employee_no", "pk"))
        table = writer.table(FollowUp, ("id", "store_id", "lead_id", "staff_id", "at", "channel", "outcome",
                                        "grade_after", "due_on", "next_due_on", "note"))
        tuples = [(stores[r["store"]], int(r["lead"]), staff[r["staff"]], when(r["at"]), r["channel"], r["outcome"],
                   r["grade_after"], day(r["due_on"]), day(r["next_due_on"]), r["note"]) for r in rows]
    else:
        vehicles = dict(Vehicle.objects.filter(vin__in=[r["vin"] for r in rows]).values_list("vin", "pk"))
        table = writer.table(Delivery, ("id", "store_id", "order_id", "vehicle_id", "scheduled_for", "delivered_at",
                                        *CHECKS))
        tuples = [(stores[r["store"]], int(r["order"]), vehicles[r["vin"]], when(r["scheduled_for"]),
                   when(r["delivered_at"]), *(r[name] == "1" for name in CHECKS)) for r in rows]
    started = time.perf_counter()
    with transaction.atomic():
        for values in tuples:
            table.add((table.new_id(), *values))
        writer.close()
    return len(tuples), time.perf_counter() - started


def child(args: argparse.Namespace) -> None:
    setup_django(args.database_url)
    from django.db import transaction

    from dealerkpi.crm.models import FollowUp
    from dealerkpi.sales.models import Delivery

    model = FollowUp if args.kind == "follow_ups" else Delivery
    before = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    suffix = ".xlsx" if args.way == "xlsx" else ".csv"
    path = folder(args.database_url) / f"{args.kind}{suffix}"
    if args.way == "bound":
        rows, seconds = bound(args.kind, path)
    else:
        started = time.perf_counter()
        function = import_follow_ups if args.kind == "follow_ups" else import_deliveries
        rows = function(path, per_row_form=args.way != "fields")
        seconds = time.perf_counter() - started
    written = model.objects.filter(pk__gt=before).count()
    with transaction.atomic():
        model.objects.filter(pk__gt=before)._raw_delete("default")
    if args.way == "bound" and not is_sqlite(args.database_url):
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:  # the writer moved the sequence past its ids: put it back
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
    emit({"kind": args.kind, "way": args.way, "rows": rows, "written": written, "seconds": round(seconds, 3),
          "rows_per_second": round(rows / seconds), "peak_rss_mb": round(peak_rss_mb(), 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--follow-ups", type=int, default=200000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kind", default="follow_ups", help=argparse.SUPPRESS)
    parser.add_argument("--way", default="importer", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    prepare(args.database_url, args.follow_ups)
    found = {}
    for kind, ways in (("follow_ups", ("bound", "importer", "fields", "xlsx")),
                       ("deliveries", ("bound", "importer", "fields"))):
        for way in ways:
            results = [run_child("imports.py", ["--database-url", args.database_url, "--kind", kind, "--way", way])
                       for _ in range(args.repeat)]
            print(results, flush=True)
            found[f"{kind}/{way}"] = {"rows": results[0]["rows"], "written": results[0]["written"],
                                      "seconds": spread([r["seconds"] for r in results]),
                                      "rows_per_second": spread([r["rows_per_second"] for r in results]),
                                      "peak_rss_mb": spread([r["peak_rss_mb"] for r in results])}
    for kind in ("follow_ups", "deliveries"):
        found[f"{kind}/bound_over_importer"] = round(
            found[f"{kind}/bound"]["rows_per_second"]["median"]
            / found[f"{kind}/importer"]["rows_per_second"]["median"], 1)
    record("imports", {"database": args.database_url, **found})


if __name__ == "__main__":
    main()

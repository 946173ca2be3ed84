"""A set-based writer: rows as tuples in a fixed column order, written with COPY on PostgreSQL and one
``executemany`` INSERT on SQLite, with primary keys assigned in Python so children can point at parents
without reading anything back.

Usage::

    writer = BulkWriter()
    leads = writer.table(Lead, ("id", "store_id", "customer_id", ...))
    lead_id = leads.new_id()
    leads.add((lead_id, store_id, customer_id, ...))
    writer.maybe_flush()  # writes when enough rows wait
    writer.close()  # writes the rest and, on PostgreSQL, moves the id sequences past the new rows

Rows skip ``save()``, signals and validation: the caller is responsible for consistency (the generator's tests
check it). Datetimes must be aware. Tables are flushed in the order they were registered (parents first);
foreign keys are deferred to commit on both databases, so write inside ``transaction.atomic()``. For large
loads on PostgreSQL, ``foreign_keys_checked_at_end()`` replaces the per-row checks by one pass per key.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import islice
from operator import itemgetter
from typing import Any

import orjson
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Field, JSONField, Max, Model

Row = tuple[Any, ...]


def _sqlite_datetime(value: datetime.datetime) -> str:
    # What Django itself stores on SQLite with USE_TZ: naive UTC, str() format.
    return str(value.astimezone(datetime.UTC).replace(tzinfo=None))


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


_SQLITE_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": _sqlite_datetime,
    "DateField": _isoformat,
    "TimeField": _isoformat,
    "DecimalField": str,
}


class Table:
    """The pending rows of one model and the next primary key to hand out."""

    def __init__(self, writer: BulkWriter, model: type[Model], columns: Sequence[str], next_id: int) -> None:
        self.writer = writer
        self.model = model
        self.columns = tuple(columns)
        self.fields = [model._meta.get_field(name) for name in self.columns]
        self.db_columns = [f.column for f in self.fields]
        self.rows: list[Row] = []
        self._next_id = next_id
        self.converters = [
            (i, _SQLITE_CONVERTERS[f.get_internal_type()])
            for i, f in enumerate(self.fields)
            if f.get_internal_type() in _SQLITE_CONVERTERS
        ]

    def new_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)


class BulkWriter:
    def __init__(self, using: str = DEFAULT_DB_ALIAS, flush_rows: int = 50_000) -> None:
        self.using = using
        self.connection = connections[using]
        self.flush_rows = flush_rows
        self.tables: dict[type[Model], Table] = {}
        self.written: Counter[type[Model]] = Counter()

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    def table(self, model: type[Model], columns: Sequence[str]) -> Table:
        """Register ``model`` (once) with its column order; ids continue from the table's highest."""
        if model in self.tables:
            table = self.tables[model]
            if table.columns != tuple(columns):
                raise ValueError(f"{model.__name__} is already registered with other columns")
            return table
        highest = model._default_manager.using(self.using).aggregate(m=Max("pk"))["m"] or 0
        table = Table(self, model, columns, highest + 1)
        self.tables[model] = table
        return table

    def pending(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())

    def maybe_flush(self) -> None:
        if self.pending() >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        for table in self.tables.values():
            if table.rows:
                rows, table.rows = table.rows, []
                self._write(table, rows)
                self.written[table.model] += len(rows)

    def close(self) -> None:
        self.flush()
        self.reset_sequences()

    @contextmanager
    def foreign_keys_checked_at_end(self, models: Iterable[type[Model]]) -> Iterator[None]:
        """On PostgreSQL, drop the foreign keys of ``models``' tables for the load and add them back after.

        Checking a deferred foreign key costs one lookup per row at commit, half the time of a large load;
        adding the constraint back validates all rows in one set-based pass instead. Must run inside a
        transaction (DDL is transactional on PostgreSQL), so a failure anywhere restores the constraints.
        Elsewhere (SQLite checks deferred keys cheaply) it only flushes at the end.
        """
        if self.vendor != "postgresql":
            yield
            self.flush()
            return
        if self.connection.get_autocommit():
            raise RuntimeError("foreign_keys_checked_at_end() needs a transaction (transaction.atomic())")
        qn = self.connection.ops.quote_name
        tables = [m._meta.db_table for m in models]
        with self.connection.cursor() as cursor:
            # Pending deferred checks (rows written earlier in the transaction) would block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = ANY(%s) "
                "ORDER BY c.relname, k.conname",
                [tables],
            )
            constraints = cursor.fetchall()
            for table, name, _ in constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        yield
        self.flush()
        with self.connection.cursor() as cursor:
            for table, name, definition in constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def reset_sequences(self) -> None:
        """After explicit ids, PostgreSQL's sequences must move past them (SQLite's AUTOINCREMENT follows)."""
        if self.vendor != "postgresql" or not self.tables:
            return
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    # --- the two paths ---------------------------------------------------------------------------------

    def _write(self, table: Table, rows: list[Row]) -> None:
        if self.vendor == "postgresql":
            self._copy(table, rows)
        else:
            self._executemany(table, rows)

    def _copy(self, table: Table, rows: Iterable[Row]) -> None:
        copy_rows(self.connection, table.model._meta.db_table, table.db_columns, rows)

    def _executemany(self, table: Table, rows: list[Row]) -> None:
        converters = table.converters
        if converters:
            rows = [_convert(row, converters) for row in rows]
        insert_many(self.connection, table.model._meta.db_table, table.db_columns, rows)


def insert_many(connection: Any, table: str, columns: Sequence[str], rows: Iterable[Row],
                key: Sequence[str] = ()) -> None:
    """One prepared INSERT executed for every row (SQLite), 10,000 rows a call; values as the driver adapts them.
    With `key` (the columns of a unique constraint), a row whose key is already there replaces that row's other
    columns."""
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
           f"{_on_conflict_replace(qn, columns, key) if key else ''}")
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, 10_000)):
            cursor.executemany(sql, chunk)


def _on_conflict_replace(qn: Callable[[str], str], columns: Sequence[str], key: Sequence[str]) -> str:
    replaced = ", ".join(f"{qn(column)} = EXCLUDED.{qn(column)}" for column in columns if column not in key)
    return f" ON CONFLICT ({', '.join(qn(column) for column in key)}) DO UPDATE SET {replaced}"


def copy_rows(connection: Any, table: str, db_columns: Sequence[str], rows: Iterable[Row]) -> None:
    """COPY ... FROM STDIN (PostgreSQL) of rows: tuples in the order of `db_columns`, values psycopg adapts."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in db_columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)


FieldValues = dict[str, Any]  # a row to insert, by field attname


def insert_field_values(model: type[Model], rows: list[FieldValues], replacing: Sequence[str] = ()) -> None:
    """Rows given as field values (every row the same fields): COPY on PostgreSQL, one prepared INSERT executed for
    every row elsewhere (``insert_many``). With ``replacing`` (the fields of a unique constraint), a row whose key
    is already there replaces that row's other fields. Neither builds a model instance nor prepares value by value
    as bulk_create does: COPY writes about ten times as many rows a second as bulk_create's INSERT ... UNNEST arrays,
    which psycopg quotes value by value (a JSON value by a regular expression per character to escape), and on
    SQLite bulk_create's instances and per-value preparation were most of writing a run's statements."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    columns = [field.column for field in fields]
    encoders = [(i, encode) for i, field in enumerate(fields) if (encode := _encoder(field, connection.vendor))]
    values = _encoded(rows, names, encoders)
    key = [model._meta.get_field(name).column for name in replacing]
    if connection.vendor != "postgresql":
        insert_many(connection, model._meta.db_table, columns, values, key)
    elif key:
        _copy_replacing(connection, model._meta.db_table, columns, key, values)
    else:
        copy_rows(connection, model._meta.db_table, columns, values)


def _encoded(rows: list[FieldValues], names: list[str], encoders: list[tuple[int, Callable[[Any], Any]]]
             ) -> Iterator[Row]:
    """Each row's values in the order of `names`, those at the encoders' positions encoded (None stays None)."""
    values_of = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    for row in rows:
        values = values_of(row)
        if encoders:
            values = list(values)
            for i, encode in encoders:
                if values[i] is not None:
                    values[i] = encode(values[i])
        yield tuple(values)


def _encoder(field: Field, vendor: str) -> Callable[[Any], Any] | None:
    """How a value of the field is written, where the driver's own adaptation is not what Django writes: JSON as
    text (which COPY's text format hands to the column as it is, no adapter object per value; the same value as
    Django's json.dumps writes, without its spaces), and on SQLite timestamps, days and amounts as Django stores
    them there."""
    if isinstance(field, JSONField):
        return partial(_json_text, (field.encoder or json.JSONEncoder)().default)
    return None if vendor == "postgresql" else _SQLITE_CONVERTERS.get(field.get_internal_type())


# What orjson writes as json.dumps would, but for the spaces: keys that are not text written as text; days, times
# and dataclasses handed to the field's encoder, which writes them its own way or refuses them, as json.dumps does.
_AS_JSON_DUMPS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_text(default: Callable[[Any], Any], value: object) -> str:
    """A JSON value as text, compact, Chinese as it is. orjson, not json.dumps: a run writes hundreds of thousands
    of JSON values (the deals behind each line), and json.dumps took about a tenth of the run's Python time."""
    return orjson.dumps(value, default=default, option=_AS_JSON_DUMPS).decode()


def _copy_replacing(connection: Any, table: str, columns: list[str], key: list[str], rows: Iterable[Row]) -> None:
    """COPY into a temporary table, then one INSERT ... ON CONFLICT (key) DO UPDATE from it."""
    qn, staging = connection.ops.quote_name, f"new_{table}"
    listed = ", ".join(qn(column) for column in columns)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(staging)} AS SELECT {listed} FROM {qn(table)} WITH NO DATA")
        copy_rows(connection, staging, columns, rows)
        cursor.execute(f"INSERT INTO {qn(table)} ({listed}) SELECT {listed} FROM {qn(staging)}"
                       f"{_on_conflict_replace(qn, columns, key)}")
        cursor.execute(f"DROP TABLE {qn(staging)}")


def _convert(row: Row, converters: list[tuple[int, Callable[[Any], Any]]]) -> Row:
    values = list(row)
    for i, convert in converters:
        value = values[i]
        if value is not None:
            values[i] = convert(value)
    return tuple(values)

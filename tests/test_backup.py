"""`dealerkpi backup` and `dealerkpi restore`, a round trip on the database the suite runs on. SQLite: back up, change
rows, restore in place. PostgreSQL: back up the test database and restore the file into a scratch database with the
command line, as an operator would (never into the test database itself); then compare row counts."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model
from django.utils import translation

from dealerkpi.catalog.models import Brand
from dealerkpi.crm.models import FollowUp, Lead
from dealerkpi.org.models import Staff, Store, User
from dealerkpi.sales.models import Delivery, Order, OrderCredit
from tests.world import build_world

MODELS: tuple[type[Model], ...] = (Store, Staff, User, Brand, Lead, FollowUp, Order, OrderCredit, Delivery)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite leg")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL leg")
# Committed rows: pg_dump reads from another connection, and SQLite's backup API restores outside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> dict[str, int]:
    return {model._meta.db_table: model.objects.count() for model in MODELS}


@pytest.fixture
def world_counts() -> dict[str, int]:
    build_world()
    return counts()


@on_sqlite
def test_sqlite_backup_is_a_plain_copy_and_restore_brings_the_rows_back(
    tmp_path: Path, world_counts: dict[str, int]
) -> None:
    backup = tmp_path / "dealerkpi.sqlite3"
    call_command("backup", str(backup))
    with closing(sqlite3.connect(backup)) as copy:
        copied = {table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in world_counts}
    assert copied == world_counts

    FollowUp.objects.all().delete()
    Brand.objects.create(name="after the backup")
    call_command("restore", str(backup), interactive=False)
    assert counts() == world_counts
    assert not Brand.objects.filter(name="after the backup").exists()


@on_sqlite
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with translation.override("en"), pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(junk), interactive=False)
    with translation.override("en"), pytest.raises(CommandError, match="no file"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), interactive=False)


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def scratch_database() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restore"
    with psycopg.connect(_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@on_postgresql
def test_postgresql_backup_restores_into_another_database(
    tmp_path: Path, world_counts: dict[str, int], scratch_database: str
) -> None:
    backup = tmp_path / "dealerkpi.dump"
    call_command("backup", str(backup))
    restored = subprocess.run(
        [sys.executable, "-m", "dealerkpi.cli", "restore", str(backup), "--no-input"],
        env={**os.environ, "DATABASE_URL": _url(scratch_database)}, capture_output=True, text=True, check=False,
    )
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(_url(scratch_database)) as scratch:
        found = {table: scratch.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in world_counts}
    assert found == world_counts


@on_postgresql
def test_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with translation.override("en"), pytest.raises(CommandError, match="pg_dump is not installed"):
        call_command("backup", str(tmp_path / "dealerkpi.dump"))

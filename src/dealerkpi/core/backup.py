"""A backup of the whole database in one file, and its restore (`dealerkpi backup FILE`, `dealerkpi restore FILE`).

SQLite: the online backup API, a consistent copy while the site runs, written as a plain SQLite file. PostgreSQL:
pg_dump's custom format, restored by pg_restore in one transaction; PostgreSQL's client programs must be installed.
A backup is written beside its file and renamed into place, so the file is a whole backup or untouched."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient
from django.utils.translation import gettext as _


class BackupError(Exception):
    """Why a backup or a restore was not made."""


def backup(path: Path, alias: str = DEFAULT_DB_ALIAS) -> None:
    connection = _supported(connections[alias])
    if not path.parent.is_dir():
        raise BackupError(_("There is no folder %(folder)s.") % {"folder": path.parent})
    partial = path.with_name(f".{path.name}.partial")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(connection, partial)
        else:
            _run(*_pg_command("pg_dump", connection, "--format=custom", f"--file={partial}"))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def restore(path: Path, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the database's tables and their rows with those of the backup at ``path``."""
    connection = _supported(connections[alias])
    if not path.is_file():
        raise BackupError(_("There is no file %(file)s.") % {"file": path})
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, path)
    else:
        # "--dbname" last: Django's client arguments end with the database's name.
        command, env = _pg_command("pg_restore", connection, "--clean", "--if-exists", "--no-owner",
                                   "--no-privileges", "--single-transaction", "--dbname")
        _run([*command, str(path)], env)


def database_name(alias: str = DEFAULT_DB_ALIAS) -> str:
    return str(connections[alias].settings_dict["NAME"])


def _supported(connection: BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("Backups are made of SQLite and PostgreSQL databases, not %(vendor)s.")
                          % {"vendor": connection.display_name})
    return connection


def _sqlite_backup(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()


def _sqlite_restore(connection: BaseDatabaseWrapper, path: Path) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check_sqlite_backup(source, path)
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _check_sqlite_backup(source: sqlite3.Connection, path: Path) -> None:
    try:
        found = source.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
    except sqlite3.DatabaseError:  # not an SQLite file at all
        found = None
    if not found:
        raise BackupError(_("%(file)s is not a backup of dealerkpi.") % {"file": path})


def _pg_command(program: str, connection: BaseDatabaseWrapper, *options: str) -> tuple[list[str], dict[str, str]]:
    """The program's command line and environment for the connection (password and TLS settings in the
    environment, as Django's dbshell passes them)."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(_("%(program)s is not installed: install PostgreSQL's client programs "
                            "(on Debian: apt-get install postgresql-client).") % {"program": program})
    args, env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, list(options))
    return [executable, *args[1:]], {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or _("%(program)s failed.") % {"program": Path(command[0]).name})

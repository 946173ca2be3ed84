"""`dealerkpi backup FILE`: the whole database in one file, while the site runs (see core.backup, docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.backup import BackupError, backup, database_name


class Command(BaseCommand):
    help = gettext_lazy("Back the database up into FILE: SQLite as an SQLite file, PostgreSQL in pg_dump's "
                        "custom format.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backed up %(database)s to %(file)s.")
                          % {"database": database_name(), "file": options["file"]})

"""`dealerkpi restore FILE`: replace the database with a backup made by `dealerkpi backup` (see core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.backup import BackupError, database_name, restore


class Command(BaseCommand):
    help = gettext_lazy("Replace the database's tables and rows with those of a backup made by `dealerkpi backup`.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help=gettext_lazy("Do not ask for confirmation."))

    def handle(self, *args: Any, **options: Any) -> None:
        names = {"database": database_name(), "file": options["file"]}
        if options["interactive"]:
            question = _("This replaces everything in %(database)s with %(file)s. Type 'yes' to go on: ") % names
            if input(question) != "yes":
                raise CommandError(_("Nothing was restored."))
        try:
            restore(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Restored %(database)s from %(file)s.") % names)

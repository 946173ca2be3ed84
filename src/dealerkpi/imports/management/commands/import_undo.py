"""`dealerkpi import_undo BATCH`: delete what an import made (records of the kinds that make records), unless
something made since depends on it: then nothing is deleted and what depends on it is printed (status 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from dealerkpi.core.commands import acting_for, add_acting_option
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.imports.undo import undo


class Command(BaseCommand):
    help = "Undo an import (its number: the page's history, or what dealerkpi import printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch", type=int, help="the import's number")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=[c for c, _ in settings.LANGUAGES],
                            help="language of the messages (default: the site's)")
        add_acting_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]), acting_for(options):
            done = undo(options["batch"], Viewer(Reach.EVERYTHING))
        if done.batch is None:
            raise CommandError(f"import #{options['batch']} made no records, or was undone already", returncode=2)
        if not done.ok:
            for text in done.blockers:
                self.stdout.write(f"- {text}")
            raise CommandError("records made since depend on this import; nothing was deleted", returncode=1)
        self.stdout.write(f"import #{options['batch']} undone: {done.deleted:,} records deleted.")

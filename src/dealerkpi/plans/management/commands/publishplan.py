"""`dealerkpi publishplan FILE ... [--as USERNAME]`: validate a plan document and publish it as the plan's next
version, audited as the user named by ``--as`` (else ``cli:<login>``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerkpi.core.commands import acting_for, add_acting_option
from dealerkpi.org.models import DealerGroup, Store
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, parse_plan_document, publish_version


class Command(BaseCommand):
    help = "Publish a KPI plan document (YAML) as a new version of a group's (or store's) plan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--group", required=True, help="dealer group code")
        parser.add_argument("--code", help="plan code (default: the file name without .yaml)")
        parser.add_argument("--store", help="store code, for a store's own plan")
        parser.add_argument("--from", dest="period", required=True, help="first month in force, YYYY-MM")
        parser.add_argument("--note", default="", help="what changed")
        add_acting_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_for(options):
            self.publish(options)

    def publish(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            document = path.read_text(encoding="utf-8")
            engine_plan = parse_plan_document(document, source=path.name)
            period = Period.parse(options["period"])
            group = DealerGroup.objects.get(code=options["group"])
            store = Store.objects.get(code=options["store"], region__group=group) if options["store"] else None
        except (OSError, ValueError, ValidationError, DealerGroup.DoesNotExist, Store.DoesNotExist) as error:
            raise CommandError(self._message(error)) from error
        plan, _ = Plan.objects.get_or_create(
            group=group, code=options["code"] or path.stem,
            defaults={"store": store, "name": engine_plan.name, "role": engine_plan.role},
        )
        try:
            version = publish_version(plan, document, period.first_day, note=options["note"])
        except ValidationError as error:
            raise CommandError(self._message(error)) from error
        self.stdout.write(f"published {version}")

    @staticmethod
    def _message(error: Exception) -> str:
        if isinstance(error, ValidationError):
            return "\n".join(f"{field}: {m}" for field, messages in error.message_dict.items() for m in messages)
        return str(error)

"""`dealerkpi demo`: migrate, generate the demo dealer group once, print one login per role, serve."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from dealerkpi.org.models import DealerGroup, Role, Staff

DEMO_PASSWORD = "demo1234"
DEMO_SEED = 1
ROLES_SHOWN = (
    Role.CONSULTANT, Role.SUPERVISOR, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.HR, Role.HEAD_OFFICE,
)


def demo_logins() -> list[Staff]:
    """One current staff member per role, in the first store (head office: the group-wide one)."""
    active = Staff.objects.filter(leave_date__isnull=True, user__isnull=False).select_related("store", "user")
    first_store = active.exclude(store=None).order_by("store__code").values_list("store_id", flat=True).first()
    logins = []
    for role in ROLES_SHOWN:
        candidates = active.filter(role=role).order_by("employee_no")
        if role == Role.HEAD_OFFICE:
            candidates = candidates.filter(region__isnull=True)
        else:
            candidates = candidates.filter(store_id=first_store)
        staff = candidates.first()
        if staff is not None:
            logins.append(staff)
    return logins


class Command(BaseCommand):
    help = "Set up and serve the demo dealer group on http://127.0.0.1:8000 (reuses what is there)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Prepare the demo and print logins only.")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not DealerGroup.objects.exists():
            call_command("generate", scale="S", seed=DEMO_SEED)
        self.print_logins(options["addrport"])
        if not options["no_serve"]:
            worker = subprocess.Popen([sys.executable, "-m", "dealerkpi.cli", "run_huey", "--quiet"])
            try:
                call_command("runserver", options["addrport"], use_reloader=False)
            finally:
                worker.terminate()

    def print_logins(self, addrport: str) -> None:
        table = Table(title=f"Demo logins — http://{addrport}/ (password for all: {DEMO_PASSWORD})")
        for column in ("role", "username", "name", "store"):
            table.add_column(column)
        for staff in demo_logins():
            table.add_row(staff.get_role_display(), staff.user.username, staff.name,
                          staff.store.name if staff.store else "—")
        Console(file=self.stdout).print(table)

"""The `dealerkpi` command: Django's management commands (generate, demo, migrate...) plus `plan`."""

import os
import sys

from django.core.management import execute_from_command_line

from dealerkpi import __version__
from dealerkpi.plans.engine.cli import main as plan_main


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--version"]:
        print(f"dealerkpi {__version__}")
        return 0
    if args[:1] == ["plan"]:
        return plan_main(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealerkpi.settings")
    if args[:1] == ["demo"]:
        os.environ.setdefault("DEALERKPI_DEV", "1")  # the demo runs with no environment (settings.DEV)
    execute_from_command_line(["dealerkpi", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())

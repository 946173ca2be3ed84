"""What the commands that change audited records share: whom they act as. ``--as USERNAME`` names the user the
audit trail records; without it the changes are recorded as the command line's, ``cli:<login>``."""

from __future__ import annotations

import getpass
from contextlib import AbstractContextManager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.audit import acting_as


def add_acting_option(parser: CommandParser) -> None:
    parser.add_argument("--as", dest="acting_as", metavar="USERNAME",
                        help=gettext_lazy("the user the audit trail records for this command's changes "
                                          "(default: cli:<your login>)"))


def acting_for(options: dict[str, Any]) -> AbstractContextManager[None]:
    """``acting_as`` the user named by ``--as`` (an active login), else the command line."""
    username = options.get("acting_as")
    if not username:
        return acting_as(None, name=f"cli:{getpass.getuser()}")
    users = get_user_model()
    user = users._default_manager.filter(**{users.USERNAME_FIELD: username}, is_active=True).first()
    if user is None:
        raise CommandError(_("There is no active user %(username)s.") % {"username": username})
    return acting_as(user)

"""`dealerkpi apitoken create USERNAME NAME | revoke PREFIX | list [USERNAME]`: API tokens from the command line, for
setting up an integration on the server. The key of a new token is printed once; creation and revocation are audited
as the user named by ``--as`` (else ``cli:<login>``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dealerkpi.api import tokens
from dealerkpi.api.models import PREFIX_LENGTH, ApiToken
from dealerkpi.core.commands import acting_for, add_acting_option
from dealerkpi.org.models import User


class Command(BaseCommand):
    help = "Create, revoke and list API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a token for a user; prints its key once")
        create.add_argument("username")
        create.add_argument("name", help="what the token is for, e.g. 'DMS nightly sync'")
        add_acting_option(create)
        revoke = actions.add_parser("revoke", help="revoke a token by the first characters of its key")
        revoke.add_argument("prefix")
        add_acting_option(revoke)
        listing = actions.add_parser("list", help="the tokens (of one user)")
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user %(username)s.") % {"username": options["username"]})
        with acting_for(options):
            made = tokens.create_token(user, options["name"])
        self.stdout.write(made.key)
        self.stderr.write(_("Keep this key: it is shown only this once."))

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(prefix=options["prefix"][:PREFIX_LENGTH]).first()
        if token is None:
            raise CommandError(_("No token's key starts with %(prefix)s.") % {"prefix": options["prefix"]})
        with acting_for(options):
            revoked = tokens.revoke(token)
        self.stdout.write(_("Revoked.") if revoked else _("It was revoked already."))

    def _list(self, options: dict[str, Any]) -> None:
        listed = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options["username"]:
            listed = listed.filter(user__username=options["username"])
        for token in listed:
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-"
            self.stdout.write(f"{token.prefix}\t{token.user.username}\t{token.name}\t"
                              f"{token.created_at:%Y-%m-%d %H:%M}\t{used}\t{state}")

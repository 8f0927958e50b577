"""`sladesk token create|list|revoke`: personal tokens for the REST API."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sladesk.people.models import ApiToken, User

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Issue, list and revoke personal API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        create = commands.add_parser("create", help="issue a token and print it, once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        show = commands.add_parser("list", help="list tokens (prefix, person, name, use)")
        show.add_argument("username", nargs="?", help="only this person's tokens")
        revoke = commands.add_parser("revoke", help="revoke a token, named by its prefix")
        revoke.add_argument("prefix", help="the first 12 characters, as `token list` shows")

    def handle(self, *args, **options) -> None:
        if options["command"] == "create":
            self._create(options["username"], options["name"])
        elif options["command"] == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"there is no active person {username!r}", returncode=USAGE_ERROR)
        token, secret = ApiToken.create(user=user, name=name)
        # The secret alone on stdout, so that `TOKEN=$(sladesk token create bob)` works.
        self.stdout.write(secret)
        self.stderr.write(f"{token.prefix}… for {user.username}: it is not shown again")

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
            state = "revoked" if t.revoked else "active"
            self.stdout.write(f"{t.prefix}\t{t.user.username}\t{state}\tused {used}\t{t.name}")

    def _revoke(self, prefix: str) -> None:
        matching = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(matching) != 1:
            found = "no active token" if not matching else "more than one active token"
            raise CommandError(f"{found} starts with {prefix!r}", returncode=USAGE_ERROR)
        matching[0].revoke()
        self.stdout.write(f"{prefix}… revoked")

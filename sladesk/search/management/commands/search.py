"""`sladesk search reindex [--kind article|ticket]`: rebuild the search index from the
articles and the tickets (each kind from the source its app registered)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from sladesk.search import index
from sladesk.search.models import Kind

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "The search index of articles and resolved tickets."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        reindex = commands.add_parser(
            "reindex", help="rebuild the index from the articles and the tickets"
        )
        reindex.add_argument(
            "--kind", choices=Kind.values, help="only this kind (default: every kind)"
        )

    def handle(self, *args, **options) -> None:
        sources = index.sources()
        kind = options["kind"]
        if kind is not None and kind not in sources:
            raise CommandError(
                f"no source of {kind} documents is registered (is its app installed?)",
                returncode=USAGE_ERROR,
            )
        for name in [kind] if kind else sorted(sources):
            started = time.monotonic()
            count = index.reindex(name)
            took = time.monotonic() - started
            self.stdout.write(f"{name}: {count} documents indexed in {took:.1f} s")

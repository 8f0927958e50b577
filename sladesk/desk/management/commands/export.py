"""`sladesk export events`: the SLA event stream of stored tickets, for `sladesk sla compute`."""

from __future__ import annotations

import sys

import orjson
from django.core.management.base import BaseCommand, CommandError

from sladesk.desk.models import TicketEvent
from sladesk.sla.clocks import engine_event
from sladesk.sla.models import SlaVersion

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Export stored data; `export events` writes the JSON Lines that `sla compute` reads."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
        events = commands.add_parser("events", help="ticket events as the SLA engine reads them")
        events.add_argument("--version", type=int, help="only tickets measured by SLA version N")
        events.add_argument("--ticket", action="append", help="only this ticket (repeatable)")
        events.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        rows = TicketEvent.objects.filter(sla__isnull=False)
        if options["version"] is not None:
            if not SlaVersion.objects.filter(number=options["version"]).exists():
                raise CommandError(
                    f"there is no SLA version {options['version']}", returncode=USAGE_ERROR
                )
            rows = rows.filter(ticket__sla_version__number=options["version"])
        if options["ticket"]:
            rows = rows.filter(ticket__number__in=options["ticket"])
        rows = rows.order_by("ticket_id", "seq").values_list("ticket__number", "at", "sla")
        out = open(options["output"], "wb") if options["output"] else sys.stdout.buffer  # noqa: SIM115
        try:
            for number, at, sla in rows.iterator(chunk_size=5000):
                out.write(orjson.dumps(engine_event(number, at, sla)) + b"\n")
        finally:
            if out is not sys.stdout.buffer:
                out.close()

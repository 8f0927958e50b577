"""`sladesk worker`: run background work (timers, notifications, mail, auto-close)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from sladesk.worker import runner, schedule


class Command(BaseCommand):
    help = "Run background work: SLA timers, notifications, mail polling, auto-close."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--id", default="", help="this worker's name (default host:pid)")
        parser.add_argument(
            "--once",
            action="store_true",
            help="run every job once now, print what each did, and exit (for cron or a check)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["once"]:
            done = schedule.run_all_now()
            self.stdout.write(json.dumps(done, default=str))
            return
        runner.run(str(options["id"]) or runner.worker_id())

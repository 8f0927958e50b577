"""`sladesk demo`: load the demo service desk (sladesk/desk/demo.py) into an empty database."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from sladesk.desk import demo


class Command(BaseCommand):
    help = (
        "Load demo data: departments, people, teams, services and three months of tickets. "
        "Does nothing if the database already has data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=demo.SEED, help="random seed")
        parser.add_argument("--tickets", type=int, default=300, help="how many tickets")

    def handle(self, *args, **options) -> None:
        found = demo.existing_data()
        if found:
            self.stdout.write(f"The database already has data ({found}): no demo data added.")
            return
        started = time.perf_counter()
        summary = demo.load(now=timezone.now(), seed=options["seed"], tickets=options["tickets"])
        summary.seconds = time.perf_counter() - started
        self.stdout.write(summary.line())
        user, password = demo.ADMIN_LOGIN
        self.stdout.write(
            self.style.WARNING(
                "Demo logins - demo passwords, for trying sladesk out only; change or delete "
                "these people before real use:\n"
                f"  {user} / {password}  administrator\n"
                f"  {demo.REQUESTER_LOGIN} / {demo.DEMO_PASSWORD}  requester (财务部 张三)\n"
                f"  {demo.AGENT_LOGIN} / {demo.DEMO_PASSWORD}  agent (一线支持 李四)\n"
                f"  every other demo person: password {demo.DEMO_PASSWORD}"
            )
        )

"""`sladesk demo`: three months of a small company's service desk, replayed through actions."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import Avg, Count
from django.utils import timezone

from sladesk.desk import demo
from sladesk.desk.models import EventKind, Status, Ticket, TicketEvent
from sladesk.engine.cli import main as engine_main
from sladesk.people.models import User
from sladesk.sla.models import Clock
from tests.desk.conftest import DEFAULT_SLA


def test_sladesk_demo_fills_an_empty_database_once(db, tmp_path, capsys):
    # One load for all the checks: it replays about 1,700 actions, and a fixture shared by
    # several tests would be loaded once per pytest-xdist worker.
    out = io.StringIO()
    call_command("demo", stdout=out)
    printed = out.getvalue()
    assert "Demo data: 300 tickets (P1 " in printed
    three_months_of_tickets_of_every_priority()
    tickets_in_every_status_with_breaches_ratings_and_history()
    the_seed_templates_example_ticket()
    the_printed_demo_logins_work(printed)
    every_stored_clock_equals_sla_compute_over_the_exported_events(tmp_path, capsys)
    history_sends_nothing_and_open_tickets_have_alarms_to_come()
    the_catalog_an_agreement_and_outages_are_there()
    a_second_run_adds_nothing()


def the_catalog_an_agreement_and_outages_are_there() -> None:
    from sladesk.agreements.models import Agreement
    from sladesk.catalog.models import Outage
    from sladesk.desk.models import Service

    assert Service.objects.exclude(calendar="").count() == 4
    [agreement] = Agreement.objects.all()
    assert agreement.customer.code == "finance" and agreement.status == "active"
    assert Outage.objects.count() == 3


def history_sends_nothing_and_open_tickets_have_alarms_to_come() -> None:
    from sladesk.notify.models import Notification, Timer

    assert not Notification.objects.filter(state="pending").exists()
    assert not Timer.objects.filter(state="pending", due_at__lte=timezone.now()).exists()
    assert Timer.objects.filter(state="pending").exists()


def three_months_of_tickets_of_every_priority() -> None:
    tickets = Ticket.objects.all()
    assert tickets.count() == 300
    now = timezone.now()
    first, last = min(t.created_at for t in tickets), max(t.updated_at for t in tickets)
    assert now - timedelta(days=92) < first < now - timedelta(days=80) and last <= now
    count = dict(tickets.values_list("priority").annotate(n=Count("id")))
    assert count["P1"] < count["P2"] < count["P3"] < count["P4"]


def tickets_in_every_status_with_breaches_ratings_and_history() -> None:
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses >= {
        Status.NEW,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.WAITING_REQUESTER,
        Status.RESOLVED,
        Status.CLOSED,
    }
    for metric in ("response", "resolution"):
        assert Clock.objects.filter(metric=metric, breached_at__isnull=False).exists()
        assert Clock.objects.filter(metric=metric, met=True).exists()
    assert Clock.objects.filter(state="running").exists()
    assert Clock.objects.filter(state="paused").exists()  # waiting on the requester
    rated = Ticket.objects.filter(rating__isnull=False)
    assert set(rated.values_list("rating", flat=True)) == {1, 2, 3, 4, 5}
    assert rated.aggregate(avg=Avg("rating"))["avg"] >= 4
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    assert kinds >= {
        EventKind.ESCALATED,
        EventKind.PRIORITY,
        EventKind.REJECTED,
        EventKind.REOPENED,
        EventKind.CLOSED,  # closed by sladesk: the requester never confirmed
        EventKind.RATED,
    }
    overrides = TicketEvent.objects.filter(kind=EventKind.PRIORITY)
    assert not overrides.filter(body="").exists()  # with reasons


def the_seed_templates_example_ticket() -> None:
    ticket = Ticket.objects.get(subject="报表系统无法登录，影响月度结账")
    local = timezone.localtime(ticket.created_at)
    assert (local.hour, local.minute) == (9, 0) and local.date() < timezone.localdate()
    assert (ticket.organisation.name, ticket.requester.full_name) == ("财务部", "张三")
    assert (ticket.priority, ticket.assignee.full_name) == ("P1", "李四")
    assert ticket.first_response_at - ticket.created_at == timedelta(minutes=10)
    assert ticket.resolved_at - ticket.created_at == timedelta(hours=3, minutes=30)
    assert (ticket.status, ticket.rating) == (Status.CLOSED, 5)
    assert ticket.clocks.get(metric="response").met is True


def the_printed_demo_logins_work(printed: str) -> None:
    assert "demo passwords" in printed
    for username, password in [("admin", "admin"), ("zhangsan", "demo"), ("lisi", "demo")]:
        assert f"{username} / {password}" in printed
        assert check_password(password, User.objects.get(username=username).password)
    assert User.objects.get(username="admin").is_superuser


def every_stored_clock_equals_sla_compute_over_the_exported_events(tmp_path, capsys) -> None:
    events = tmp_path / "events.jsonl"
    call_command("export", "events", "--output", str(events))
    capsys.readouterr()
    # Each clock as stored is read at its ticket's last event: a --now before every event.
    command = ["sla", "compute", "--config", str(DEFAULT_SLA), "--events", str(events)]
    assert engine_main([*command, "--now", "2000-01-01T00:00:00+08:00"]) == 0
    computed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stored = {(c.ticket.number, c.metric): c for c in Clock.objects.select_related("ticket")}
    assert len(computed) == len(stored) == 600
    for row in computed:
        clock = stored[row["ticket"], row["metric"]]
        assert (clock.priority, clock.state, clock.elapsed, clock.target, clock.met) == (
            row["priority"],
            row["state"],
            row["elapsed"],
            row["target"],
            row["met"],
        ), row["ticket"]
        assert (clock.due, clock.breached_at) == (
            _instant(row["due"]),
            _instant(row["breached_at"]),
        )


def a_second_run_adds_nothing() -> None:
    before = (Ticket.objects.count(), TicketEvent.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "already has data (300 tickets" in out.getvalue()
    assert (Ticket.objects.count(), TicketEvent.objects.count(), User.objects.count()) == before


def test_the_plan_is_the_same_for_the_same_seed_and_day():
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    first = demo.plan(seed=1, now=now, count=50)
    again = demo.plan(seed=1, now=now, count=50)
    other = demo.plan(seed=2, now=now, count=50)
    assert [(s.at, s.action, s.args) for s in first] == [(s.at, s.action, s.args) for s in again]
    assert [s.at for s in first] != [s.at for s in other]
    assert max(s.at for s in first) <= now


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None

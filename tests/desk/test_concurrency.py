"""Many people acting on one ticket at once, each on their own PostgreSQL connection.

The row lock in sladesk.desk.actions serialises the changes; the revision a caller read
turns a change made from a stale read into a ConflictError instead of a lost update.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from sladesk.desk import actions
from sladesk.desk.models import NumberSequence, Status, Ticket
from sladesk.engine.cli import main as engine_main
from sladesk.sla.models import Clock
from tests.desk.conftest import DEFAULT_SLA
from tests.desk.test_actions import at, open_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ROUNDS = 10


def run_together(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Run work(0) … work(threads - 1) at once, each thread on its own connection."""
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:  # handed to the test, which shows it
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread hangs"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_simultaneous_changes_to_one_ticket_lose_nothing_and_conflict_clearly(
    desk, tmp_path, capsys
):
    assert connection.vendor == "postgresql"  # SQLite would serialise the threads itself
    ticket = open_ticket(desk)
    ticket = actions.reply(ticket, actor=desk.bob, body="正在处理", at=at(5))  # in progress
    start_revision, start_events = ticket.revision, ticket.event_count
    agents = [desk.bob, desk.lena, desk.max]  # the assignee, a team member, the manager
    rounds = threading.Barrier(THREADS, timeout=60)

    def work(i: int) -> list[tuple[bool, int | actions.ConflictError]]:
        """ROUNDS changes, each (from a revision or not) with the revision it made or its error."""
        outcomes = []
        for j in range(ROUNDS):
            seen = Ticket.objects.get(pk=ticket.pk)
            rounds.wait()  # everyone has read the ticket: now all change it at once
            kind = ("reply", "note", "status")[(i + j) % 3]
            from_revision = kind == "status" or (i + j) % 2 == 0
            try:
                changed = change(
                    kind,
                    seen,
                    actor=agents[i % len(agents)],
                    revision=seen.revision if from_revision else None,
                    at=at(10 + j) + timedelta(seconds=i),
                )
            except actions.ConflictError as conflict:
                outcomes.append((from_revision, conflict))
            else:
                outcomes.append((from_revision, changed.revision))
        return outcomes

    outcomes = [outcome for per_thread in run_together(work) for outcome in per_thread]
    successes = [result for _, result in outcomes if isinstance(result, int)]
    conflicts = [(from_revision, r) for from_revision, r in outcomes if not isinstance(r, int)]
    assert len(successes) + len(conflicts) == THREADS * ROUNDS
    assert conflicts, "the rounds start together: some changes come from a stale read"
    for from_revision, error in conflicts:  # only a change made from a revision is refused
        assert from_revision and isinstance(error, actions.ConflictError)
        assert ticket.number in str(error) and error.ticket.revision > start_revision
    # No lost update: every success produced a revision of its own, one after the other.
    assert sorted(successes) == list(range(start_revision + 1, start_revision + 1 + len(successes)))
    ticket.refresh_from_db()
    assert ticket.revision == start_revision + len(successes) == max(successes)
    # No lost event: each success appended exactly one, numbered without gaps.
    seqs = list(ticket.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, start_events + len(successes) + 1))
    assert ticket.event_count == len(seqs)
    times = list(ticket.events.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)  # the history stays in time order
    assert_stored_clocks_equal_a_recomputation(tmp_path, capsys)


def test_tickets_created_at_the_same_moment_get_distinct_numbers(desk):
    start = threading.Barrier(THREADS, timeout=60)

    def create(i: int) -> str:
        start.wait()
        return open_ticket(desk, at=at(i)).number

    numbers = run_together(create)
    assert sorted(numbers) == [f"INC-2026-{n:06d}" for n in range(1, THREADS + 1)]
    assert NumberSequence.objects.get(prefix="INC", year=2026).last == THREADS


def test_an_incident_and_a_request_created_at_once_go_to_different_agents(desk):
    from sladesk.people.models import Membership

    Membership.objects.filter(user=desk.lena).update(on_duty=True)  # bob and lena on duty
    start = threading.Barrier(2, timeout=60)

    def create(i: int) -> str:
        start.wait()
        return open_ticket(desk, kind=("incident", "request")[i], at=at(1)).assignee.username

    assert sorted(run_together(create, threads=2)) == ["bob", "lena"]


def change(kind: str, seen: Ticket, **how: Any) -> Ticket:
    """A reply, a note, or a status change that depends on the status the caller saw."""
    if kind == "reply":
        return actions.reply(seen, body="进展同步", **how)
    if kind == "note":
        return actions.note(seen, body="内部备注", **how)
    waiting = seen.status == Status.WAITING_REQUESTER
    status = Status.IN_PROGRESS if waiting else Status.WAITING_REQUESTER
    return actions.set_status(seen, status=status, **how)


def assert_stored_clocks_equal_a_recomputation(tmp_path, capsys) -> None:
    events = tmp_path / "events.jsonl"
    call_command("export", "events", "--output", str(events))
    capsys.readouterr()
    command = ["sla", "compute", "--config", str(DEFAULT_SLA), "--events", str(events)]
    assert engine_main([*command, "--now", "2000-01-01T00:00:00+08:00"]) == 0
    computed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stored = {(c.ticket.number, c.metric): c for c in Clock.objects.select_related("ticket")}
    assert len(computed) == len(stored) > 0
    for row in computed:
        clock = stored[row["ticket"], row["metric"]]
        assert (clock.state, clock.elapsed, clock.met, clock.due, clock.breached_at) == (
            row["state"],
            row["elapsed"],
            row["met"],
            _instant(row["due"]),
            _instant(row["breached_at"]),
        )


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None

"""The queue with 100,000 open tickets on PostgreSQL: the page is read off the clock index."""

from __future__ import annotations

import time

import pytest
from django.core.paginator import Paginator
from django.db import connection

from sladesk.desk.queue import Filters, Queue
from sladesk.sla import versions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OPEN_TICKETS = 100_000


def seed(desk, count: int) -> None:
    """Open tickets of bob's team with two clocks each, written straight in SQL: fast."""
    version = versions.in_force()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO desk_ticket (number, kind, subject, description, requester_id,
              organisation_id, impact, urgency, priority, priority_overridden, team_id,
              status, sla_version_id, created_at, updated_at, resolution, rating_comment,
              escalation_level, revision, event_count)
            SELECT 'BULK-' || g, 'incident', 'ticket ' || g, '', %s, %s, 'medium', 'medium',
              'P3', false, %s,
              (ARRAY['assigned', 'in_progress', 'waiting_requester', 'waiting_vendor'])[1 + g %% 4],
              %s, now() - g * interval '1 minute', now(), '', '', 1, 1, 1
            FROM generate_series(1, %s) g
            """,
            [desk.alice.pk, desk.finance.pk, desk.first_line.pk, version.pk, count],
        )
        cursor.execute(
            """
            INSERT INTO sla_clock (ticket_id, metric, policy, priority, state, elapsed, target,
              calendar, due, met, breached_at, computed_at)
            SELECT t.id, m.metric, 'it-support', 'P3',
              CASE WHEN m.metric = 'resolution' AND t.status = 'waiting_requester' THEN 'paused'
                   ELSE 'running' END,
              0, 7200, 'cn-5x8',
              CASE WHEN m.metric = 'resolution' AND t.status = 'waiting_requester' THEN NULL
                   ELSE now() + ((t.id * 37) %% 20000 - 500) * interval '1 minute' END,
              NULL, NULL, now()
            FROM desk_ticket t CROSS JOIN (VALUES ('response'), ('resolution')) m(metric)
            """,
            [],
        )
        cursor.execute("ANALYZE desk_ticket")
        cursor.execute("ANALYZE sla_clock")


def test_the_first_page_of_100000_open_tickets_is_read_off_the_clock_index(desk):
    seed(desk, OPEN_TICKETS)
    queue = Queue(desk.bob, Filters())
    plan = queue.leads.select_related("ticket")[:25].explain()
    assert "clock_state_due" in plan, plan
    assert "Seq Scan on sla_clock" not in plan, plan
    started = time.perf_counter()
    page = Paginator(queue, 25).page(1)
    rows = list(page.object_list)
    elapsed = time.perf_counter() - started
    assert page.paginator.count == OPEN_TICKETS
    dues = [row.lead.due for row in rows]
    assert len(rows) == 25 and dues == sorted(dues)
    assert elapsed < 2.0, f"the queue's first page took {elapsed:.2f} s"

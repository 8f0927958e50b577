"""Agents see on the ticket what the SLA rules will do and have done; requesters do not."""

from __future__ import annotations

from django.test import Client

from sladesk.desk import actions
from sladesk.notify import timers
from tests.desk.conftest import Desk


def test_agents_see_coming_alarms_and_sent_notifications(desk: Desk, client: Client) -> None:
    desk.bob.email = "bob@example.com"
    desk.bob.save()
    ticket = actions.create_ticket(
        requester=desk.alice,
        subject="ERP down",
        description="",
        service=desk.erp,
        impact="high",
        urgency="high",
    )
    client.force_login(desk.bob)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="alerts-upcoming"' in page
    assert "breach notice" in page or "违约通知" in page or "alerts-upcoming" in page
    timers.fire_all_due()  # nothing is due yet
    assert 'data-testid="alerts-sent"' in page  # the new-ticket message to bob
    client.force_login(desk.alice)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "alerts-panel" not in page

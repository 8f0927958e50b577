"""A request the service does not include is closed as out of scope, with the reason told to
the requester, and neither alarmed about nor measured."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from sladesk.desk import actions
from sladesk.desk.models import Status
from sladesk.notify.models import Notification, Timer
from sladesk.reports import figures
from sladesk.reports.scope import month, scope_of
from tests.desk.test_actions import at, open_ticket


def test_closing_out_of_scope_stops_alarms_and_measurement(desk) -> None:
    desk.alice.email = "alice@example.com"
    desk.alice.save()
    ticket = open_ticket(desk)
    assert Timer.objects.filter(ticket=ticket, state="pending").exists()
    ticket = actions.mark_out_of_scope(
        ticket, actor=desk.bob, reason="定制开发需另行立项", at=at(30)
    )
    assert (ticket.status, ticket.out_of_scope) == (Status.CLOSED, True)
    assert not Timer.objects.filter(ticket=ticket, state="pending").exists()
    told = Notification.objects.filter(kind="ticket.out_of_scope").get()
    assert told.channel.user == desk.alice and "定制开发需另行立项" in told.text
    report = figures.compute(scope_of("all"), month(date(2026, 10, 1)), now=at(60 * 24 * 30))
    assert report.tickets == 1  # it was received
    assert report.overall["all"].measured == 0  # but not measured


def test_out_of_scope_needs_a_reason_and_an_agent(desk) -> None:
    ticket = open_ticket(desk)
    with pytest.raises(actions.ActionError):
        actions.mark_out_of_scope(ticket, actor=desk.bob, reason=" ")
    with pytest.raises(actions.PermissionDenied):
        actions.mark_out_of_scope(ticket, actor=desk.alice, reason="no")


def test_the_agent_page_offers_it(desk, client: Client) -> None:
    ticket = open_ticket(desk)
    client.force_login(desk.bob)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="submit-out-of-scope"' in page
    response = client.post(
        f"/tickets/{ticket.number}/out-of-scope/",
        {"reason": "不在服务范围内", "revision": ticket.revision},
    )
    assert response.status_code == 303
    ticket.refresh_from_db()
    assert ticket.out_of_scope

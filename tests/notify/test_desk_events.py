"""People hear of what happens on their tickets, through the outbox, never of their own acts."""

from __future__ import annotations

import pytest

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.notify.models import Notification
from tests.desk.conftest import Desk


@pytest.fixture
def mail(desk: Desk) -> Desk:
    for user in (desk.bob, desk.carol, desk.lena, desk.alice):
        user.email = f"{user.username}@example.com"
        user.save()
    return desk


def heard() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(key__startswith="event:").order_by("id")
    return [(n.kind, n.channel.user.username) for n in rows.select_related("channel__user")]


def ticket(desk: Desk) -> Ticket:
    return actions.create_ticket(
        requester=desk.alice, subject="VPN 连不上", description="since 9:00", service=desk.erp
    )


def test_a_new_ticket_is_acknowledged_to_its_requester_and_brought_to_its_agent(
    mail: Desk,
) -> None:
    t = ticket(mail)
    assert heard() == [("ticket.created", "alice"), ("ticket.created", "bob")]
    ack = Notification.objects.get(channel__user=mail.alice)
    assert t.number in ack.text
    assert ack.message_id.startswith(f"<sladesk.{t.number}.")  # replies find the ticket


def test_replies_go_to_the_other_side_and_never_back_to_their_author(mail: Desk) -> None:
    t = ticket(mail)
    Notification.objects.all().delete()
    t = actions.reply(t, actor=mail.bob, body="请重启客户端")
    assert heard() == [("ticket.reply", "alice")]
    assert "请重启客户端" in Notification.objects.get().text
    actions.reply(t, actor=mail.alice, body="还是不行")
    assert heard()[-1] == ("ticket.reply", "bob")


def test_internal_notes_tell_nobody_and_resolution_asks_the_requester(mail: Desk) -> None:
    t = ticket(mail)
    Notification.objects.all().delete()
    t = actions.note(t, actor=mail.bob, body="probably the certificate")
    assert heard() == []
    actions.resolve(t, actor=mail.bob, resolution="certificate renewed")
    assert heard() == [("ticket.resolved", "alice")]


def test_escalation_to_second_line_tells_the_new_assignee(mail: Desk) -> None:
    t = ticket(mail)
    Notification.objects.all().delete()
    actions.escalate(t, actor=mail.bob, reason="needs the network team")
    assert heard() == [("ticket.escalated", "carol")]

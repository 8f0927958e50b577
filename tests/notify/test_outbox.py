"""The outbox against real local receivers: an SMTP server (aiosmtpd) and HTTP endpoints.

Retries back off, permanent failures and exhausted retries end as dead letters a person can
send again, a killed worker's notifications go out again under the same key, and robots'
rate limits are kept by batching and deferring, never by dropping.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from sladesk.desk import actions
from sladesk.notify import outbox, timers
from sladesk.notify.models import Attempt, Channel, Notification, NotificationState
from tests.desk.conftest import Desk
from tests.notify.receivers import Receiver, verify_standard_webhook

KEYS = itertools.count()
SECRET = "whsec_" + base64.b64encode(b"sladesk-test-key-0123456789").decode()


class Inbox:
    """aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks readiness by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def private_urls(settings: Any) -> None:
    settings.SLADESK_ALLOW_PRIVATE_URLS = True  # the receivers listen on 127.0.0.1


def later(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def pending_to(channel: Channel, count: int, text: str = "ticket breached") -> list[Notification]:
    return Notification.objects.bulk_create(
        Notification(
            key=f"test:{next(KEYS)}",
            channel=channel,
            kind="breach",
            title=f"alert {i}",
            text=text,
        )
        for i in range(count)
    )


def webhook(desk: Desk, receiver: Receiver) -> Channel:
    return Channel.objects.create(
        user=desk.bob, kind="webhook", name="bob's hook", url=receiver.url + "/hook", secret=SECRET
    )


# E-mail ------------------------------------------------------------------------------------


def test_a_breach_reaches_each_person_by_smtp_in_their_language(desk: Desk, smtp: Inbox) -> None:
    desk.bob.email, desk.bob.language = "bob@example.com", "en"
    desk.lena.email, desk.lena.language = "lena@example.com", "zh-hans"
    desk.bob.save()
    desk.lena.save()
    ticket = actions.create_ticket(
        requester=desk.alice,
        subject="报表系统无法登录",
        description="",
        service=desk.erp,
        impact="high",
        urgency="high",
        at=timezone.now() - timedelta(minutes=20),
    )
    timers.fire_all_due()
    assert outbox.deliver_all_due() == Notification.objects.count() > 0
    by_rcpt = {r[0]: m for r, m in zip(smtp.recipients, smtp.messages, strict=True)}
    bob = [
        m for r, m in zip(smtp.recipients, smtp.messages, strict=True) if r == ["bob@example.com"]
    ]
    assert any("Response target missed" in m["Subject"] for m in bob)
    lena = by_rcpt["lena@example.com"]
    assert ticket.number in lena["Subject"]
    message = bob[0]
    assert message["Message-ID"].startswith(f"<sladesk.{ticket.number}.")
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= kinds
    html = message.get_body(("html",)).get_content()
    assert "报表系统无法登录" in html and f"/tickets/{ticket.number}/" in html
    sent = Notification.objects.get(message_id=message["Message-ID"])
    assert sent.state == NotificationState.SENT and sent.attempts == 1


# Webhooks: retries, dead letters, leases ---------------------------------------------------


def test_a_signed_webhook_is_sent_once_with_the_notification_key_as_its_id(
    desk: Desk, receiver: Receiver
) -> None:
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    assert outbox.deliver_all_due() == 1
    [request] = receiver.requests
    assert request.headers["webhook-id"] == n.key
    assert verify_standard_webhook(SECRET, request.headers, request.body)
    assert request.json["data"]["title"] == "alert 0"
    assert outbox.deliver_all_due(later(3600)) == 0  # sent means sent


def test_a_server_error_is_retried_with_backoff_then_sent(desk: Desk, receiver: Receiver) -> None:
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    receiver.reply(503, {"error": "maintenance"}, Retry_After="120")
    outbox.deliver_due()
    n.refresh_from_db()
    assert n.state == NotificationState.PENDING and n.attempts == 1
    assert "HTTP 503" in n.last_error
    wait = (n.next_attempt_at - timezone.now()).total_seconds()
    assert 110 < wait <= 120  # the receiver's Retry-After beats the 30 s first backoff
    assert outbox.deliver_due(later(60)) == 0  # not yet
    assert outbox.deliver_due(later(121)) == 1
    n.refresh_from_db()
    assert n.state == NotificationState.SENT
    outcomes = list(n.attempt_log.values_list("outcome", flat=True))
    assert outcomes == ["retry", "sent"]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [n.key, n.key]


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    assert 27 <= outbox.backoff(1) <= 33
    assert 54 <= outbox.backoff(2) <= 66
    assert 3240 <= outbox.backoff(20) <= 3960


def test_a_permanent_failure_is_a_dead_letter_that_a_person_can_send_again(
    desk: Desk, receiver: Receiver
) -> None:
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    receiver.reply(404, {"error": "no such hook"})
    outbox.deliver_due()
    n.refresh_from_db()
    assert n.state == NotificationState.DEAD
    assert "HTTP 404" in n.last_error
    channel.url = receiver.url + "/fixed"
    channel.save()
    assert outbox.retry([n]) == 1
    assert outbox.deliver_due(later(1)) == 1
    n.refresh_from_db()
    assert n.state == NotificationState.SENT
    assert receiver.requests[-1].path == "/fixed"


def test_retries_end_as_a_dead_letter_after_the_last_attempt(
    desk: Desk, receiver: Receiver, settings: Any
) -> None:
    settings.SLADESK_OUTBOX_MAX_ATTEMPTS = 2
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    receiver.reply(500, {})
    receiver.reply(500, {})
    outbox.deliver_due()
    outbox.deliver_due(later(3600))
    n.refresh_from_db()
    assert n.state == NotificationState.DEAD
    assert "gave up after 2 attempts" in Attempt.objects.filter(notification=n).last().reason


def test_a_dead_workers_lease_expires_and_the_same_key_goes_out_again(
    desk: Desk, receiver: Receiver, settings: Any
) -> None:
    settings.SLADESK_OUTBOX_LEASE = 60
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    # A worker took it (channel and notification leased) and died before recording.
    now = timezone.now()
    assert outbox._take_channel(channel.pk, now)
    assert [x.pk for x in outbox._lease(channel, now, "dead:1")] == [n.pk]
    assert outbox.deliver_due(later(30)) == 0
    assert outbox.deliver_due(later(61)) == 1
    n.refresh_from_db()
    assert n.state == NotificationState.SENT and n.attempts == 2
    assert [r.headers["webhook-id"] for r in receiver.requests] == [n.key]


def test_a_deleted_channels_notifications_are_dead_letters(desk: Desk, receiver: Receiver) -> None:
    channel = webhook(desk, receiver)
    [n] = pending_to(channel, 1)
    channel.delete()
    outbox.deliver_all_due()
    n.refresh_from_db()
    assert n.state == NotificationState.DEAD
    assert n.last_error == "the channel was deleted"


# Robots: batching and rate limits -----------------------------------------------------------


def test_many_alerts_for_one_robot_go_out_as_one_message(desk: Desk, receiver: Receiver) -> None:
    robot = Channel.objects.create(
        team=desk.first_line, kind="dingtalk", name="群", url=receiver.url
    )
    pending_to(robot, 30)
    assert outbox.deliver_all_due() == 30
    [request] = receiver.requests
    body = request.json["markdown"]["text"]
    assert all(f"alert {i}" in body for i in range(30))


def test_a_robots_per_minute_limit_defers_the_rest_without_counting_it_as_failure(
    desk: Desk, receiver: Receiver
) -> None:
    # WeCom text messages hold 2048 bytes, so each of these needs a message of its own.
    robot = Channel.objects.create(
        team=desk.first_line, kind="wecom", name="群", url=receiver.url, markup="text"
    )
    pending_to(robot, 25, text="x" * 1500)
    assert outbox.deliver_all_due() == 20
    assert len(receiver.requests) == 20
    held = Notification.objects.filter(state=NotificationState.PENDING)
    assert held.count() == 5
    assert all(n.attempts == 0 for n in held)  # a deferral is not a failed attempt
    assert outbox.deliver_all_due(later(30)) == 0  # still the same minute
    assert outbox.deliver_all_due(later(61)) == 5
    assert len(receiver.requests) == 25


def test_a_blocked_dingtalk_robot_is_left_alone_for_ten_minutes(
    desk: Desk, receiver: Receiver
) -> None:
    robot = Channel.objects.create(
        team=desk.first_line, kind="dingtalk", name="群", url=receiver.url
    )
    pending_to(robot, 1)
    receiver.reply(200, {"errcode": 130101, "errmsg": "send too fast"})
    outbox.deliver_due()
    pending_to(robot, 1)  # a new alert meanwhile
    assert outbox.deliver_due(later(300)) == 0
    assert len(receiver.requests) == 1
    assert outbox.deliver_due(later(601)) == 2
    assert len(receiver.requests) == 2  # both in one message


def test_a_channel_another_worker_is_sending_through_is_skipped(
    desk: Desk, receiver: Receiver
) -> None:
    channel = webhook(desk, receiver)
    pending_to(channel, 1)
    Channel.objects.filter(pk=channel.pk).update(busy_until=later(60))
    assert outbox.deliver_due() == 0
    assert receiver.requests == []

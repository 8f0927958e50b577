"""The outbox: notifications written with their cause, sent by the worker, never lost.

Writing: `notify_timer` and `notify` add Notification rows inside the caller's transaction,
so a notification exists exactly when its cause was committed.

Sending: `deliver_due` takes one channel at a time (a short lease on the channel row, so
one worker sends through a channel at once and its rate limit holds across workers), leases
that channel's due notifications, hands them to the channel's transport in one batch, and
records each outcome. A worker killed mid-send leaves leases that expire: another worker
sends those notifications again with the same idempotency key, which the receiver uses to
drop the repeat (webhook-id, Message-ID). Transient failures back off exponentially; a
permanent failure, or too many attempts, ends in the dead-letter state, where a person sees
the reason and can send it again (`retry`).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import messages, recipients
from .channels import transport_for, zone_of
from .models import Attempt, Channel, Notification, NotificationState
from .transports import Message, Result, Status

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket
    from sladesk.sla.models import Clock

    from .models import Timer

CHANNELS_PER_ROUND = 50
PER_CHANNEL = 100  # notifications handed to a transport at once


# -- writing ---------------------------------------------------------------------------------


def notify_timer(
    ticket: Ticket, timer: Timer, clock: Clock, directory: recipients.Directory
) -> list[Notification]:
    """Notifications of a fired timer to each channel of its recipients (not yet saved)."""
    said: dict[tuple[str, str], messages.Content] = {}  # one rendering per language and zone
    out = []
    for channel in directory.channels_for(ticket, timer.to):
        how = (recipients.language_of(channel), zone_of(channel))
        if how not in said:
            said[how] = messages.for_timer(ticket, timer, clock, *how)
        out.append(_row(channel, ticket, timer.kind, said[how], f"timer:{timer.pk}:{channel.pk}"))
    return out


def notify(
    channels: Iterable[Channel],
    kind: str,
    key: str,
    content_for: messages.ContentFor,
    ticket: Ticket | None = None,
) -> list[Notification]:
    """Write a notification to each channel (saved); `key` plus the channel is its identity."""
    rows = []
    for channel in channels:
        content = content_for(recipients.language_of(channel), zone_of(channel))
        rows.append(_row(channel, ticket, kind, content, f"{key}:{channel.pk}"))
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _row(
    channel: Channel, ticket: Ticket | None, kind: str, content: messages.Content, key: str
) -> Notification:
    return Notification(
        key=key,
        channel=channel,
        ticket=ticket,
        kind=kind,
        title=content.title[:300],
        text=content.text,
        markdown=content.markdown,
        html=content.html if channel.kind == "email" else "",
        url=content.url,
        message_id=message_id(key, ticket) if channel.kind == "email" else "",
    )


def message_id(key: str, ticket: Ticket | None) -> str:
    """An e-mail Message-ID fixed by the key; it names the ticket so replies find it."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "sladesk.localhost"
    about = f"{ticket.number}." if ticket is not None else ""
    return f"<sladesk.{about}{digest}@{domain}>"


# -- sending ---------------------------------------------------------------------------------


def deliver_due(now: datetime | None = None, worker: str = "") -> int:
    """One round over the channels with due notifications; returns how many were sent."""
    now = now or timezone.now()
    _bury_orphans(now)
    due = (
        Notification.objects.filter(_due(now), channel__isnull=False)
        .exclude(channel__paused_until__gt=now)
        .values_list("channel_id", flat=True)
        .order_by()
        .distinct()[:CHANNELS_PER_ROUND]
    )
    sent = 0
    for channel_id in list(due):
        sent += deliver_channel(channel_id, now, worker)
    return sent


def deliver_channel(channel_id: int, now: datetime, worker: str = "") -> int:
    """Send one channel's due notifications, if no other worker is sending through it."""
    if not _take_channel(channel_id, now):
        return 0
    token = f"{worker or 'worker'}:{uuid.uuid4().hex[:12]}"  # this batch's lease
    try:
        channel = Channel.objects.select_related("user", "team").get(pk=channel_id)
        batch = _lease(channel, now, token)
        if not batch:
            return 0
        transport = transport_for(channel)
        budget = _budget(channel, transport, now)
        if budget == 0:
            result = Result(
                Status.RETRY, "rate limit: waiting for the next minute", 60, deferred=True
            )
        else:
            by_key = {n.key: n for n in batch}

            def delivered(keys: list[str]) -> None:
                _mark_sent([by_key[key] for key in keys], token, worker)
                _renew(channel_id, token)

            result = transport.send([_message(n) for n in batch], budget, delivered)
        done = set(result.delivered)
        _finish(channel, [n for n in batch if n.key not in done], result, token, worker)
        return len(done)
    finally:
        Channel.objects.filter(pk=channel_id).update(busy_until=None)


def deliver_all_due(now: datetime | None = None, worker: str = "") -> int:
    """Rounds of `deliver_due` until nothing due is left that can be sent now."""
    total = 0
    while sent := deliver_due(now, worker):
        total += sent
    return total


def _due(now: datetime) -> Q:
    return Q(state=NotificationState.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )


def _lease_end(now: datetime) -> datetime:
    """When a lease taken now ends; from the real clock, so a slow round leases in full."""
    return max(now, timezone.now()) + timedelta(seconds=settings.SLADESK_OUTBOX_LEASE)


def _take_channel(channel_id: int, now: datetime) -> bool:
    free = Q(busy_until__isnull=True) | Q(busy_until__lte=now)
    return bool(Channel.objects.filter(free, pk=channel_id).update(busy_until=_lease_end(now)))


def _lease(channel: Channel, now: datetime, token: str) -> list[Notification]:
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(_due(now), channel=channel)
            .order_by("next_attempt_at", "id")[:PER_CHANNEL]
        )
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            lease_until=_lease_end(now), leased_by=token, attempts=F("attempts") + 1
        )
    for n in batch:
        n.attempts += 1
    return batch


def _renew(channel_id: int, token: str) -> None:
    """Extend the batch's leases after each post, so a long batch never outlives them."""
    until = _lease_end(timezone.now())
    Notification.objects.filter(leased_by=token, state=NotificationState.PENDING).update(
        lease_until=until
    )
    Channel.objects.filter(pk=channel_id).update(busy_until=until)


def _held(rows: list[Notification], token: str) -> list[Notification]:
    """The rows this batch still holds (a lease lost to another worker is not ours)."""
    ids = set(
        Notification.objects.filter(
            pk__in=[n.pk for n in rows], leased_by=token, state=NotificationState.PENDING
        ).values_list("pk", flat=True)
    )
    return [n for n in rows if n.pk in ids]


def _mark_sent(rows: list[Notification], token: str, worker: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        held = _held(rows, token)
        Notification.objects.filter(pk__in=[n.pk for n in held]).update(
            state=NotificationState.SENT, sent_at=now, lease_until=None, leased_by="", last_error=""
        )
        Attempt.objects.bulk_create(
            Attempt(notification=n, at=now, outcome="sent", worker=worker) for n in held
        )
    for n in held:
        n.state, n.sent_at = NotificationState.SENT, now


def _budget(channel: Channel, transport: object, now: datetime) -> int | None:
    """Vendor messages this channel may still post in the current minute (None: no limit)."""
    per_minute = getattr(transport, "per_minute", None)
    per_call = getattr(transport, "posts_per_call", None)
    if per_minute is None:
        return per_call
    used = (
        channel.window_posts if channel.window_start and now - channel.window_start < _MINUTE else 0
    )
    return min(per_call or per_minute, max(per_minute - used, 0))


_MINUTE = timedelta(minutes=1)


def _message(n: Notification) -> Message:
    return Message(
        title=n.title,
        text=n.text,
        markdown=n.markdown,
        html=n.html or None,
        idempotency_key=n.key,
        created_at=n.created_at,
        url=n.url,
        message_id=n.message_id,
    )


def _finish(
    channel: Channel, rest: list[Notification], result: Result, token: str, worker: str
) -> None:
    """Record what was not delivered (retry or dead letter) and the posts made."""
    now = timezone.now()
    with transaction.atomic():
        held = _held(rest, token)
        attempts = []
        for n in held:
            outcome, reason = _failed(n, result, now)
            n.lease_until, n.leased_by = None, ""
            attempts.append(
                Attempt(notification=n, at=now, outcome=outcome, reason=reason, worker=worker)
            )
        fields = ["state", "last_error", "lease_until", "leased_by", "next_attempt_at", "attempts"]
        Notification.objects.bulk_update(held, fields)
        Attempt.objects.bulk_create(attempts)
        _count_posts(channel, result, now)


def _failed(n: Notification, result: Result, now: datetime) -> tuple[str, str]:
    reason = result.reason or "not delivered"
    if result.deferred:  # held back by the rate limit: not a failed attempt
        n.attempts -= 1
        n.next_attempt_at = now + timedelta(seconds=result.retry_after or 60)
        return "deferred", reason
    n.last_error = reason
    if result.status == Status.FAILED:
        n.state = NotificationState.DEAD
        return "failed", reason
    if n.attempts >= settings.SLADESK_OUTBOX_MAX_ATTEMPTS:
        n.state = NotificationState.DEAD
        return "failed", f"{reason} (gave up after {n.attempts} attempts)"
    n.next_attempt_at = now + timedelta(seconds=max(result.retry_after or 0, backoff(n.attempts)))
    return "retry", reason


def backoff(attempts: int) -> float:
    """Seconds before the next try: 30 s, 1 min, 2 min, … up to an hour, with ±10 % jitter."""
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return base * random.uniform(0.9, 1.1)  # noqa: S311 - spreading retries, not security


def _count_posts(channel: Channel, result: Result, now: datetime) -> None:
    fields: dict[str, object] = {}
    if channel.window_start is None or now - channel.window_start >= _MINUTE:
        fields |= {"window_start": now, "window_posts": result.posts}
    else:
        fields["window_posts"] = F("window_posts") + result.posts
    if result.status == Status.RETRY and result.retry_after:
        # The vendor said "too fast" (or the network failed): nothing else for this channel
        # until then, or a blocked DingTalk robot stays blocked.
        fields["paused_until"] = now + timedelta(seconds=result.retry_after)
    Channel.objects.filter(pk=channel.pk).update(**fields)


def _bury_orphans(now: datetime) -> None:
    """Notifications whose channel was deleted can never go out: say so."""
    Notification.objects.filter(_due(now), channel__isnull=True).update(
        state=NotificationState.DEAD, last_error="the channel was deleted"
    )


def retry(notifications: Iterable[Notification]) -> int:
    """Send dead (or cancelled) notifications again, from now, with the same keys."""
    ids = [n.pk for n in notifications]
    return (
        Notification.objects.filter(pk__in=ids)
        .exclude(state=NotificationState.SENT)
        .update(state=NotificationState.PENDING, next_attempt_at=timezone.now(), lease_until=None)
    )

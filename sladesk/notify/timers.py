"""A ticket's timers: kept equal to its clocks' alarms, and fired by the worker when due.

`schedule` runs inside the transaction of every SLA event (from sla.clocks.refresh): it
writes the alarms the engine gives for the clocks as read at that event, keeps timers that
already fired (so a warning is never sent twice), and drops pending ones that no longer
apply (the clock stopped or paused). `fire_due` claims due timers with SELECT … FOR UPDATE
SKIP LOCKED, so several workers never act on the same one, and writes their notifications
into the outbox in the same transaction that marks them fired.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sladesk.engine.alarms import Alarm, alarms, following
from sladesk.engine.clock import ClockResult, run_ticket
from sladesk.engine.config import Config, Metric, Policy
from sladesk.engine.events import Event
from sladesk.sla.models import Clock, ClockState
from sladesk.sla.versions import config_of

from . import outbox, recipients
from .models import Notification, Timer, TimerState

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket


def schedule(
    ticket: Ticket,
    config: Config,
    policy: Policy | None,
    events: list[Event],
    results: list[ClockResult],
) -> None:
    """Bring the ticket's timers in line with `results`, its clocks read at its last event."""
    measured = policy is not None and ticket.is_open and not ticket.out_of_scope
    wanted = _alarms(ticket, config, policy, events, results) if measured else []
    existing = {t.key: t for t in Timer.objects.select_for_update().filter(ticket=ticket)}
    new, changed = [], []
    for alarm in wanted:
        timer = existing.pop(alarm.key, None)
        due = _aware(alarm.at)
        if timer is None:
            new.append(_timer(ticket, alarm))
        elif timer.state == TimerState.PENDING and (timer.due_at, timer.to) != (
            due,
            list(alarm.to),
        ):
            timer.due_at, timer.to, timer.data = due, list(alarm.to), alarm.data
            changed.append(timer)
    stale = [t.pk for t in existing.values() if t.state == TimerState.PENDING]
    if stale:
        Timer.objects.filter(pk__in=stale).delete()
    Timer.objects.bulk_create(new)
    Timer.objects.bulk_update(changed, ["due_at", "to", "data"])


def _alarms(
    ticket: Ticket,
    config: Config,
    policy: Policy,
    events: list[Event],
    results: list[ClockResult],
) -> list[Alarm]:
    now = events[-1].t
    metrics = {m.name: m for m in policy.metrics}
    at_update = _elapsed_at_update(ticket, config, events, metrics)
    out: list[Alarm] = []
    for result in results:
        metric = metrics[result.metric]
        name = metric.calendars.get(result.priority)
        if name is None:
            continue
        calendar = config.calendars[name]
        out.extend(alarms(metric, result, calendar, now, at_update.get(result.metric)))
    return out


def _elapsed_at_update(
    ticket: Ticket, config: Config, events: list[Event], metrics: dict[str, Metric]
) -> dict[str, float]:
    """Each reminding clock's elapsed time at the requester's last update (or creation)."""
    if not any(m.rules.updates for m in metrics.values()):
        return {}
    since = ticket.last_public_update_at or ticket.created_at
    t = since.timestamp()
    before = [e for e in events if e.t <= t] or events[:1]
    results = run_ticket(config, ticket.number, before, max(t, before[-1].t))
    return {r.metric: r.elapsed for r in results if metrics[r.metric].rules.updates}


def _timer(ticket: Ticket, alarm: Alarm) -> Timer:
    return Timer(
        ticket=ticket,
        key=alarm.key,
        kind=alarm.kind,
        metric=alarm.metric,
        due_at=_aware(alarm.at),
        to=list(alarm.to),
        data=alarm.data,
    )


def _aware(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


# -- firing --------------------------------------------------------------------------------


def fire_due(now: datetime | None = None, limit: int | None = None, worker: str = "") -> int:
    """Act on up to `limit` due timers in one transaction; returns how many were taken."""
    now = now or timezone.now()
    limit = limit or settings.SLADESK_TIMER_BATCH
    with transaction.atomic():
        due = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(state=TimerState.PENDING, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        if not due:
            return 0
        _fire(due, now, worker)
    return len(due)


def fire_all_due(now: datetime | None = None, worker: str = "") -> int:
    """Fire every due timer, a batch per transaction."""
    total = 0
    while taken := fire_due(now, worker=worker):
        total += taken
    return total


def _fire(due: list[Timer], now: datetime, worker: str) -> None:
    from sladesk.desk.models import Ticket

    tickets = Ticket.objects.select_related(
        "assignee", "team__lead", "organisation", "sla_version", "requester"
    ).in_bulk({t.ticket_id for t in due})
    clocks = {
        (c.ticket_id, c.metric): c
        for c in Clock.objects.filter(ticket_id__in=tickets, state=ClockState.RUNNING)
    }
    roles = {role for timer in due for role in timer.to}
    directory = recipients.Directory(tickets.values(), roles)
    follow: list[Timer] = []
    sends: list[Notification] = []
    for timer in due:
        ticket = tickets[timer.ticket_id]
        clock = clocks.get((timer.ticket_id, timer.metric))
        timer.state, timer.fired_at, timer.fired_by = TimerState.FIRED, now, worker
        if clock is None or not ticket.is_open:
            # Timers are rewritten at every clock change, so this is a race lost to an
            # event in flight; record it rather than tell anyone about a stopped clock.
            timer.data = {**timer.data, "skipped": "clock not running"}
            continue
        sends.extend(outbox.notify_timer(ticket, timer, clock, directory))
        if timer.kind == "update":
            follow.extend(_following(ticket, timer, clock))
    # One UPDATE for all (bulk_update builds a CASE per row and field: half the time)
    Timer.objects.filter(pk__in=[t.pk for t in due]).update(
        state=TimerState.FIRED, fired_at=now, fired_by=worker
    )
    skipped = [t for t in due if "skipped" in t.data]
    if skipped:
        Timer.objects.bulk_update(skipped, ["data"])
    Timer.objects.bulk_create(follow, ignore_conflicts=True)
    # No ignore_conflicts: a timer acted on twice would be a bug, and it should fail loudly.
    Notification.objects.bulk_create(sends)


def _following(ticket: Ticket, timer: Timer, clock: Clock) -> Iterable[Timer]:
    """The reminder after a fired one (the clock has kept running since it fell due)."""
    config = config_of(ticket.sla_version)
    metric = _metric(config, clock)
    if metric is None or clock.calendar not in config.calendars:
        return []
    fired = Alarm(timer.key, timer.kind, timer.metric, timer.due_at.timestamp(), (), timer.data)
    nxt = following(metric, clock.priority, config.calendars[clock.calendar], fired)
    return [_timer(ticket, nxt)] if nxt else []


def _metric(config: Config, clock: Clock) -> Metric | None:
    for policy in config.policies:
        if policy.id == clock.policy:
            return next((m for m in policy.metrics if m.name == clock.metric), None)
    return None

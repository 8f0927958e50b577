"""A ticket's stored clocks, refreshed through the engine from the ticket's history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from sladesk.engine.clock import ClockResult, run_ticket
from sladesk.engine.config import Config, Policy
from sladesk.engine.events import Event, ticket_events
from sladesk.notify import timers

from . import versions
from .models import Clock, ClockState
from .versions import config_of

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket


def engine_event(number: str, at: datetime, sla: dict[str, Any]) -> dict[str, Any]:
    """A history event as the engine reads it (and as `sladesk export events` writes it)."""
    return {"ticket": number, "at": timezone.localtime(at).isoformat(), **sla}


def engine_events(ticket: Ticket) -> list[dict[str, Any]]:
    history = ticket.events.filter(sla__isnull=False).order_by("seq").only("at", "sla")
    return [engine_event(ticket.number, e.at, e.sla) for e in history]


def run(
    ticket: Ticket, now: datetime | None, explain: bool = False
) -> tuple[Config, list[Event], list]:
    """The engine's results for the ticket, read at `now` (None: at its last SLA event)."""
    config = config_of(ticket.sla_version)
    events = ticket_events(engine_events(ticket), ticket.number, config)
    at = events[-1].t if now is None else now.timestamp()
    results = run_ticket(config, ticket.number, events, at, explain=explain)
    return config, events, results


def refresh(ticket: Ticket) -> list[Clock]:
    """Recompute the clocks at the ticket's last SLA event and store them (in its transaction).

    Also sets the ticket's `sla_due` and `sla_breached`; the caller saves the ticket.

    Read there, they are exactly what `sla compute` gives over the exported events.
    """
    if ticket.sla_version_id is None:
        return []
    config, events, results = run(ticket, None)
    policy = config.policy_for(events[0].data.get("fields") or {})
    metrics = {m.name: m for m in policy.metrics} if policy else {}
    now = timezone.now()
    unpaused = _breached_without_pauses(ticket, policy, events, results)
    stored = {c.metric: c for c in ticket.clocks.all()}
    clocks = []
    for result in results:
        clock = stored.pop(result.metric, None) or Clock(ticket=ticket, metric=result.metric)
        calendar = metrics[result.metric].calendars.get(result.priority, "")
        _copy(result, clock, policy.id if policy else "", calendar, now)
        clock.breached_without_pauses = unpaused.get(result.metric, result.breached_at is not None)
        clock.save()
        clocks.append(clock)
    for gone in stored.values():  # the ticket's policy no longer has this metric
        gone.delete()
    _summarise(ticket, clocks)
    timers.schedule(ticket, config, policy, events, results)
    return clocks


def _breached_without_pauses(
    ticket: Ticket, policy: Policy | None, events: list[Event], results: list[ClockResult]
) -> dict[str, bool]:
    """For metrics that paused: would they be breached without the pauses? (Others: as is.)"""
    paused = {
        m.name
        for m in (policy.metrics if policy else ())
        if m.pause and any(e.data.get("status") in m.pause for e in events)
    }
    if not paused:
        return {}
    at = events[-1].t
    again = run_ticket(versions.without_pauses(ticket.sla_version), ticket.number, events, at)
    return {r.metric: r.breached_at is not None for r in again if r.metric in paused}


def _summarise(ticket: Ticket, clocks: list[Clock]) -> None:
    """The ticket's copy of what lists sort on (saved by the caller with the ticket)."""
    dues = [c.due for c in clocks if c.state == ClockState.RUNNING and c.due is not None]
    ticket.sla_due = min(dues, default=None)
    ticket.sla_breached = any(c.breached_at is not None for c in clocks)


def _copy(result: ClockResult, clock: Clock, policy: str, calendar: str, now: datetime) -> None:
    clock.policy = policy
    clock.priority = result.priority
    clock.state = result.state
    clock.elapsed = result.elapsed
    clock.target = result.target
    clock.calendar = calendar
    clock.due = _aware(result.due)
    clock.met = result.met
    clock.breached_at = _aware(result.breached_at)
    clock.computed_at = now


def _aware(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)

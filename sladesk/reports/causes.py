"""Why a clock was breached, in a line a service manager can put in a report: where its
business time went (by the ticket's status while the clock ran) and what happened to it
(priority raised, escalated, reopened).

The engine explains the clock (its running segments and their business seconds); the
ticket's status changes split those segments, and the calendar counts each piece.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from sladesk.desk.models import EventKind, Status, TicketEvent
from sladesk.engine.clock import RUNNING, Segment, run_ticket
from sladesk.engine.durations import format_duration
from sladesk.engine.events import ticket_events
from sladesk.sla.clocks import engine_event
from sladesk.sla.versions import config_of

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket

STATUS_NAMES = dict(Status.choices)


def of(tickets: Iterable[Ticket], now: datetime) -> dict[tuple[int, str], tuple[str, float]]:
    """(ticket id, metric) -> the cause of each breached clock of these tickets, and its
    elapsed business seconds at `now` (a running clock's stored figure is its last event's)."""
    tickets = {t.pk: t for t in tickets}
    history: dict[int, list[TicketEvent]] = defaultdict(list)
    rows = TicketEvent.objects.filter(ticket_id__in=list(tickets)).order_by("ticket_id", "seq")
    for event in rows.only("ticket_id", "seq", "at", "kind", "sla", "data"):
        history[event.ticket_id].append(event)
    out = {}
    for pk, ticket in tickets.items():
        for metric, cause in _ticket_causes(ticket, history[pk], now).items():
            out[(pk, metric)] = cause
    return out


def _ticket_causes(
    ticket: Ticket, history: list[TicketEvent], now: datetime
) -> dict[str, tuple[str, float]]:
    config = config_of(ticket.sla_version)
    raw = [engine_event(ticket.number, e.at, e.sla) for e in history if e.sla is not None]
    if not raw:
        return {}
    events = ticket_events(raw, ticket.number, config)
    at = max(now.timestamp(), events[-1].t)
    statuses = _status_spans(history)
    out = {}
    for result in run_ticket(config, ticket.number, events, at, explain=True):
        if result.breached_at is None and result.met is not False:
            continue
        calendars = config.calendars
        spent: dict[str, float] = defaultdict(float)
        for segment in result.timeline or ():
            if isinstance(segment, Segment) and segment.state == RUNNING and segment.counted:
                calendar = calendars.get(segment.calendar or "")
                for status, a, b in _overlaps(statuses, segment.start, segment.end):
                    seconds = calendar.elapsed(a, b) if calendar else b - a
                    spent[status] += seconds
        out[result.metric] = (_sentence(spent, history, result.metric), result.elapsed)
    return out


def _status_spans(history: list[TicketEvent]) -> list[tuple[float, str]]:
    """(from instant, status) for each status the ticket entered, in order."""
    spans = [(history[0].at.timestamp(), Status.NEW)]
    for event in history:
        if event.kind == EventKind.STATUS:
            spans.append((event.at.timestamp(), event.data.get("to", "")))
    return spans


def _overlaps(spans: list[tuple[float, str]], a: float, b: float) -> list[tuple[str, float, float]]:
    out = []
    for i, (start, status) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else float("inf")
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out.append((status, lo, hi))
    return out


def _sentence(spent: dict[str, float], history: list[TicketEvent], metric: str) -> str:
    total = sum(spent.values()) or 1
    parts = [
        _("%(status)s %(time)s (%(share)s)")
        % {
            "status": STATUS_NAMES.get(status, status),
            "time": format_duration(round(seconds / 60) * 60),
            "share": f"{seconds / total:.0%}",
        }
        for status, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:3]
        if seconds >= 60
    ]
    happened = _happenings(history, metric)
    return "; ".join(parts + happened)


def _happenings(history: list[TicketEvent], metric: str) -> list[str]:
    kinds = [e.kind for e in history]
    out = []
    raised = [e for e in history if e.kind == EventKind.PRIORITY]
    if raised:
        last = raised[-1].data
        out.append(
            _("priority changed %(from)s → %(to)s")
            % {"from": last.get("from", "?"), "to": last.get("to", "?")}
        )
    if EventKind.ESCALATED in kinds:
        out.append(_("escalated to second line"))
    if metric == "resolution" and (EventKind.REOPENED in kinds or EventKind.REJECTED in kinds):
        out.append(_("reopened after a resolution"))
    return out

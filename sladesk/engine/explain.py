"""`sla explain`: each clock's timeline of one ticket, and why it was met or breached."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from .clock import PAUSED, RUNNING, STOPPED, ClockResult, Note, Segment
from .compute import _zone, as_dict, iso
from .config import Config, Metric
from .durations import format_duration
from .events import Event, priority_of


def verdict(result: ClockResult, metric: Metric, now: float, at: Any = None) -> str:
    """One sentence: why the clock is met, breached, running, paused or not started."""
    text = _verdict(result, metric, now, at or _stamp_for(result.offset))
    if result.cycle > 1:
        earlier = result.cycle - 1
        text += (
            f" (cycle {result.cycle}, restarted when reopened; {result.breached_cycles} of "
            f"{earlier} earlier cycle{'s' if earlier > 1 else ''} breached)"
        )
    return text


def _verdict(result: ClockResult, metric: Metric, now: float, at: Any) -> str:
    dur = format_duration
    if result.target is None:
        return f"not measured: this metric has no target for priority {result.priority}"
    used = f"{dur(result.elapsed)} of {dur(result.target)}"
    if result.breached_at is not None:
        return _breach_reason(result, now, at)
    if result.held:
        return (
            f"held: stopped with {used} used, but the ticket may still be reopened "
            "(reopen: pause); met once it is closed, running on if it is reopened"
        )
    if result.state == STOPPED:
        spare = result.target - result.elapsed
        return f"met: stopped with {used} used ({dur(spare)} to spare); due was {at(result.due)}"
    if result.state == RUNNING:
        left = result.target - result.elapsed
        return f"running: {used} used, {dur(left)} left; due {at(result.due)} if it keeps running"
    if result.state == PAUSED:
        return (
            f"paused: {used} used; no due time while paused (the clock resumes on a status change)"
        )
    return f"not started: waiting for {', '.join(sorted(metric.start))}"


def _breach_reason(result: ClockResult, now: float, at: Any) -> str:
    dur = format_duration
    when = result.breached_at
    timeline = result.timeline or ()
    notes_then = [n.text for n in timeline if isinstance(n, Note) and n.at == when]
    head = f"BREACHED at {at(when)}"
    if any(n.startswith("priority") for n in notes_then):
        change = next(n for n in notes_then if n.startswith("priority"))
        return (
            f"{head}: {change}; the new target {dur(result.target)} was already used up, "
            "so the clock had no time left from that moment"
        )
    if any("resumed" in n for n in notes_then):
        return f"{head}: the clock resumed with its whole target {dur(result.target)} already used"
    segment = next(
        (s for s in timeline if isinstance(s, Segment) and s.start <= when <= s.end and s.counted),
        None,
    )
    calendar = f" on calendar {segment.calendar}" if segment else ""
    if result.state == STOPPED:
        stop = next(
            (n for n in reversed(timeline) if isinstance(n, Note) and "stopped" in n.text), None
        )
        late = f"; it stopped at {at(stop.at)}, {_late(stop.at, when)} late" if stop else ""
        used = f"the target {dur(result.target)}{calendar} was used up"
        return f"{head}: {used} before the clock stopped{late}"
    return (
        f"{head}: the target {dur(result.target)}{calendar} was used up while the clock ran; "
        f"{dur(result.elapsed)} elapsed by {at(max(now, result.breached_at))}"
    )


def _late(stop: float, due: float) -> str:
    return format_duration(stop - due) + " (wall clock)"


def _stamp_for(zone: int | tzinfo):  # -> Callable[[float | None], str]
    tz = _zone(zone) if isinstance(zone, int) else zone

    def stamp(t: float | None) -> str:
        if t is None:
            return "-"
        return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S %z")

    return stamp


def _display_zone(config: Config, events: list[Event]) -> tzinfo:
    """Times read best in the zone of the ticket's first calendar, with its DST changes."""
    policy = config.policy_for(events[0].data.get("fields") or {})
    if policy:
        priority = priority_of(events[0], config)
        for metric in policy.metrics:
            cid = metric.calendars.get(priority)
            if cid:
                return config.calendars[cid].tz
    return _zone(events[0].offset)


def merged(timeline: tuple[Segment | Note, ...] | None) -> list[Segment | Note]:
    """Adjacent segments with the same state, priority and calendar, joined into one."""
    out: list[Segment | Note] = []
    for item in timeline or ():
        if isinstance(item, Segment) and item.end <= item.start:
            continue
        prev = out[-1] if out else None
        if (
            isinstance(item, Segment)
            and isinstance(prev, Segment)
            and (prev.state, prev.priority, prev.calendar)
            == (item.state, item.priority, item.calendar)
        ):
            out[-1] = Segment(
                prev.start,
                item.end,
                item.state,
                item.priority,
                item.calendar,
                prev.counted + item.counted,
                item.elapsed,
            )
        else:
            out.append(item)
    return out


def _event_text(event: Event, config: Config) -> str:
    data = event.data
    extra = []
    declared = config.events.get(event.type)
    if declared is not None:
        extra.append(declared.label("en"))
    for key in ("priority", "impact", "urgency", "status"):
        if key in data:
            extra.append(f"{key} {data[key]}")
    if event.type == "created" and data.get("fields"):
        extra.append("fields " + ", ".join(f"{k}={v}" for k, v in data["fields"].items()))
    return event.type + (" (" + "; ".join(extra) + ")" if extra else "")


def explain_text(
    config: Config, events: list[Event], results: list[ClockResult], now: float
) -> str:
    at = _stamp_for(_display_zone(config, events))
    ticket = events[0].data["ticket"]
    policy = config.policy_for(events[0].data.get("fields") or {})
    lines = [f"Ticket {ticket}, read at {at(now)}"]
    if policy is None:
        lines.append("No policy matches this ticket's fields: it has no SLA clocks.")
    else:
        lines.append(f"Policy {policy.id} ({policy.name})")
    lines.append("")
    lines.append("Events:")
    lines += [f"  {at(e.t)}  {_event_text(e, config)}" for e in events]
    metrics = {m.name: m for m in policy.metrics} if policy else {}
    for result in results:
        metric = metrics[result.metric]
        target = format_duration(result.target) if result.target is not None else "none"
        lines += [
            "",
            f"{result.metric}: priority {result.priority}, target {target}, state {result.state}",
        ]
        lines.append("  " + verdict(result, metric, now, at))
        lines.append("")
        lines += _timeline_table(result, at)
    return "\n".join(lines)


def _timeline_table(result: ClockResult, at: Any) -> list[str]:
    rows = [["from", "to", "state", "priority", "calendar", "counted", "elapsed"]]
    for item in merged(result.timeline):
        if isinstance(item, Segment):
            rows.append(
                [
                    at(item.start),
                    at(item.end),
                    item.state,
                    item.priority,
                    item.calendar or "-",
                    format_duration(item.counted),
                    format_duration(item.elapsed),
                ]
            )
        else:
            rows.append([at(item.at), "", f"* {item.text}", "", "", "", ""])
    widths = [
        max(len(r[i]) for r in rows if not r[2].startswith("* ")) for i in range(len(rows[0]))
    ]
    out = []
    for row in rows:
        if row[2].startswith("* "):
            out.append(f"  {row[0].ljust(widths[0])}  {row[2]}")
        else:
            out.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
    return out


def explain_dict(
    config: Config, events: list[Event], results: list[ClockResult], now: float
) -> dict[str, Any]:
    policy = config.policy_for(events[0].data.get("fields") or {})
    offset = events[0].offset
    metrics = {m.name: m for m in policy.metrics} if policy else {}
    clocks = []
    for result in results:
        timeline = []
        for item in merged(result.timeline):
            if isinstance(item, Segment):
                timeline.append(
                    {
                        "from": iso(item.start, offset),
                        "to": iso(item.end, offset),
                        "state": item.state,
                        "priority": item.priority,
                        "calendar": item.calendar,
                        "counted": item.counted,
                        "elapsed": item.elapsed,
                    }
                )
            else:
                timeline.append({"at": iso(item.at, offset), "note": item.text})
        clocks.append(
            {
                **as_dict(result),
                "why": verdict(result, metrics[result.metric], now),
                "timeline": timeline,
            }
        )
    return {
        "ticket": events[0].data["ticket"],
        "policy": policy.id if policy else None,
        "now": iso(now, offset),
        "clocks": clocks,
    }

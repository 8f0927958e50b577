"""SLA clocks: one per ticket and metric, run from the ticket's events (spec section 6).

`run_ticket` first reduces a ticket's events to steps (instant, event type, priority and
status after the event), then runs each metric's clock over them. Between two instants a
clock accumulates business time on the calendar of the priority in force, unless it is
not started, stopped or paused. A clock whose elapsed time reaches its target at instant
d is breached at d unless it is stopped at d: events at the same instant as d still count.

A metric's reopen policy (docs/sla-extensions.md) decides what an event in `resume` does
to a stopped clock: `continue` (the contract's rule) runs it on; `restart` begins a new
cycle from 0; `pause` never stopped it for good: a stop holds the clock, paused and
undecided, until the ticket is closed (then it is stopped where it was held) or reopened.

`run_clock` is the one implementation of these rules; it is written as one loop over
local variables because it runs for every ticket of every report and replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .calendar import Calendar
from .config import CLOSED, PAUSE, RESTART, Config, Metric
from .events import Event, priority_of, status_after

NOT_STARTED, RUNNING, PAUSED, STOPPED = "not_started", "running", "paused", "stopped"
_START, _STOP, _RESUME = 1, 2, 3  # Metric.roles

Step = tuple[float, str, str, str]  # instant, event type, priority after it, status after it


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time between two instants, as the clock saw it (for explanations)."""

    start: float
    end: float
    state: str
    priority: str
    calendar: str | None
    counted: float  # business seconds added to elapsed
    elapsed: float  # elapsed at the end of the segment


@dataclass(frozen=True, slots=True)
class Note:
    """Something that happened to the clock at an instant (for explanations)."""

    at: float
    text: str


class ClockResult(NamedTuple):  # a tuple: built 200,000 times per 100,000 tickets
    ticket: Any
    metric: str
    priority: str
    state: str
    elapsed: float
    target: int | None
    due: float | None
    met: bool | None
    breached_at: float | None
    offset: int  # UTC offset to print instants in (that of the ticket's created event)
    timeline: tuple[Segment | Note, ...] | None = None
    cycle: int = 1  # with `reopen: restart`, 1 + the reopens that began a new cycle
    breached_cycles: int = 0  # earlier cycles that ended breached
    reopened: tuple[float, ...] = ()  # instants of the ticket's `reopened` events
    held: bool = False  # `reopen: pause`: stopped, undecided until closed or reopened
    reopen_fields: bool = False  # print cycle, breached_cycles and reopens (metric.reopen_fields)

    @property
    def reopens(self) -> int:
        """How many times the ticket was reopened (its `reopened` events)."""
        return len(self.reopened)


def run_ticket(
    config: Config,
    ticket: Any,
    events: list[Event],
    now: float,
    explain: bool = False,
) -> list[ClockResult]:
    """Clock results of one ticket at `now`, one per metric of its policy."""
    created = events[0]
    policy = config.policy_for(created.data.get("fields") or {})
    if policy is None:
        return []
    steps = ticket_steps(config, events)
    calendars = config.calendars
    reopened = tuple(e.t for e in events if e.type == "reopened")
    return [
        run_clock(metric, steps, calendars, now, ticket, created.offset, explain, reopened)
        for metric in policy.metrics
    ]


def ticket_steps(config: Config, events: list[Event]) -> list[Step]:
    """The ticket's priority and status after each of its events."""
    priority = ""
    status = events[0].data.get("status") or "new"
    steps = []
    for event in events:
        kind = event.type
        if kind == "created" or kind == "priority":
            priority = priority_of(event, config)
        else:
            status = status_after(event, status)
        steps.append((event.t, kind, priority, status))
    return steps


def run_clock(
    metric: Metric,
    steps: list[Step],
    calendars: dict[str, Calendar],
    now: float,
    ticket: Any = None,
    offset: int = 0,
    explain: bool = False,
    reopened: tuple[float, ...] = (),
) -> ClockResult:
    """One clock over a ticket's steps, read at `now` (or at the last step if later)."""
    roles, targets, cal_ids, pause = metric.roles, metric.targets, metric.calendars, metric.pause
    hold, restart = metric.reopen == PAUSE, metric.reopen == RESTART
    timeline: list[Segment | Note] | None = [] if explain else None

    last = steps[0][0]
    priority = steps[0][2]
    target = targets.get(priority)
    cid = cal_ids.get(priority)
    cal = calendars[cid] if cid is not None else None
    started = stopped = paused = held = False  # held: stopped, but not for good (PAUSE)
    cycle, breached_cycles = 1, 0
    elapsed = pos = 0.0
    stopped_at = last
    reach: float | None = None  # instant elapsed reached target, breach pending
    breached_at: float | None = None

    for t, kind, new_priority, status in steps:
        if t > last:
            counted = 0.0
            if started and not stopped:
                if reach is not None and breached_at is None:
                    breached_at = reach  # time moved on past d without a stop
                if cal is not None:
                    p = cal.position(t)
                    if not paused:
                        counted = p - pos
                        if (
                            counted > 0
                            and target is not None
                            and breached_at is None
                            and elapsed < target <= elapsed + counted
                        ):
                            due = cal.instant(pos + target - elapsed)
                            if due < t:
                                breached_at = due
                            else:
                                reach = due
                        elapsed += counted
                    pos = p
            if timeline is not None:
                state = _state(started, stopped, paused, held)
                timeline.append(Segment(last, t, state, priority, cid, counted, elapsed))
            last = t

        if new_priority != priority and not stopped:
            if timeline is not None and kind != "created":
                timeline.append(Note(t, f"priority {priority} -> {new_priority}"))
            priority = new_priority
            target = targets.get(priority)
            cid = cal_ids.get(priority)
            cal = calendars[cid] if cid is not None else None
            if started and cal is not None:
                pos = cal.position(t)
        role = roles.get(kind)
        if role == _STOP and not stopped:
            started = stopped = True
            held = hold
            stopped_at = t
            if timeline is not None:
                text = ", held (paused) until the ticket is closed or reopened" if held else ""
                timeline.append(Note(t, f"{kind}: clock stopped{text}"))
        elif (role == _START and not started) or (role == _RESUME and stopped):
            if stopped and new_priority != priority:  # a stopped clock kept its old priority
                priority = new_priority
                target = targets.get(priority)
                cid = cal_ids.get(priority)
                cal = calendars[cid] if cid is not None else None
            text = "started" if role == _START else "resumed"
            if role == _RESUME and restart:  # a new cycle; the one that ended keeps its outcome
                if timeline is not None:
                    outcome = "met" if breached_at is None else "breached"
                    text = f"restarted: cycle {cycle + 1} (cycle {cycle} {outcome})"
                cycle += 1
                if breached_at is not None:
                    breached_cycles += 1
                elapsed, breached_at = 0.0, None
            started, stopped, held = True, False, False
            pos = cal.position(t) if cal is not None else 0.0
            if timeline is not None:
                timeline.append(Note(t, f"{kind}: clock {text}"))
        if held and status == CLOSED:  # can no longer reopen: the hold is the stop
            held = False
            if timeline is not None:
                timeline.append(Note(t, f"{kind}: the ticket is closed, the hold is final"))
        was_paused = paused
        paused = status in pause
        if timeline is not None and paused != was_paused and started and not stopped:
            timeline.append(Note(t, f"status {status}: clock {'paused' if paused else 'running'}"))
        # A clock with no time left after this event is breached once time moves on.
        if (
            started
            and not stopped
            and breached_at is None
            and target is not None
            and elapsed >= target
        ):
            if reach is None:
                reach = t
        else:
            reach = None

    if now > last:
        counted = 0.0
        if started and not stopped:
            if reach is not None and breached_at is None:
                breached_at = reach
            if cal is not None and not paused:
                counted = cal.position(now) - pos
                if (
                    counted > 0
                    and target is not None
                    and breached_at is None
                    and elapsed < target <= elapsed + counted
                ):
                    due = cal.instant(pos + target - elapsed)
                    if due < now:
                        breached_at = due
                    else:
                        reach = due
                elapsed += counted
        if timeline is not None:
            state = _state(started, stopped, paused, held)
            timeline.append(Segment(last, now, state, priority, cid, counted, elapsed))
    else:
        now = last  # events after `now` still count; the clock is read at its last event

    state = _state(started, stopped, paused, held)
    due: float | None = None
    met: bool | None = None
    if breached_at is not None:
        due, met = breached_at, False
    elif target is None or cal is None or state == NOT_STARTED:
        pass
    elif state == STOPPED:  # (a held clock is PAUSED: undecided, no due)
        due, met = cal.add(stopped_at, target - elapsed), True
    elif reach is not None:
        due = reach  # no time left: decided by what happens after `now`
    elif state == RUNNING:
        due = cal.add(now, target - elapsed)
    return ClockResult(
        ticket=ticket,
        metric=metric.name,
        priority=priority,
        state=state,
        elapsed=elapsed,
        target=target,
        due=due,
        met=met,
        breached_at=breached_at,
        offset=offset,
        timeline=tuple(timeline) if timeline is not None else None,
        cycle=cycle,
        breached_cycles=breached_cycles,
        reopened=reopened,
        held=held,
        reopen_fields=metric.reopen_fields,
    )


def _state(started: bool, stopped: bool, paused: bool, held: bool) -> str:
    if not started:
        return NOT_STARTED
    if stopped:
        return PAUSED if held else STOPPED
    return PAUSED if paused else RUNNING

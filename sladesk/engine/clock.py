"""SLA clocks: one per ticket and metric, run from the ticket's events (spec section 6).

`run_ticket` replays one ticket's events in time order. Between two instants a clock
accumulates business time on the calendar of the priority in force, unless it is not
started, stopped or paused. A clock whose elapsed time reaches its target at instant d
is breached at d unless it is stopped at d: events at the same instant as d still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .calendar import Calendar
from .config import Config, Metric
from .events import Event, priority_of, status_after

NOT_STARTED, RUNNING, PAUSED, STOPPED = "not_started", "running", "paused", "stopped"


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


@dataclass(frozen=True, slots=True)
class ClockResult:
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


class Clock:
    """The running state of one metric of one ticket."""

    __slots__ = (
        "breached_at",
        "cal",
        "elapsed",
        "last",
        "metric",
        "pos",
        "priority",
        "reach",
        "started",
        "stopped",
        "stopped_at",
        "target",
        "timeline",
    )

    def __init__(
        self, metric: Metric, priority: str, t: float, calendars: dict[str, Calendar], explain: bool
    ) -> None:
        self.metric = metric
        self.started = False
        self.stopped = False
        self.stopped_at = t
        self.elapsed = 0.0
        self.last = t
        self.pos = 0.0
        self.reach: float | None = None  # instant elapsed reached target, breach pending
        self.breached_at: float | None = None
        self.timeline: list[Segment | Note] | None = [] if explain else None
        self.set_priority(priority, calendars)

    def set_priority(self, priority: str, calendars: dict[str, Calendar]) -> None:
        self.priority = priority
        self.target = self.metric.targets.get(priority)
        cid = self.metric.calendars.get(priority)
        self.cal: Calendar | None = calendars[cid] if cid is not None else None

    def advance(self, t: float, paused: bool) -> None:
        """Let time run from the last instant to t (t > last)."""
        if not self.started or self.stopped:
            if self.timeline is not None:
                self._segment(t, STOPPED if self.stopped else NOT_STARTED, 0.0)
            self.last = t
            return
        if self.reach is not None and self.breached_at is None:
            self.breached_at = self.reach  # time moved on past d without a stop
        counted = 0.0
        cal = self.cal
        if cal is not None:
            pos = cal.position(t)
            if not paused:
                counted = pos - self.pos
                target = self.target
                elapsed = self.elapsed
                if (
                    counted > 0
                    and target is not None
                    and self.breached_at is None
                    and elapsed < target <= elapsed + counted
                ):
                    due = cal.instant(self.pos + target - elapsed)
                    if due < t:
                        self.breached_at = due
                    else:
                        self.reach = due
                self.elapsed = elapsed + counted
            self.pos = pos
        if self.timeline is not None:
            self._segment(t, PAUSED if paused else RUNNING, counted)
        self.last = t

    def settle(self, t: float) -> None:
        """After an event at t: a clock with no time left has a breach pending at t."""
        if (
            self.started
            and not self.stopped
            and self.breached_at is None
            and self.target is not None
            and self.elapsed >= self.target
        ):
            if self.reach is None:
                self.reach = t
        else:
            self.reach = None

    def start(self, t: float) -> None:
        self.started = True
        self.pos = self.cal.position(t) if self.cal is not None else 0.0

    def _segment(self, t: float, state: str, counted: float) -> None:
        cid = self.cal.id if self.cal is not None else None
        assert self.timeline is not None
        self.timeline.append(Segment(self.last, t, state, self.priority, cid, counted, self.elapsed))

    def note(self, t: float, text: str) -> None:
        if self.timeline is not None:
            self.timeline.append(Note(t, text))


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
    priority = priority_of(created, config)
    status = created.data.get("status") or "new"
    calendars = config.calendars
    clocks = [Clock(m, priority, created.t, calendars, explain) for m in policy.metrics]
    last = created.t
    for event in events:
        t = event.t
        if t > last:
            for clock in clocks:
                clock.advance(t, status in clock.metric.pause)
            last = t
        if event.type in ("priority", "created"):
            priority = priority_of(event, config)
        status = status_after(event, status)
        for clock in clocks:
            _apply(clock, event, priority, status, calendars)
            clock.settle(t)
    if now > last:
        for clock in clocks:
            clock.advance(now, status in clock.metric.pause)
    # Events after `now` still count; a running clock is then read at its last event.
    now = max(now, last)
    return [_result(ticket, clock, status, now, created.offset) for clock in clocks]


def _apply(
    clock: Clock, event: Event, priority: str, status: str, calendars: dict[str, Calendar]
) -> None:
    metric, kind, t = clock.metric, event.type, event.t
    if kind == "priority" and not clock.stopped and priority != clock.priority:
        before = clock.priority
        clock.set_priority(priority, calendars)
        if clock.started and clock.cal is not None:
            clock.pos = clock.cal.position(t)
        clock.note(t, f"priority {before} -> {priority}")
    if kind in metric.stop and not clock.stopped:
        if not clock.started:
            clock.started = True
        clock.stopped = True
        clock.stopped_at = t
        clock.note(t, f"{kind}: clock stopped")
    elif kind in metric.start and not clock.started:
        clock.start(t)
        clock.note(t, f"{kind}: clock started")
    elif kind in metric.resume and clock.stopped:
        clock.stopped = False
        if priority != clock.priority:
            clock.set_priority(priority, calendars)
        clock.start(t)
        clock.note(t, f"{kind}: clock resumed")
    if kind == "status" or kind in ("resolved", "reopened", "closed"):
        if clock.timeline is not None and clock.started and not clock.stopped:
            state = "paused" if status in metric.pause else "running"
            clock.note(t, f"status {status}: clock {state}")


def _result(ticket: Any, clock: Clock, status: str, now: float, offset: int) -> ClockResult:
    if not clock.started:
        state = NOT_STARTED
    elif clock.stopped:
        state = STOPPED
    elif status in clock.metric.pause:
        state = PAUSED
    else:
        state = RUNNING
    breached_at = clock.breached_at
    target = clock.target
    due: float | None = None
    met: bool | None = None
    if breached_at is not None:
        due, met = breached_at, False
    elif target is None or state in (NOT_STARTED, PAUSED) or clock.cal is None:
        due = clock.reach if state == PAUSED else None
    elif clock.reach is not None:
        due = clock.reach  # no time left, decided by what happens after `now`
        met = True if state == STOPPED else None
    else:
        due = clock.cal.add(clock.stopped_at if state == STOPPED else now, target - clock.elapsed)
        met = True if state == STOPPED else None
    if state == STOPPED and breached_at is None:
        met = True
    return ClockResult(
        ticket=ticket,
        metric=clock.metric.name,
        priority=clock.priority,
        state=state,
        elapsed=clock.elapsed,
        target=target,
        due=due,
        met=met,
        breached_at=breached_at,
        offset=offset,
        timeline=tuple(clock.timeline) if clock.timeline is not None else None,
    )


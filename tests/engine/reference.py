"""A brute-force reference of the SLA engine contract (shared/spec/sla-engine.md).

It shares no code with `sladesk.engine`: it reads the YAML configuration with
`yaml.safe_load` into plain values and answers every question by walking time.

- Working time: an instant is working time when its local wall-clock time, read with
  zoneinfo in the calendar's zone, lies in an interval `[start, end)` of its local date
  (holidays, make-up days with `workday_hours`, weekly hours, `24x7`). Working hours are
  whole minutes and the zones used have whole-minute offsets whose changes fall on whole
  minutes, so whether an instant works is constant on each UTC minute `[m, m + 60)`:
  walking minute by minute (and by the leftover seconds at the ends) is exact.
- Clocks: the ticket's timeline is walked minute by minute from its `created` event.
  Events are applied at their instants (all on whole minutes), in time order, events at
  one instant in file order. After the events of an instant the clock's state decides
  what the next minute adds. `due` is the first instant at which elapsed >= target; a
  clock that has no time left after the events of an instant and is not stopped is
  breached there once time moves on (docs/sla-engine.md: a stop at the same instant
  still counts; pausing is not stopping).
- Extensions (docs/sla-extensions.md): event types declared under `events` are plain
  moments (no status, no priority). A metric's `reopen` says what an event in `resume` does
  to a stopped clock: `continue` (the contract's rule), `restart` (a new cycle: elapsed
  from 0, no breach yet; the cycle that ended is counted, breached or not), `pause` (a stop
  only holds the clock: paused and undecided until the ticket's status is `closed`, when
  the hold becomes the stop, or until a resume runs it on). A metric that has the key
  reports `cycle`, `breached_cycles` and `reopens` (the ticket's `reopened` events).

It is deliberately slow and simple: use it with short histories and small targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml

MINUTE = 60
DAY = 86400
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
BUILT_IN = {
    "created",
    "status",
    "priority",
    "acknowledged",
    "responded",
    "updated",
    "resolved",
    "reopened",
    "closed",
}
_LIMIT = 3 * 366 * DAY  # a walk longer than this means the calendar (almost) never works


class ReferenceGaveUp(Exception):
    """The reference gave up (a walk too long)."""


def parse_duration(raw: Any) -> int:
    """`90s`, `15m`, `4h`, `1h30m` or whole seconds."""
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if text.isdigit():
        return int(text)
    total = 0
    rest = text
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if unit in rest:
            number, rest = rest.split(unit, 1)
            total += int(number) * size
    if rest:
        raise ValueError(f"bad duration {raw!r}")
    return total


def _interval(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", text.strip())
    if m is None:
        raise ValueError(f"bad interval {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    return h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60


def _intervals(raw: Any) -> list[tuple[int, int]]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    return [_interval(x) for x in raw]


def _dates(raw: Any) -> set[date]:
    out: set[date] = set()
    for item in raw or []:
        if isinstance(item, date):
            out.add(item)
            continue
        first, _, last = str(item).partition("..")
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if last else a
        while a <= b:
            out.add(a)
            a += timedelta(days=1)
    return out


class RefCalendar:
    """Working time by reading the local wall clock of every minute."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.tz = ZoneInfo(raw["timezone"])
        hours = raw["hours"]
        self.always = hours == "24x7"
        self.week: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
        if not self.always:
            for i, name in enumerate(WEEKDAYS):
                self.week[i] = _intervals(hours.get(name))
        self.holidays = _dates(raw.get("holidays"))
        self.workdays = _dates(raw.get("workdays"))
        if "workday_hours" in raw:
            self.workday_hours = _intervals(raw["workday_hours"])
        else:
            self.workday_hours = list(self.week[0])
        self._minutes: dict[int, bool] = {}

    def hours_of(self, day: date) -> list[tuple[int, int]]:
        if day in self.holidays:
            return []
        if self.always:
            return [(0, DAY)]
        if day in self.workdays:
            return self.workday_hours
        return self.week[day.weekday()]

    def is_working(self, t: float) -> bool:
        """Is the instant t (POSIX seconds) working time?"""
        local = datetime.fromtimestamp(t, self.tz)
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(start <= second < end for start, end in self.hours_of(local.date()))

    def minute_works(self, m: int) -> bool:
        works = self._minutes.get(m)
        if works is None:
            works = self._minutes[m] = self.is_working(m)
        return works

    def elapsed(self, a: float, b: float) -> float:
        """Business seconds in [a, b], walking minute by minute."""
        total = 0.0
        t = a
        while t < b:
            minute = int(t // MINUTE) * MINUTE
            nxt = min(b, minute + MINUTE)
            if self.minute_works(minute):
                total += nxt - t
            t = nxt
        return total

    def add(self, start: float, seconds: float) -> float:
        """The earliest t >= start with `seconds` business seconds in [start, t]."""
        if seconds <= 0:
            return start
        done = 0.0
        t = start
        while t - start < _LIMIT:
            minute = int(t // MINUTE) * MINUTE
            nxt = minute + MINUTE
            if self.minute_works(minute):
                if done + (nxt - t) >= seconds:
                    return t + (seconds - done)
                done += nxt - t
            t = nxt
        raise ReferenceGaveUp("no working time found")


@dataclass
class RefMetric:
    name: str
    start: set[str]
    stop: set[str]
    resume: set[str]
    pause: set[str]
    calendar: dict[str, str]  # priority -> calendar id
    target: dict[str, int]  # priority -> seconds
    reopen: str | None = None  # the `reopen` key as written; None: absent (continue)


@dataclass
class RefPolicy:
    id: str
    match: dict[str, Any]
    metrics: list[RefMetric]


def _words(raw: Any) -> set[str]:
    if raw is None:
        return set()
    if isinstance(raw, str):
        return {raw}
    return set(raw)


class Reference:
    """The whole contract, naively: configuration, priorities, policies and clocks."""

    def __init__(self, config_text: str) -> None:
        raw = yaml.safe_load(config_text)
        self.calendars = {cid: RefCalendar(body) for cid, body in raw["calendars"].items()}
        self.priorities = list(raw["priorities"])
        self.matrix = raw.get("matrix")
        self.event_types = BUILT_IN | set(raw.get("events") or {})
        self.policies = []
        for body in raw["policies"]:
            metrics = []
            for name, m in body["metrics"].items():
                cal = m["calendar"]
                if isinstance(cal, str):
                    calendar = dict.fromkeys(self.priorities, cal)
                else:
                    calendar = {}
                    for prio in self.priorities:
                        if prio in cal:
                            calendar[prio] = cal[prio]
                        elif "default" in cal:
                            calendar[prio] = cal["default"]
                metrics.append(
                    RefMetric(
                        name=name,
                        start=_words(m["start"]),
                        stop=_words(m["stop"]),
                        resume=_words(m.get("resume")),
                        pause=_words(m.get("pause")),
                        calendar=calendar,
                        target={p: parse_duration(v) for p, v in m["target"].items()},
                        reopen=m.get("reopen"),
                    )
                )
            self.policies.append(RefPolicy(str(body["id"]), body.get("match") or {}, metrics))

    # -- tickets ----------------------------------------------------------------------

    def priority_of(self, event: dict[str, Any]) -> str:
        if event.get("priority") is not None:
            return event["priority"]
        return self.matrix[event["impact"]][event["urgency"]]

    def policy_for(self, fields: dict[str, Any]) -> RefPolicy | None:
        for policy in self.policies:
            ok = True
            for key, value in policy.match.items():
                if key not in fields or fields[key] != value:
                    ok = False
            if ok:
                return policy
        return None

    def compute(self, events: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
        """One result per ticket (order of first appearance) and metric (config order)."""
        tickets: dict[Any, list[tuple[float, int, dict[str, Any]]]] = {}
        for i, event in enumerate(events):
            assert event["type"] in self.event_types, f"undeclared event type {event['type']}"
            t = datetime.fromisoformat(event["at"]).timestamp()
            tickets.setdefault(event["ticket"], []).append((t, i, event))
        out = []
        for ticket, items in tickets.items():
            items.sort(key=lambda x: (x[0], x[1]))
            timeline = [(t, e) for t, _, e in items]
            created = timeline[0][1]
            assert created["type"] == "created"
            policy = self.policy_for(created.get("fields") or {})
            if policy is None:
                continue
            for metric in policy.metrics:
                result = self.run_clock(metric, timeline, now)
                out.append({"ticket": ticket, "metric": metric.name, **result})
        return out

    def run_clock(
        self, metric: RefMetric, timeline: list[tuple[float, dict[str, Any]]], now: float
    ) -> dict[str, Any]:
        at: dict[float, list[dict[str, Any]]] = {}
        for t, event in timeline:
            assert t % MINUTE == 0, "the reference walks whole minutes"
            at.setdefault(t, []).append(event)
        first = timeline[0][0]
        end = max(now, timeline[-1][0])
        assert end % MINUTE == 0

        status = timeline[0][1].get("status") or "new"
        ticket_priority = ""
        priority = ""  # the clock's: the ticket's, except while stopped
        started = stopped = False
        held = False  # reopen: pause, stopped but not yet for good
        ended_cycles: list[bool] = []  # reopen: restart, whether each ended cycle was breached
        stopped_at = 0.0
        elapsed = 0
        breached_at: float | None = None
        no_time_left = False
        t = first
        while True:
            for event in at.get(t, ()):
                kind = event["type"]
                if kind in ("created", "priority"):
                    ticket_priority = self.priority_of(event)
                elif kind == "status":
                    status = event["status"]
                elif kind == "resolved":
                    status = "resolved"
                elif kind == "reopened":
                    status = "open"
                elif kind == "closed":
                    status = "closed"
                if not stopped:
                    priority = ticket_priority
                if kind in metric.stop:
                    if not stopped:
                        started = stopped = True
                        stopped_at = t
                        held = metric.reopen == "pause"
                elif kind in metric.start:
                    started = True
                elif kind in metric.resume and stopped:
                    if metric.reopen == "restart":
                        ended_cycles.append(breached_at is not None)
                        elapsed = 0
                        breached_at = None
                    stopped = held = False
                    priority = ticket_priority
                if held and status == "closed":
                    held = False
            target = metric.target.get(priority)
            cal_id = metric.calendar.get(priority)
            no_time_left = (
                started
                and not stopped
                and breached_at is None
                and target is not None
                and elapsed >= target
            )
            if t >= end:
                break
            if no_time_left:
                breached_at = t  # time moves on and the clock did not stop at its due
            running = started and not stopped and status not in metric.pause
            if running and cal_id is not None and self.calendars[cal_id].minute_works(t):
                elapsed += MINUTE
            t += MINUTE

        paused = status in metric.pause
        if not started:
            state = "not_started"
        elif held:
            state = "paused"
        elif stopped:
            state = "stopped"
        else:
            state = "paused" if paused else "running"
        target = metric.target.get(priority)
        cal_id = metric.calendar.get(priority)
        due: float | None = None
        met: bool | None = None
        if breached_at is not None:
            due, met = breached_at, False
        elif target is None or cal_id is None or state == "not_started" or held:
            pass
        elif state == "stopped":
            due, met = self.calendars[cal_id].add(stopped_at, target - elapsed), True
        elif no_time_left:
            due = end  # its due is now; a stop at this very instant could still meet it
        elif state == "running":
            due = self.calendars[cal_id].add(end, target - elapsed)
        out = {
            "priority": priority,
            "state": state,
            "elapsed": elapsed,
            "target": target,
            "due": due,
            "met": met,
            "breached_at": breached_at,
        }
        if metric.reopen is not None:
            out["cycle"] = 1 + len(ended_cycles)
            out["breached_cycles"] = sum(ended_cycles)
            out["reopens"] = sum(1 for _, e in timeline if e["type"] == "reopened")
        return out

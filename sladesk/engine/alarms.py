"""When a running clock's rules fire: the instants of its warnings, breach, escalation levels
and next progress-update reminder, computed from the clock as read at an instant.

Pure: the worker stores these as timers and acts on them when they are due. A clock that is
not running has no alarms, so a paused or stopped clock never fires one; every instant is
found by adding business seconds on the clock's own calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .calendar import Calendar
from .clock import ClockResult
from .config import Metric


@dataclass(frozen=True)
class Alarm:
    key: str  # the same alarm keeps its key when recomputed, so it fires once
    kind: str  # warn, breach, escalate, update
    metric: str
    at: float  # POSIX seconds; at or before `now` means due at once
    to: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


def alarms(
    metric: Metric,
    result: ClockResult,
    calendar: Calendar,
    now: float,
    updated_elapsed: float | None = None,
) -> list[Alarm]:
    """The alarms of `result`, a clock read at `now`.

    `updated_elapsed` is the clock's elapsed business time at the requester's last public
    update (or at creation); None leaves out the update reminder.
    """
    if result.state != "running" or result.target is None:
        return []
    rules = metric.rules
    target, elapsed, prio = result.target, result.elapsed, result.priority

    def at(business: float) -> float:
        return now if business <= elapsed else calendar.add(now, business - elapsed)

    out: list[Alarm] = []
    breached = result.breached_at is not None or elapsed >= target
    passed = [f for f in metric.warn if f * target <= elapsed]
    for fraction in metric.warn:
        # Of warnings already passed when first computed (a priority raised mid-way), only
        # the latest is worth sending; none once the breach itself is due.
        if breached or (fraction in passed and fraction != passed[-1]):
            continue
        key = f"{metric.name}:{prio}:warn:{fraction:g}"
        data = {"fraction": fraction, "target": target}
        out.append(Alarm(key, "warn", metric.name, at(fraction * target), rules.warn_to, data))
    breach_at = result.breached_at if result.breached_at is not None else at(target)
    out.append(
        Alarm(
            f"{metric.name}:breach",
            "breach",
            metric.name,
            breach_at,
            rules.breach_to,
            {"target": target},
        )
    )
    for level, esc in enumerate(rules.escalate):
        if esc.applies(prio):
            key = f"{metric.name}:{prio}:escalate:{level}"
            data = {"level": level, "after": esc.at(target), "target": target}
            out.append(Alarm(key, "escalate", metric.name, at(esc.at(target)), esc.to, data))
    if updated_elapsed is not None:
        out.extend(reminders(metric, result, calendar, now, updated_elapsed))
    return out


def reopen_escalations(metric: Metric, result: ClockResult) -> list[Alarm]:
    """The `escalate_on_reopen` levels the ticket has reached, whatever its clock's state.

    Level `after: n` falls at the ticket's n-th `reopened` event (at or before `now`: due at
    once), keyed by n so that each level fires once per ticket. Kind `reopen`, with data
    `{"after": n, "reopens": how many so far}`.
    """
    out = []
    reopened = result.reopened
    for level in metric.rules.on_reopen:
        if len(reopened) < level.after:
            break  # levels come fewest reopens first
        key = f"{metric.name}:reopen:{level.after}"
        data = {"after": level.after, "reopens": len(reopened)}
        out.append(Alarm(key, "reopen", metric.name, reopened[level.after - 1], level.to, data))
    return out


def reminders(
    metric: Metric, result: ClockResult, calendar: Calendar, now: float, since: float
) -> list[Alarm]:
    """The update reminder due last (if one is) and the next one, counted from `since`.

    Reminder n falls where the clock has run n cadences past the update at `since`; the
    cadence lengthens once the clock has run `after` (e.g. 4 h, then daily).
    """
    updates = metric.rules.updates
    if updates is None:
        return []
    business, number = since, 0
    last: Alarm | None = None
    while (step := updates.cadence(result.priority, business)) is not None:
        business, number = business + step, number + 1
        if business <= result.elapsed:
            last = _reminder(metric, result.priority, since, number, business, now)
            continue
        due = calendar.add(now, business - result.elapsed)
        ahead = _reminder(metric, result.priority, since, number, business, due)
        return [last, ahead] if last else [ahead]
    return [last] if last else []


def following(metric: Metric, priority: str, calendar: Calendar, fired: Alarm) -> Alarm | None:
    """The reminder after `fired`, for a clock still running since `fired` fell due."""
    updates = metric.rules.updates
    step = updates.cadence(priority, fired.data["elapsed"]) if updates else None
    if step is None:
        return None
    since, number = fired.data["since"], fired.data["number"] + 1
    business = fired.data["elapsed"] + step
    return _reminder(metric, priority, since, number, business, calendar.add(fired.at, step))


def _reminder(
    metric: Metric, priority: str, since: float, number: int, business: float, at: float
) -> Alarm:
    to = metric.rules.updates.to if metric.rules.updates else ()
    key = f"{metric.name}:update:{since:.0f}:{number}"
    data = {"since": since, "number": number, "elapsed": business, "priority": priority}
    return Alarm(key, "update", metric.name, at, to, data)

"""What a metric's clock makes sladesk do: warnings, breach notices, escalation, reminders.

These keys of a metric (`notify`, `escalate`, `updates`, `escalate_on_reopen`) never change
the clock itself, like `goal` and `warn`; the worker reads them to decide who is told what,
and when. Every instant the first three name is business time on the metric's own clock,
so a paused or stopped clock never fires one; `escalate_on_reopen` counts the ticket's
reopens instead. See docs/notifications.md and docs/sla-extensions.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .durations import parse_duration, percent_of
from .yamlsource import Path

RECIPIENTS = ("assignee", "team", "team_lead", "service_manager")
NOTIFY_KEYS = ("warn", "breach")
ESCALATE_KEYS = ("after", "priorities", "to")
UPDATES_KEYS = ("every", "after", "then", "to")
ON_REOPEN_KEYS = ("after", "to")

# Without a `notify` key a metric still warns its assignee and tells the team lead of a
# breach: silence has to be asked for (`notify: {warn: [], breach: []}`).
DEFAULT_WARN_TO = ("assignee",)
DEFAULT_BREACH_TO = ("assignee", "team_lead")


class _Checker(Protocol):
    def problem(self, path: Path, message: str) -> None: ...
    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None: ...
    def keys(self, value: dict[str, Any], path: Path, allowed: tuple[str, ...]) -> None: ...


@dataclass(frozen=True)
class Escalation:
    """Tell `to` once the clock has run `seconds` of business time, or `fraction` of target."""

    to: tuple[str, ...]
    seconds: int | None = None
    fraction: float | None = None
    priorities: frozenset[str] | None = None  # None: every priority

    def at(self, target: int) -> float:
        """Business seconds on the clock at which this level is reached."""
        return float(self.seconds) if self.seconds is not None else target * (self.fraction or 0)

    def applies(self, priority: str) -> bool:
        return self.priorities is None or priority in self.priorities


@dataclass(frozen=True)
class Updates:
    """Remind `to` when the requester has had no public update for `every` (then `then`)."""

    every: dict[str, int]  # priority -> seconds
    after: dict[str, int]  # priority -> seconds on the clock after which `then` applies
    then: dict[str, int]
    to: tuple[str, ...]

    def cadence(self, priority: str, elapsed: float) -> int | None:
        """Seconds between reminders for a clock that has run `elapsed` seconds."""
        switch = self.after.get(priority)
        if switch is not None and elapsed >= switch and priority in self.then:
            return self.then[priority]
        return self.every.get(priority)


@dataclass(frozen=True)
class ReopenEscalation:
    """Tell `to` once the ticket has been reopened `after` times."""

    after: int
    to: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    warn_to: tuple[str, ...] = DEFAULT_WARN_TO
    breach_to: tuple[str, ...] = DEFAULT_BREACH_TO
    escalate: tuple[Escalation, ...] = ()
    updates: Updates | None = None
    on_reopen: tuple[ReopenEscalation, ...] = ()  # by `after`, fewest reopens first


def parse_rules(v: _Checker, met: dict[str, Any], path: Path, priorities: tuple[str, ...]) -> Rules:
    """The rules of one metric body (problems go to `v`)."""
    warn_to, breach_to = DEFAULT_WARN_TO, DEFAULT_BREACH_TO
    if "notify" in met:
        where = (*path, "notify")
        body = v.mapping(met["notify"], where, "recipients by occasion (warn, breach)") or {}
        v.keys(body, where, NOTIFY_KEYS)
        warn_to = _recipients(v, body.get("warn", []), (*where, "warn"))
        breach_to = _recipients(v, body.get("breach", []), (*where, "breach"))
    escalate = _escalations(v, met.get("escalate", []), (*path, "escalate"), priorities)
    updates = None
    if "updates" in met:
        updates = _updates(v, met["updates"], (*path, "updates"), priorities)
    on_reopen = ()
    if "escalate_on_reopen" in met:
        on_reopen = _on_reopen(v, met["escalate_on_reopen"], (*path, "escalate_on_reopen"))
    return Rules(warn_to, breach_to, escalate, updates, on_reopen)


def _on_reopen(v: _Checker, value: Any, path: Path) -> tuple[ReopenEscalation, ...]:
    """One level `{after: 2, to: [team_lead]}`, or a list of them."""
    if isinstance(value, dict):  # one level, written without the list
        raw_levels = [(value, path)]
    elif isinstance(value, list) and value:
        raw_levels = [(raw, (*path, i)) for i, raw in enumerate(value)]
    else:
        v.problem(
            path,
            "expected a level like {after: 2, to: [team_lead]} (reopened twice), or a list of them",
        )
        return ()
    levels: dict[int, ReopenEscalation] = {}
    for raw, where in raw_levels:
        body = v.mapping(raw, where, "a level {after, to}")
        if body is None:
            continue
        v.keys(body, where, ON_REOPEN_KEYS)
        if "after" not in body or "to" not in body:
            v.problem(where, "a level needs 'after' (a number of reopens) and 'to'")
            continue
        after = body["after"]
        if isinstance(after, bool) or not isinstance(after, int) or after < 1:
            v.problem((*where, "after"), f"expected a number of reopens ≥ 1, got {after!r}")
            continue
        if after in levels:
            v.problem((*where, "after"), f"two levels escalate after {after} reopens")
            continue
        levels[after] = ReopenEscalation(after, _recipients(v, body["to"], (*where, "to")))
    return tuple(levels[n] for n in sorted(levels))


def _recipients(v: _Checker, value: Any, path: Path) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        v.problem(
            path, f"expected a list of recipients such as [assignee, team_lead], got {value!r}"
        )
        return ()
    out: list[str] = []
    for i, item in enumerate(items):
        if item not in RECIPIENTS:
            v.problem((*path, i), f"unknown recipient {item!r}; allowed: {', '.join(RECIPIENTS)}")
        elif item not in out:
            out.append(item)
    return tuple(out)


def _escalations(
    v: _Checker, value: Any, path: Path, priorities: tuple[str, ...]
) -> tuple[Escalation, ...]:
    if not isinstance(value, list):
        v.problem(path, "expected a list of levels, each like {after: 10m, to: [team_lead]}")
        return ()
    levels = []
    for i, raw in enumerate(value):
        where = (*path, i)
        body = v.mapping(raw, where, "an escalation level {after, to, priorities}")
        if body is None:
            continue
        v.keys(body, where, ESCALATE_KEYS)
        if "after" not in body or "to" not in body:
            v.problem(where, "an escalation level needs 'after' and 'to'")
            continue
        to = _recipients(v, body["to"], (*where, "to"))
        seconds, fraction = _after(v, body["after"], (*where, "after"))
        only = None
        if "priorities" in body:
            only = _priorities(v, body["priorities"], (*where, "priorities"), priorities)
        levels.append(Escalation(to, seconds, fraction, only))
    return tuple(levels)


def _after(v: _Checker, raw: Any, path: Path) -> tuple[int | None, float | None]:
    """`10m` (business time on the clock) or `150%` (of the target; may exceed 100%)."""
    if (fraction := percent_of(raw)) is not None:
        if fraction <= 0:
            v.problem(path, f"{raw!r}: an escalation comes after the clock starts, above 0%")
        return None, fraction
    try:
        return parse_duration(raw), None
    except ValueError as exc:
        v.problem(path, f"{exc}, or a percentage of the target such as 150%")
        return None, None


def _priorities(v: _Checker, value: Any, path: Path, priorities: tuple[str, ...]) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        v.problem(path, f"expected a list of priorities, got {value!r}")
        return frozenset()
    for i, item in enumerate(items):
        if item not in priorities:
            v.problem((*path, i), f"{item!r} is not a priority; allowed: {', '.join(priorities)}")
    return frozenset(p for p in items if p in priorities)


def _updates(v: _Checker, value: Any, path: Path, priorities: tuple[str, ...]) -> Updates | None:
    body = v.mapping(value, path, "an update cadence {every, after, then, to}")
    if body is None:
        return None
    v.keys(body, path, UPDATES_KEYS)
    if "every" not in body:
        v.problem(path, "an update cadence needs 'every'")
        return None
    if ("after" in body) != ("then" in body):
        v.problem(path, "'after' and 'then' go together: after this long, remind at 'then'")
    every = _durations(v, body["every"], (*path, "every"), priorities)
    after = _durations(v, body.get("after", {}), (*path, "after"), priorities)
    then = _durations(v, body.get("then", {}), (*path, "then"), priorities)
    for key, table in (("every", every), ("then", then)):
        for prio, seconds in table.items():
            if seconds == 0:
                v.problem((*path, key, prio), "a reminder cadence must be longer than 0s")
    to = _recipients(v, body.get("to", ["assignee"]), (*path, "to"))
    return Updates(every, after, then, to)


def _durations(v: _Checker, value: Any, path: Path, priorities: tuple[str, ...]) -> dict[str, int]:
    """One duration for every priority, or durations by priority with an optional default."""
    if not isinstance(value, dict):
        try:
            return dict.fromkeys(priorities, parse_duration(value))
        except ValueError as exc:
            v.problem(path, str(exc))
            return {}
    out: dict[str, int] = {}
    for prio, raw in value.items():
        if prio != "default" and prio not in priorities:
            v.problem((*path, prio), f"{prio!r} is not a priority or 'default'")
            continue
        try:
            out[prio] = parse_duration(raw)
        except ValueError as exc:
            v.problem((*path, prio), str(exc))
    default = out.pop("default", None)
    return {p: out.get(p, default) for p in priorities if out.get(p, default) is not None}

"""SLA-as-code: read and validate the YAML configuration of the engine contract.

Validation collects every problem it finds, each as one line naming the file, the line,
the key and what is allowed, so a service manager can fix a file in one pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path as FilePath
from typing import Any

from . import yamlsource
from .calendar import Calendar, CalendarSpec, DayHours
from .durations import parse_duration, parse_percent
from .eventtypes import EVENT_TYPES, EventType, parse_event_types
from .reporting import Reporting, parse_reporting
from .rules import Rules, parse_rules
from .yamlsource import Path, render_path

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOP_KEYS = ("calendars", "priorities", "matrix", "events", "policies", "reporting")
CALENDAR_KEYS = (
    "timezone",
    "hours",
    "holidays",
    "workdays",
    "workday_hours",
    "holidays_from",
    "holiday_files",
)
POLICY_KEYS = ("id", "name", "match", "metrics")
METRIC_KEYS = (
    "start",
    "stop",
    "resume",
    "pause",
    "calendar",
    "target",
    "goal",
    "warn",
    "notify",
    "escalate",
    "updates",
    "reopen",
    "escalate_on_reopen",
)
# What reopening (an event in `resume` while the clock is stopped) does to a metric:
CONTINUE = "continue"  # the contract's rule: the clock runs on, elapsed carries on
RESTART = "restart"  # a new cycle: elapsed from 0, a fresh target from the reopen
PAUSE = "pause"  # the time resolved is a pause: a stop is decided only at close
REOPEN_POLICIES = (CONTINUE, RESTART, PAUSE)
CLOSED = "closed"  # the status that ends a `pause` hold: the ticket can no longer reopen

_INTERVAL = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


class ConfigError(ValueError):
    """One or more problems in a configuration; `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Metric:
    name: str
    start: frozenset[str]
    stop: frozenset[str]
    resume: frozenset[str]
    pause: frozenset[str]
    calendars: dict[str, str]  # priority -> calendar id, for every priority that has one
    targets: dict[str, int]  # priority -> seconds; a priority without one is not measured
    goals: dict[str, float] = field(default_factory=dict)  # priority -> fraction (0.98)
    warn: tuple[float, ...] = ()  # fractions of the target
    rules: Rules = field(default_factory=Rules, compare=False)  # for the worker, not the clock
    reopen: str = CONTINUE  # one of REOPEN_POLICIES
    # The metric states its reopen policy, so its results carry cycle, breached_cycles and
    # reopens; a metric without the key prints exactly the contract's fields.
    reopen_fields: bool = False
    roles: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # What each event type does to the clock (1 start, 2 stop, 3 resume); stop wins.
        roles = dict.fromkeys(self.resume, 3)
        roles.update(dict.fromkeys(self.start, 1))
        roles.update(dict.fromkeys(self.stop, 2))
        object.__setattr__(self, "roles", roles)


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    match: dict[str, Any]
    metrics: tuple[Metric, ...]

    def matches(self, fields: dict[str, Any]) -> bool:
        return all(fields.get(k) == v for k, v in self.match.items())


@dataclass
class Config:
    """A validated configuration, with its calendars compiled."""

    calendars: dict[str, Calendar]
    priorities: tuple[str, ...]
    matrix: dict[str, dict[str, str]] | None
    policies: tuple[Policy, ...]
    source: str = ""
    reporting: Reporting = field(default_factory=Reporting)  # for reports, not the clock
    events: dict[str, EventType] = field(default_factory=dict)  # declared event types
    event_types: tuple[str, ...] = field(init=False, repr=False)  # built-in, then declared

    def __post_init__(self) -> None:
        self.event_types = EVENT_TYPES + tuple(self.events)

    def policy_for(self, fields: dict[str, Any]) -> Policy | None:
        """The first policy, in file order, whose match holds."""
        for policy in self.policies:
            if policy.matches(fields):
                return policy
        return None

    def priority_from(self, impact: Any, urgency: Any) -> str | None:
        if self.matrix is None:
            return None
        return self.matrix.get(str(impact), {}).get(str(urgency))

    def warnings(self) -> list[str]:
        """Coverage warnings raised by calendar computations so far."""
        return [w for cal in self.calendars.values() for _, w in sorted(cal.warnings.items())]


def load_config(path: str | FilePath) -> Config:
    """Read, validate and compile a configuration file; raises ConfigError."""
    path = FilePath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from None
    return parse_config(text, str(path), base_dir=path.parent)


def parse_config(text: str, name: str = "<config>", base_dir: FilePath | None = None) -> Config:
    try:
        data, lines = yamlsource.load(text, name)
    except yamlsource.YamlError as exc:
        raise ConfigError([str(exc)]) from None
    checker = _Checker(name, lines, base_dir or FilePath("."))
    config = checker.config(data)
    if checker.problems:
        raise ConfigError(checker.problems)
    if config is None:  # unreachable: no problems means the checker built a config
        raise ConfigError(["the configuration could not be read"])
    return config


class _Checker:
    """Walks the raw YAML values, collecting problems and building the Config."""

    def __init__(self, name: str, lines: dict[Path, int], base_dir: FilePath) -> None:
        self.name = name
        self.lines = lines
        self.base_dir = base_dir
        self.problems: list[str] = []
        self.event_types = EVENT_TYPES  # and the declared ones, once read

    def problem(self, path: Path, message: str) -> None:
        line = self._line(path)
        where = f"{self.name}:{line}" if line else self.name
        self.problems.append(f"{where}: {render_path(path)}: {message}")

    def _line(self, path: Path) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    # -- shapes -----------------------------------------------------------------------

    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"expected {what} (a mapping), got {_kind(value)}")
        return None

    def keys(self, value: dict[str, Any], path: Path, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                also = f"; did you mean {hint[0]!r}?" if hint else ""
                self.problem((*path, key), f"unknown key; allowed: {', '.join(allowed)}{also}")

    def required(self, value: dict[str, Any], path: Path, keys: Iterable[str]) -> bool:
        missing = [k for k in keys if k not in value]
        for key in missing:
            self.problem(path, f"missing required key {key!r}")
        return not missing

    def word_list(self, value: Any, path: Path, allowed: Iterable[str] | None) -> frozenset[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return frozenset()
        allowed = tuple(allowed) if allowed is not None else None
        out = set()
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item:
                self.problem((*path, i), f"expected a name, got {_kind(item)}")
            elif allowed is not None and item not in allowed:
                self.problem(
                    (*path, i),
                    f"unknown event type {item!r}; allowed: {', '.join(allowed)}; "
                    "declare new types under the top-level key events",
                )
            else:
                out.add(item)
        return frozenset(out)

    # -- the document -----------------------------------------------------------------

    def config(self, data: Any) -> Config | None:
        top = self.mapping(data, (), "a configuration with calendars, priorities and policies")
        if top is None:
            return None
        self.keys(top, (), TOP_KEYS)
        self.required(top, (), ("calendars", "priorities", "policies"))
        calendars = self.calendars(top.get("calendars", {}))
        priorities = self.priorities(top.get("priorities", []))
        matrix = self.matrix(top["matrix"], priorities) if "matrix" in top else None
        events = parse_event_types(self, top["events"]) if "events" in top else {}
        self.event_types = EVENT_TYPES + tuple(events)
        policies = self.policies(top.get("policies", []), priorities, calendars)
        reporting = Reporting()
        if "reporting" in top:
            reporting = parse_reporting(self, top["reporting"], priorities)
        if self.problems:
            return None
        return Config(
            calendars={cid: Calendar(spec) for cid, spec in calendars.items()},
            priorities=priorities,
            matrix=matrix,
            policies=policies,
            source=self.name,
            reporting=reporting,
            events=events,
        )

    def priorities(self, value: Any) -> tuple[str, ...]:
        path: Path = ("priorities",)
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a non-empty list of priorities, most urgent first")
            return ()
        seen: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                self.problem((*path, i), f"expected a priority name, got {_kind(item)}")
            elif item in seen:
                self.problem((*path, i), f"priority {item!r} is listed twice")
            else:
                seen.append(item)
        return tuple(seen)

    def matrix(self, value: Any, priorities: tuple[str, ...]) -> dict[str, dict[str, str]] | None:
        path: Path = ("matrix",)
        rows = self.mapping(value, path, "impact rows of urgency -> priority")
        if not rows:
            if rows is not None:
                self.problem(path, "the matrix is empty; remove it or give impact rows")
            return None
        out: dict[str, dict[str, str]] = {}
        columns: set[str] | None = None
        for impact, row in rows.items():
            row_path = (*path, impact)
            cells = self.mapping(row, row_path, "urgency -> priority")
            if cells is None:
                continue
            for urgency, prio in cells.items():
                if prio not in priorities:
                    self.problem(
                        (*row_path, urgency),
                        f"{prio!r} is not a priority; allowed: {', '.join(priorities)}",
                    )
            if columns is None:
                columns = set(cells)
            elif set(cells) != columns:
                self.problem(
                    row_path,
                    f"every row needs the same urgencies ({', '.join(sorted(columns))}); "
                    f"this one has {', '.join(sorted(cells)) or 'none'}",
                )
            out[impact] = {str(u): str(p) for u, p in cells.items()}
        return out

    # -- calendars --------------------------------------------------------------------

    def calendars(self, value: Any) -> dict[str, CalendarSpec]:
        path: Path = ("calendars",)
        cals = self.mapping(value, path, "calendars by id")
        if not cals:
            if cals is not None:
                self.problem(path, "no calendars; define at least one (e.g. hours: 24x7)")
            return {}
        out = {}
        for cid, body in cals.items():
            spec = self.calendar(cid, body, (*path, cid))
            if spec is not None:
                out[cid] = spec
        return out

    def calendar(self, cid: str, body: Any, path: Path) -> CalendarSpec | None:
        cal = self.mapping(body, path, "a calendar")
        if cal is None:
            return None
        before = len(self.problems)
        self.keys(cal, path, CALENDAR_KEYS)
        self.required(cal, path, ("timezone", "hours"))
        timezone = self.timezone(cal.get("timezone"), (*path, "timezone"))
        always, week = self.week(cal.get("hours", {}), (*path, "hours"))
        holidays = self.dates(cal.get("holidays", []), (*path, "holidays"))
        workdays = self.dates(cal.get("workdays", []), (*path, "workdays"))
        for day in sorted(holidays & workdays):
            self.problem((*path, "workdays"), f"{day} is listed both as holiday and as workday")
        workday_hours = week[0] if week else ()
        if "workday_hours" in cal:
            workday_hours = self.day_hours(cal["workday_hours"], (*path, "workday_hours"))
        elif workdays and not workday_hours and not always:
            self.problem(path, "workdays are listed but Monday has no hours; give workday_hours")
        covered, note = None, ""
        if "holidays_from" in cal or "holiday_files" in cal:
            official = self.official(cal, path)
            if official is not None:
                extra_holidays, extra_workdays, covered, note = official
                # Days typed in the YAML win over the official sources.
                holidays |= extra_holidays - workdays
                workdays |= extra_workdays - holidays
        if len(self.problems) > before or timezone is None:
            return None
        return CalendarSpec(
            id=cid,
            timezone=timezone,
            week=week,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            workday_hours=workday_hours,
            always=always,
            covered_years=covered,
            coverage_note=note,
        )

    def timezone(self, value: Any, path: Path) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.problem(path, f"expected an IANA time zone name, got {_kind(value)}")
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            from zoneinfo import available_timezones

            hint = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
            also = f"; did you mean {hint[0]!r}?" if hint else ""
            self.problem(
                path, f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai{also}"
            )
            return None
        return value

    def week(self, value: Any, path: Path) -> tuple[bool, tuple[DayHours, ...]]:
        if value == "24x7":
            return True, ()
        if isinstance(value, str):
            self.problem(path, f"expected 24x7 or hours by weekday (mon..sun), got {value!r}")
            return False, ()
        days = self.mapping(value, path, "24x7 or hours by weekday (mon..sun)")
        if days is None:
            return False, ()
        self.keys(days, path, WEEKDAYS)
        week = tuple(self.day_hours(days.get(d, []), (*path, d)) for d in WEEKDAYS)
        if not any(week):
            self.problem(path, "no weekday has working hours; a calendar needs some working time")
        return False, week

    def day_hours(self, value: Any, path: Path) -> DayHours:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.problem(
                path, f'expected a list of intervals like "09:00-12:00", got {_kind(value)}'
            )
            return ()
        spans: list[tuple[int, int, int]] = []
        for i, item in enumerate(items):
            span = self.interval(item, (*path, i) if not isinstance(value, str) else path)
            if span is not None:
                spans.append((*span, i))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for start, end, i in spans:
            if merged and start < merged[-1][1]:
                self.problem((*path, i), f"{items[i]!r} overlaps another interval of the same day")
            elif merged and start == merged[-1][1]:
                merged[-1] = (merged[-1][0], end)  # touching intervals are one
            else:
                merged.append((start, end))
        return tuple(merged)

    def interval(self, value: Any, path: Path) -> tuple[int, int] | None:
        form = '"HH:MM-HH:MM" with start < end (end may be 24:00; write a night shift as two days)'
        match = _INTERVAL.fullmatch(value.strip()) if isinstance(value, str) else None
        if not match:
            self.problem(path, f"{value!r} is not an interval {form}")
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 86400 or start >= end:
            self.problem(path, f"{value!r} is not an interval {form}")
            return None
        return start, end

    def dates(self, value: Any, path: Path) -> set[date]:
        if not isinstance(value, list):
            self.problem(
                path,
                "expected a list of dates (2026-10-01 or 2026-10-01..2026-10-07), "
                f"got {_kind(value)}",
            )
            return set()
        out: set[date] = set()
        for i, item in enumerate(value):
            days = _date_range(item)
            if days is None:
                self.problem(
                    (*path, i),
                    f"{item!r} is not a date (YYYY-MM-DD) "
                    "or an inclusive range (YYYY-MM-DD..YYYY-MM-DD)",
                )
            else:
                out.update(days)
        return out

    def official(
        self, cal: dict[str, Any], path: Path
    ) -> tuple[set[date], set[date], frozenset[int], str] | None:
        """Holidays and make-up days from `holidays_from` and `holiday_files`, and their years."""
        from .daysets import OFFICIAL_SOURCES, DaySetError, official_days, read_day_file

        sets = []
        source = cal.get("holidays_from")
        if source is not None:
            if source not in OFFICIAL_SOURCES:
                self.problem(
                    (*path, "holidays_from"),
                    f"unknown source {source!r}; allowed: {', '.join(OFFICIAL_SOURCES)}",
                )
            else:
                try:
                    sets.append(official_days(source))
                except DaySetError as exc:
                    self.problem((*path, "holidays_from"), str(exc))
        files = cal.get("holiday_files", [])
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list):
            self.problem(
                (*path, "holiday_files"),
                f"expected a list of .ics or .json files, got {_kind(files)}",
            )
            files = []
        for i, name in enumerate(files):
            if not isinstance(name, str):
                self.problem(
                    (*path, "holiday_files", i), f"expected a file name, got {_kind(name)}"
                )
                continue
            try:
                sets.append(read_day_file(self.base_dir / name))
            except DaySetError as exc:
                self.problem((*path, "holiday_files", i), str(exc))
        holidays: set[date] = set()
        workdays: set[date] = set()
        years: set[int] = set()
        for dayset in sets:  # later sources (files) override earlier ones (the package)
            holidays = (holidays - dayset.workdays) | dayset.holidays
            workdays = (workdays - dayset.holidays) | dayset.workdays
            years |= dayset.years
        note = "; ".join(f"{d.source} covers {_years_text(d.years)}" for d in sets) or "no source"
        return holidays, workdays, frozenset(years), note

    # -- policies and metrics ---------------------------------------------------------

    def policies(
        self, value: Any, priorities: tuple[str, ...], calendars: dict[str, CalendarSpec]
    ) -> tuple[Policy, ...]:
        path: Path = ("policies",)
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a non-empty list of policies")
            return ()
        out = []
        ids: set[str] = set()
        for i, body in enumerate(value):
            policy = self.policy(body, (*path, i), priorities, calendars)
            if policy is None:
                continue
            if policy.id in ids:
                self.problem((*path, i, "id"), f"policy id {policy.id!r} is used twice")
            ids.add(policy.id)
            out.append(policy)
        return tuple(out)

    def policy(
        self, body: Any, path: Path, priorities: tuple[str, ...], calendars: dict[str, CalendarSpec]
    ) -> Policy | None:
        pol = self.mapping(body, path, "a policy")
        if pol is None:
            return None
        self.keys(pol, path, POLICY_KEYS)
        if not self.required(pol, path, ("id", "metrics")):
            return None
        pid = pol["id"]
        if not isinstance(pid, str | int) or pid == "":
            self.problem((*path, "id"), f"expected a policy id, got {_kind(pid)}")
        match = self.mapping(pol.get("match", {}), (*path, "match"), "ticket fields to match") or {}
        for key, val in match.items():
            if isinstance(val, dict | list):
                self.problem(
                    (*path, "match", key), f"expected a plain value to compare, got {_kind(val)}"
                )
        metrics_raw = self.mapping(pol["metrics"], (*path, "metrics"), "metrics by name")
        if not metrics_raw:
            if metrics_raw is not None:
                self.problem((*path, "metrics"), "a policy needs at least one metric")
            return None
        metrics = tuple(
            m
            for name, body in metrics_raw.items()
            if (m := self.metric(name, body, (*path, "metrics", name), priorities, calendars))
        )
        return Policy(id=str(pid), name=str(pol.get("name", pid)), match=match, metrics=metrics)

    def metric(
        self,
        name: str,
        body: Any,
        path: Path,
        priorities: tuple[str, ...],
        calendars: dict[str, CalendarSpec],
    ) -> Metric | None:
        met = self.mapping(body, path, "a metric")
        if met is None:
            return None
        before = len(self.problems)
        self.keys(met, path, METRIC_KEYS)
        if not self.required(met, path, ("start", "stop", "calendar", "target")):
            return None
        start = self.word_list(met["start"], (*path, "start"), self.event_types)
        stop = self.word_list(met["stop"], (*path, "stop"), self.event_types)
        resume = self.word_list(met.get("resume", []), (*path, "resume"), self.event_types)
        reopen = self.reopen(met, (*path, "reopen"))
        pause = self.word_list(met.get("pause", []), (*path, "pause"), None)
        targets = self.by_priority(met["target"], (*path, "target"), priorities, _duration)
        goals = self.by_priority(met.get("goal", {}), (*path, "goal"), priorities, parse_percent)
        warn = self.warn_list(met.get("warn", []), (*path, "warn"))
        rules = parse_rules(self, met, path, priorities)
        cals = self.metric_calendars(met["calendar"], (*path, "calendar"), priorities, calendars)
        for prio in targets:
            if prio not in cals:
                self.problem(
                    (*path, "calendar"),
                    f"priority {prio} has a target but no calendar; add it or a default",
                )
        if len(self.problems) > before:
            return None
        return Metric(
            name,
            start,
            stop,
            resume,
            pause,
            cals,
            targets,
            goals,
            warn,
            rules,
            reopen=reopen,
            reopen_fields="reopen" in met,
        )

    def reopen(self, met: dict[str, Any], path: Path) -> str:
        policy = met.get("reopen", CONTINUE)
        if policy not in REOPEN_POLICIES:
            self.problem(
                path, f"unknown reopen policy {policy!r}; allowed: {', '.join(REOPEN_POLICIES)}"
            )
            return CONTINUE
        if policy != CONTINUE and not met.get("resume"):
            self.problem(
                path,
                f"reopen: {policy} needs the events that reopen the clock; "
                "give resume (e.g. resume: [reopened])",
            )
        return policy

    def by_priority(
        self, value: Any, path: Path, priorities: tuple[str, ...], parse: Any
    ) -> dict[str, Any]:
        table = self.mapping(value, path, "values by priority")
        if table is None:
            return {}
        out = {}
        for prio, raw in table.items():
            if prio not in priorities:
                self.problem(
                    (*path, prio), f"{prio!r} is not a priority; allowed: {', '.join(priorities)}"
                )
                continue
            try:
                out[prio] = parse(raw)
            except ValueError as exc:
                self.problem((*path, prio), str(exc))
        return out

    def warn_list(self, value: Any, path: Path) -> tuple[float, ...]:
        if not isinstance(value, list):
            self.problem(
                path, f"expected a list of percentages like [75%, 90%], got {_kind(value)}"
            )
            return ()
        out = []
        for i, raw in enumerate(value):
            try:
                fraction = parse_percent(raw)
            except ValueError as exc:
                self.problem((*path, i), str(exc))
                continue
            if not 0 < fraction < 1:
                self.problem(
                    (*path, i), f"{raw!r}: a warning comes before the target, between 0% and 100%"
                )
            out.append(fraction)
        return tuple(sorted(set(out)))

    def metric_calendars(
        self,
        value: Any,
        path: Path,
        priorities: tuple[str, ...],
        calendars: dict[str, CalendarSpec],
    ) -> dict[str, str]:
        def known(cid: Any, where: Path) -> bool:
            if cid in calendars:
                return True
            if isinstance(cid, str) and self._defined_calendar(cid):
                return True  # defined but invalid: its problems are reported where it is defined
            names = ", ".join(calendars) or "none defined"
            self.problem(where, f"unknown calendar {cid!r}; defined: {names}")
            return False

        if isinstance(value, str):
            return dict.fromkeys(priorities, value) if known(value, path) else {}
        table = self.mapping(
            value, path, "a calendar id, or calendar ids by priority with a default"
        )
        if table is None:
            return {}
        out = {}
        for prio, cid in table.items():
            if prio != "default" and prio not in priorities:
                self.problem((*path, prio), f"{prio!r} is not a priority or 'default'")
            elif known(cid, (*path, prio)):
                out[prio] = cid
        default = out.pop("default", None)
        return {p: out.get(p, default) for p in priorities if out.get(p, default)}

    def _defined_calendar(self, cid: str) -> bool:
        return ("calendars", cid) in self.lines


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _duration(raw: Any) -> int:
    return parse_duration(raw)


def _date_range(item: Any) -> Iterator[date] | None:
    if isinstance(item, date) and not isinstance(item, datetime):
        return iter([item])
    if not isinstance(item, str):
        return None
    first, sep, last = item.strip().partition("..")
    try:
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if sep else a
    except ValueError:
        return None
    if b < a:
        return None
    return iter(a + timedelta(days=n) for n in range((b - a).days + 1))


def _years_text(years: frozenset[int]) -> str:
    if not years:
        return "no year"
    lo, hi = min(years), max(years)
    if len(years) == hi - lo + 1:
        return f"{lo}–{hi}" if lo != hi else str(lo)
    return ", ".join(str(y) for y in sorted(years))

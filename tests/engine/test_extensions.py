"""Hand-computed clocks of the extensions beyond the contract (docs/sla-extensions.md):
declared event types (an on-site arrival target on cn-5x8 across weekends, holidays and
make-up days) and reopen policies (continue, restart, pause), and the proof that a
priority change after a pause keeps the paused time out, both ways and in every mode.

Each case is computed by hand, then checked against the brute-force reference and the
engine (`sla compute`, in-process).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from .reference import Reference
from .test_reference import OFFICE, PRIORITIES, WEEKDAYS, Case, _row, check

DATA = Path(__file__).resolve().parent / "data"

CN_5X8 = {"timezone": "Asia/Shanghai", "hours": dict.fromkeys(WEEKDAYS[:5], OFFICE)}
ALWAYS = {"timezone": "Asia/Shanghai", "hours": "24x7"}
NOT_STATED = None  # the metric has no `reopen` key: the contract's clock and fields
MODES = ("continue", "restart", "pause")


def _config(reopen: str | None) -> str:
    """A resolution clock on 24x7 for P1 and cn-5x8 otherwise, pausing on the requester."""
    metric: dict[str, Any] = {
        "start": ["created"],
        "stop": ["resolved"],
        "resume": ["reopened"],
        "pause": ["pending_customer"],
        "calendar": {"P1": "always", "default": "cn-5x8"},
        "target": {"P1": "4h", "P2": "8h", "P3": "24h"},
    }
    if reopen is not None:
        metric["reopen"] = reopen
    config = {
        "calendars": {"cn-5x8": CN_5X8, "always": ALWAYS},
        "priorities": list(PRIORITIES),
        "policies": [{"id": "desk", "match": {}, "metrics": {"resolution": metric}}],
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def _onsite_config() -> str:
    """tests/engine/data/onsite.yaml with its `onsite` metric alone."""
    config = yaml.safe_load((DATA / "onsite.yaml").read_text(encoding="utf-8"))
    policy = config["policies"][0]
    policy["metrics"] = {"onsite": policy["metrics"]["onsite"]}
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, default_flow_style=None)


def _history(ticket: str, *items: str) -> list[dict[str, Any]]:
    """Events from "MM-DD HH:MM type[=value]" (2026, +08:00); priority=P1, status=x."""
    out = []
    for item in items:
        day, clock, what = item.split()
        kind, _, value = what.partition("=")
        event: dict[str, Any] = {"ticket": ticket, "at": f"2026-{day}T{clock}:00+08:00"}
        if kind == "created":
            event.update(type="created", priority=value)
        elif kind in ("priority", "status"):
            event.update(type=kind, **{kind: value})
        else:
            event["type"] = kind
        out.append(event)
    return out


def _at(text: str | None) -> str | None:
    """ "MM-DD HH:MM" in 2026, +08:00."""
    if text is None:
        return None
    day, clock = text.split()
    return f"2026-{day}T{clock}:00+08:00"


def _expect(
    ticket: str,
    metric: str,
    priority: str,
    state: str,
    elapsed: int,
    target: int | None,
    due: str | None,
    met: bool | None,
    breached_at: str | None,
) -> dict[str, Any]:
    """A line of `sla compute` as the contract has it (instants "MM-DD HH:MM")."""
    return _row(ticket, metric, priority, state, elapsed, target, _at(due), met, _at(breached_at))


def _fields(reopen: str | None, cycle: int = 1, breached: int = 0, reopens: int = 0) -> dict:
    """The fields a metric that states its reopen policy adds."""
    if reopen is NOT_STATED:
        return {}
    return {"cycle": cycle, "breached_cycles": breached, "reopens": reopens}


def _assert_case(case: Case, expected: list[dict[str, Any]]) -> None:
    now = datetime.fromisoformat(case.now).timestamp()
    assert Reference(case.config).compute(case.events, now) == expected
    check(case)  # the engine gives what the reference gives


H = 3600

# -- a priority change after a pause keeps the paused time out ---------------------------
# 2026-06-08 is a Monday. The requester keeps the ticket waiting from 10:00 to 14:00; at
# 15:00 the priority changes, and with it the calendar (P1: 24x7, otherwise cn-5x8). The
# clock has 2h when the priority changes, whichever the calendar: the 4h of waiting stay
# out. (Desks that recompute elapsed time from creation on the new calendar count 6h.)

PAUSED = ("06-08 10:00 status=pending_customer", "06-08 14:00 status=in_progress")


@pytest.mark.parametrize("reopen", [NOT_STATED, *MODES])
def test_a_raised_priority_after_a_pause_keeps_the_paused_time_out(reopen: str | None) -> None:
    events = _history(
        "raised", "06-08 09:00 created=P3", *PAUSED, "06-08 15:00 priority=P1"
    )  # 1h + 1h on cn-5x8 at P3, then 1h on 24x7 at P1: 3h of 4h at 16:00
    case = Case(_config(reopen), events, _at("06-08 16:00"))
    row = _expect("raised", "resolution", "P1", "running", 3 * H, 4 * H, "06-08 17:00", None, None)
    _assert_case(case, [row | _fields(reopen)])


@pytest.mark.parametrize("reopen", [NOT_STATED, *MODES])
def test_a_lowered_priority_after_a_pause_keeps_the_paused_time_out(reopen: str | None) -> None:
    events = _history(
        "lowered", "06-08 09:00 created=P1", *PAUSED, "06-08 15:00 priority=P3"
    )  # 1h + 1h on 24x7 at P1, then 1h on cn-5x8 at P3: 3h of 24h at 16:00; the 21h left
    # run Mon 16-18 (2h), Tue and Wed (16h), Thu 09-12 (3h)
    case = Case(_config(reopen), events, _at("06-08 16:00"))
    row = _expect(
        "lowered", "resolution", "P3", "running", 3 * H, 24 * H, "06-11 12:00", None, None
    )
    _assert_case(case, [row | _fields(reopen)])


# ... and the same after a resolve and a reopen: paused, resolved Monday 15:00 (2h on the
# clock), reopened Tuesday 09:00, priority changed 10:00, read 10:30. The night resolved
# never counts; `restart` begins a new cycle at the reopen.

RESOLVED_AND_REOPENED = (*PAUSED, "06-08 15:00 resolved", "06-09 09:00 reopened")


@pytest.mark.parametrize(
    ("reopen", "elapsed", "due", "cycle"),
    [
        (NOT_STATED, 3.5 * H, "06-09 11:00", 1),  # 2h + 1h (P3) + 30m (P1, 24x7)
        ("continue", 3.5 * H, "06-09 11:00", 1),
        ("pause", 3.5 * H, "06-09 11:00", 1),
        ("restart", 1.5 * H, "06-09 13:00", 2),  # 1h (P3) + 30m (P1) since the reopen
    ],
)
def test_a_raised_priority_after_a_reopen_keeps_the_time_resolved_out(
    reopen: str | None, elapsed: float, due: str, cycle: int
) -> None:
    events = _history(
        "raised", "06-08 09:00 created=P3", *RESOLVED_AND_REOPENED, "06-09 10:00 priority=P1"
    )
    case = Case(_config(reopen), events, _at("06-09 10:30"))
    row = _expect("raised", "resolution", "P1", "running", int(elapsed), 4 * H, due, None, None)
    _assert_case(case, [row | _fields(reopen, cycle, reopens=1)])


@pytest.mark.parametrize(
    ("reopen", "elapsed", "due", "cycle"),
    [
        # 2h + 1h (P1, 24x7) + 30m (P3): 20h30m left from Tue 10:30 -> Thu 16:00
        (NOT_STATED, 3.5 * H, "06-11 16:00", 1),
        ("continue", 3.5 * H, "06-11 16:00", 1),
        ("pause", 3.5 * H, "06-11 16:00", 1),
        # 1h (P1) + 30m (P3) since the reopen: 22h30m left -> Thu 18:00, an interval's end
        ("restart", 1.5 * H, "06-11 18:00", 2),
    ],
)
def test_a_lowered_priority_after_a_reopen_keeps_the_time_resolved_out(
    reopen: str | None, elapsed: float, due: str, cycle: int
) -> None:
    events = _history(
        "lowered", "06-08 09:00 created=P1", *RESOLVED_AND_REOPENED, "06-09 10:00 priority=P3"
    )
    case = Case(_config(reopen), events, _at("06-09 10:30"))
    row = _expect("lowered", "resolution", "P3", "running", int(elapsed), 24 * H, due, None, None)
    _assert_case(case, [row | _fields(reopen, cycle, reopens=1)])


# -- reopen policies, one by one ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reopen", "now", "state", "due", "met"),
    [
        # continue: resolved with 2h of 8h used, met at once; due as if it had run on
        ("continue", "06-08 12:00", "stopped", "06-08 18:00", True),
        ("continue", "06-09 10:00", "stopped", "06-08 18:00", True),
        # pause: held, undecided while the ticket may be reopened; met once it is closed,
        # as stopped at the resolve
        ("pause", "06-08 12:00", "paused", None, None),
        ("pause", "06-09 10:00", "stopped", "06-08 18:00", True),
    ],
)
def test_a_resolved_clock_is_decided_at_resolve_or_at_close(
    reopen: str, now: str, state: str, due: str | None, met: bool | None
) -> None:
    events = _history("T", "06-08 09:00 created=P2", "06-08 11:00 resolved", "06-09 09:00 closed")
    known = [e for e in events if datetime.fromisoformat(e["at"]) <= _dt(now)]
    case = Case(_config(reopen), known, _at(now))
    row = _expect("T", "resolution", "P2", state, 2 * H, 8 * H, due, met, None)
    _assert_case(case, [row | _fields(reopen)])


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(_at(text) or "")


@pytest.mark.parametrize("how", ["closed", "status"])
def test_a_hold_ends_when_the_status_becomes_closed_whichever_event_sets_it(how: str) -> None:
    close = "06-09 09:00 closed" if how == "closed" else "06-09 09:00 status=closed"
    events = _history("T", "06-08 09:00 created=P2", "06-08 11:00 resolved", close)
    case = Case(_config("pause"), events, _at("06-09 12:00"))
    row = _expect("T", "resolution", "P2", "stopped", 2 * H, 8 * H, "06-08 18:00", True, None)
    _assert_case(case, [row | _fields("pause")])


@pytest.mark.parametrize(
    ("reopen", "expected"),
    [
        # P1 on 24x7 with 4h: resolved at 14:00 with 5h used, breached at 13:00; reopened
        # Tuesday 09:00 and read at 10:00.
        (  # the same clock runs on: 6h used, breached at 13:00 for good
            "continue",
            ("running", 6 * H, "06-08 13:00", False, "06-08 13:00", 1, 0),
        ),
        ("pause", ("running", 6 * H, "06-08 13:00", False, "06-08 13:00", 1, 0)),
        (  # a new cycle with a fresh 4h; the first one is counted as breached
            "restart",
            ("running", 1 * H, "06-09 13:00", None, None, 2, 1),
        ),
    ],
)
def test_a_breach_before_the_reopen_is_kept_or_counted_as_an_earlier_cycle(
    reopen: str, expected: tuple
) -> None:
    events = _history("T", "06-08 09:00 created=P1", "06-08 14:00 resolved", "06-09 09:00 reopened")
    state, elapsed, due, met, breached, cycle, breached_cycles = expected
    case = Case(_config(reopen), events, _at("06-09 10:00"))
    row = _expect("T", "resolution", "P1", state, elapsed, 4 * H, due, met, breached)
    _assert_case(case, [row | _fields(reopen, cycle, breached_cycles, reopens=1)])


@pytest.mark.parametrize(
    ("reopen", "expected"),
    [
        # P2, 8h on cn-5x8: resolved Monday 18:00 exactly at its due (met), reopened Tuesday
        # 09:00 with no time left: continue and pause breach at the reopen ...
        ("continue", ("running", 9 * H, "06-09 09:00", False, "06-09 09:00", 1, 0)),
        ("pause", ("running", 9 * H, "06-09 09:00", False, "06-09 09:00", 1, 0)),
        # ... restart begins cycle 2 with 1h of a fresh 8h; cycle 1 was met
        ("restart", ("running", 1 * H, "06-09 18:00", None, None, 2, 0)),
    ],
)
def test_a_reopen_with_no_time_left_breaches_unless_it_restarts(
    reopen: str, expected: tuple
) -> None:
    events = _history("T", "06-08 09:00 created=P2", "06-08 18:00 resolved", "06-09 09:00 reopened")
    state, elapsed, due, met, breached, cycle, breached_cycles = expected
    case = Case(_config(reopen), events, _at("06-09 10:00"))
    row = _expect("T", "resolution", "P2", state, elapsed, 8 * H, due, met, breached)
    _assert_case(case, [row | _fields(reopen, cycle, breached_cycles, reopens=1)])


def test_restart_counts_every_cycle_and_every_reopen() -> None:
    """P1, 4h on 24x7: cycle 1 met (1h), cycle 2 breached (5h), cycle 3 running."""
    events = _history(
        "T",
        "06-08 09:00 created=P1",
        "06-08 10:00 resolved",
        "06-08 11:00 reopened",
        "06-08 16:00 resolved",  # 5h in cycle 2: breached at 15:00
        "06-08 16:00 reopened",  # at the same instant: cycle 3 from 0
        "06-08 16:30 reopened",  # a reopen of a running clock changes nothing but the count
    )
    case = Case(_config("restart"), events, _at("06-08 17:00"))
    row = _expect("T", "resolution", "P1", "running", 1 * H, 4 * H, "06-08 20:00", None, None)
    _assert_case(case, [row | _fields("restart", cycle=3, breached=1, reopens=3)])


# -- an on-site arrival target (declared events) on cn-5x8 ------------------------------
# tests/engine/data/onsite.yaml: P1 2h, P2 6h; holidays 2026-09-25 and 10-01..10-07,
# make-up working days Sunday 09-20 and Saturday 10-10.

ONSITE_CASES = {  # name: (events, read at, expected onsite clock)
    "over a weekend, arriving exactly at due": (
        ("06-12 16:30 created=P1", "06-12 17:00 dispatched", "06-15 10:00 arrived"),
        "06-15 12:00",
        ("P1", "stopped", 2 * H, 2 * H, "06-15 10:00", True, None),  # Fri 17-18, Mon 09-10
    ),
    "over the National Day holidays": (
        ("09-30 16:00 created=P2", "09-30 16:00 dispatched", "10-08 12:30 arrived"),
        "10-08 18:00",
        ("P2", "stopped", 5 * H, 6 * H, "10-08 14:00", True, None),  # Sep 30 2h, Oct 8 3h
    ),
    "late over a make-up Saturday": (
        ("10-09 17:00 created=P1", "10-09 17:00 dispatched", "10-12 09:30 arrived"),
        "10-12 12:00",
        # Fri 17-18 1h, Sat 10-10 (worked) 8h, Mon 09:00-09:30: due Saturday 10:00
        ("P1", "stopped", 9.5 * H, 2 * H, "10-10 10:00", False, "10-10 10:00"),
    ),
    "late over a make-up Sunday": (
        ("09-18 15:00 created=P2", "09-18 15:00 dispatched", "09-21 09:00 arrived"),
        "09-21 12:00",
        # Fri 15-18 3h, Sun 09-20 (worked) 09-12 3h: due Sunday 12:00; 3h + 8h by Monday
        ("P2", "stopped", 11 * H, 6 * H, "09-20 12:00", False, "09-20 12:00"),
    ),
    "on the way across the Mid-Autumn holiday": (
        ("09-24 17:00 created=P2", "09-24 17:30 dispatched"),
        "09-28 12:00",
        # Thu 17:30-18 30m, Fri 09-25 a holiday, Mon 09-28 09-12 3h: 2h30m left at noon
        ("P2", "running", 3.5 * H, 6 * H, "09-28 15:30", None, None),
    ),
    "never dispatched": (
        ("06-15 09:00 created=P1",),
        "06-15 12:00",
        ("P1", "not_started", 0, 2 * H, None, None, None),
    ),
    "a priority without an on-site target": (
        ("06-15 09:00 created=P3", "06-15 09:00 dispatched", "06-15 11:00 arrived"),
        "06-15 12:00",
        ("P3", "stopped", 2 * H, None, None, None, None),
    ),
}


@pytest.mark.parametrize("name", list(ONSITE_CASES))
def test_an_onsite_clock_runs_between_declared_events(name: str) -> None:
    items, now, (priority, state, elapsed, target, due, met, breached) = ONSITE_CASES[name]
    case = Case(_onsite_config(), _history("INC", *items), _at(now) or "")
    row = _expect("INC", "onsite", priority, state, int(elapsed), target, due, met, breached)
    _assert_case(case, [row])

"""The bulk (numpy) path of `sla compute` prints exactly what the scalar path prints.

`bulk.compute_json` must give the bytes of `json_lines(compute(...))` over
`read_events(...)`, and leave the same coverage warnings, or return None (then the CLI runs
the scalar path). Hypothesis generates configurations (daylight-saving zones, holidays,
make-up days, calendars with official holiday data, several policies and metrics,
declared event types), ticket histories (pauses, priority changes both ways, stop / resume /
reopen, stops before starts, declared events, events at one instant and exactly at
deadlines, events after `now`) and writes them in several JSON styles; the bulk path may
give up only on what it documents (and always does on a metric stating its reopen policy).

Runs are deterministic (derandomized). For a longer random soak:
    SLADESK_SOAK=2000 .venv/bin/pytest tests/engine/test_bulk.py
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sladesk.engine import bulk, cli
from sladesk.engine.bulk import compute_json
from sladesk.engine.clock import run_ticket
from sladesk.engine.compute import compute, json_lines
from sladesk.engine.config import Config, parse_config
from sladesk.engine.events import EventError, _event, read_events

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
from tests.engine.examples import EXAMPLES  # noqa: E402

SOAK = int(os.environ.get("SLADESK_SOAK", "0"))
MINUTE = 60

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Shanghai",
    "UTC",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # a 30-minute change
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("P1", "P2", "P3", "P4")
IMPACTS = ("high", "medium", "low")
URGENCIES = ("high", "low")
STATUSES = ("pending_customer", "on_hold", "in_progress", "open", "等待客户")
PAUSES = ("pending_customer", "on_hold", "等待客户")
TRIGGERS = ("created", "acknowledged", "responded", "updated", "resolved", "closed", "reopened")
DECLARED = {  # event types a configuration may declare; the second shares 8 bytes with the first
    "dispatched": {"zh-Hans": "已派工程师", "en": "Engineer dispatched"},
    "dispatched_again": {"zh-Hans": "再次派工", "en": "Engineer dispatched again"},
    "arrived": {"zh-Hans": "工程师已到场", "en": "Engineer on site"},
}
KINDS = (
    *("status",) * 3,
    "responded",
    *("resolved",) * 2,
    *("reopened",) * 2,
    *("priority",) * 3,
    "acknowledged",
    "updated",
    "closed",
)


def scalar(config: Config, data: bytes, now: float) -> bytes:
    return json_lines(compute(config, read_events(data, "events.jsonl", config), now))


def both(config_text: str, data: bytes, now: float) -> tuple[bytes | None, bytes, list, list]:
    """(bulk output, scalar output, bulk warnings, scalar warnings), each on a fresh config."""
    ours = parse_config(config_text, "sla.yaml", base_dir=DATA)
    theirs = parse_config(config_text, "sla.yaml", base_dir=DATA)
    got = compute_json(ours, data, "events.jsonl", now)
    expected = scalar(theirs, data, now)
    return got, expected, ours.warnings(), theirs.warnings()


def assert_same(got: bytes, expected: bytes) -> None:
    """Byte-identical; on failure, the first differing line field by field."""
    if got == expected:
        return
    a, b = got.splitlines(), expected.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            gx, gy = json.loads(x), json.loads(y)
            diff = {k: (gx.get(k), gy.get(k)) for k in gy if gx.get(k) != gy.get(k)}
            pytest.fail(f"line {i + 1} differs (bulk, scalar): {diff}\n{x!r}\n{y!r}")
    pytest.fail(f"{len(a)} lines from bulk, {len(b)} from scalar")


# -- generated cases --------------------------------------------------------------------


@dataclass
class Case:
    config: str
    lines: list[bytes]
    now: float
    bulk_may_give_up: bool = False  # fractional seconds, or an offset with seconds
    reopen_stated: bool = False  # a metric states its reopen policy: the bulk path gives up
    notes: list[str] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return b"".join(line + b"\n" for line in self.lines)


def _span(a: int, b: int) -> str:
    return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    cuts = st.one_of(
        st.sampled_from((0, 60, 120, 150, 180, 540, 720, 780, 1080, 1380, 1440)),
        st.integers(0, 96).map(lambda q: q * 15),
    )
    points = sorted(set(draw(st.lists(cuts, max_size=6))))
    if len(points) % 2:
        points = points[:-1]
    return [_span(points[i], points[i + 1]) for i in range(0, len(points), 2)]


@st.composite
def week(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(("office", "office", "24x7", "night", "small_hours", "random")))
    if kind == "24x7":
        return "24x7"
    if kind == "office":
        return {d: ["09:00-12:00", "13:00-18:00"] for d in WEEKDAYS[: draw(st.integers(5, 7))]}
    if kind == "night":
        out: dict[str, list[str]] = {}
        for n in sorted(draw(st.sets(st.integers(0, 6), min_size=1))):
            out.setdefault(WEEKDAYS[n], []).append("22:00-24:00")
            out.setdefault(WEEKDAYS[(n + 1) % 7], []).insert(0, "00:00-06:00")
        return out
    if kind == "small_hours":  # across the hours that daylight saving skips or repeats
        spans = draw(st.sampled_from((["00:30-03:30"], ["01:45-02:15", "02:45-03:15"])))
        return {d: list(spans) for d in WEEKDAYS if draw(st.booleans())} or {"mon": spans}
    out = {d: h for d in WEEKDAYS if (h := draw(day_hours()))}
    out["wed"] = ["08:00-18:00"]  # enough working time that deadlines stay near
    return out


@st.composite
def calendar(draw: st.DrawFn, zone: str, around: date, official: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"timezone": zone, "hours": draw(week())}
    near = [around + timedelta(days=k) for k in range(-3, 8)]
    holidays = sorted(draw(st.sets(st.sampled_from(near), max_size=3)))
    workdays = sorted(draw(st.sets(st.sampled_from([d for d in near if d not in holidays]))))
    if holidays:
        body["holidays"] = [d.isoformat() for d in holidays]
    if workdays[:2]:
        body["workdays"] = [d.isoformat() for d in workdays[:2]]
        body["workday_hours"] = ["10:00-16:00"]
    if official:  # covers 2027 only: other years are computed with a warning
        body["holiday_files"] = ["cn-2027.json"]
    return body


@st.composite
def metric(draw: st.DrawFn, cal_ids: list[str], declared: bool) -> dict[str, Any]:
    shapes = (
        (["created"], ["responded"], []),
        (["created"], ["resolved"], ["reopened"]),
        (["created"], ["resolved", "closed"], ["reopened"]),
        (["acknowledged"], ["responded"], []),  # a stop can come before the start
    )
    triggers = TRIGGERS
    if declared:
        shapes += ((["dispatched"], ["arrived"], ["dispatched_again"]),)
        triggers += tuple(DECLARED)
    if draw(st.integers(0, 3)):
        start, stop, resume = draw(st.sampled_from(shapes))
    else:
        start = sorted(draw(st.sets(st.sampled_from(triggers), min_size=1, max_size=2)))
        rest = [t for t in triggers if t not in start]
        stop = sorted(draw(st.sets(st.sampled_from(rest), min_size=1, max_size=2)))
        resume = sorted(draw(st.sets(st.sampled_from([t for t in rest if t not in stop]))))[:1]
    body: dict[str, Any] = {"start": start, "stop": stop}
    if resume:
        body["resume"] = resume
        if draw(_rarely(10)):
            body["reopen"] = draw(st.sampled_from(("continue", "restart", "pause")))
    pause = sorted(draw(st.sets(st.sampled_from(PAUSES), max_size=2)))
    if pause:
        body["pause"] = pause
    shape = draw(st.integers(0, 2))
    if shape == 0:
        body["calendar"] = draw(st.sampled_from(cal_ids))
        measured = list(PRIORITIES)
    elif shape == 1:
        body["calendar"] = {
            "P1": draw(st.sampled_from(cal_ids)),
            "default": draw(st.sampled_from(cal_ids)),
        }
        measured = list(PRIORITIES)
    else:  # the other priorities have no calendar and no target
        measured = sorted(draw(st.sets(st.sampled_from(PRIORITIES), min_size=1, max_size=3)))
        body["calendar"] = {p: draw(st.sampled_from(cal_ids)) for p in measured}
    measured = sorted(draw(st.sets(st.sampled_from(measured), min_size=1)))
    seconds = st.one_of(
        st.sampled_from((0, 60, 900, 1800, 3600, 7200, 14400)),
        st.integers(1, 300).map(lambda m: m * MINUTE),
    )
    body["target"] = {p: draw(seconds) for p in measured}
    return body


@st.composite
def config(draw: st.DrawFn, zone: str, around: date) -> dict[str, Any]:
    cals = {}
    for i in range(draw(st.integers(1, 3))):
        z = zone if i == 0 else draw(st.sampled_from(ZONES))
        cals[f"c{i}"] = draw(calendar(z, around, official=i == 0 and draw(st.integers(0, 4)) == 0))
    body: dict[str, Any] = {"calendars": cals, "priorities": list(PRIORITIES)}
    if draw(st.booleans()):
        body["matrix"] = {
            i: {u: draw(st.sampled_from(PRIORITIES)) for u in URGENCIES} for i in IMPACTS
        }
    declared = draw(st.integers(0, 3)) == 0
    if declared:
        body["events"] = DECLARED
    policies = []
    matches = ({}, {"service": "erp"}, {"service": "mail"}, {"service": "erp", "site": "上海"})
    for p in range(draw(st.integers(1, 3))):
        metrics = {
            f"m{p}{k}": draw(metric(list(cals), declared)) for k in range(draw(st.integers(1, 2)))
        }
        policies.append(
            {"id": f"p{p}", "match": draw(st.sampled_from(matches)), "metrics": metrics}
        )
    body["policies"] = policies
    return body


def _iso(t: float, offset: int | None, zone: str) -> str:
    tz: Any = ZoneInfo(zone) if offset is None else timezone(timedelta(seconds=offset))
    return datetime.fromtimestamp(t, tz).isoformat()


def _line(draw: st.DrawFn, event: dict[str, Any]) -> bytes:
    """One event in one of the forms exports use."""
    style = draw(st.sampled_from(("compact",) * 5 + ("spaced", "shuffled", "extra")))
    if style == "compact":
        return orjson.dumps(event)
    if style == "spaced":
        return json.dumps(event, ensure_ascii=draw(st.booleans())).encode()
    if style == "shuffled":
        keys = draw(st.permutations(list(event)))
        return orjson.dumps({k: event[k] for k in keys})
    extra = {**event, "who": draw(st.sampled_from(("alice", 7, None, {"id": "a"}, "a\\b")))}
    return orjson.dumps(extra)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    year = draw(st.sampled_from((2026, 2027, 2028)))
    day = date(year, 1, 1) + timedelta(days=draw(st.integers(-3, 364)))
    body = draw(config(zone, day))
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    cfg = parse_config(text, "sla.yaml", base_dir=DATA)
    may_give_up = False
    tickets: list[list[tuple[dict[str, Any], bytes]]] = []
    latest = 0.0
    for n in range(draw(st.integers(1, 4))):
        tid: Any = draw(st.sampled_from((f"T{n}", f"T{n}", f"T{n}", f"工单{n}", f'T{n}"q', n)))
        offset = draw(st.sampled_from((None, None, 0, 8 * 3600, -5 * 3600, 20700, -9000)))
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).timestamp()
        t = midnight + MINUTE * draw(st.integers(0, 1439)) + draw(st.sampled_from((0, 0, 0, 7)))
        created: dict[str, Any] = {"ticket": tid, "at": _iso(t, offset, zone), "type": "created"}
        created.update(_priority(draw, body))
        if draw(st.integers(0, 4)) == 0:
            created["status"] = draw(st.sampled_from(STATUSES))
        fields = draw(
            st.sampled_from(
                (
                    None,
                    {},
                    {"service": "erp"},
                    {"service": "mail", "x": "1"},
                    {"site": "上海", "service": "erp"},
                )
            )
        )
        if fields is not None:
            created["fields"] = fields
        history = [created]
        kinds = KINDS + tuple(DECLARED) * 2 if "events" in body else KINDS
        for _ in range(draw(st.integers(0, 8))):
            t = _next_instant(draw, cfg, tid, history, t)
            kind = draw(st.sampled_from(kinds))
            event: dict[str, Any] = {"ticket": tid, "at": "", "type": kind}
            event["at"] = _iso(t, draw(st.sampled_from((offset, offset, 3600))), zone)
            if kind == "status":
                event["status"] = draw(st.sampled_from(STATUSES))
            elif kind == "priority":
                event.update(_priority(draw, body))
            history.append(event)
        if draw(_rarely(30)):  # a fraction of a second: the bulk path gives up
            history[-1]["at"] = _iso(t + 0.25, offset, zone)
            may_give_up = True
        latest = max(latest, t)
        tickets.append([(e, _line(draw, e)) for e in history])
    now = latest + MINUTE * draw(st.sampled_from((0, 1, 60, 600, 1440 * 3, -30, -600)))
    if draw(st.integers(0, 4)) == 0:  # now at a deadline
        now = _deadline(cfg, tickets, now)
    lines = _interleave(draw, tickets)
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), b"")  # a blank line
    stated = any(m.reopen_fields for p in cfg.policies for m in p.metrics)
    return Case(text, lines, float(now), may_give_up, stated)


def _rarely(n: int) -> st.SearchStrategy[bool]:
    """True about once in n+1 draws (hypothesis favours small integers, so not integers())."""
    return st.sampled_from((False,) * n + (True,))


def _priority(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    if "matrix" in body and draw(st.booleans()):
        return {
            "impact": draw(st.sampled_from(IMPACTS)),
            "urgency": draw(st.sampled_from(URGENCIES)),
        }
    return {"priority": draw(st.sampled_from(PRIORITIES))}


def _events(cfg: Config, history: list[dict[str, Any]]) -> list:
    events = [_event(e, "gen", i, cfg) for i, e in enumerate(history, start=1)]
    return sorted(events, key=lambda e: e.t)


def _next_instant(draw: st.DrawFn, cfg: Config, tid: Any, history: list, last: float) -> float:
    """The same instant, a little or a lot later, or exactly at a deadline of the ticket."""
    choice = draw(st.integers(0, 9))
    if choice <= 2:
        results = run_ticket(cfg, tid, _events(cfg, history), last)
        dues = sorted(r.due for r in results if r.due is not None and r.due >= last)
        if dues:
            return draw(st.sampled_from(dues))
    if choice <= 4:
        return last
    minutes = draw(st.one_of(st.sampled_from((1, 15, 60, 240, 1440)), st.integers(1, 4 * 1440)))
    return last + MINUTE * minutes


def _deadline(cfg: Config, tickets: list, now: float) -> float:
    for history in tickets:
        events = [e for e, _ in history]
        for r in run_ticket(cfg, events[0]["ticket"], _events(cfg, events), now):
            if r.due is not None and r.breached_at is None:
                return r.due
    return now


def _interleave(draw: st.DrawFn, tickets: list[list[tuple[dict, bytes]]]) -> list[bytes]:
    """Tickets interleaved; a ticket's instants shuffled, the order within an instant kept."""
    queues = []
    for history in tickets:
        if draw(st.booleans()):
            groups: dict[float, list[bytes]] = {}
            for e, line in history:
                groups.setdefault(datetime.fromisoformat(e["at"]).timestamp(), []).append(line)
            order = draw(st.permutations(list(groups)))
            queues.append([line for key in order for line in groups[key]])
        else:
            queues.append([line for _, line in history])
    slots = draw(st.permutations([i for i, q in enumerate(queues) for _ in q]))
    return [queues[i].pop(0) for i in slots]


def _settings(examples: int) -> settings:
    return settings(
        max_examples=SOAK or examples,
        derandomize=not SOAK,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@_settings(300)
@given(cases(), st.sampled_from(((1 << 21, 1 << 15), (1, 1), (200, 5))))
def test_bulk_equals_scalar(case: Case, sizes: tuple[int, int]) -> None:
    data = case.data
    saved = bulk._BLOCK_BYTES, bulk._CHUNK
    bulk._BLOCK_BYTES, bulk._CHUNK = sizes  # small: several blocks and chunks, two threads
    try:
        got, expected, got_warnings, expected_warnings = both(case.config, data, case.now)
    except EventError:  # a generated stream the engine refuses (e.g. reopened before created)
        theirs = parse_config(case.config, "sla.yaml", base_dir=DATA)
        assert compute_json(theirs, data, "events.jsonl", case.now) is None
        return
    finally:
        bulk._BLOCK_BYTES, bulk._CHUNK = saved
    if case.reopen_stated:
        assert got is None, "reopen policies are left to the scalar path"
        return
    if got is None:
        assert case.bulk_may_give_up, "the bulk path gave up on an ordinary stream"
        return
    assert_same(got, expected)
    if b'"dispatched' in data or b'"arrived"' in data:
        event("declared event types, the same bytes")
    assert got_warnings == expected_warnings


# -- fixed cases ------------------------------------------------------------------------


def test_spec_example() -> None:
    text = (EXAMPLES / "sla.yaml").read_text(encoding="utf-8")
    data = (EXAMPLES / "events.jsonl").read_bytes()
    now = datetime.fromisoformat("2026-10-20T10:00:00+08:00").timestamp()
    ours = parse_config(text, "sla.yaml")
    got = compute_json(ours, data, "events.jsonl", now)
    assert got is not None
    assert_same(got, scalar(parse_config(text, "sla.yaml"), data, now))

    def instants(row: dict) -> dict:
        return {
            k: datetime.fromisoformat(v).timestamp() if k in ("due", "breached_at") and v else v
            for k, v in row.items()
        }

    expected = (EXAMPLES / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    assert [instants(json.loads(x)) for x in got.splitlines()] == [
        instants(json.loads(x)) for x in expected if x.strip()
    ]


def _bench():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import engine as bench  # bench/engine.py
    finally:
        sys.path.pop(0)
    return bench


def test_large_generated_stream(monkeypatch) -> None:
    """The benchmark's stream (CN holidays, make-up days, matrix, pauses, reopening)."""
    monkeypatch.setattr(bulk, "_BLOCK_BYTES", 1 << 18)
    monkeypatch.setattr(bulk, "_CHUNK", 1 << 12)
    bench = _bench()
    text = bench.config_yaml()
    _, lines = bench.generate(6000, seed=11)
    data = b"\n".join(lines) + b"\n"
    for now_text in (bench.NOW, "2026-07-01T12:00:00+08:00"):  # after all events; midway
        now = datetime.fromisoformat(now_text).timestamp()
        got, expected, w1, w2 = both(text, data, now)
        assert got is not None
        assert_same(got, expected)
        assert w1 == w2


def test_official_calendar_warnings() -> None:
    """Calendars with holiday files warn about the years a clock used, as the scalar path."""
    text = (
        "calendars:\n"
        "  cn: {timezone: Asia/Shanghai, hours: {mon: ['09:00-18:00'], tue: ['09:00-18:00']},"
        " holiday_files: [cn-2027.json]}\n"
        "  always: {timezone: UTC, hours: 24x7, holiday_files: [cn-2027.json]}\n"
        "priorities: [P1, P2]\n"
        "policies:\n"
        "  - id: p\n    match: {}\n    metrics:\n"
        "      r: {start: [created], stop: [resolved], calendar: {P1: always, P2: cn},"
        " target: {P1: 1h, P2: 400h}}\n"
    )
    lines = []
    for i, (year, prio) in enumerate(((2025, "P2"), (2027, "P1"), (2029, "P2"), (2031, "P1"))):
        at = f"{year}-12-30T10:00:00+08:00"
        lines.append({"ticket": f"T{i}", "at": at, "type": "created", "priority": prio})
        if i == 3:
            lines.append({"ticket": f"T{i}", "at": at, "type": "resolved"})
    data = b"".join(orjson.dumps(e) + b"\n" for e in lines)
    now = datetime.fromisoformat("2032-01-05T00:00:00+08:00").timestamp()
    got, expected, w1, w2 = both(text, data, now)
    assert got is not None
    assert_same(got, expected)
    assert w1 == w2
    assert len(w1) >= 3


@pytest.mark.parametrize(
    "bad",
    [
        b'{"ticket":"A","at":"2026-10-09T09:00:00","type":"created","priority":"P1"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P9"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"shouted"}',
        b'{"ticket":"A","at":"2026-02-30T09:00:00+08:00","type":"created","priority":"P1"}',
        b'{"ticket":"","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1"}',
        b'{"ticket":"B","at":"2026-10-09T09:00:00+08:00","type":"responded"}',
        b'{"ticket":"A","at":"2026-10-09T08:00:00+08:00","type":"responded"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"status","status":""}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","fields":"x","priority":"P1"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created"}',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"responded"',
        b"[1, 2]",
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"status","status":"a\tb"}',
        b'\xff{"ticket":"A"}',
    ],
)
def test_bad_input_is_left_to_the_scalar_path(
    bad: bytes, tmp_path: Path, monkeypatch, capsys
) -> None:
    """compute_json gives up; the CLI then says what the scalar path says."""
    good = b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1"}\n'
    data = good + bad + b"\n"
    (tmp_path / "sla.yaml").write_text(SIMPLE, encoding="utf-8")
    (tmp_path / "events.jsonl").write_bytes(data)
    cfg = parse_config(SIMPLE)
    assert compute_json(cfg, data, "events.jsonl", 1.8e9) is None
    argv = ["sla", "compute", "--config", str(tmp_path / "sla.yaml")]
    argv += ["--events", str(tmp_path / "events.jsonl"), "--now", "2026-10-20T10:00:00+08:00"]
    monkeypatch.setattr(cli, "BULK_MIN_BYTES", 10**12)
    assert cli.main(argv) == 2
    scalar_err = capsys.readouterr()
    monkeypatch.setattr(cli, "BULK_MIN_BYTES", 0)
    assert cli.main(argv) == 2
    assert capsys.readouterr() == scalar_err


SIMPLE = """\
calendars:
  cn: {timezone: Asia/Shanghai, hours: {mon: ['09:00-18:00'], fri: ['09:00-12:00']}}
priorities: [P1, P2]
policies:
  - id: p
    match: {}
    metrics:
      response: {start: [created], stop: [responded], calendar: cn, target: {P1: 1h, P2: 8h}}
      resolution:
        start: [created]
        stop: [resolved]
        resume: [reopened]
        pause: [waiting]
        calendar: cn
        target: {P1: 4h}
"""


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"\n\n",
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1"}',
        b'{"ticket": "A", "at": "2026-10-09T09:00:00Z", "type": "created", "priority": "P2"}\n'
        b'{"ticket":"A","at":"2026-10-12T09:00:00+08:00","type":"status","status":"waiting"}\n'
        b'{"ticket":"A","at":"2026-10-12T10:00:00+08:00","type":"responded"}\n',
        b'{"ticket":7,"at":"2026-10-09T09:00:00+05:45","type":"created","priority":"P1"}\n'
        b'{"ticket":"7","at":"2026-10-09T09:00:00-03:30","type":"created","priority":"P2"}\n'
        b'{"ticket":7,"at":"2026-10-09T09:30:00+05:45","type":"resolved"}\n',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1",'
        b'"priority":"P2"}\n',
        b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1",'
        b'"fields":{"a":"b"},"who":{"x":"y"}}\n',
    ],
)
def test_small_and_unusual_streams(text: bytes) -> None:
    now = datetime.fromisoformat("2026-10-20T10:00:00+08:00").timestamp()
    got = compute_json(parse_config(SIMPLE), text, "events.jsonl", now)
    assert got is not None
    assert_same(got, scalar(parse_config(SIMPLE), text, now))


def test_cli_uses_the_bulk_path_with_the_same_output(tmp_path: Path, monkeypatch, capsys) -> None:
    bench = _bench()
    (tmp_path / "sla.yaml").write_text(bench.config_yaml(), encoding="utf-8")
    _, lines = bench.generate(300, seed=3)
    (tmp_path / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    argv = ["sla", "compute", "--config", str(tmp_path / "sla.yaml")]
    argv += ["--events", str(tmp_path / "events.jsonl"), "--now", bench.NOW]
    outputs = []
    for threshold in (10**12, 0):
        monkeypatch.setattr(cli, "BULK_MIN_BYTES", threshold)
        assert cli.main(argv) == 0
        outputs.append(capsys.readouterr())
    assert outputs[0] == outputs[1]
    assert outputs[0].out.count("\n") == 600


SCENARIOS = """\
calendars:
  office: {timezone: Europe/Berlin, hours: {mon: ['09:00-12:00', '13:00-17:00'],
    tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00']},
    holidays: [2026-10-26], workdays: [2026-10-24], workday_hours: ['10:00-12:00']}
  always: {timezone: UTC, hours: 24x7}
priorities: [P1, P2, P3]
policies:
  - id: p
    match: {}
    metrics:
      response: {start: [acknowledged], stop: [responded], calendar: office,
        target: {P1: 1h, P2: 2h, P3: 4h}}
      resolution: {start: [created], stop: [resolved], resume: [reopened], pause: [waiting],
        calendar: {P1: always, default: office}, target: {P1: 2h, P2: 8h}}
"""


def _ev(ticket: str, at: str, kind: str, **extra: str) -> dict[str, str]:
    return {"ticket": ticket, "at": f"2026-10-{at}+02:00", "type": kind, **extra}


def test_clock_rules_one_by_one() -> None:
    """The cases of the contract and docs/sla-engine.md that decide a breach at an instant."""
    events = [
        # a stop before the start starts and stops the clock
        _ev("stop-first", "20T10:00:00", "created", priority="P2"),
        _ev("stop-first", "20T10:30:00", "responded"),
        _ev("stop-first", "20T11:00:00", "acknowledged"),
        # paused exactly at the deadline: breached then
        _ev("pause-at-due", "20T09:00:00", "created", priority="P1"),
        _ev("pause-at-due", "20T11:00:00", "status", status="waiting"),
        # a priority change that leaves no time: breached at that instant...
        _ev("no-time", "20T09:00:00", "created", priority="P2"),
        _ev("no-time", "20T13:00:00", "priority", priority="P1"),
        # ... unless an event at the same instant stops the clock
        _ev("no-time-stop", "20T09:00:00", "created", priority="P2"),
        _ev("no-time-stop", "20T13:00:00", "priority", priority="P1"),
        _ev("no-time-stop", "20T13:00:00", "resolved"),
        # stopped exactly at the deadline: met; a later priority change waits for the resume
        _ev("stop-at-due", "20T09:00:00", "created", priority="P2"),
        _ev("stop-at-due", "20T17:00:00", "resolved"),
        _ev("stop-at-due", "21T09:00:00", "priority", priority="P1"),
        _ev("stop-at-due", "22T09:00:00", "reopened"),
        # priority down, then up again, across a make-up Saturday and a holiday Monday
        _ev("both-ways", "23T16:00:00", "created", priority="P1"),
        _ev("both-ways", "23T16:10:00", "priority", priority="P3"),
        _ev("both-ways", "24T11:00:00", "priority", priority="P2"),
        _ev("both-ways", "24T11:00:00", "status", status="waiting"),
        _ev("both-ways", "27T09:30:00", "status", status="open"),
        # events after now still count
        _ev("late", "29T09:00:00", "created", priority="P2"),
        _ev("late", "30T09:00:00", "acknowledged"),
    ]
    data = b"".join(orjson.dumps(e) + b"\n" for e in events)
    for now in ("2026-10-20T12:00:00+02:00", "2026-10-28T12:00:00+02:00"):
        got, expected, *_ = both(SCENARIOS, data, datetime.fromisoformat(now).timestamp())
        assert got is not None
        assert_same(got, expected)
    breached = {json.loads(x)["ticket"]: json.loads(x) for x in expected.splitlines()[1::2]}
    assert breached["pause-at-due"]["breached_at"] == "2026-10-20T11:00:00+02:00"
    assert breached["no-time"]["breached_at"] == "2026-10-20T13:00:00+02:00"
    assert breached["no-time-stop"]["met"] is True


LINES = (
    b'{"ticket":"A","at":"2026-10-09T09:00:00+08:00","type":"created","priority":"P1",'
    b'"fields":{"service":"erp","site":"x"}}',
    b'{"ticket":"A","at":"2026-10-12T09:30:00+08:00","type":"status","status":"waiting"}',
    b'{"ticket": "A", "at": "2026-10-12T10:00:00+08:00", "type": "responded", "who": "b"}',
)


@_settings(300)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # which line
            st.integers(0, 120),  # where
            st.integers(0, 2),  # delete, insert, replace
            st.sampled_from(list(b'{}[]:,"\\ 0aPt-+\t\xe4\x00')),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_damaged_lines_are_judged_as_the_scalar_path_judges_them(edits: list) -> None:
    """Whatever the bytes, the bulk path prints what the scalar path prints, or gives up
    where the scalar path reports an error."""
    lines = list(LINES)
    for which, where, how, byte in edits:
        line = lines[which]
        i = min(where, len(line))
        new = bytes([byte])
        lines[which] = (
            line[:i] + line[i + 1 :] if how == 0 else line[:i] + new + line[i + (how == 2) :]
        )
    data = b"\n".join(lines) + b"\n"
    now = datetime.fromisoformat("2026-10-20T10:00:00+08:00").timestamp()
    got = compute_json(parse_config(SIMPLE), data, "events.jsonl", now)
    try:
        expected = scalar(parse_config(SIMPLE), data, now)
    except EventError:
        assert got is None
        return
    if got is not None:
        assert_same(got, expected)

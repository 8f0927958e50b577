"""Benchmark of the reports: the monthly report, the yearly KPI and the what-if, on
PostgreSQL with 1,000,000 tickets.

Prints, side by side in one run, on one database (created, and dropped at the end):

- `sladesk.reports.figures.compute` for one month over all tickets (best of 3), with a
  breakdown of its parts (the breach list's causes apart), and beside it a straightforward
  ORM loop computing the same figures (each ticket of the month with its clocks, counted
  in Python);
- `sladesk.reports.kpi.compute` for the year, and beside it an ORM loop over the year's
  clocks;
- `sladesk.reports.whatif.run` over the month with a proposed configuration (the default
  SLA with shorter targets), and beside it a loop that replays each ticket's history
  through the engine's scalar path, ticket by ticket;
- EXPLAIN (ANALYZE, BUFFERS) of the monthly report's slowest queries, and the what-if's
  steps timed one by one;
- with --proposals, the monthly report again with each proposed change patched in for
  the run (nothing under sladesk/ is changed; one adds a column to the scratch database).

The bench exits with status 1 if a baseline's figures differ from ours: the comparison
would not be like for like. Goals: the monthly report over 1,000,000 tickets in under
2 s, the what-if over a month of 100,000 tickets in under 10 s.

Usage: .venv/bin/python bench/reports.py [--tickets N] [--month-tickets N] [--runs N]
       [--quick] [--proposals] [--keep] [--profile] [--postgres URL]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from worker import (
    POSTGRES,
    ROOT,
    SETTINGS_MODULE,
    database_url,
    drop_database,
    machine,
    note,
    recreate_database,
    server_facts,
    table,
)

DEFAULT_SLA = ROOT / "sladesk" / "sla" / "default.yaml"
DATABASE = "sladesk_bench_reports"  # the default of --database

# A whole past year, read at a fixed instant: every run judges the same clocks the same
# way, whatever the day it runs. Asia/Shanghai (settings.TIME_ZONE) has no DST.
YEAR = 2025
MONTH = date(2025, 11, 1)  # the measured month (the report, the what-if)
TZ = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
MONTH_GOAL_S = 2.0
WHATIF_GOAL_S = 10.0

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WEIGHTS = (5, 20, 45, 30)
LEVELS = {  # (impact, urgency) that the default matrix maps to each priority
    "P1": [("high", "high")],
    "P2": [("high", "medium"), ("medium", "high")],
    "P3": [("high", "low"), ("medium", "medium"), ("low", "high")],
    "P4": [("medium", "low"), ("low", "medium"), ("low", "low")],
}
ORGANISATIONS = (
    ("财务部", "finance"),
    ("运营部", "operations"),
    ("销售部", "sales"),
    ("人力资源部", "hr"),
    ("研发中心", "rnd"),
    ("采购部", "purchasing"),
    ("法务部", "legal"),
    ("华东分公司", "east"),
)
SERVICES = (  # code, name, first-line team
    ("erp", "报表系统", "l1"),
    ("mail", "企业邮箱", "l1"),
    ("vpn", "VPN", "l1-net"),
    ("wifi", "无线网络", "l1-net"),
    ("print", "打印服务", "l1"),
    ("oa", "办公自动化", "l1"),
    ("crm", "客户管理", "l1"),
    ("hr-sys", "人事系统", "l1"),
    ("laptop", "笔记本电脑", "l1"),
    ("phone", "电话会议", "l1-net"),
    ("share", "文件共享", "l1-net"),
    ("account", "账号与权限", "l1"),
)
CATEGORIES = (
    ("hardware", "硬件"),
    ("software", "软件"),
    ("network", "网络"),
    ("account", "账号/权限"),
    ("email", "邮件"),
    ("printer", "打印机"),
    ("access", "门禁"),
    ("data", "数据恢复"),
    ("install", "安装"),
    ("other", "其他"),
)
SUBJECTS = ("报表系统无法登录", "VPN 连接不上", "打印机卡纸", "邮箱容量已满", "笔记本电脑蓝屏")
RATINGS = (5, 4, 3, 2, 1)
RATING_WEIGHTS = (55, 28, 10, 4, 3)
REQUESTERS = 400
AGENTS_PER_TEAM = 8
CHUNK = 20_000  # tickets generated, computed and copied per transaction

# The proposed configuration of the what-if: the default SLA with every target shorter.
SHORTER = {
    "target: {P1: 15m, P2: 30m, P3: 2h, P4: 4h}": "target: {P1: 10m, P2: 20m, P3: 1h, P4: 3h}",
    "target: {P1: 4h, P2: 8h, P3: 24h, P4: 72h}": "target: {P1: 3h, P2: 6h, P3: 16h, P4: 48h}",
}


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, TZ).isoformat()


def proposed_source() -> str:
    text = DEFAULT_SLA.read_text(encoding="utf-8")
    for old, new in SHORTER.items():
        if old not in text:
            raise SystemExit(f"default.yaml changed: {old!r} not found for the proposal")
        text = text.replace(old, new)
    return text


# -- set-up: the desk ---------------------------------------------------------------------


def make_desk() -> dict[str, Any]:
    """Eight organisations, two first-line and two second-line teams of agents, twelve
    services, ten categories and 400 requesters."""
    from sladesk.desk.models import Category, Service
    from sladesk.people.models import Membership, Organisation, Role, Team, User

    Organisation.objects.create(name="信息技术部", code="it", kind="provider")
    orgs = [Organisation.objects.create(name=n, code=c) for n, c in ORGANISATIONS]
    it = Organisation.objects.get(code="it")
    teams: dict[str, Any] = {}
    agents: dict[str, list[Any]] = {}
    for code, name, level, up in (
        ("l2", "二线支持", 2, None),
        ("l2-net", "网络二线", 2, None),
        ("l1", "一线支持", 1, "l2"),
        ("l1-net", "网络一线", 1, "l2-net"),
    ):
        team = Team.objects.create(
            name=name, code=code, level=level, escalates_to=teams.get(up) if up else None
        )
        teams[code] = team
        agents[code] = []
        for i in range(AGENTS_PER_TEAM):
            user = User.objects.create_user(
                username=f"{code}-agent{i}", role=Role.AGENT, organisation=it
            )
            Membership.objects.create(team=team, user=user)
            agents[code].append(user.pk)
    requesters = [
        User.objects.create_user(
            username=f"user{i:03d}", role=Role.REQUESTER, organisation=orgs[i % len(orgs)]
        )
        for i in range(REQUESTERS)
    ]
    services = [Service.objects.create(code=c, name=n, team=teams[t]) for c, n, t in SERVICES]
    categories = [Category.objects.create(code=c, name=n) for c, n in CATEGORIES]
    return {
        "teams": teams,
        "agents": agents,
        "requesters": [(u.pk, u.organisation_id, u.organisation.code) for u in requesters],
        "services": [(s.pk, s.code, s.team.code) for s in services],
        "categories": [(c.pk, c.code) for c in categories],
        "second": {"l1": "l2", "l1-net": "l2-net"},
    }


# -- set-up: the tickets, their histories and clocks --------------------------------------


@dataclass
class Story:
    """One ticket's history as the desk would have recorded it, up to NOW."""

    pk: int
    number: str
    kind: str
    priority: str
    impact: str
    urgency: str
    requester: tuple[int, int, str]
    service: tuple[int, str, str]
    category: tuple[int, str]
    team: str
    agent: int
    created: int
    # (instant, kind, data, sla, actor, public), in order
    events: list[tuple[int, str, dict, dict | None, int | None, bool]] = field(default_factory=list)
    paused: bool = False  # waited on the requester (the resolution clock paused)

    def add(
        self,
        at: float,
        kind: str,
        *,
        data: dict | None = None,
        sla: dict | None = None,
        actor: int | None = None,
        public: bool = True,
    ) -> int:
        # History is in time order and at whole seconds, as the desk records it.
        t = max(math.ceil(at), self.events[-1][0] if self.events else self.created)
        self.events.append((t, kind, data or {}, sla, actor, public))
        return t


class Generator:
    """Tickets of a year with the histories the desk writes (sladesk/desk/actions.py):
    created, assigned, replies (the first is the response), waiting on the requester,
    priority changes, escalations, resolutions, reopenings, confirmations and ratings.

    Response and resolution times are drawn as shares of each priority's target in
    business time on its calendar (Calendar.add), so that about 90 % of the clocks are met;
    the clocks are then the engine's own over these histories (never drawn).
    """

    def __init__(self, desk: dict[str, Any], seed: int) -> None:
        from sladesk.sla import versions

        self.version = versions.in_force()
        self.config = versions.config_of(self.version)
        self.unpaused = versions.without_pauses(self.version)
        self.policy = self.config.policies[0]
        self.metrics = {m.name: m for m in self.policy.metrics}
        self.desk = desk
        self.rng = random.Random(seed)
        self.now = NOW.timestamp()

    def calendar(self, metric: str, prio: str) -> Any:
        m = self.metrics[metric]
        return self.config.calendars[m.calendars[prio]], m.targets[prio]

    def story(self, pk: int, created: int) -> Story:
        rng, desk = self.rng, self.desk
        prio = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        impact, urgency = rng.choice(LEVELS[prio])
        kind = "incident" if rng.random() < 0.7 else "request"
        service = rng.choice(desk["services"])
        s = Story(
            pk=pk,
            number=f"{'INC' if kind == 'incident' else 'REQ'}-{YEAR}-{pk:07d}",
            kind=kind,
            priority=prio,
            impact=impact,
            urgency=urgency,
            requester=rng.choice(desk["requesters"]),
            service=service,
            category=rng.choice(desk["categories"]),
            team=service[2],
            agent=rng.choice(desk["agents"][service[2]]),
            created=created,
        )
        self.history(s)
        return s

    def history(self, s: Story) -> None:
        rng = self.rng
        requester = s.requester[0]
        fields = {
            "kind": s.kind,
            "organisation": s.requester[2],
            "service": s.service[1],
            "category": s.category[1],
        }
        created = {"type": "created", "status": "new", "impact": s.impact}
        created |= {"urgency": s.urgency, "fields": fields}
        subject = f"{rng.choice(SUBJECTS)} #{s.pk}"
        s.add(
            s.created,
            "created",
            data={"subject": subject, "priority": s.priority},
            sla=created,
            actor=requester,
        )
        s.add(s.created, "assigned", data={"team": s.team}, public=False)
        status(s, s.created, "new", "assigned", None)
        rcal, rtarget = self.calendar("response", s.priority)
        last = s.created
        responded = rng.random() < 0.97
        if responded:
            share = rng.uniform(0.05, 0.95) if rng.random() < 0.92 else rng.uniform(1.05, 3.0)
            last = s.add(
                rcal.add(s.created, share * rtarget),
                "reply",
                sla={"type": "responded"},
                actor=s.agent,
            )
            status(s, last, "assigned", "in_progress", s.agent)
        cal, target = self.calendar("resolution", s.priority)
        if rng.random() < 0.01:  # stuck with a vendor: still open, its clock running
            status(s, last + rng.uniform(600, 86400), "in_progress", "waiting_vendor", s.agent)
            return
        if s.kind == "request" and rng.random() < 0.02:  # not in the service: not measured
            at = s.add(last + rng.uniform(600, 4 * 3600), "out_of_scope", actor=s.agent)
            s.add(at, "closed", sla={"type": "closed"}, actor=s.agent)
            return
        if responded and rng.random() < 0.02:  # the agent sets another priority by hand
            new = PRIORITIES[min(3, max(0, PRIORITIES.index(s.priority) + rng.choice((-1, 1))))]
            if new != s.priority:
                last = s.add(
                    last + rng.uniform(60, 3600),
                    "priority",
                    data={"from": s.priority, "to": new},
                    sla={"type": "priority", "priority": new},
                    actor=s.agent,
                )
                s.priority = new
        share = rng.uniform(0.05, 0.95) if rng.random() < 0.91 else rng.uniform(1.05, 2.5)
        start = s.created
        if responded and rng.random() < 0.2:  # waits on the requester for a while
            before = rng.uniform(0.02, share * 0.8)
            waits = s.add(
                max(cal.add(s.created, before * target), last),
                "status",
                data={"from": "in_progress", "to": "waiting_requester"},
                sla={"type": "status", "status": "waiting_requester"},
                actor=s.agent,
            )
            start = status(
                s,
                waits + rng.uniform(3600, 4 * 86400),
                "waiting_requester",
                "in_progress",
                requester,
            )
            share -= before
            s.paused = True
        resolved = max(cal.add(start, share * target), last + 60)
        if rng.random() < 0.05:  # first line hands it to second line
            at = last + (resolved - last) * rng.random()
            s.add(at, "escalated", data={"to_team": self.desk["second"][s.team], "level": 2})
            s.add(at, "assigned", data={"team": self.desk["second"][s.team]}, public=False)
            s.team = self.desk["second"][s.team]
        resolved = s.add(resolved, "resolved", sla={"type": "resolved"}, actor=s.agent)
        if rng.random() < 0.03:  # the requester says it is not solved
            back = s.add(
                resolved + rng.uniform(3600, 2 * 86400),
                "rejected",
                sla={"type": "reopened"},
                actor=requester,
            )
            resolved = s.add(
                cal.add(back, rng.uniform(0.05, 0.4) * target),
                "resolved",
                sla={"type": "resolved"},
                actor=s.agent,
            )
        if rng.random() < 0.6:
            closed = s.add(
                resolved + rng.uniform(600, 2 * 86400),
                "confirmed",
                sla={"type": "closed"},
                actor=requester,
            )
            rated = rng.random() < 0.75
        else:  # closed by sladesk after the confirmation period
            closed = s.add(
                cal.after_working_days(resolved, 3),
                "closed",
                data={"automatic": True},
                sla={"type": "closed"},
            )
            rated = rng.random() < 0.15
        if rated:
            rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
            s.add(closed + rng.uniform(0, 3600), "rated", data={"rating": rating}, actor=requester)

    def chunk(self, stories: list[Story]) -> tuple[list[tuple], list[tuple], list[tuple]]:
        """Rows of desk_ticket, sla_clock and desk_ticketevent for these tickets."""
        for s in stories:  # the history as it stands at NOW
            s.events = [e for e in s.events if e[0] <= self.now]
        results = self.clocks(stories)
        tickets, clocks, events = [], [], []
        computed = iso(self.now)
        for s in stories:
            mine = results[s.number]
            for r in mine:
                cal = self.metrics[r["metric"]].calendars.get(r["priority"], "")
                clocks.append(
                    (
                        *(s.pk, r["metric"], self.policy.id, r["priority"], r["state"]),
                        *(r["elapsed"], r["target"], cal, r["due"], r["met"], r["breached_at"]),
                        r["without_pauses"],
                        computed,
                    )
                )
            tickets.append(self.ticket_row(s, mine))
            events.extend(event_rows(s))
        return tickets, clocks, events

    def clocks(self, stories: list[Story]) -> dict[str, list[dict[str, Any]]]:
        """The engine's clocks of each ticket read at its last SLA event, as the desk stores
        them (sla.clocks.refresh), with `breached_without_pauses` as refresh sets it."""
        data = b"".join(engine_lines(s) for s in stories)
        # Read at the first instant of the year: the bulk path reads each ticket at its
        # last event when that is later, which is what refresh does.
        at = datetime(YEAR, 1, 1, tzinfo=TZ).timestamp()
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in compute(self.config, data, at):
            r["without_pauses"] = r["breached_at"] is not None
            out[r["ticket"]].append(r)
        paused = b"".join(engine_lines(s) for s in stories if s.paused)
        pausing = {m.name for m in self.policy.metrics if m.pause}
        for r in compute(self.unpaused, paused, at):
            if r["metric"] in pausing:
                for mine in out[r["ticket"]]:
                    if mine["metric"] == r["metric"]:
                        mine["without_pauses"] = r["breached_at"] is not None
        return out

    def ticket_row(self, s: Story, clocks: list[dict[str, Any]]) -> tuple:
        state = ticket_state(s)
        dues = [c["due"] for c in clocks if c["state"] == "running" and c["due"]]
        sla_due = min(dues, key=lambda d: datetime.fromisoformat(d)) if dues else None
        assignee = s.agent if s.team == s.service[2] else self.desk["agents"][s.team][0]
        return (
            *(s.pk, s.number, s.kind, f"{SUBJECTS[s.pk % len(SUBJECTS)]} #{s.pk}", ""),
            *(s.requester[0], s.requester[1], s.service[0], s.category[0]),
            *(s.impact, s.urgency, s.priority, state["overridden"]),
            *(self.desk["teams"][s.team].pk, assignee, state["status"], self.version.pk),
            *(iso(s.created), iso(s.events[-1][0]), state["first_response_at"]),
            *(state["last_public_update_at"], state["resolved_at"], state["closed_at"]),
            *(state["auto_close_at"], "已处理" if state["resolved_at"] else ""),
            state["out_of_scope"],
            *(state["rating"], "", 2 if s.team.startswith("l2") else 1),
            *(len(s.events), len(s.events), sla_due, any(c["breached_at"] for c in clocks)),
        )


def status(s: Story, at: float, old: str, new: str, actor: int | None) -> int:
    return s.add(
        at,
        "status",
        data={"from": old, "to": new},
        sla={"type": "status", "status": new},
        actor=actor,
    )


def engine_lines(s: Story) -> bytes:
    """The ticket's SLA events as `sladesk export events` writes them."""
    return b"".join(
        orjson.dumps({"ticket": s.number, "at": iso(t), **sla}) + b"\n"
        for t, _kind, _data, sla, _actor, _public in s.events
        if sla is not None
    )


def compute(config: Any, data: bytes, at: float) -> list[dict[str, Any]]:
    """The engine's results over a stream: its bulk path, else its scalar path."""
    from sladesk.engine.bulk import compute_json
    from sladesk.engine.compute import compute as scalar
    from sladesk.engine.compute import json_lines
    from sladesk.engine.events import read_events

    if not data:
        return []
    out = compute_json(config, data, "bench", at)
    if out is None:
        out = json_lines(scalar(config, read_events(data, "bench", config), at))
    return orjson.loads(b"[" + bytes(out).rstrip(b"\n").replace(b"\n", b",") + b"]")


def ticket_state(s: Story) -> dict[str, Any]:
    """The ticket's stored fields after its (cut) history, as the actions leave them."""
    st: dict[str, Any] = {
        "status": "new",
        "first_response_at": None,
        "last_public_update_at": None,
        "resolved_at": None,
        "closed_at": None,
        "auto_close_at": None,
        "rating": None,
        "overridden": False,
        "out_of_scope": False,
    }
    for t, kind, data, _sla, _actor, _public in s.events:
        if kind == "status":
            st["status"] = data["to"]
        elif kind == "reply":
            st["first_response_at"] = st["first_response_at"] or iso(t)
            st["last_public_update_at"] = iso(t)
        elif kind == "priority":
            st["overridden"] = True
        elif kind == "resolved":
            st.update(status="resolved", resolved_at=iso(t), last_public_update_at=iso(t))
            st["auto_close_at"] = iso(t + 3 * 86400)
        elif kind == "rejected":
            st.update(status="in_progress", resolved_at=None, auto_close_at=None)
        elif kind in ("confirmed", "closed"):
            st.update(status="closed", closed_at=iso(t), auto_close_at=None)
        elif kind == "out_of_scope":
            st["out_of_scope"] = True
        elif kind == "rated":
            st["rating"] = data["rating"]
    return st


def event_rows(s: Story) -> list[tuple]:
    return [
        (
            *(s.pk, seq, iso(t), actor, kind, public, ""),
            orjson.dumps(data).decode(),
            None if sla is None else orjson.dumps(sla).decode(),
        )
        for seq, (t, kind, data, sla, actor, public) in enumerate(s.events, 1)
    ]


TICKET_COLUMNS = (
    "id, number, kind, subject, description, requester_id, organisation_id, service_id, "
    "category_id, impact, urgency, priority, priority_overridden, team_id, assignee_id, "
    "status, sla_version_id, created_at, updated_at, first_response_at, "
    "last_public_update_at, resolved_at, closed_at, auto_close_at, resolution, out_of_scope, "
    "rating, "
    "rating_comment, escalation_level, revision, event_count, sla_due, sla_breached"
)
CLOCK_COLUMNS = (
    "ticket_id, metric, policy, priority, state, elapsed, target, calendar, due, met, "
    "breached_at, breached_without_pauses, computed_at"
)
EVENT_COLUMNS = "ticket_id, seq, at, actor_id, kind, public, body, data, sla"


def creation_instants(total: int, in_month: int, rng: random.Random) -> list[int]:
    """When each ticket was created: `in_month` in the measured month, the rest spread
    evenly over the other months of the year; mostly in office hours, in time order."""
    months = [date(YEAR, m, 1) for m in range(1, 13)]
    others = [m for m in months if m != MONTH]
    counts = {m: (total - in_month) // len(others) for m in others}
    counts[others[-1]] += total - in_month - sum(counts.values())
    counts[MONTH] = in_month
    out = []
    for first, n in counts.items():
        start = datetime(first.year, first.month, 1, tzinfo=TZ).timestamp()
        nxt = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
        end = datetime(nxt.year, nxt.month, 1, tzinfo=TZ).timestamp()
        for _ in range(n):
            t = rng.uniform(start, end)
            for _retry in range(3):  # 4 of 5 tickets come in office hours on a weekday
                local = datetime.fromtimestamp(t, TZ)
                if (local.weekday() < 5 and 9 <= local.hour < 18) or rng.random() < 0.2:
                    break
                t = rng.uniform(start, end)
            out.append(int(t))
    return sorted(out)


def seed(desk: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The tickets, their clocks and (for the measured month, or all) their history,
    written with COPY a chunk per transaction; then VACUUM ANALYZE."""
    from django.db import connection, transaction

    gen = Generator(desk, args.seed)
    instants = creation_instants(args.tickets, args.month_tickets, gen.rng)
    month_start = datetime(MONTH.year, MONTH.month, 1, tzinfo=TZ).timestamp()
    month_end = datetime(MONTH.year, MONTH.month + 1, 1, tzinfo=TZ).timestamp()
    rows: Counter[str] = Counter()
    t0 = time.perf_counter()
    for first in range(0, len(instants), CHUNK):
        stories = [
            gen.story(first + i + 1, t) for i, t in enumerate(instants[first : first + CHUNK])
        ]
        tickets, clocks, events = gen.chunk(stories)
        if not args.all_events:  # the measured month's history: the what-if and causes
            keep = {s.pk for s in stories if month_start <= s.created < month_end}
            events = [e for e in events if e[0] in keep]
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's: COPY
            for name, cols, data in (
                ("desk_ticket", TICKET_COLUMNS, tickets),
                ("sla_clock", CLOCK_COLUMNS, clocks),
                ("desk_ticketevent", EVENT_COLUMNS, events),
            ):
                with raw.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
                rows[name] += len(data)
        done = first + len(stories)
        if done % (10 * CHUNK) == 0 or done == len(instants):
            say(f"  {done:,} tickets written ({time.perf_counter() - t0:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('desk_ticket', 'id'), "
            "(SELECT max(id) FROM desk_ticket))"
        )
        for name in ("desk_ticket", "sla_clock", "desk_ticketevent"):
            cursor.execute(f"VACUUM ANALYZE {name}")  # as autovacuum would after the load
    return {"rows": dict(rows), "seconds": time.perf_counter() - t0}


def check_seeded_clocks(sample: int = 300) -> list[str]:
    """The stored clocks of some tickets of the month are what sla.clocks.refresh stores."""
    from sladesk.desk.models import Ticket
    from sladesk.sla.clocks import run

    problems = []
    start = datetime(MONTH.year, MONTH.month, 1, tzinfo=TZ)
    tickets = Ticket.objects.filter(created_at__gte=start).order_by("created_at")[:sample]
    for ticket in tickets.select_related("sla_version").prefetch_related("clocks"):
        _config, _events, results = run(ticket, None)
        stored = {c.metric: c for c in ticket.clocks.all()}
        for r in results:
            c = stored.get(r.metric)
            ours = (c.state, c.met, c.elapsed, c.breached_at and c.breached_at.timestamp())
            if c is None or ours != (r.state, r.met, r.elapsed, r.breached_at):
                problems.append(f"{ticket.number} {r.metric}: stored {ours}, engine {r}")
    return problems[:5]


# -- timing -------------------------------------------------------------------------------


def best_of(runs: int, fn: Callable[[], Any]) -> dict[str, Any]:
    """Best of `runs` calls of `fn`: seconds of each and the last result."""
    seconds, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return {"best": min(seconds), "all": seconds, "result": result}


def month_breakdown(scope: Any, period: Any, now: datetime) -> list[tuple[str, float]]:
    """The monthly report's parts timed one by one, as figures.compute calls them (its
    private steps: if figures.py renamed them, the breakdown is left out)."""
    from sladesk.reports import causes, figures

    steps = ("_config", "_volumes", "_times", "_compliance", "_satisfaction", "_categories")
    if not all(hasattr(figures, s) for s in (*steps, "trend", "score", "breached_clocks")):
        return []
    tickets = figures.tickets_in(scope, period)
    out: list[tuple[str, float]] = []

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        value = fn()
        out.append((label, time.perf_counter() - t0))
        return value

    config, versions = timed(
        "SLA versions of the tickets", lambda: figures._config(tickets, scope.version)
    )
    fig = figures.Figures(scope, period, now, versions, list(config.priorities))
    timed("volumes (2 queries)", lambda: figures._volumes(fig, tickets))
    fig.compliance, fig.overall = timed(
        "compliance, business times, breach count (1 query)",
        lambda: figures._compliance(figures.clocks_of(scope, period), config, now),
    )
    timed(
        "wall-clock times (2 queries)",
        lambda: figures._times(tickets, fig.compliance, fig.overall, config),
    )
    timed("satisfaction", lambda: figures._satisfaction(fig, tickets))
    timed("top categories", lambda: figures._categories(tickets))
    clocks = figures.breached_clocks(scope, period, now).select_related("ticket__sla_version")
    chosen = timed(
        f"breach list: first {figures.BREACH_LIST:,} breached clocks",
        lambda: list(
            clocks.order_by("ticket__created_at", "ticket_id", "metric")[: figures.BREACH_LIST]
        ),
    )
    timed(
        f"breach list: causes of {len(chosen):,} (engine per ticket)",
        lambda: causes.of([c.ticket for c in chosen], now),
    )
    timed(
        f"trend ({figures.TREND_PERIODS} months, one GROUP BY per table)",
        lambda: figures.trend(scope, period, config, now),
    )
    return out


def whatif_breakdown(proposed: Any, selection: Any) -> list[tuple[str, float]]:
    """The what-if's steps timed one by one, as whatif.run takes them."""
    from django.db import connection

    from sladesk.engine.bulk import compute_json
    from sladesk.reports import whatif
    from sladesk.sla.models import SlaVersion
    from sladesk.sla.versions import config_of

    read_at = min(selection.end, NOW)
    at = read_at.timestamp()
    out: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    found: dict[str, Any] = {}
    queries = captured_queries(
        lambda: found.update(
            zip(("streams", "tickets"), whatif.event_streams(selection, read_at), strict=True)
        )
    )
    out.append(("history read and written as JSON Lines (event_streams)", time.perf_counter() - t0))
    sql = max(queries, key=lambda q: q["ms"])
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql["sql"], sql["params"])
        fetched = len(cursor.fetchall())
    out.append(
        (f"  of which the query alone ({fetched:,} events fetched)", time.perf_counter() - t0)
    )
    streams = found["streams"]
    versions = SlaVersion.objects.in_bulk([v for v in streams if v is not None])
    now: dict = {}
    for version_id, data in streams.items():
        config = config_of(versions[version_id])
        bulk = compute_json(config, data, "events", at) is not None
        t0 = time.perf_counter()
        now.update(whatif.replay(config, data, at)[0])
        path = "bulk path" if bulk else "SCALAR path (the bulk path gave up)"
        out.append(
            (f"replay under v{versions[version_id].number} ({path})", time.perf_counter() - t0)
        )
    data = b"".join(streams.values())
    bulk = compute_json(proposed, data, "events", at) is not None
    t0 = time.perf_counter()
    proposal, _skipped = whatif.replay(proposed, data, at)
    path = "bulk path" if bulk else "SCALAR path (the bulk path gave up)"
    out.append((f"replay under the proposal ({path})", time.perf_counter() - t0))
    t0 = time.perf_counter()
    whatif.compare(proposed, now, proposal)
    out.append(("comparison, flips", time.perf_counter() - t0))
    return out


def captured_queries(fn: Callable[[], Any]) -> list[dict[str, Any]]:
    """Every query `fn` runs, with its parameters and time in cursor.execute."""
    from django.db import connection

    seen: list[dict[str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append({"sql": sql, "params": params, "ms": (time.perf_counter() - t0) * 1e3})

    with connection.execute_wrapper(wrapper):
        fn()
    return seen


def explain(query: dict[str, Any]) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
        return [row[0] for row in cursor.fetchall()]


def plan_summary(plan: list[str]) -> str:
    """Execution time; indexes used; sequential scans; sorts and hashes that spilled."""
    import re

    text = "\n".join(plan)
    parts = []
    executed = re.search(r"Execution Time: ([\d.]+) ms", text)
    if executed:
        parts.append(f"{float(executed.group(1)):,.0f} ms")
    indexes = dict.fromkeys(re.findall(r"Index(?: Only)? Scan(?: Backward)? using (\w+)", text))
    scans = dict.fromkeys(re.findall(r"Seq Scan on (\w+)", text))
    parts.append("indexes: " + (", ".join(indexes) or "none"))
    parts.append("seq scans: " + (", ".join(scans) or "none"))
    if "Parallel" in text:
        parts.append("parallel")
    disk = re.findall(
        r"(Sort Method: external merge\s+Disk: \d+kB|Batches: \d+ .*Disk Usage: \d+kB)", text
    )
    if disk:
        parts.append("spilled: " + "; ".join(dict.fromkeys(d.strip() for d in disk)))
    return "; ".join(parts)


def describe(sql: str) -> str:
    """A short name for a query of the report."""
    head = sql[:2000]
    table = (
        "sla_clock"
        if 'FROM "sla_clock"' in head
        else "desk_ticket"
        if 'FROM "desk_ticket"' in head
        else "?"
    )
    if 'FROM "desk_ticketevent"' in head:
        return "history of the breached tickets (causes)"
    what = (
        "COUNT"
        if head.startswith("SELECT COUNT(*)")
        else "GROUP BY"
        if "GROUP BY" in sql
        else "rows"
    )
    if "LIMIT" in sql:
        what += " LIMIT"
    return f"{table} {what}"


# -- the baselines ------------------------------------------------------------------------


def judge(clock: Any, now: datetime) -> str:
    """A clock's outcome at `now`, by the rules of docs/reports.md, in Python."""
    if clock.target is None:
        return "unmeasured"
    if clock.met is True:
        return "met"
    if clock.met is False or clock.breached_at is not None:
        return "breached"
    if clock.state == "running" and clock.due is not None and clock.due <= now:
        return "breached"
    return "open"


def baseline_month(period: Any, now: datetime) -> dict[str, Any]:
    """The month's key figures as one would first write them: each ticket of the month
    with its clocks (prefetched), counted in Python."""
    from sladesk.desk.models import Ticket

    tickets = Ticket.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    out: dict[str, Any] = {"tickets": 0, "by_priority": Counter(), "incidents": 0}
    out |= {"resolved": 0, "still_open": 0, "rated": 0, "rating_sum": 0}
    cells: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for t in tickets.prefetch_related("clocks").iterator(chunk_size=2000):
        out["tickets"] += 1
        out["by_priority"][t.priority] += 1
        out["incidents"] += t.kind == "incident"
        out["resolved"] += t.resolved_at is not None
        out["still_open"] += t.resolved_at is None and t.closed_at is None
        if t.rating is not None:
            out["rated"] += 1
            out["rating_sum"] += t.rating
        for c in () if t.out_of_scope else t.clocks.all():  # not measured
            cell = cells[(c.metric, c.priority)]
            cell[judge(c, now)] += 1
            cell["excluded"] += bool(c.met and c.breached_without_pauses)
    out["cells"] = {
        key: (c["met"] + c["breached"], c["met"], c["open"], c["excluded"])
        for key, c in cells.items()
    }
    out["satisfaction"] = out["rating_sum"] / out["rated"] if out["rated"] else None
    out["breached"] = sum(c["breached"] for c in cells.values())
    return out


def month_key_figures(fig: Any) -> dict[str, Any]:
    """Ours, in the baseline's terms."""
    return {
        "tickets": fig.tickets,
        "by_priority": Counter({p: n for p, n in fig.by_priority.items() if n}),
        "incidents": fig.incidents,
        "resolved": fig.resolved,
        "still_open": fig.still_open,
        "rated": fig.rated,
        "satisfaction": fig.satisfaction,
        "cells": {
            (r.metric, r.priority): (r.measured, r.met, r.open, r.excluded)
            for r in fig.compliance
            if r.measured or r.open
        },
        "breached": fig.breach_count,
    }


def baseline_kpi(year: int, config: Any, now: datetime) -> dict[str, Any]:
    """The year's KPI as one would first write it: every clock of the year's tickets with
    its ticket's creation instant, judged and tallied in Python by month and item."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from sladesk.reports.figures import _goals
    from sladesk.sla.models import Clock

    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = min(datetime(year + 1, 1, 1, tzinfo=zone), now)
    clocks = Clock.objects.filter(ticket__created_at__gte=start, ticket__created_at__lt=end)
    cells: dict[tuple[int, str, str], Counter] = defaultdict(Counter)
    for c in clocks.select_related("ticket").iterator(chunk_size=5000):
        if c.ticket.out_of_scope:  # an out-of-scope request's clocks are not measured
            continue
        outcome = judge(c, now)
        cell = cells[(c.ticket.created_at.astimezone(zone).month, c.metric, c.priority)]
        cell[outcome] += 1
        cell["excluded"] += bool(c.met and c.breached_without_pauses)
    goals = _goals(config)
    items: dict[tuple[str, str], list[int]] = {key: [0, 0, 0] for key in goals}
    months: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (m, metric, prio), c in cells.items():
        measured = c["met"] + c["breached"]
        months[m][0] += measured
        months[m][1] += c["met"]
        if (metric, prio) in items:
            items[(metric, prio)][0] += measured
            items[(metric, prio)][1] += c["met"]
            items[(metric, prio)][2] += c["excluded"]
    rates = [met / n for n, met, _x in items.values() if n]
    return {
        "items": {k: tuple(v) for k, v in items.items()},
        "months": {m: tuple(v) for m, v in sorted(months.items()) if v[0]},
        "attainment": sum(rates) / len(rates) if rates else None,
    }


def kpi_key_figures(k: Any) -> dict[str, Any]:
    return {
        "items": {(i.metric, i.priority): (i.measured, i.met, i.excluded) for i in k.items},
        "months": {m.period.first.month: (m.measured, m.met) for m in k.months if m.measured},
        "attainment": k.attainment,
    }


def baseline_whatif(proposed: Any, start: datetime, end: datetime) -> dict[str, Any]:
    """The what-if as one would first write it: each ticket of the month, its SLA history
    read with one query, replayed through the engine's scalar path (run_ticket) under its
    own version and under the proposal, tallied in Python."""
    from sladesk.desk.models import Ticket
    from sladesk.engine.clock import run_ticket
    from sladesk.engine.events import ticket_events
    from sladesk.sla.clocks import engine_event
    from sladesk.sla.versions import config_of

    read_at = min(end, NOW)
    at = read_at.timestamp()
    tally: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    flips: Counter[tuple[str, str, str]] = Counter()
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    for ticket in tickets.select_related("sla_version").iterator(chunk_size=2000):
        history = ticket.events.filter(sla__isnull=False, at__lte=read_at).order_by("seq")
        raw = [engine_event(ticket.number, e.at, e.sla) for e in history.only("at", "sla")]
        sides = {}
        for side, config in (("now", config_of(ticket.sla_version)), ("proposed", proposed)):
            events = ticket_events(raw, ticket.number, config)
            sides[side] = {r.metric: r for r in run_ticket(config, ticket.number, events, at)}
        for side, results in sides.items():
            for r in results.values():
                outcome = (
                    "unmeasured"
                    if r.target is None
                    else "met"
                    if r.met is True
                    else "breached"
                    if r.met is False
                    else "open"
                )
                tally[(r.metric, r.priority, side)][outcome] += 1
        for metric, after in sides["proposed"].items():
            before = sides["now"].get(metric)
            if (
                before is not None
                and None not in (before.met, after.met)
                and before.met != after.met
            ):
                flips[
                    (metric, after.priority, "met>breached" if before.met else "breached>met")
                ] += 1
    return {"tally": _plain(tally), "flips": dict(flips)}


def _plain(tally: dict[tuple[str, str, str], Counter]) -> dict:
    keys = ("met", "breached", "open", "unmeasured")
    return {k: tuple(c[x] for x in keys) for k, c in tally.items()}


def whatif_key_figures(report: Any) -> dict[str, Any]:
    tally, flips = {}, Counter()
    for row in report.rows:
        if row.priority == "":
            continue
        for side in ("now", "proposed"):
            t = getattr(row, side)
            if t.clocks:
                tally[(row.metric, row.priority, side)] = (t.met, t.breached, t.open, t.unmeasured)
        for f in row.flips:
            flips[(row.metric, row.priority, f.direction.replace("_to_", ">"))] += 1
    return {"tally": tally, "flips": dict(flips)}


def differences(name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    out = []
    for key in ours:
        if ours[key] != theirs.get(key):
            out.append(f"{name} {key}: ours {ours[key]!r}, the baseline's {theirs.get(key)!r}")
    return out


# -- proposals, tried on the scratch database (--proposals) -------------------------------
#
# Each is the report's own code with one change patched in for the run (nothing under
# sladesk/ is edited); its figures must equal the report's as it is, except where said.


def same_report(a: Any, b: Any) -> bool:
    """Two Figures agree on everything but the instant they were made."""
    x, y = a.as_json(), b.as_json()
    x.pop("generated_at"), y.pop("generated_at")
    return x == y


def versions_prefetched(original: Callable) -> Callable:
    """causes.of with each ticket's SLA version read in one query, not one per ticket
    (what select_related("ticket__sla_version") in figures._breaches would do)."""
    from sladesk.sla.models import SlaVersion

    def of(tickets: Any, now: datetime) -> Any:
        tickets = list(tickets)
        found = SlaVersion.objects.in_bulk({t.sla_version_id for t in tickets})
        for t in tickets:
            t.sla_version = found.get(t.sla_version_id)
        return original(tickets, now)

    return of


def first_page_only(original: Callable, page: int = 50) -> Callable:
    """causes.of for the first page of the breach list only (the rest left empty)."""

    def of(tickets: Any, now: datetime) -> Any:
        return original(list(tickets)[:page], now)

    return of


def trend_in_two_queries(scope: Any, period: Any, config: Any, now: datetime) -> list[Any]:
    """figures.trend with the six months read in one GROUP BY per table (TruncMonth, as
    kpi.compute does) instead of two queries per month."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db.models import Avg, Count
    from django.db.models.functions import TruncMonth

    from sladesk.reports import figures
    from sladesk.reports.scope import Period

    periods = [*period.earlier(figures.TREND_PERIODS - 1), period]
    if not period.is_month:
        return ORIGINAL["trend"](scope, period, config, now)
    zone = ZoneInfo(settings.TIME_ZONE)
    whole = Period(periods[0].first, period.last)
    tickets = {
        r["month"].astimezone(zone).date(): r
        for r in figures.tickets_in(scope, whole)
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("id"), rating=Avg("rating"))
    }
    clocks: dict[date, list[dict]] = defaultdict(list)
    for r in (
        figures.clocks_of(scope, whole)
        .order_by()
        .annotate(month=TruncMonth("ticket__created_at", tzinfo=zone))
        .values("month", "metric", "priority")
        .annotate(**figures.outcome_counts(now))
    ):
        clocks[r["month"].astimezone(zone).date()].append(r)
    goals = figures._goals(config)
    points = []
    for p in periods:
        rows, t = clocks.get(p.first, []), tickets.get(p.first, {"n": 0, "rating": None})
        measured = sum(r["n_measured"] for r in rows)
        met = sum(r["n_met"] for r in rows)
        missed = sum(
            1
            for r in rows
            if (goal := goals.get((r["metric"], r["priority"]))) is not None
            and r["n_measured"]
            and r["n_met"] / r["n_measured"] < goal
        )
        points.append(
            figures.TrendPoint(
                p.label, t["n"], met / measured if measured else None, t["rating"], missed
            )
        )
    return points


def clocks_by_id_range(scope: Any, period: Any) -> Any:
    """figures.clocks_of, also bounded by the smallest and largest id of the period's
    tickets. Ids are given in creation order, so the period's tickets are (nearly) one
    range of ids, and the clocks are read off the (ticket_id, metric) index instead of a
    scan of every clock. The created_at filter stays: the range only narrows the search,
    so the result is the same even where ids and creation times disagree."""
    from django.db.models import Max, Min

    from sladesk.reports import figures

    bounds = figures.tickets_in(scope, period).aggregate(lo=Min("id"), hi=Max("id"))
    clocks = ORIGINAL["clocks_of"](scope, period)
    if bounds["lo"] is None:
        return clocks.none()
    return clocks.filter(ticket_id__gte=bounds["lo"], ticket_id__lte=bounds["hi"])


def clocks_by_own_created_at(scope: Any, period: Any) -> Any:
    """figures.clocks_of on a copy of the ticket's created_at kept on sla_clock (indexed),
    as a denormalised Clock.ticket_created_at field would be; the ticket's own filter stays."""
    from django.db.models import DateTimeField
    from django.db.models.expressions import RawSQL

    own = RawSQL('"sla_clock"."ticket_created_at"', (), output_field=DateTimeField())
    clocks = ORIGINAL["clocks_of"](scope, period).alias(own=own)
    return clocks.filter(own__gte=period.start, own__lt=period.end)


ORIGINAL: dict[str, Callable] = {}


def denormalise_created_at() -> float:
    """The column and its index on the scratch database; returns the seconds it took."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE sla_clock ADD COLUMN IF NOT EXISTS ticket_created_at timestamptz"
        )
        cursor.execute(
            "UPDATE sla_clock c SET ticket_created_at = t.created_at "
            "FROM desk_ticket t WHERE t.id = c.ticket_id"
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS clock_ticket_created ON sla_clock (ticket_created_at)"
        )
        cursor.execute("VACUUM ANALYZE sla_clock")
    return time.perf_counter() - t0


def try_proposals(scope: Any, period: Any, runs: int, reference: Any) -> list[tuple]:
    """Best of `runs` of the monthly report with each proposal patched in, with its number
    of queries and whether its figures equal the report's as it is."""
    from unittest import mock

    from sladesk.reports import causes, figures

    ORIGINAL.update(trend=figures.trend, clocks_of=figures.clocks_of, causes=causes.of)
    fewer = versions_prefetched(causes.of)
    patches: list[tuple[str, dict[str, Any]]] = [
        ("as it is", {}),
        ("A. causes: SLA versions read in one query", {"causes": fewer}),
        ("B. causes: first page of 50 only (changes the list)", {"causes": first_page_only(fewer)}),
        ("C. trend: 2 queries instead of 12", {"trend": trend_in_two_queries}),
        ("D. clocks bounded by the month's ticket ids", {"clocks_of": clocks_by_id_range}),
        (
            "A + C + D (no schema change)",
            {"causes": fewer, "trend": trend_in_two_queries, "clocks_of": clocks_by_id_range},
        ),
        (
            "E. Clock.ticket_created_at, indexed (schema change)",
            {"clocks_of": clocks_by_own_created_at},
        ),
        (
            "A + C + E",
            {"causes": fewer, "trend": trend_in_two_queries, "clocks_of": clocks_by_own_created_at},
        ),
    ]
    out = []
    for label, change in patches:
        if label.startswith("E."):
            say(f"  adding sla_clock.ticket_created_at: {denormalise_created_at():.0f} s")
        say(f"  {label}")
        with (
            mock.patch.object(figures, "trend", change.get("trend", figures.trend)),
            mock.patch.object(figures, "clocks_of", change.get("clocks_of", figures.clocks_of)),
            mock.patch.object(causes, "of", change.get("causes", causes.of)),
        ):
            timing = best_of(runs, lambda: figures.compute(scope, period, NOW))
            queries = captured_queries(lambda: figures.compute(scope, period, NOW))
        same = same_report(timing["result"], reference)
        out.append((label, timing, len(queries), sum(q["ms"] for q in queries), same))
    return out


# -- the whole run ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the year")
    parser.add_argument(
        "--month-tickets", type=int, help=f"of them created in {MONTH:%Y-%m} (a tenth)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timings of ours: best of (3)")
    parser.add_argument("--baseline-runs", type=int, default=1, help="of the baselines (1)")
    parser.add_argument("--quick", action="store_true", help="50,000 tickets, 1 run")
    parser.add_argument(
        "--all-events",
        action="store_true",
        help="write every ticket's history (default: the month's)",
    )
    parser.add_argument("--postgres", default=POSTGRES, help="the server (default %(default)s)")
    parser.add_argument("--database", default=DATABASE, help="scratch database (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--profile", action="store_true", help="cProfile one monthly report")
    parser.add_argument(
        "--proposals",
        action="store_true",
        help="then time the monthly report with each proposed change (adds a column)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.runs = 50_000, 1
    args.month_tickets = args.month_tickets or args.tickets // 10
    if not 0 < args.month_tickets <= args.tickets:
        parser.error("--month-tickets must be between 1 and --tickets")

    workdir = Path(tempfile.mkdtemp(prefix="sladesk-bench-reports-"))
    (workdir / "bench_settings.py").write_text(SETTINGS_MODULE)
    os.environ.update(
        DATABASE_URL=database_url(args.postgres, args.database),
        DJANGO_SETTINGS_MODULE="bench_settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_CONN_MAX_AGE="0",
        TIME_ZONE="Asia/Shanghai",
    )
    sys.path[:0] = [str(workdir), str(ROOT)]
    recreate_database(args.postgres, args.database)
    try:
        return bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            say(f"kept the database {args.database}")
        else:
            drop_database(args.postgres, args.database)


def bench(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from sladesk.engine.config import parse_config
    from sladesk.reports import figures, kpi, whatif
    from sladesk.reports.scope import month, scope_of
    from sladesk.sla import versions

    load_start = loadavg()
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    versions.apply(DEFAULT_SLA.read_text(encoding="utf-8"), file_name="default.yaml")
    desk = make_desk()
    took = time.perf_counter() - t0
    say(f"database {args.database} migrated, default SLA and desk in {took:.1f} s")
    seeded = seed(desk, args)
    rows = seeded["rows"]
    say(
        f"{rows['desk_ticket']:,} tickets, {rows['sla_clock']:,} clocks, "
        f"{rows['desk_ticketevent']:,} history events written in {seeded['seconds']:.0f} s"
    )
    problems = [f"seeded clock {p}" for p in check_seeded_clocks()]
    facts = server_facts() | mix()

    scope, period = scope_of("all"), month(MONTH)
    config = versions.config_of(versions.in_force())
    proposed = parse_config(proposed_source(), "proposed.yaml")
    selection = whatif.Selection(period.start, period.end)
    r: dict[str, Any] = {}
    say(f"the monthly report {period.label}, best of {args.runs}")
    r["month"] = best_of(args.runs, lambda: figures.compute(scope, period, NOW))
    say(f"  {r['month']['best']:.2f} s; its parts")
    r["parts"] = month_breakdown(scope, period, NOW)
    say(f"the yearly KPI {YEAR}, best of {args.runs}")
    r["kpi"] = best_of(args.runs, lambda: kpi.compute(scope, YEAR, config, NOW))
    say(f"  {r['kpi']['best']:.2f} s; the what-if {period.label}, best of {args.runs}")
    r["whatif"] = best_of(args.runs, lambda: whatif.run(proposed, selection, present=NOW))
    say(f"  {r['whatif']['best']:.2f} s; its parts")
    r["whatif_parts"] = whatif_breakdown(proposed, selection)
    say("the baselines")
    r["b_month"] = best_of(args.baseline_runs, lambda: baseline_month(period, NOW))
    say(f"  monthly figures, ORM loop: {r['b_month']['best']:.1f} s")
    r["b_kpi"] = best_of(args.baseline_runs, lambda: baseline_kpi(YEAR, config, NOW))
    say(f"  KPI, ORM loop: {r['b_kpi']['best']:.1f} s")
    r["b_whatif"] = best_of(
        args.baseline_runs, lambda: baseline_whatif(proposed, period.start, period.end)
    )
    say(f"  what-if, ticket by ticket: {r['b_whatif']['best']:.1f} s")

    problems += differences(
        "month", month_key_figures(r["month"]["result"]), r["b_month"]["result"]
    )
    problems += differences("KPI", kpi_key_figures(r["kpi"]["result"]), r["b_kpi"]["result"])
    problems += differences(
        "what-if", whatif_key_figures(r["whatif"]["result"]), r["b_whatif"]["result"]
    )
    say("the queries of the monthly report, EXPLAIN ANALYZE")
    queries = captured_queries(lambda: figures.compute(scope, period, NOW))
    if args.profile:
        profile(lambda: figures.compute(scope, period, NOW))
    if args.proposals:
        say("proposals, each patched into the monthly report")
        r["proposals"] = try_proposals(scope, period, args.runs, r["month"]["result"])
    report(args, facts, seeded, r, queries, load_start)
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    if not problems:
        print(
            "check: the baselines' figures equal ours (tickets, per priority, met / measured / "
            "open / excluded per metric and priority, satisfaction, breaches; the KPI's items "
            "and months; the what-if's tallies and flips on both sides)"
        )
    return 1 if problems else 0


def mix() -> dict[str, Any]:
    """What was seeded: ticket statuses, clock outcomes, the month's share of clocks met."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM desk_ticket GROUP BY 1 ORDER BY 2 DESC")
        statuses = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FILTER (WHERE met), count(*) FILTER (WHERE met = false), "
            "count(*) FILTER (WHERE met IS NULL), "
            "count(*) FILTER (WHERE met AND breached_without_pauses) FROM sla_clock"
        )
        met, missed, undecided, excluded = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {
        "statuses": statuses,
        "met": met,
        "missed": missed,
        "undecided": undecided,
        "excluded": excluded,
        "size": size,
    }


def profile(fn: Callable[[], Any]) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def print_proposals(rows: list[tuple]) -> None:
    print()
    print("Proposals: the monthly report with each change patched in (best of the runs):")
    lines = [("change", "seconds (each run)", "best", "queries", "SQL ms", "same figures")]
    for label, timing, count, ms, same in rows:
        lines.append(
            (
                label,
                _runs(timing),
                _s(timing["best"]),
                f"{count:,}",
                f"{ms:,.0f}",
                "yes" if same else "NO",
            )
        )
    table(lines)


def _s(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _runs(t: dict[str, Any]) -> str:
    return " / ".join(_s(x) for x in t["all"])


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    seeded: dict[str, Any],
    r: dict[str, Any],
    queries: list[dict[str, Any]],
    load_start: str,
) -> None:
    rows = seeded["rows"]
    print()
    note(
        f"Machine: {machine('PostgreSQL ' + facts['server_version'].split()[0])} "
        f"(shared_buffers {facts['shared_buffers']}, work_mem {facts['work_mem']}). Load "
        f"average {load_start} at the start, {loadavg()} at the end."
    )
    decided = facts["met"] + facts["missed"]
    note(
        f"Database: {rows['desk_ticket']:,} tickets created in {YEAR} "
        f"({args.month_tickets:,} in {MONTH:%Y-%m}, the rest evenly over the other months), "
        f"{rows['sla_clock']:,} clocks, {rows['desk_ticketevent']:,} history events "
        f"({'all tickets' if args.all_events else f'the tickets of {MONTH:%Y-%m}'}); "
        f"{facts['size']}; written in {seeded['seconds']:.0f} s. Tickets: "
        + ", ".join(f"{s} {n:,}" for s, n in facts["statuses"])
        + f". Clocks: met {facts['met']:,} ({facts['met'] / decided:.1%} of those decided), "
        f"missed {facts['missed']:,}, undecided {facts['undecided']:,}; met only thanks to "
        f"the pauses {facts['excluded']:,}. Read at {NOW.isoformat()}."
    )
    fig, k, w = r["month"]["result"], r["kpi"]["result"], r["whatif"]["result"]
    month_clocks = sum(x.measured + x.open for x in fig.compliance)
    print()
    lines = [("what", "seconds (each run)", "best", "ratio")]
    lines.append(
        (
            f"monthly report {MONTH:%Y-%m}: figures.compute ({fig.tickets:,} tickets)",
            _runs(r["month"]),
            _s(r["month"]["best"]),
            "",
        )
    )
    lines.append(
        (
            "  baseline: ORM loop over the month's tickets and clocks",
            _runs(r["b_month"]),
            _s(r["b_month"]["best"]),
            f"{r['b_month']['best'] / r['month']['best']:.1f}x",
        )
    )
    year_clocks = sum(m.measured for m in k.months)
    lines.append(
        (
            f"yearly KPI {YEAR}: kpi.compute ({year_clocks:,} clocks decided)",
            _runs(r["kpi"]),
            _s(r["kpi"]["best"]),
            "",
        )
    )
    lines.append(
        (
            "  baseline: ORM loop over the year's clocks",
            _runs(r["b_kpi"]),
            _s(r["b_kpi"]["best"]),
            f"{r['b_kpi']['best'] / r['kpi']['best']:.1f}x",
        )
    )
    lines.append(
        (
            f"what-if {MONTH:%Y-%m}: whatif.run, shorter targets ({w.tickets:,} tickets)",
            _runs(r["whatif"]),
            _s(r["whatif"]["best"]),
            "",
        )
    )
    lines.append(
        (
            "  baseline: per ticket, its history and run_ticket x 2",
            _runs(r["b_whatif"]),
            _s(r["b_whatif"]["best"]),
            f"{r['b_whatif']['best'] / r['whatif']['best']:.1f}x",
        )
    )
    table(lines)
    print()
    if r["parts"]:
        total = sum(s for _l, s in r["parts"])
        print(
            f"The monthly report's parts, one run ({_s(total)} s in all, {month_clocks:,} clocks):"
        )
        table(
            [("part", "seconds", "share")]
            + [(label, _s(s), f"{s / total:.0%}") for label, s in r["parts"]]
        )
        print()
    if r["whatif_parts"]:
        print(f"The what-if's parts, one run ({w.tickets:,} tickets):")
        table([("part", "seconds")] + [(label, _s(x)) for label, x in r["whatif_parts"]])
        print()
    slow = sorted(queries, key=lambda q: -q["ms"])
    total_ms = sum(q["ms"] for q in queries)
    print(
        f"The monthly report's {len(queries)} queries took {total_ms:,.0f} ms in "
        "cursor.execute; the slowest, EXPLAIN (ANALYZE, BUFFERS):"
    )
    for q in slow[:8]:
        print(f"  {q['ms']:7,.0f} ms  {describe(q['sql'])}: {plan_summary(explain(q))}")
    print()
    print(
        f"Figures ({MONTH:%Y-%m}): {fig.tickets:,} tickets ("
        + ", ".join(f"{p} {n:,}" for p, n in fig.by_priority.items())
        + f"), compliance {fig.overall['all'].rate:.1%}, satisfaction {fig.satisfaction:.2f}, "
        f"{fig.breach_count:,} breached clocks, score {fig.score}; KPI {YEAR}: attainment "
        f"{k.attainment:.1%} (goal {k.goal:.0%}); what-if: "
        + ", ".join(
            f"{row.metric} {row.now.percent} -> {row.proposed.percent}"
            for row in w.rows
            if row.priority == ""
        )
        + f", {len(w.flips):,} clocks flip."
    )
    if "proposals" in r:
        print_proposals(r["proposals"])
    m, wi = r["month"]["best"], r["whatif"]["best"]
    print(
        f"goal: monthly report over {rows['desk_ticket']:,} tickets < {MONTH_GOAL_S:.0f} s: "
        f"{_s(m)} s, {'met' if m < MONTH_GOAL_S else 'NOT MET'}; what-if over "
        f"{w.tickets:,} tickets < {WHATIF_GOAL_S:.0f} s: {_s(wi)} s, "
        f"{'met' if wi < WHATIF_GOAL_S else 'NOT MET'}"
    )
    if args.quick:
        print("quick run: too small to judge the goals; run without --quick for the figures.")


if __name__ == "__main__":
    sys.exit(main())

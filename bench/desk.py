"""Benchmark of the service desk: ticket creation through the API, and the agent queue.

Prints, side by side in one run, for SQLite and PostgreSQL (each a fresh database):

- POST /api/tickets through a real HTTP server, N requests from 4 client threads:
  requests/s, p50 and p99 latency; beside it the same number of GET /api/health (the
  framework floor: routing, middleware, one `SELECT 1`) and the ratio of the two;
- the agent queue `/queue/` with 100,000 open tickets (default, breached, P1, page 100):
  best and median of 5; beside it a straightforward ORM queue (every visible open ticket
  with its clocks, placed and sorted in Python) rendering the same page, and the ratio;
  the same filters through GET /api/tickets;
- the query plans of the queue's main query (EXPLAIN ANALYZE on PostgreSQL).

Goal: the queue page under 200 ms with 100,000 open tickets on PostgreSQL.

Usage: .venv/bin/python bench/desk.py [--db sqlite|postgres|both] [--tickets N]
       [--requests N] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SLA = ROOT / "sladesk" / "sla" / "default.yaml"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# DEBUG off, as deployed; but the static files are not collected for a benchmark, so the
# pages name them without the manifest that DEBUG=0 otherwise expects.
SETTINGS_MODULE = """\
from sladesk.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""

QUEUE_VARIANTS = (
    ("default", ""),
    ("breached", "?breached=on"),
    ("priority P1", "?priority=P1"),
    ("page 100", "?page=100"),
)
API_VARIANTS = (
    ("default", ""),
    ("breached", "?breached=true"),
    ("priority P1", "?priority=P1"),
    ("page 100", "?page=100"),
)
GOAL_MS = 200.0
SLOW_S = 2.0  # a page slower than this (untimed first request) is timed fewer times

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WEIGHTS = (5, 20, 45, 30)
# Open statuses of the seeded tickets: new ones are not assigned yet.
STATUSES = ("new", "assigned", "in_progress", "waiting_requester", "waiting_vendor")
STATUS_WEIGHTS = (3, 22, 45, 15, 15)
# default.yaml: targets in business seconds; P1 on the 24x7 calendar.
RESPONSE = {"P1": 15 * 60, "P2": 30 * 60, "P3": 2 * 3600, "P4": 4 * 3600}
RESOLUTION = {"P1": 4 * 3600, "P2": 8 * 3600, "P3": 24 * 3600, "P4": 72 * 3600}
LEVELS = {  # (impact, urgency) that the default matrix maps to each priority
    "P1": [("high", "high")],
    "P2": [("high", "medium"), ("medium", "high")],
    "P3": [("high", "low"), ("medium", "medium"), ("low", "high")],
    "P4": [("medium", "low"), ("low", "medium"), ("low", "low")],
}
SUBJECTS = (
    "报表系统无法登录",
    "VPN 连接不上",
    "打印机卡纸",
    "邮箱容量已满",
    "新员工开通账号",
    "笔记本电脑蓝屏",
)
AGENTS = 10  # in the first-line team, bob among them
REQUESTERS = 50


# -- helpers ----------------------------------------------------------------------------


def note(text: str) -> None:
    print(textwrap.fill(text, width=100))


def say(tag: str, text: str) -> None:
    print(f"[{tag}] {text}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exit_on_sigterm() -> None:
    """SIGTERM runs the `finally` clauses (servers stopped, databases dropped) like ^C."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# -- the HTTP load ------------------------------------------------------------------------


def load(
    port: int,
    method: str,
    path: str,
    bodies: list[bytes | None],
    headers: dict[str, str],
    concurrency: int,
) -> dict[str, Any]:
    """Send the requests (one per body) from `concurrency` threads with keep-alive."""
    shares = [bodies[i::concurrency] for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in shares]
    statuses: list[Counter] = [Counter() for _ in shares]
    connections = [0] * concurrency
    start = threading.Barrier(concurrency + 1)

    def run(k: int) -> None:
        conn = None
        start.wait()
        for body in shares[k]:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                connections[k] += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                statuses[k][type(exc).__name__] += 1
                conn.close()
                conn = None
                continue
            latencies[k].append(time.perf_counter() - t0)
            statuses[k][response.status] += 1
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = [x for lat in latencies for x in lat]
    counted = sum(statuses, Counter())
    return {
        "requests": len(bodies),
        "wall": wall,
        "rps": len(bodies) / wall,
        "p50": percentile(flat, 50) * 1000 if flat else None,
        "p99": percentile(flat, 99) * 1000 if flat else None,
        "statuses": {str(k): v for k, v in sorted(counted.items(), key=str)},
        "connections": sum(connections),
    }


def ticket_bodies(n: int, rng: random.Random, tag: str) -> list[bytes | None]:
    levels = ("high", "medium", "low")
    return [
        json.dumps(
            {
                "subject": f"{rng.choice(SUBJECTS)} ({tag} {i})",
                "description": "bench/desk.py",
                "service": "erp",
                "impact": rng.choice(levels),
                "urgency": rng.choice(levels),
            },
            ensure_ascii=False,
        ).encode()
        for i in range(n)
    ]


class Server:
    """Django's development server (`sladesk runserver`'s, threaded) on a free port.

    By default it is runserver's own server and handler (django.core.servers.basehttp.run,
    one thread per connection) with TCP_NODELAY on each connection: runserver writes the
    headers and the body of a response separately, and without TCP_NODELAY the second write
    waits for the client's delayed ACK, about 40 ms per keep-alive request. With
    `plain=True` it is `sladesk runserver --noreload` as it is.
    """

    def __init__(self, log: Path, plain: bool = False) -> None:
        self.port = free_port()
        self.log = log
        if plain:
            script = Path(sys.executable).parent / "sladesk"
            cmd = [str(script)] if script.exists() else [sys.executable, "-m", "sladesk.cli"]
            cmd += ["runserver", "--noreload", f"127.0.0.1:{self.port}"]
        else:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(self.port)]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=os.environ)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer in 120 s:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def errors(self) -> dict[str, int]:
        """The exceptions in the server's log (the last line of each traceback), counted."""
        text = self.log.read_text(errors="replace")
        found = re.findall(r"^([\w.]+(?:Error|Exception)\b.*)$", text, re.M)
        # A driver's error and Django's wrapping of it: count Django's.
        django = {line.partition(": ")[2] for line in found if line.startswith("django.")}
        found = [
            line
            for line in found
            if line.startswith("django.") or line.partition(": ")[2] not in django
        ]
        return dict(Counter(line[:200] for line in found).most_common(5))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve(port: int) -> int:
    """The server process of Server: runserver's threaded server, with TCP_NODELAY."""
    _exit_on_sigterm()
    import django

    django.setup()
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    class NoDelayServer(WSGIServer):
        def get_request(self):
            sock, address = super().get_request()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, address

    run("127.0.0.1", port, get_wsgi_application(), threading=True, server_cls=NoDelayServer)
    return 0


# -- the worker: one database, in its own process ----------------------------------------


def worker(args: argparse.Namespace) -> int:
    """Everything on one database (DATABASE_URL): its results as JSON in args.out."""
    _exit_on_sigterm()
    import django

    # WhiteNoise warns that var/static is missing: the pages are timed without static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    # A page whose SQL is interrupted (--timeout) would print its traceback.
    logging.getLogger("django.request").disabled = True
    from django.core.management import call_command
    from django.db import connection

    tag = connection.vendor
    out: dict[str, Any] = {"vendor": tag, "load_start": loadavg()}
    if tag == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            out["version"] = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    else:
        out["version"] = f"SQLite {sqlite3.sqlite_version}"
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("sla", "apply", str(DEFAULT_SLA), stdout=io.StringIO())
    desk = make_desk()
    say(tag, f"migrated, default SLA applied, people and teams in {time.perf_counter() - t0:.1f}s")
    tokens = {}
    for who in ("alice", "bob"):
        secret = io.StringIO()
        call_command("token", "create", who, name="bench", stdout=secret, stderr=io.StringIO())
        tokens[who] = secret.getvalue().strip()

    rng = random.Random(args.seed)
    server = Server(Path(args.workdir) / f"server-{tag}.log", plain=args.runserver)
    try:
        post = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {tokens['alice']}",
            "Accept-Language": "en",
        }
        get = {"Accept-Language": "en"}
        c, n = args.concurrency, args.requests
        warm = 5 * c
        load(server.port, "GET", "/api/health", [None] * warm, get, c)
        load(server.port, "POST", "/api/tickets", ticket_bodies(warm, rng, "warm-up"), post, c)
        out["health"] = load(server.port, "GET", "/api/health", [None] * n, get, c)
        say(tag, f"GET /api/health: {out['health']['rps']:,.0f} requests/s")
        out["create"] = load(
            server.port, "POST", "/api/tickets", ticket_bodies(n, rng, "api"), post, c
        )
        say(tag, f"POST /api/tickets: {out['create']['rps']:,.0f} requests/s")

        few = max(c, n // 5)
        bodies = ticket_bodies(few, rng, "serial")
        out["create_serial"] = load(server.port, "POST", "/api/tickets", bodies, post, 1)
        say(tag, f"POST /api/tickets, one at a time: {out['create_serial']['rps']:,.0f}/s")

        after = few
        t0 = time.perf_counter()
        out["seed"] = seed(desk, args.tickets - open_tickets() - after, args.seed)
        out["seed"]["seconds"] = time.perf_counter() - t0
        say(tag, f"seeded {out['seed']['tickets']:,} open tickets in {out['seed']['seconds']:.1f}s")
        bodies = ticket_bodies(after, rng, "full")
        out["create_full"] = load(server.port, "POST", "/api/tickets", bodies, post, c)
        out["open"] = open_tickets()
        say(tag, f"POST /api/tickets with {out['open']:,} open: {out['create_full']['rps']:,.1f}/s")
        out["queue_http"] = queue_over_http(server.port, desk["bob"], args.runs)
    finally:
        server.stop()
        out["server_errors"] = server.errors()
    out |= in_process(desk["bob"], tokens["bob"], args, tag)
    out["load_end"] = loadavg()
    Path(args.out).write_text(json.dumps(out, default=str), encoding="utf-8")
    return 0


def in_process(agent_user, token: str, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    """The pages through Django's test client, all read at one instant.

    The clock is stopped for the views (django.utils.timezone.now), so that the queue, the
    baseline and the API see the same breached tickets; the time taken is real.
    """
    from unittest import mock

    from django.utils import timezone

    out: dict[str, Any] = {}
    agent, api, limit = agent_client(agent_user), api_client(token), args.timeout
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        say(tag, "the queue, in-process")
        out["queue"] = time_pages(
            agent, "/queue/", QUEUE_VARIANTS, queue_page, args.runs, limit, tag
        )
        say(tag, "the straightforward ORM queue (baseline)")
        out["naive"] = time_naive(agent, args.baseline_runs, limit, tag)
        say(tag, "GET /api/tickets, in-process")
        out["api_list"] = time_pages(
            api, "/api/tickets", API_VARIANTS, api_page, args.runs, limit, tag
        )
        out["api_order"] = compare_order(
            out["queue"]["default"].get("tickets", []), out["api_list"]["default"].get("tickets")
        )
        out["plans"] = plans(agent, "/queue/", QUEUE_VARIANTS, limit)
        out["api_plans"] = plans(api, "/api/tickets", API_VARIANTS[:1], limit)
    return out


def make_desk() -> dict[str, Any]:
    """A first- and a second-line team, ten first-line agents (bob one of them), requesters."""
    from sladesk.desk.models import Category, Service
    from sladesk.people.models import Membership, Organisation, Role, Team, User

    it = Organisation.objects.create(name="信息技术部", code="it", kind="provider")
    orgs = [
        Organisation.objects.create(name=name, code=code)
        for name, code in (("财务部", "finance"), ("运营部", "operations"), ("销售部", "sales"))
    ]

    def person(username: str, role: str, org: Organisation) -> User:
        # No password: nobody logs in with one (the client is logged in by force_login).
        return User.objects.create_user(
            username=username, role=role, organisation=org, full_name=username.title()
        )

    agents = [person("bob", Role.AGENT, it)] + [
        person(f"agent{i:02d}", Role.AGENT, it) for i in range(1, AGENTS)
    ]
    requesters = [person("alice", Role.REQUESTER, orgs[0])] + [
        person(f"user{i:03d}", Role.REQUESTER, orgs[i % len(orgs)]) for i in range(1, REQUESTERS)
    ]
    second = Team.objects.create(name="二线支持", code="l2", level=2)
    first = Team.objects.create(name="一线支持", code="l1", level=1, escalates_to=second)
    for agent in agents:
        Membership.objects.create(team=first, user=agent)
    Membership.objects.create(team=second, user=person("carol", Role.AGENT, it))
    erp = Service.objects.create(code="erp", name="报表系统", team=first)
    Category.objects.create(code="software", name="软件")
    return {
        "bob": agents[0],
        "agents": agents,
        "requesters": requesters,
        "first_line": first,
        "erp": erp,
    }


def open_tickets() -> int:
    from sladesk.desk.models import OPEN_STATUSES, Ticket

    return Ticket.objects.filter(status__in=OPEN_STATUSES).count()


# -- seeding ------------------------------------------------------------------------------


def _at(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def seed(desk: dict[str, Any], count: int, seed_value: int) -> dict[str, Any]:
    """`count` open tickets of the first-line team with their two clocks, written in bulk.

    The clocks are what the engine would have stored at each ticket's last change, with the
    default SLA's calendars: response running (new, assigned) or stopped, met or breached;
    resolution running, or paused while waiting on the requester; some resolution clocks
    paused for a while earlier. Tickets are up to 60 days old (2 on average), so some
    clocks breached at their last change, others ran past their due time since.
    """
    from django.db import connection, transaction

    from sladesk.desk.models import Ticket
    from sladesk.sla import versions

    if count <= 0:
        return {"tickets": 0, "clocks": {}}
    version = versions.in_force()
    config = versions.config_of(version)
    calendars = {p: config.calendars["always" if p == "P1" else "cn-5x8"] for p in PRIORITIES}
    rng = random.Random(seed_value)
    now = time.time()
    first_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    agents, requesters = desk["agents"], desk["requesters"]
    team, service = desk["first_line"].pk, desk["erp"].pk
    tickets: list[tuple] = []
    clocks: list[tuple] = []
    kinds: Counter = Counter()
    for i in range(count):
        pk = first_id + i
        prio = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        cal = calendars[prio]
        created = now - min(rng.expovariate(1 / (2 * 86400)), 60 * 86400)
        updated = created + rng.random() * (now - created)  # the last change
        # Response: running until an agent replies (then the status is in progress or later).
        due = cal.add(created, RESPONSE[prio])
        if status in ("new", "assigned"):
            responded = None
            response = ("running", cal.elapsed(created, updated), due, due <= updated)
        else:
            responded = created + rng.random() * (updated - created)
            response = ("stopped", cal.elapsed(created, responded), due, due < responded)
        # Resolution: paused while waiting on the requester; some waited earlier.
        paused = 0.0
        if status != "waiting_requester" and rng.random() < 0.15:
            paused = rng.random() * cal.elapsed(created, updated)
        due = cal.add(created, RESOLUTION[prio] + paused)
        elapsed = max(0.0, cal.elapsed(created, updated) - paused)
        if status == "waiting_requester":
            resolution = ("paused", elapsed, None, due <= updated)
        else:
            resolution = ("running", elapsed, due, due <= updated)
        calendar = "always" if prio == "P1" else "cn-5x8"
        for metric, (state, used, due_at, late), target in (
            ("response", response, RESPONSE[prio]),
            ("resolution", resolution, RESOLUTION[prio]),
        ):
            kinds[f"{metric} {state}{', breached' if late else ''}"] += 1
            met = False if late else (True if state == "stopped" else None)
            deadline = cal.add(created, target) if due_at is None else due_at
            breached_at = _at(deadline) if late else None
            row = (pk, metric, "it-support", prio, state, used, target, calendar)
            clocks.append((*row, _at(due_at), met, breached_at, _at(updated)))
        mine = clocks[-2:]  # the ticket's summary, as sla.clocks.refresh keeps it
        sla_due = min((c[8] for c in mine if c[4] == "running" and c[8] is not None), default=None)
        sla_breached = any(c[10] is not None for c in mine)
        requester = requesters[i % len(requesters)]
        impact, urgency = rng.choice(LEVELS[prio])
        assignee = None if status == "new" else agents[i % len(agents)].pk
        number, subject = f"BENCH-{i + 1:06d}", f"{rng.choice(SUBJECTS)} #{i + 1}"
        tickets.append(
            (
                *(pk, number, "incident", subject, "", requester.pk, requester.organisation_id),
                *(service, None, impact, urgency, prio, False, team, assignee, status, version.pk),
                *(_at(created), _at(updated), _at(responded), _at(responded), "", "", 1, 1, 1),
                *(sla_due, sla_breached),
            )
        )
    ticket_cols = (
        "id, number, kind, subject, description, requester_id, organisation_id, service_id, "
        "category_id, impact, urgency, priority, priority_overridden, team_id, assignee_id, "
        "status, sla_version_id, created_at, updated_at, first_response_at, "
        "last_public_update_at, resolution, rating_comment, escalation_level, revision, "
        "event_count, sla_due, sla_breached"
    )
    clock_cols = (
        "ticket_id, metric, policy, priority, state, elapsed, target, calendar, due, met, "
        "breached_at, computed_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's: COPY
            for table, cols, rows in (
                ("desk_ticket", ticket_cols, tickets),
                ("sla_clock", clock_cols, clocks),
            ):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('desk_ticket', 'id'), "
                "(SELECT max(id) FROM desk_ticket))"
            )
            # As autovacuum would within a minute of such an insert.
            cursor.execute("ANALYZE desk_ticket")
            cursor.execute("ANALYZE sla_clock")
        else:
            adapt = connection.ops.adapt_datetimefield_value

            def sqlite_row(row: tuple) -> tuple:
                return tuple(adapt(v) if isinstance(v, datetime) else v for v in row)

            for table, cols, rows in (
                ("desk_ticket", ticket_cols, tickets),
                ("sla_clock", clock_cols, clocks),
            ):
                marks = ", ".join(["%s"] * cols.count(","))
                cursor.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks}, %s)",  # noqa: S608
                    [sqlite_row(r) for r in rows],
                )
    return {"tickets": count, "clocks": dict(sorted(kinds.items()))}


# -- timing the pages ---------------------------------------------------------------------


class QueryLog:
    """Counts the SQL queries of a request and their time."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - t0))


def get_within(client, url: str, limit: float):
    """One GET, its SQL interrupted after `limit` seconds: the response, or None if it was."""
    from django.db import DatabaseError, connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        cancel = raw.interrupt
    else:
        cancel = getattr(raw, "cancel_safe", raw.cancel)
    timer = threading.Timer(limit, cancel)
    timer.start()
    try:
        return client.get(url)
    except DatabaseError:
        if timer.is_alive():  # not interrupted: a real error
            raise
        return None
    finally:
        timer.cancel()


def timed_get(client, url: str, runs: int, limit: float) -> dict[str, Any]:
    """Best and median of `runs` GETs (after one untimed), with the best run's SQL.

    A page slower than SLOW_S is timed fewer times (about 10 s of runs); one whose SQL runs
    longer than `limit` seconds is interrupted and reported as such.
    """
    from django.db import connection

    t0 = time.perf_counter()
    if get_within(client, url, limit) is None:
        return {"interrupted": limit, "runs": 0}
    first = time.perf_counter() - t0
    if first > SLOW_S:
        runs = max(1, min(runs, int(10 / first)))
    times = []
    best_log = None
    response = None
    for _ in range(runs):
        log = QueryLog()
        with connection.execute_wrapper(log):
            t0 = time.perf_counter()
            response = get_within(client, url, limit)
            elapsed = time.perf_counter() - t0
        if response is None:
            return {"interrupted": limit, "runs": 0}
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:500]!r}")
        if not times or elapsed < min(times):
            best_log = log
        times.append(elapsed)
    return {
        "best": min(times) * 1000,
        "median": statistics.median(times) * 1000,
        "runs": len(times),
        "queries": len(best_log.queries),
        "sql_ms": sum(q[2] for q in best_log.queries) * 1000,
        "slowest_sql_ms": max((q[2] for q in best_log.queries), default=0) * 1000,
        "body": response.content.decode(),
    }


def page_tickets(html: str) -> list[str]:
    return re.findall(r'data-ticket="([^"]+)"', html)


def page_count(html: str) -> int | None:
    found = re.search(r'data-testid="queue-count">\s*([\d,]+)', html)
    return int(found.group(1).replace(",", "")) if found else None


def agent_client(user):
    from django.test import Client

    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def queue_page(body: str) -> dict[str, Any]:
    return {"tickets": page_tickets(body), "count": page_count(body)}


def api_page(body: str) -> dict[str, Any]:
    data = json.loads(body)
    return {"tickets": [item["number"] for item in data["items"]], "count": data["count"]}


def time_pages(client, path: str, variants, read, runs: int, limit: float, tag: str) -> dict:
    """Each variant of the page timed; `read` gets its tickets and count from the body."""
    out = {}
    for name, query in variants:
        t0 = time.perf_counter()
        result = timed_get(client, path + query, runs, limit)
        if "body" in result:
            result |= read(result.pop("body"))
        out[name] = result
        say(tag, f"  {path}{query}: {time.perf_counter() - t0:.1f}s for {result['runs']} runs")
    return out


def time_naive(client, runs: int, limit: float, tag: str) -> dict[str, Any]:
    """The same pages with the queue replaced by the straightforward ORM implementation."""
    from unittest import mock

    with mock.patch("sladesk.desk.views.Queue", naive_queue_class()):
        return time_pages(client, "/queue/", QUEUE_VARIANTS, queue_page, runs, limit, tag)


def api_client(token: str):
    from django.test import Client

    return Client(headers={"authorization": f"Bearer {token}", "accept-language": "en"})


def compare_order(queue: list[str], api: list[str] | None) -> str:
    """ "same"; "ties" if the pages differ only in the order of tickets due at the same
    instant (their lead clocks' due times read the same in order); else "different"."""
    if api is None:
        return "interrupted"
    if queue == api:
        return "same"
    from django.db.models import Min, Q

    from sladesk.desk.models import Ticket

    running = Q(clocks__state="running", clocks__due__isnull=False)
    dues = dict(
        Ticket.objects.filter(number__in=[*queue, *api])
        .annotate(lead=Min("clocks__due", filter=running))
        .values_list("number", "lead")
    )
    return "ties" if [dues[t] for t in queue] == [dues[t] for t in api] else "different"


def queue_over_http(port: int, user, runs: int) -> dict[str, Any]:
    """/queue/ through the server with a session cookie, as a browser asks for it."""
    client = agent_client(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    headers = {"Cookie": cookie, "Accept-Language": "en"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        conn.request("GET", "/queue/", headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET /queue/ over HTTP: {response.status}")
        if i:  # the first is untimed, as in-process
            times.append(time.perf_counter() - t0)
    conn.close()
    return {"best": min(times) * 1000, "median": statistics.median(times) * 1000, "runs": runs}


def naive_queue_class():
    """The baseline: the queue as one would first write it with the ORM.

    Every visible open ticket is loaded with its clocks (one query each), placed and
    filtered in Python by the same rules as sladesk.desk.queue (the lead clock: the running
    one due first; tickets without one after, breached first, then oldest), sorted, and the
    page's tickets loaded again with their team, agent and requester. The page itself is
    built by the same code as the real queue (Queue._rows, one query for the clocks read
    now), so only the choice and order of the tickets differ.
    """
    from django.db.models import Prefetch
    from django.utils import timezone

    from sladesk.desk.models import OPEN_STATUSES, Ticket
    from sladesk.desk.permissions import visible_tickets
    from sladesk.desk.queue import Queue, end_of_today
    from sladesk.sla.models import Clock, ClockState

    class NaiveQueue(Queue):
        def __init__(self, user, filters, now=None) -> None:
            self.now = now or timezone.now()
            self.filters = filters
            tickets = visible_tickets(user).filter(status__in=OPEN_STATUSES)
            if filters.team:
                tickets = tickets.filter(team_id=filters.team)
            if filters.status:
                tickets = tickets.filter(status=filters.status)
            if filters.priority:
                tickets = tickets.filter(priority=filters.priority)
            if filters.mine:
                tickets = tickets.filter(assignee=user)
            tickets = tickets.prefetch_related(Prefetch("clocks", Clock.objects.order_by("pk")))
            end = end_of_today(self.now)
            placed = []
            for ticket in tickets:
                clocks = list(ticket.clocks.all())
                breached = any(c.is_breached(self.now) for c in clocks)
                if filters.breached and not breached:
                    continue
                running = [c for c in clocks if c.state == ClockState.RUNNING and c.due]
                if running:
                    lead = min(running, key=lambda c: (c.due, c.pk))
                    if filters.due_today and lead.due >= end:
                        continue
                    placed.append(((0, lead.due, ticket.pk), ticket.pk))
                elif not filters.due_today:
                    placed.append(((1, not breached, ticket.created_at, ticket.pk), ticket.pk))
            placed.sort(key=lambda p: p[0])
            self.order = [pk for _, pk in placed]
            self._total = len(self.order)

        def __getitem__(self, window: slice):
            pks = self.order[window]
            related = ("team", "assignee", "requester__organisation")
            found = Ticket.objects.select_related(*related).in_bulk(pks)
            return self._rows([found[pk] for pk in pks])

    return NaiveQueue


# -- query plans --------------------------------------------------------------------------


def plans(client, path: str, variants, limit: float) -> dict[str, Any]:
    """For each variant: the plan of the page's main query (the lead clocks' ORDER BY due
    LIMIT, if there is one) and of its slowest query."""
    from django.db import connection

    out: dict[str, Any] = {}
    for name, query in variants:
        log = QueryLog()
        with connection.execute_wrapper(log):
            get_within(client, path + query, limit)
        main = next(
            (q for q in log.queries if 'ORDER BY "sla_clock"."due"' in q[0] and "LIMIT" in q[0]),
            None,
        )
        slowest = max(log.queries, key=lambda q: q[2])
        entry: dict[str, Any] = {}
        for label, q in (("main", main), ("slowest", slowest)):
            if q is None or (label == "slowest" and main is not None and q[0] == main[0]):
                continue
            entry[label] = {"sql": q[0], "ms": q[2] * 1000, "plan": explain(q[0], q[1], limit)}
        out[name] = entry
    return out


def explain(sql: str, params, limit: float) -> list[str]:
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET statement_timeout = {int(limit * 1000)}")
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                return [row[0] for row in cursor.fetchall()]
            except DatabaseError:
                cursor.execute("EXPLAIN " + sql, params)  # estimates only
                return [f"(not run: over {limit:.0f} s)"] + [row[0] for row in cursor.fetchall()]
            finally:
                cursor.execute("SET statement_timeout = 0")
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def plan_summary(plan: list[str]) -> str:
    text = "\n".join(plan)
    indexes = re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", text)
    indexes += re.findall(r"Bitmap Index Scan on (\w+)", text)
    indexes += re.findall(r"USING (?:COVERING |INTEGER PRIMARY KEY )?INDEX ?(\w*)", text)
    seq = re.findall(r"Seq Scan on (\w+)", text) + re.findall(r"^SCAN (\w+)$", text, re.M)
    sorts = re.findall(r"Sort Method: ([^\n]+)", text) + re.findall(r"USE TEMP B-TREE FOR .*", text)
    executed = re.search(r"Execution Time: ([\d.]+) ms", text)
    parts = []
    if executed:
        parts.append(f"{float(executed.group(1)):.1f} ms")
    parts.append("indexes: " + (", ".join(dict.fromkeys(i or "rowid" for i in indexes)) or "none"))
    parts.append("full scans: " + (", ".join(dict.fromkeys(seq)) or "none"))
    if sorts:
        parts.append("sorts: " + "; ".join(s.strip() for s in dict.fromkeys(sorts)))
    return "; ".join(parts)


# -- the parent: databases, workers, the report -------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgres", "both"), default="both", help="(both)"
    )
    parser.add_argument("--tickets", type=int, help="open tickets (100,000; --quick 2,000)")
    parser.add_argument("--requests", type=int, help="API requests of each kind (1,000)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--runs", type=int, default=5, help="page timings: best/median of (5)")
    parser.add_argument("--baseline-runs", type=int, help="straightforward queue: of (3)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--timeout", type=float, default=30, help="interrupt a page's SQL after (30) seconds"
    )
    parser.add_argument(
        "--postgres",
        default=POSTGRES,
        help=f"server to create the database on ({POSTGRES}; or BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 tickets, 200 req")
    parser.add_argument(
        "--runserver", action="store_true", help="plain `sladesk runserver` (no TCP_NODELAY)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.tickets = args.tickets or (2_000 if args.quick else 100_000)
    args.requests = args.requests or (200 if args.quick else 1_000)
    args.baseline_runs = args.baseline_runs or (args.runs if args.quick else 3)
    if args.serve:
        return serve(args.serve)
    if args.worker:
        return worker(args)

    _exit_on_sigterm()
    workdir = Path(tempfile.mkdtemp(prefix="sladesk-bench-desk-"))
    (workdir / "bench_settings.py").write_text(SETTINGS_MODULE, encoding="utf-8")
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}, Django {metadata.version('django')}, "
        f"django-ninja {metadata.version('django-ninja')}; load average {loadavg()}"
    )
    results: dict[str, dict] = {}
    try:
        for db in dbs:
            results[db] = run_database(db, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report(results, args)


def run_database(db: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Create the database, run the worker on it, drop it (also on failure)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DEBUG": "0",
        "SECRET_KEY": "bench-desk-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "MEDIA_ROOT": str(workdir / "media"),
        "LANGUAGE_CODE": "zh-hans",
    }
    env.setdefault("DATABASE_CONN_MAX_AGE", "0")
    admin = None
    name = f"sladesk_bench_{os.getpid()}"
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        admin = psycopg.connect(args.postgres, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(args.postgres)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    out = workdir / f"{db}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--out", str(out)]
    cmd += ["--workdir", str(workdir), "--tickets", str(args.tickets)]
    cmd += ["--requests", str(args.requests), "--concurrency", str(args.concurrency)]
    cmd += ["--runs", str(args.runs), "--baseline-runs", str(args.baseline_runs)]
    cmd += ["--seed", str(args.seed), "--timeout", str(args.timeout)]
    cmd += ["--runserver"] if args.runserver else []
    proc = None
    try:
        proc = subprocess.Popen(cmd, env=env)
        if proc.wait() != 0:
            sys.exit(f"the {db} run failed (status {proc.returncode})")
        result = json.loads(out.read_text(encoding="utf-8"))
        result["conn_max_age"] = env["DATABASE_CONN_MAX_AGE"]
        return result
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait()
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def _query_name(sql: str) -> str:
    if sql.startswith("SELECT COUNT(*)"):
        return "count query"
    if 'FROM "desk_ticket"' in sql and "LIMIT" in sql:
        return "page query (tickets)"
    return "slowest query"


def _ratio(x: float) -> str:
    return f"{x:.1f}x" if x < 10 else f"{x:,.0f}x"


def _page(r: dict[str, Any], runs: int, sql: bool = True) -> str:
    if "interrupted" in r:
        return f"> {r['interrupted']:.0f} s (SQL interrupted)"
    cell = f"{_ms(r['best'])} / {_ms(r['median'])} ms"
    if r["runs"] != runs:
        cell += f" (of {r['runs']})"
    if sql:
        cell += f" ({r['queries']} queries, {_ms(r['sql_ms'])} ms SQL)"
    return cell


def _page_ratio(baseline: dict[str, Any], ours: dict[str, Any]) -> str:
    """Ratio of the medians; at least so much when the baseline was interrupted."""
    if "interrupted" in ours:
        return "-"
    if "interrupted" in baseline:
        return "> " + _ratio(baseline["interrupted"] * 1000 / ours["median"])
    return _ratio(baseline["median"] / ours["median"])


def _load_ratio(floor: dict[str, Any], ours: dict[str, Any]) -> str:
    if any(not k.startswith("2") for k in ours["statuses"]):
        return "- (POSTs failed)"
    return _ratio(floor["rps"] / ours["rps"])


def _load_cell(r: dict[str, Any]) -> str:
    errors = sum(v for k, v in r["statuses"].items() if not k.startswith("2"))
    cell = f"{r['rps']:,.0f}/s, p50 {_ms(r['p50'])} ms, p99 {_ms(r['p99'])} ms"
    return cell + (f", {errors} ERRORS {r['statuses']}" if errors else "")


def table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def report(results: dict[str, dict], args: argparse.Namespace) -> int:
    """Print the figures; 1 if a baseline page disagrees with the queue's (not like for like)."""
    dbs = list(results)
    names = [results[d]["version"] for d in dbs]
    head = tuple(names)
    any_db = results[dbs[0]]
    n, c = args.requests, args.concurrency
    print()
    note(
        (
            "Server: `sladesk runserver --noreload` as it is (--runserver)"
            if args.runserver
            else "Server: runserver's own threaded server and handler (one thread per "
            "connection), with TCP_NODELAY (see --runserver)"
        )
        + "; no WSGI server is installed. DEBUG off, "
        f"DATABASE_CONN_MAX_AGE={any_db['conn_max_age']} (0, as shipped: a new database "
        f"connection per request). Client: {c} threads with HTTP/1.1 keep-alive, "
        "on the same machine."
    )
    print()
    after = any_db["create_full"]["requests"]
    rows = [("1. API, requests/s and latency", *head)]
    rows.append(
        (f"GET /api/health x {n:,} (the floor)", *(_load_cell(results[d]["health"]) for d in dbs))
    )
    rows.append((f"POST /api/tickets x {n:,}", *(_load_cell(results[d]["create"]) for d in dbs)))
    few = any_db["create_serial"]["requests"]
    rows.append(
        (
            f"POST /api/tickets x {few:,}, one at a time",
            *(_load_cell(results[d]["create_serial"]) for d in dbs),
        )
    )
    rows.append(
        (
            "ratio: health / POST requests/s",
            *(_load_ratio(results[d]["health"], results[d]["create"]) for d in dbs),
        )
    )
    rows.append(
        (
            f"POST /api/tickets x {after:,}, after seeding",
            *(_load_cell(results[d]["create_full"]) for d in dbs),
        )
    )
    table(rows)
    conns = ", ".join(
        f"{d}: {results[d]['create']['connections']} connections for {n:,} POSTs" for d in dbs
    )
    print(f"keep-alive: {conns}")

    print()
    opened = ", ".join(f"{d} {results[d]['open']:,}" for d in dbs)
    note(
        f"2. Agent queue: bob, a first-line agent, sees every open ticket ({opened}). "
        f"In-process (Django's test client: middleware, session, view, template), "
        f"best / median of {args.runs} in ms (fewer for pages over {SLOW_S:.0f} s), with "
        "the best run's queries and their time in cursor.execute; the straightforward ORM "
        f"queue best / median of {args.baseline_runs}; ratio of the medians. All pages are "
        "read at one instant (the views' clock stopped), so their breached tickets agree."
    )
    rows = [("variant", *head)]
    for variant, query in QUEUE_VARIANTS:
        q = {d: results[d]["queue"][variant] for d in dbs}
        b = {d: results[d]["naive"][variant] for d in dbs}
        rows.append(
            (
                f"/queue/{query}",
                *(_page(q[d], args.runs) for d in dbs),
            )
        )
        rows.append(
            (
                "  straightforward ORM (baseline)",
                *(_page(b[d], args.baseline_runs, sql=False) for d in dbs),
            )
        )
        rows.append(("  ratio", *(_page_ratio(b[d], q[d]) for d in dbs)))
    rows.append(
        (
            "/queue/ over HTTP (runserver, cookie)",
            *(_page(results[d]["queue_http"], args.runs, sql=False) for d in dbs),
        )
    )
    for variant, query in API_VARIANTS:
        a = {d: results[d]["api_list"][variant] for d in dbs}
        rows.append(
            (
                f"GET /api/tickets{query}",
                *(_page(a[d], args.runs) for d in dbs),
            )
        )
    table(rows)
    for d in dbs:
        counts = [
            f"{v} {results[d]['queue'][v].get('count') or 0:,}" for v, _q in QUEUE_VARIANTS[:3]
        ]
        print(f"{d}: tickets in the queue: {', '.join(counts)}")

    problems: list[str] = []
    notes: list[str] = []
    for d in dbs:
        r = results[d]
        for variant, _q in QUEUE_VARIANTS:
            ours, theirs = r["queue"][variant], r["naive"][variant]
            if "interrupted" in ours:
                problems.append(f"{d} {variant}: the queue was interrupted")
                continue
            if not ours["tickets"]:
                problems.append(f"{d} {variant}: no ticket on the page")
            if "interrupted" in theirs:
                continue
            if ours["tickets"] != theirs["tickets"] or ours["count"] != theirs["count"]:
                problems.append(f"{d} {variant}: the baseline's page differs from the queue's")
        if r["api_order"] == "ties":
            notes.append(
                f"{d}: GET /api/tickets' first page has the queue's due times in the same order, "
                "but orders tickets due at the same instant otherwise (the queue by ticket id, "
                "the API breached first, then oldest)"
            )
        elif r["api_order"] not in ("same", "interrupted"):
            problems.append(f"{d}: GET /api/tickets' first page is not the queue's")
        for v, _q in API_VARIANTS:
            qc, ac = r["queue"][v].get("count"), r["api_list"][v].get("count")
            if qc is not None and ac is not None and qc != ac:
                problems.append(f"{d} {v}: queue counts {qc:,}, the API {ac:,}")
    print(
        "check: "
        + (
            "; ".join(problems)
            if problems
            else "every page of the baseline that finished lists the same tickets in the same "
            "order as the queue's; the API's counts agree with the queue's"
        )
    )
    for line in notes:
        note(line)
    for d in dbs:
        for error, count in results[d]["server_errors"].items():
            print(f"{d} server error x {count}: {error}")
    mix = any_db["seed"]["clocks"]
    print("seeded clocks: " + ", ".join(f"{k} {v:,}" for k, v in mix.items()))
    for d in dbs:
        r = results[d]
        print(f"{d}: load average {r['load_start']} at start, {r['load_end']} at end")

    print()
    print("3. Query plans: the queue's main query (the lead clocks, ORDER BY due LIMIT 25) and")
    print("   the slowest query of each page; EXPLAIN ANALYZE on PostgreSQL, QUERY PLAN on SQLite")
    for d in dbs:
        for path, plans_of in (("/queue/", "plans"), ("/api/tickets", "api_plans")):
            for variant, entry in results[d][plans_of].items():
                for label, q in entry.items():
                    what = "main query" if label == "main" else _query_name(q["sql"])
                    print(
                        f"{d} {path} {variant}, {what} ({_ms(q['ms'])} ms): "
                        f"{plan_summary(q['plan'])}"
                    )
        main = results[d]["plans"]["default"].get("main")
        if main and d == "postgres":
            print("postgres /queue/ default, EXPLAIN (ANALYZE, BUFFERS) of the main query:")
            for line in main["plan"]:
                print(f"    {line}")

    print()
    if "postgres" in results:
        open_ = results["postgres"]["open"]
        verdicts = []
        for variant, _q in QUEUE_VARIANTS:
            page = results["postgres"]["queue"][variant]
            ms = page.get("median", page.get("interrupted", 0) * 1000)
            verdicts.append(f"{variant} {_ms(ms)} ms {'met' if ms < GOAL_MS else 'NOT MET'}")
        print(
            f"goal: queue page < {GOAL_MS:.0f} ms with {open_:,} open tickets on PostgreSQL "
            f"(median): {'; '.join(verdicts)}"
        )
    if args.quick:
        print("quick run: too small to judge the goal; run without --quick for the figures.")
    return 1 if any("baseline" in p for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())

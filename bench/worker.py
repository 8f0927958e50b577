"""Benchmark of the worker: due timers claimed and acted on per second, on PostgreSQL with
1,000,000 open clocks.

Prints, side by side in one run, on one database (created, and dropped at the end):

- the due timers one worker fires per second: `sladesk.notify.timers.fire_all_due` in a
  process of its own (claims batches with SELECT … FOR UPDATE SKIP LOCKED, writes each
  timer's notifications into the outbox, marks it fired, a batch per transaction);
- the same with two such processes at once on the same due timers, and the ratio two/one;
- the baseline: a straightforward ORM loop over the same timers (for each: get it, load
  its ticket and clock, write its notifications one by one, save it), and the ratio.

Firing writes notifications; nothing is sent (that is the outbox's work, not measured here).
The runs of one and of two workers alternate (`--runs`, best of 2), so that a burst of load
from elsewhere on the machine hits both alike.

Usage: .venv/bin/python bench/worker.py [--tickets N] [--due N] [--baseline N] [--runs N]
       [--quick] [--profile] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SLA = ROOT / "sladesk" / "sla" / "default.yaml"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "sladesk_bench_worker"

# DEBUG off, as deployed (no query log); static files are not collected for a benchmark.
SETTINGS_MODULE = """\
from sladesk.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_WEIGHTS = (5, 20, 45, 30)
# Open statuses: new tickets have no assignee yet (their messages go to the team's channel),
# new and assigned ones have not been answered (response clock running), waiting on the
# requester pauses the resolution clock.
STATUSES = ("new", "assigned", "in_progress", "waiting_requester", "waiting_vendor")
STATUS_WEIGHTS = (3, 22, 45, 15, 15)
LEVELS = {  # (impact, urgency) that the default matrix maps to each priority
    "P1": ("high", "high"),
    "P2": ("high", "medium"),
    "P3": ("medium", "medium"),
    "P4": ("low", "low"),
}
SUBJECTS = ("报表系统无法登录", "VPN 连接不上", "打印机卡纸", "邮箱容量已满", "笔记本电脑蓝屏")
AGENTS = 10
REQUESTERS = 50
CHUNK = 20_000  # tickets generated and copied per transaction
HISTORY = "history"  # fired_by of the timers that fell due before the bench's "now"


# -- helpers ----------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def note(text: str) -> None:
    print(textwrap.fill(text, width=100))


def table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [
            c.ljust(w) if j == 0 else c.rjust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def _at(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


# -- set-up: the database, the desk and its open tickets --------------------------------


def recreate_database(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def make_desk() -> dict[str, Any]:
    """Ten first-line agents with a lead, a service manager, requesters: all on e-mail; the
    team on a webhook (new tickets' messages go to the team). The channels exist beforehand,
    as they would in a running desk."""
    from sladesk.desk.models import Service
    from sladesk.notify.models import Channel, ChannelKind
    from sladesk.people.models import Membership, Organisation, Role, Team, User

    it = Organisation.objects.create(name="信息技术部", code="it", kind="provider")
    orgs = [
        Organisation.objects.create(name=name, code=code)
        for name, code in (("财务部", "finance"), ("运营部", "operations"), ("销售部", "sales"))
    ]

    def person(username: str, role: str, org: Organisation) -> User:
        return User.objects.create_user(
            username=username,
            role=role,
            organisation=org,
            full_name=username.title(),
            email=f"{username}@example.com",
        )

    agents = [person(f"agent{i:02d}", Role.AGENT, it) for i in range(AGENTS)]
    requesters = [person(f"user{i:03d}", Role.REQUESTER, orgs[i % 3]) for i in range(REQUESTERS)]
    lead = person("lena", Role.TEAM_LEAD, it)
    manager = person("max", Role.SERVICE_MANAGER, it)
    first = Team.objects.create(name="一线支持", code="l1", level=1, lead=lead)
    for agent in agents:
        Membership.objects.create(team=first, user=agent)
    Channel.objects.bulk_create(
        [
            Channel(user=u, kind=ChannelKind.EMAIL, name="E-mail", address=u.email)
            for u in [*agents, *requesters, lead, manager]
        ]
        + [
            Channel(
                team=first,
                kind=ChannelKind.WEBHOOK,
                name="一线支持 on-call",
                url="https://hooks.example.com/sladesk",
                secret="whsec_" + "A" * 32,
            )
        ]
    )
    erp = Service.objects.create(code="erp", name="报表系统", team=first)
    return {"agents": agents, "requesters": requesters, "team": first, "erp": erp}


class Generator:
    """Open tickets with their two clocks and the timers schedule() would have written.

    Clocks as the engine stored them at each ticket's last change (as in bench/desk.py):
    response running until an agent replies, resolution running or paused while waiting on
    the requester. Timers: the engine's alarms of each running clock at that change
    (sladesk.engine.alarms.alarms, as timers.schedule calls it), and each update reminder
    followed by the next (alarms.following) as the worker does when it fires one. Those
    that fell due before `now` are fired (history); the rest are pending.
    """

    def __init__(self, desk: dict[str, Any], now: float, seed: int) -> None:
        from sladesk.sla import versions

        self.version = versions.in_force()
        self.config = versions.config_of(self.version)
        self.policy = self.config.policies[0]
        self.metrics = {m.name: m for m in self.policy.metrics}
        self.desk = desk
        self.now = now
        self.rng = random.Random(seed)
        self.kinds: Counter[str] = Counter()

    def chunk(self, first: int, count: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        tickets: list[tuple] = []
        clocks: list[tuple] = []
        timers: list[tuple] = []
        for pk in range(first, first + count):
            self.ticket(pk, tickets, clocks, timers)
        return tickets, clocks, timers

    def ticket(self, pk: int, tickets: list, clocks: list, timers: list) -> None:
        rng, now = self.rng, self.now
        prio = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        created = now - min(rng.expovariate(1 / (2 * 86400)), 60 * 86400)
        updated = created + rng.random() * (now - created)  # the last change
        responded = (
            None if status in ("new", "assigned") else created + rng.random() * (updated - created)
        )
        mine = []
        for name, metric in self.metrics.items():
            state, stopped_at = "running", None
            if name == "response" and responded is not None:
                state, stopped_at = "stopped", responded
            elif name == "resolution" and status == "waiting_requester":
                state = "paused"
            row = self.clock(pk, metric, prio, state, created, stopped_at or updated)
            clocks.append(row)
            mine.append(row)
            if state == "running":
                since = responded or created  # the requester's last public update
                timers.extend(self.alarms(pk, metric, prio, row, created, updated, since))
        sla_due = min((c[8] for c in mine if c[4] == "running" and c[8]), default=None)
        agents, requesters = self.desk["agents"], self.desk["requesters"]
        requester = requesters[pk % len(requesters)]
        assignee = None if status == "new" else agents[pk % len(agents)].pk
        impact, urgency = LEVELS[prio]
        tickets.append(
            (
                *(pk, f"BENCH-{pk:07d}", "incident", f"{rng.choice(SUBJECTS)} #{pk}", ""),
                *(requester.pk, requester.organisation_id, self.desk["erp"].pk, None),
                *(impact, urgency, prio, False, self.desk["team"].pk, assignee, status),
                *(self.version.pk, _at(created), _at(updated), _at(responded), _at(responded)),
                *("", "", 1, 1, 1, sla_due, any(c[10] for c in mine)),
            )
        )

    def calendar(self, metric: Any, prio: str) -> Any:
        return self.config.calendars[metric.calendars[prio]]

    def clock(
        self, pk: int, metric: Any, prio: str, state: str, created: float, read_at: float
    ) -> tuple:
        """The clock as the engine stored it at `read_at` (its stop, or the last change)."""
        cal, target = self.calendar(metric, prio), metric.targets[prio]
        elapsed = cal.elapsed(created, read_at)
        deadline = cal.add(created, target)
        late = deadline <= read_at
        met = False if late else (True if state == "stopped" else None)
        due = deadline if state == "running" else None
        self.kinds[f"{metric.name} {state}{', breached' if late else ''}"] += 1
        return (
            *(pk, metric.name, self.policy.id, prio, state, elapsed, target),
            *(metric.calendars[prio], _at(due), met, _at(deadline) if late else None, _at(read_at)),
        )

    def alarms(
        self,
        pk: int,
        metric: Any,
        prio: str,
        clock: tuple,
        created: float,
        updated: float,
        since: float,
    ) -> list[tuple]:
        from sladesk.engine.alarms import alarms, following
        from sladesk.engine.clock import ClockResult

        cal, target = self.calendar(metric, prio), metric.targets[prio]
        elapsed = cal.elapsed(created, updated)
        breached = clock[10].timestamp() if clock[10] else None
        due = clock[8].timestamp() if clock[8] else None
        result = ClockResult(
            pk, metric.name, prio, "running", elapsed, target, due, None, breached, 0
        )
        at_update = min(cal.elapsed(created, since), elapsed) if metric.rules.updates else None
        rows: dict[str, tuple] = {}  # by key: a reminder and the one after it may meet
        for alarm in alarms(metric, result, cal, updated, at_update):
            while alarm is not None and alarm.at <= self.now:
                rows[alarm.key] = self.timer(pk, alarm, fired=True)
                alarm = following(metric, prio, cal, alarm) if alarm.kind == "update" else None
            if alarm is not None and alarm.key not in rows:
                rows[alarm.key] = self.timer(pk, alarm, fired=False)
        return list(rows.values())

    def timer(self, pk: int, alarm: Any, fired: bool) -> tuple:
        return (
            *(pk, alarm.key, alarm.kind, alarm.metric, _at(alarm.at)),
            "fired" if fired else "pending",
            json.dumps(list(alarm.to)),
            json.dumps(alarm.data),
            _at(alarm.at) if fired else None,
            HISTORY if fired else "",
        )


TICKET_COLUMNS = (
    "id, number, kind, subject, description, requester_id, organisation_id, service_id, "
    "category_id, impact, urgency, priority, priority_overridden, team_id, assignee_id, "
    "status, sla_version_id, created_at, updated_at, first_response_at, "
    "last_public_update_at, resolution, rating_comment, escalation_level, revision, "
    "event_count, sla_due, sla_breached"
)
CLOCK_COLUMNS = (
    "ticket_id, metric, policy, priority, state, elapsed, target, calendar, due, met, "
    "breached_at, computed_at"
)
TIMER_COLUMNS = 'ticket_id, key, kind, metric, due_at, state, "to", data, fired_at, fired_by'


def seed(desk: dict[str, Any], count: int, now: float, seed_value: int) -> dict[str, Any]:
    """`count` open tickets, their clocks and timers, copied in chunks (COPY)."""
    from django.db import connection, transaction

    gen = Generator(desk, now, seed_value)
    rows = Counter()
    t0 = time.perf_counter()
    for first in range(1, count + 1, CHUNK):
        tickets, clocks, timers = gen.chunk(first, min(CHUNK, count + 1 - first))
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's: COPY
            for table, cols, data in (
                ("desk_ticket", TICKET_COLUMNS, tickets),
                ("sla_clock", CLOCK_COLUMNS, clocks),
                ("notify_timer", TIMER_COLUMNS, timers),
            ):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
                rows[table] += len(data)
        if first == 1 or (first - 1) % (10 * CHUNK) == 0:
            say(
                f"  {first + len(tickets) - 1:,} tickets written ({time.perf_counter() - t0:.0f} s)"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('desk_ticket', 'id'), "
            "(SELECT max(id) FROM desk_ticket))"
        )
        for table in ("desk_ticket", "sla_clock", "notify_timer"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would after the load
    return {"rows": dict(rows), "clocks": dict(sorted(gen.kinds.items()))}


# -- the due set, and putting it back between runs ---------------------------------------


class DueSet:
    """The `count` pending timers due first, and the instant by which they are all due.

    The workers fire at that instant (`fire_all_due(now=at)`): as if they had been stopped
    until then, so that a backlog of `count` timers is waiting. Between runs the set is
    put back: the same timers pending again, the notifications and follow-up reminders the
    run wrote deleted, the tables vacuumed (as autovacuum would).
    """

    def __init__(self, count: int) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT due_at FROM notify_timer WHERE state = 'pending' "
                "ORDER BY due_at OFFSET %s LIMIT 1",
                [count - 1],
            )
            self.at: datetime = cursor.fetchone()[0]
            cursor.execute(
                "SELECT id, kind FROM notify_timer WHERE state = 'pending' AND due_at <= %s",
                [self.at],
            )
            rows = cursor.fetchall()
            cursor.execute("SELECT max(id) FROM notify_timer")
            self.last_id: int = cursor.fetchone()[0]
        self.ids = [pk for pk, _kind in rows]
        self.kinds = Counter(kind for _pk, kind in rows)

    def reset(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM notify_notification")
            cursor.execute("DELETE FROM notify_timer WHERE id > %s", [self.last_id])
            cursor.execute(
                "UPDATE notify_timer SET state = 'pending', fired_at = NULL, fired_by = '', "
                "data = data - 'skipped' WHERE id = ANY(%s)",
                [self.ids],
            )
            for name in ("notify_timer", "notify_notification"):
                cursor.execute(f"VACUUM ANALYZE {name}")


def outcome() -> dict[str, Any]:
    """What a run left: timers fired by whom, notifications written."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fired_by, count(*) FROM notify_timer WHERE state = 'fired' "
            "AND fired_by <> %s GROUP BY fired_by",
            [HISTORY],
        )
        by = dict(cursor.fetchall())
        cursor.execute("SELECT count(*), count(DISTINCT key) FROM notify_notification")
        notifications, distinct = cursor.fetchone()
    return {"fired_by": by, "notifications": notifications, "distinct": distinct}


def written_for(ids: list[int]) -> set[tuple[str, str, str]]:
    """The notifications of these timers (key, title, text): to compare runs like for like."""
    from sladesk.notify.models import Notification

    keys = {f"timer:{pk}:" for pk in ids}
    rows = Notification.objects.filter(key__startswith="timer:").values_list("key", "title", "text")
    return {r for r in rows if r[0][: r[0].rindex(":") + 1] in keys}


# -- the timed runs, each worker in a process of its own ---------------------------------


def run_workers(count: int, at: datetime, env: dict[str, str], profile: bool) -> dict[str, Any]:
    """`count` worker processes fire at once (a shared start instant after their set-up)."""
    start_at = time.time() + 4  # Django's set-up in each process is not timed
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--fire", f"w{i + 1}", "--at", at.isoformat()]
            + ["--start-at", str(start_at)]
            + (["--profile"] if profile and count == 1 else []),
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"a worker failed (exit {proc.returncode}):\n{out}")
        lines = out.strip().splitlines()
        if profile and count == 1:
            print("\n".join(lines[:-1]))
        results.append(json.loads(lines[-1]))
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    fired = sum(r["fired"] for r in results)
    return {"fired": fired, "seconds": wall, "rate": fired / wall, "workers": results}


def fire(args: argparse.Namespace) -> int:
    """One worker process: fire every timer due at `args.at`; JSON on the last line."""
    import django

    django.setup()
    from django.db import connection

    from sladesk.notify import timers

    at = datetime.fromisoformat(args.at)
    connection.ensure_connection()
    time.sleep(max(0.0, args.start_at - time.time()))
    started = time.time()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        fired = profiler.runcall(timers.fire_all_due, at, worker=args.fire)
    else:
        fired = timers.fire_all_due(at, worker=args.fire)
    ended = time.time()
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(json.dumps({"fired": fired, "started": started, "ended": ended}))
    return 0


def run_baseline(at: datetime, limit: int, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--naive", str(limit), "--at", at.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the baseline failed (exit {done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"rate": result["fired"] / result["seconds"]}


def naive(args: argparse.Namespace) -> int:
    """The baseline process: a straightforward ORM loop over the first due timers."""
    import django

    django.setup()
    from django.db import transaction

    from sladesk.desk.models import Ticket
    from sladesk.notify import outbox, recipients, timers
    from sladesk.notify.models import Timer, TimerState
    from sladesk.sla.models import Clock, ClockState

    at = datetime.fromisoformat(args.at)
    due = Timer.objects.filter(state=TimerState.PENDING, due_at__lte=at).order_by("due_at", "id")
    ids = list(due.values_list("pk", flat=True)[: args.naive])
    started = time.perf_counter()
    for pk in ids:
        with transaction.atomic():
            timer = Timer.objects.select_for_update().get(pk=pk)
            ticket = Ticket.objects.get(pk=timer.ticket_id)
            clock = Clock.objects.filter(
                ticket=ticket, metric=timer.metric, state=ClockState.RUNNING
            ).first()
            timer.state, timer.fired_at, timer.fired_by = TimerState.FIRED, at, "naive"
            if clock is None or not ticket.is_open:
                timer.data = {**timer.data, "skipped": "clock not running"}
            else:
                directory = recipients.Directory([ticket], timer.to)  # this timer's people
                for notification in outbox.notify_timer(ticket, timer, clock, directory):
                    notification.save()
                if timer.kind == "update":
                    for nxt in timers._following(ticket, timer, clock):
                        nxt.save()
            timer.save()
    seconds = time.perf_counter() - started
    print(json.dumps({"fired": len(ids), "seconds": seconds, "ids": ids}))
    return 0


# -- the whole run -----------------------------------------------------------------------


def machine(server_version: str) -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return (
        f"{os.cpu_count()} cores ({platform.machine()}{', ' + model if model else ''}), "
        f"CPython {platform.python_version()}, Django {metadata.version('django')}, "
        f"psycopg {metadata.version('psycopg')}, {server_version} on the same machine"
    )


def server_facts() -> dict[str, str]:
    from django.db import connection

    facts = {}
    with connection.cursor() as cursor:
        for name in ("server_version", "shared_buffers", "work_mem", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        facts["size"] = cursor.fetchone()[0]
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=500_000, help="open tickets (2 clocks each)")
    parser.add_argument("--due", type=int, default=50_000, help="timers due when the workers fire")
    parser.add_argument("--baseline", type=int, default=2_000, help="timers the baseline fires")
    parser.add_argument("--quick", action="store_true", help="20,000 tickets, 5,000 due, 500")
    parser.add_argument("--postgres", default=POSTGRES, help="the server (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE}")
    parser.add_argument("--runs", type=int, default=2, help="runs of one and two workers (best)")
    parser.add_argument("--profile", action="store_true", help="cProfile the one-worker run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fire", help=argparse.SUPPRESS)  # internal: a worker process
    parser.add_argument("--naive", type=int, help=argparse.SUPPRESS)  # internal: the baseline
    parser.add_argument("--at", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fire:
        return fire(args)
    if args.naive:
        return naive(args)
    if args.quick:
        args.tickets, args.due, args.baseline, args.runs = 20_000, 5_000, 500, 1

    workdir = Path(tempfile.mkdtemp(prefix="sladesk-bench-worker-"))
    (workdir / "bench_settings.py").write_text(SETTINGS_MODULE)
    env = os.environ | {
        "DATABASE_URL": database_url(args.postgres, DATABASE),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    os.environ.update(env)
    sys.path[:0] = [str(workdir), str(ROOT)]
    recreate_database(args.postgres, DATABASE)
    try:
        return bench(args, env)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            say(f"kept the database {DATABASE}")
        else:
            drop_database(args.postgres, DATABASE)


def bench(args: argparse.Namespace, env: dict[str, str]) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from sladesk.sla import versions

    load_start = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    versions.apply(DEFAULT_SLA.read_text(encoding="utf-8"), file_name="default.yaml")
    desk = make_desk()
    say(f"database {DATABASE} migrated, default SLA and people in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    seeded = seed(desk, args.tickets, time.time(), args.seed)
    seeded["seconds"] = time.perf_counter() - t0
    rows = seeded["rows"]
    say(
        f"{rows['desk_ticket']:,} tickets, {rows['sla_clock']:,} clocks, "
        f"{rows['notify_timer']:,} timers written in {seeded['seconds']:.0f} s"
    )
    due = DueSet(args.due)
    say(f"{len(due.ids):,} timers due at {due.at:%Y-%m-%d %H:%M:%S} UTC: {dict(due.kinds)}")
    facts = server_facts()

    sample = due_sample(args.baseline, due.at)
    ones: list[dict[str, Any]] = []
    twos: list[dict[str, Any]] = []
    by_worker: set[tuple[str, str, str]] = set()
    for n in range(args.runs):  # alternately, so that a burst of load hits both alike
        say(f"run {n + 1} of {args.runs}: one worker")
        ones.append(run_workers(1, due.at, env, args.profile and n == 0) | outcome())
        by_worker = by_worker or written_for(sample)
        due.reset()
        say(f"  {ones[-1]['fired']:,} timers in {ones[-1]['seconds']:.1f} s; two workers")
        twos.append(run_workers(2, due.at, env, False) | outcome())
        due.reset()
        say(f"  {twos[-1]['fired']:,} timers in {twos[-1]['seconds']:.1f} s")
    one, two = best(ones), best(twos)
    say("the baseline")
    base = run_baseline(due.at, args.baseline, env)
    base |= outcome()
    by_baseline = written_for(base["ids"])
    due.reset()
    say(f"  {base['fired']:,} timers in {base['seconds']:.1f} s")

    problems = check(one, two, base, sample, by_worker, by_baseline)
    report(args, facts, seeded, due, one, two, base, load_start)
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    return 1 if problems else 0


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run, with the seconds of every run (all must have done the same work)."""
    fastest = min(runs, key=lambda r: r["seconds"])
    return fastest | {"all": [r["seconds"] for r in runs], "fired_all": {r["fired"] for r in runs}}


def due_sample(count: int, at: datetime) -> list[int]:
    """The first `count` due timers, in the order the baseline takes them."""
    from sladesk.notify.models import Timer, TimerState

    due = Timer.objects.filter(state=TimerState.PENDING, due_at__lte=at).order_by("due_at", "id")
    return list(due.values_list("pk", flat=True)[:count])


def check(
    one: dict, two: dict, base: dict, sample: list[int], by_worker: set, by_baseline: set
) -> list[str]:
    """The runs did the same work: else the comparison would not be like for like."""
    problems = []
    if len(one["fired_all"] | two["fired_all"]) != 1:
        problems.append(f"the runs fired {sorted(one['fired_all'] | two['fired_all'])} timers")
    if one["fired"] != two["fired"] or one["notifications"] != two["notifications"]:
        problems.append(f"one worker fired {one['fired']:,}, two {two['fired']:,}")
    for name, run in (("one worker", one), ("two workers", two)):
        if run["notifications"] != run["distinct"]:
            problems.append(f"{name}: a notification written twice")
        if sum(run["fired_by"].values()) != run["fired"]:
            problems.append(
                f"{name}: timers fired {run['fired_by']}, the processes say {run['fired']:,}"
            )
    if base["ids"] != sample:
        problems.append("the baseline took other timers than the first due")
    if by_worker != by_baseline:
        problems.append(
            f"the baseline wrote other notifications ({len(by_baseline):,}) than the worker "
            f"for the same timers ({len(by_worker):,})"
        )
    return problems


def report(
    args: argparse.Namespace,
    facts: dict[str, str],
    seeded: dict[str, Any],
    due: DueSet,
    one: dict,
    two: dict,
    base: dict,
    load_start: str,
) -> None:
    print()
    note(
        f"Machine: {machine('PostgreSQL ' + facts['server_version'].split()[0])} "
        f"(shared_buffers {facts['shared_buffers']}, work_mem {facts['work_mem']}, "
        f"synchronous_commit {facts['synchronous_commit']}). Load average "
        f"{load_start} at the start, "
        + "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        + " at the end."
    )
    rows = seeded["rows"]
    clocks = seeded["clocks"]
    open_clocks = sum(clocks.values())
    note(
        f"Database: {rows['desk_ticket']:,} open tickets, {open_clocks:,} clocks ("
        + ", ".join(f"{k} {v:,}" for k, v in clocks.items())
        + f"), {rows['notify_timer']:,} timers; {facts['size']}; written in "
        f"{seeded['seconds']:.0f} s."
    )
    note(
        f"Due: the {len(due.ids):,} pending timers due first ("
        + ", ".join(f"{k} {v:,}" for k, v in due.kinds.most_common())
        + "), fired at the instant the last of them is due. Every run fires the same timers "
        "and writes their notifications to the outbox (nothing is sent)."
    )
    print()
    header = ("what", "timers fired", "seconds (each run)", "timers/s (best)", "notifications")
    lines = [header]
    shares = ", ".join(f"{w}: {n:,}" for w, n in sorted(two["fired_by"].items()))
    for label, run in (
        ("one worker: fire_all_due, 1 process", one),
        (f"two workers, 2 processes ({shares})", two),
        (f"baseline: ORM loop, first {base['fired']:,} due", base),
    ):
        seconds = " / ".join(f"{x:.1f}" for x in run.get("all", [run["seconds"]]))
        lines.append(
            (
                label,
                f"{run['fired']:,}",
                seconds,
                f"{run['rate']:,.0f}",
                f"{run['notifications']:,}",
            )
        )
    lines.append(("ratio two workers / one", "", "", f"{two['rate'] / one['rate']:.2f}x", ""))
    lines.append(("ratio one worker / baseline", "", "", f"{one['rate'] / base['rate']:.1f}x", ""))
    table(lines)


if __name__ == "__main__":
    sys.exit(main())

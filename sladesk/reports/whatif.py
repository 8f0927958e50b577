"""SLA what-if: the stored ticket history replayed under a proposed SLA configuration.

For the tickets created in a period, every clock is computed twice from the same events,
read at the same instant: under each ticket's own stored SLA version ("now") and under the
proposed configuration ("proposed"). Only the configuration differs, so every flip
(met → breached, breached → met) is caused by the proposal. Both sides go through the
engine's bulk path (`sladesk.engine.bulk.compute_json`), or its scalar path when the bulk
path gives up; nothing here knows a clock rule.

The replay reads the history as it stood at `read_at` = the end of the period or the
present, whichever is earlier: events after that instant are left out, so a closed month
always gives the same figures, and a clock still undecided then is "open" and not counted
in compliance. See docs/reports.md, "What-if".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from sladesk.desk.models import TicketEvent
from sladesk.engine.bulk import compute_json
from sladesk.engine.compute import compute, json_lines
from sladesk.engine.config import Config
from sladesk.engine.events import EventError, read_events
from sladesk.sla.models import SlaVersion
from sladesk.sla.versions import config_of

MET_TO_BREACHED = "met_to_breached"
BREACHED_TO_MET = "breached_to_met"
ALL = ""  # the priority of a metric's overall row


# -- what is asked ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Tickets created in [start, end), optionally of one organisation, service or priority."""

    start: datetime
    end: datetime
    organisation: str = ""  # Organisation.code
    service: str = ""  # Service.code
    priority: str = ""  # the ticket's current priority, as stored


def last_full_month(today: date) -> tuple[date, date]:
    """[first day of the previous month, first day of this month)."""
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first


def period(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    """The dates asked for, each missing one taken from the last full calendar month."""
    default_start, default_end = last_full_month(today or timezone.localdate())
    return start or default_start, end or default_end


def midnight(day: date) -> datetime:
    """The start of a day in settings.TIME_ZONE."""
    return datetime.combine(day, time(), tzinfo=timezone.get_default_timezone())


# -- what is reported ---------------------------------------------------------------------


@dataclass
class Tally:
    """Clocks of one side of a row by outcome; compliance = met / (met + breached)."""

    met: int = 0
    breached: int = 0
    open: int = 0  # not decided at the read instant (running, paused, not started)
    unmeasured: int = 0  # the priority has no target for this metric

    def add(self, outcome: Outcome) -> None:
        if outcome.target is None:
            self.unmeasured += 1
        elif outcome.met is True:
            self.met += 1
        elif outcome.met is False:
            self.breached += 1
        else:
            self.open += 1

    @property
    def clocks(self) -> int:
        return self.met + self.breached + self.open + self.unmeasured

    @property
    def compliance(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None

    @property
    def percent(self) -> str:
        return percent(self.compliance)


class Outcome(NamedTuple):  # a tuple: 200,000 of them per side for 100,000 tickets
    """One clock as the engine left it at the read instant."""

    priority: str
    target: int | None
    met: bool | None
    breached_at: str | None  # ISO-8601, in the offset of the ticket's created event


@dataclass(frozen=True)
class Flip:
    """A clock decided one way now and the other way under the proposal."""

    ticket: str
    metric: str
    direction: str  # MET_TO_BREACHED or BREACHED_TO_MET
    now: Outcome
    proposed: Outcome


@dataclass
class Row:
    """One metric and priority (ALL: the metric overall)."""

    metric: str
    priority: str
    goal: float | None  # from the proposed configuration
    now: Tally = field(default_factory=Tally)
    proposed: Tally = field(default_factory=Tally)
    flips: list[Flip] = field(default_factory=list)

    def flip_count(self, direction: str) -> int:
        return sum(1 for f in self.flips if f.direction == direction)

    @property
    def met_to_breached(self) -> list[Flip]:
        return [f for f in self.flips if f.direction == MET_TO_BREACHED]

    @property
    def breached_to_met(self) -> list[Flip]:
        return [f for f in self.flips if f.direction == BREACHED_TO_MET]

    @property
    def goal_percent(self) -> str:
        return percent(self.goal)

    @property
    def below_goal(self) -> bool:
        """The proposed compliance misses the goal."""
        value = self.proposed.compliance
        return self.goal is not None and value is not None and value < self.goal


@dataclass
class Report:
    selection: Selection
    read_at: datetime
    tickets: int
    rows: list[Row]  # per metric: each priority, then the overall row
    skipped: dict[str, str]  # ticket -> why the proposed configuration cannot replay it
    warnings: list[str]  # coverage warnings of the proposed configuration's calendars

    @property
    def flips(self) -> list[Flip]:
        return [f for row in self.rows if row.priority != ALL for f in row.flips]


# -- the replay ---------------------------------------------------------------------------


def run(proposed: Config, selection: Selection, *, present: datetime | None = None) -> Report:
    """Replay the selected tickets under their stored versions and under `proposed`."""
    read_at = min(selection.end, present or timezone.now())
    streams, tickets = event_streams(selection, read_at)
    at = read_at.timestamp()
    now: dict[tuple[str, str], Outcome] = {}
    versions = SlaVersion.objects.in_bulk(list(streams))
    for version_id, data in streams.items():
        if version_id is None:  # a ticket measured by no SLA has no clocks now
            continue
        outcomes, _skipped = replay(config_of(versions[version_id]), data, at)
        now.update(outcomes)
    proposal, skipped = replay(proposed, b"".join(streams.values()), at)
    return Report(
        selection=selection,
        read_at=read_at,
        tickets=tickets,
        rows=compare(proposed, now, proposal),
        skipped=skipped,
        warnings=list(dict.fromkeys(proposed.warnings())),
    )


def event_streams(selection: Selection, read_at: datetime) -> tuple[dict[Any, bytes], int]:
    """JSON Lines of the selected tickets' SLA events up to `read_at`, per stored version.

    One query, streamed in ticket and history order. Each line is what `sladesk export
    events` writes, in the form the engine's bulk reader takes without a detour: instants
    to the whole second, `fields` last and without its null values (`match` reads an
    absent field as null).
    """
    rows = (
        TicketEvent.objects.filter(
            sla__isnull=False,
            at__lte=read_at,
            ticket__created_at__gte=selection.start,
            ticket__created_at__lt=selection.end,
        )
        .order_by("ticket_id", "seq")
        # The JSON as text, decoded by orjson: Django's JSONField decoding costs 4x more.
        .annotate(event=Cast("sla", TextField()))
        .values_list("ticket_id", "ticket__number", "ticket__sla_version_id", "at", "event")
    )
    if selection.organisation:
        rows = rows.filter(ticket__organisation__code=selection.organisation)
    if selection.service:
        rows = rows.filter(ticket__service__code=selection.service)
    if selection.priority:
        rows = rows.filter(ticket__priority=selection.priority)
    streams: dict[Any, list[bytes]] = defaultdict(list)
    zone = timezone.get_default_timezone()
    last, tickets = None, 0
    for ticket_id, number, version_id, at, text in rows.iterator(chunk_size=10_000):
        if ticket_id != last:
            last, tickets = ticket_id, tickets + 1
            out = streams[version_id]
        event = orjson.loads(text)
        fields = event.pop("fields", None)
        line = {"ticket": number, "at": at.astimezone(zone), **event}
        if fields is not None:
            line["fields"] = {k: v for k, v in fields.items() if v is not None}
        # The desk records instants with microseconds, which make the bulk path give up
        # (and the scalar path takes 3x as long): read to the whole second, earlier.
        out.append(orjson.dumps(line, option=orjson.OPT_OMIT_MICROSECONDS))
    return {version: b"\n".join(lines) + b"\n" for version, lines in streams.items()}, tickets


def replay(
    config: Config, data: bytes, at: float
) -> tuple[dict[tuple[str, str], Outcome], dict[str, str]]:
    """Each (ticket, metric) clock of the stream read at `at`; and the tickets refused."""
    out = compute_json(config, data, "events", at) if data else None
    if out is None:  # the bulk path gave up (fractional seconds, bad input...): scalar path
        out, skipped = _scalar(config, data, at)
    else:
        skipped = {}
    return {(r["ticket"], r["metric"]): _outcome(r) for r in _parse(out)}, skipped


def _scalar(config: Config, data: bytes, at: float) -> tuple[bytes, dict[str, str]]:
    """The scalar path; a ticket whose history this configuration refuses is set aside."""
    try:
        return json_lines(compute(config, read_events(data, "events", config), at)), {}
    except EventError:
        pass
    # Some ticket's history names what this configuration lacks (a priority, a matrix):
    # replay ticket by ticket to say which, and go on with the others.
    parts, skipped = [], {}
    for number, lines in _by_ticket(data):
        try:
            tickets = read_events(lines, number, config)
        except EventError as error:
            skipped[number] = str(error)
            continue
        parts.append(json_lines(compute(config, tickets, at)))
    return b"".join(parts), skipped


def _by_ticket(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The stream cut into each ticket's lines (they are consecutive, as written)."""
    lines = data.splitlines(keepends=True)
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or _ticket_of(lines[i]) != _ticket_of(lines[start]):
            yield _ticket_of(lines[start]), b"".join(lines[start:i])
            start = i


def _ticket_of(line: bytes) -> str:
    return orjson.loads(line)["ticket"]


def _parse(out: bytes | bytearray) -> list[dict[str, Any]]:
    if not out:
        return []
    # One loads of the whole output as an array: a call per line costs several times more.
    return orjson.loads(b"[" + bytes(out).rstrip(b"\n").replace(b"\n", b",") + b"]")


def _outcome(r: dict[str, Any]) -> Outcome:
    return Outcome(r["priority"], r["target"], r["met"], r["breached_at"])


# -- the comparison -----------------------------------------------------------------------


def compare(
    proposed: Config,
    now: dict[tuple[str, str], Outcome],
    proposal: dict[tuple[str, str], Outcome],
) -> list[Row]:
    """Rows per metric and priority, now and proposed, with the clocks that flipped.

    Each side counts a clock under the priority it has on that side: the proposal may
    map impact and urgency to other priorities. A flip is listed under its proposed
    priority.
    """
    goals = _goals(proposed)
    rows: dict[tuple[str, str], Row] = {}

    def row(metric: str, priority: str) -> Row:
        key = (metric, priority)
        if key not in rows:
            rows[key] = Row(metric, priority, goals.get(key))
        return rows[key]

    for (_ticket, metric), outcome in now.items():
        row(metric, outcome.priority).now.add(outcome)
        row(metric, ALL).now.add(outcome)
    for (ticket, metric), outcome in proposal.items():
        row(metric, outcome.priority).proposed.add(outcome)
        row(metric, ALL).proposed.add(outcome)
        before = now.get((ticket, metric))
        direction = _direction(before, outcome)
        if before is not None and direction:
            flip = Flip(ticket, metric, direction, before, outcome)
            row(metric, outcome.priority).flips.append(flip)
            row(metric, ALL).flips.append(flip)
    return sorted(rows.values(), key=_order(proposed, rows.keys()))


def _direction(before: Outcome | None, after: Outcome) -> str:
    if before is None or before.met is None or after.met is None or before.met == after.met:
        return ""
    return MET_TO_BREACHED if before.met else BREACHED_TO_MET


def _goals(config: Config) -> dict[tuple[str, str], float]:
    """Goal per (metric, priority): the first policy, in file order, that sets one."""
    goals: dict[tuple[str, str], float] = {}
    for policy in config.policies:
        for metric in policy.metrics:
            for priority, goal in metric.goals.items():
                goals.setdefault((metric.name, priority), goal)
    return goals


def _order(config: Config, keys: Iterable[tuple[str, str]]):
    """Metrics and priorities in the proposed file's order, others after; overall last."""
    metrics = list(dict.fromkeys(m.name for p in config.policies for m in p.metrics))
    priorities = list(config.priorities)
    for metric, priority in sorted(keys):
        if metric not in metrics:
            metrics.append(metric)
        if priority != ALL and priority not in priorities:
            priorities.append(priority)

    def key(row: Row) -> tuple[int, int]:
        place = len(priorities) if row.priority == ALL else priorities.index(row.priority)
        return metrics.index(row.metric), place

    return key


# -- renderings ---------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def as_json(report: Report) -> dict[str, Any]:
    """The report as plain values (for `--format json`)."""
    return {
        "from": report.selection.start.isoformat(),
        "to": report.selection.end.isoformat(),
        "read_at": report.read_at.astimezone(timezone.get_default_timezone()).isoformat(),
        "tickets": report.tickets,
        "rows": [
            {
                "metric": row.metric,
                "priority": row.priority or None,
                "goal": row.goal,
                "now": _tally_json(row.now),
                "proposed": _tally_json(row.proposed),
                MET_TO_BREACHED: [f.ticket for f in row.flips if f.direction == MET_TO_BREACHED],
                BREACHED_TO_MET: [f.ticket for f in row.flips if f.direction == BREACHED_TO_MET],
            }
            for row in report.rows
        ],
        "skipped": report.skipped,
        "warnings": report.warnings,
    }


def _tally_json(tally: Tally) -> dict[str, Any]:
    return {
        "clocks": tally.clocks,
        "met": tally.met,
        "breached": tally.breached,
        "open": tally.open,
        "unmeasured": tally.unmeasured,
        "compliance": tally.compliance,
    }


TABLE_HEADER = (
    "METRIC",
    "PRIORITY",
    "CLOCKS",
    "NOW",
    "PROPOSED",
    "GOAL",
    "MET>BREACHED",
    "BREACHED>MET",
)
FLIP_LABELS = ((MET_TO_BREACHED, "met>breached"), (BREACHED_TO_MET, "breached>met"))


def table(report: Report, *, flips: bool = False) -> str:
    """The report as a text table, with the flipped tickets listed when asked."""
    rows = [list(TABLE_HEADER)] + [_table_row(row) for row in report.rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    start, end = report.selection.start, report.selection.end
    read_at = report.read_at.astimezone(timezone.get_default_timezone())
    lines += [
        "",
        f"{report.tickets} tickets created from {start.date()} to {end.date()} (exclusive, "
        f"{settings.TIME_ZONE}), read at {read_at.isoformat()}.",
        "NOW: each ticket under its own SLA version; PROPOSED: the proposed configuration, "
        "with the priority it gives each ticket. Compliance = met / (met + breached); "
        "open clocks are not counted.",
    ]
    if flips:
        for row in report.rows:
            for direction, label in FLIP_LABELS:
                tickets = [f.ticket for f in row.flips if f.direction == direction]
                if tickets and row.priority != ALL:
                    lines.append(f"{row.metric} {row.priority} {label}: {' '.join(tickets)}")
    lines += [f"skipped {number}: {why}" for number, why in report.skipped.items()]
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _table_row(row: Row) -> list[str]:
    now, proposed = row.now.clocks, row.proposed.clocks
    return [
        row.metric,
        row.priority or "all",
        str(proposed) if now == proposed else f"{now}->{proposed}",
        percent(row.now.compliance),
        percent(row.proposed.compliance),
        percent(row.goal),
        str(row.flip_count(MET_TO_BREACHED)),
        str(row.flip_count(BREACHED_TO_MET)),
    ]

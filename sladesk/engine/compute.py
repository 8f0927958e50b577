"""Clock results of a whole event stream, and their JSON and table renderings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import cache

import orjson

from .clock import ClockResult, run_ticket
from .config import Config
from .durations import format_duration
from .events import Tickets


def compute(config: Config, tickets: Tickets, now: float) -> Iterator[ClockResult]:
    """Results for each ticket (order of first appearance) and each of its metrics."""
    for ticket, events in tickets.items():
        yield from run_ticket(config, ticket, events, now)


@cache
def _zone(offset: int) -> timezone:
    return UTC if offset == 0 else timezone(timedelta(seconds=offset))


def iso(t: float | None, offset: int) -> str | None:
    """ISO-8601 with the given UTC offset (seconds)."""
    if t is None:
        return None
    return datetime.fromtimestamp(t, _zone(offset)).isoformat()


def _number(x: float) -> int | float:
    return int(x) if x == int(x) else x


def instant(t: float | None, offset: int) -> datetime | None:
    """An aware datetime with the given UTC offset; orjson writes it as ISO-8601."""
    return None if t is None else datetime.fromtimestamp(t, _zone(offset))


def as_dict(r: ClockResult) -> dict[str, object]:
    """One result as the contract's JSON object (instants as aware datetimes).

    A metric that states its `reopen` policy adds `cycle`, `breached_cycles` and `reopens`
    (docs/sla-extensions.md); every other line is exactly the contract's.
    """
    out: dict[str, object] = {
        "ticket": r.ticket,
        "metric": r.metric,
        "priority": r.priority,
        "state": r.state,
        "elapsed": _number(r.elapsed),
        "target": r.target,
        "due": instant(r.due, r.offset),
        "met": r.met,
        "breached_at": instant(r.breached_at, r.offset),
    }
    if r.reopen_fields:
        out["cycle"] = r.cycle
        out["breached_cycles"] = r.breached_cycles
        out["reopens"] = r.reopens
    return out


def json_lines(results: Iterable[ClockResult]) -> bytes:
    """JSON Lines, one object per result, each ending with a newline."""
    # One dumps of the whole list is ~20x faster than one call per line. Objects are
    # then cut apart where one ends and the next begins: `},{"ticket":` cannot occur
    # inside a JSON string, whose quotes are escaped, and every value here is a scalar.
    data = orjson.dumps([as_dict(r) for r in results])
    if data == b"[]":
        return b""
    return data[1:-1].replace(b'},{"ticket":', b'}\n{"ticket":') + b"\n"


TABLE_COLUMNS = (
    "ticket",
    "metric",
    "priority",
    "state",
    "elapsed",
    "target",
    "due",
    "met",
    "breached_at",
)


REOPEN_COLUMNS = ("cycle", "breached_cycles", "reopens")  # metrics that state `reopen`


def table_rows(results: Iterator[ClockResult]) -> Iterator[list[str]]:
    for r in results:
        row = [
            str(r.ticket),
            r.metric,
            r.priority,
            r.state,
            format_duration(r.elapsed),
            format_duration(r.target) if r.target is not None else "-",
            _short(r.due, r.offset),
            {True: "met", False: "BREACHED", None: "-"}[r.met],
            _short(r.breached_at, r.offset),
        ]
        if r.reopen_fields:
            row += [str(r.cycle), str(r.breached_cycles), str(r.reopens)]
        yield row


def _short(t: float | None, offset: int) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, _zone(offset)).strftime("%Y-%m-%d %H:%M:%S%z")


def render_table(rows: list[list[str]]) -> str:
    columns = TABLE_COLUMNS
    if any(len(r) > len(TABLE_COLUMNS) for r in rows):
        columns += REOPEN_COLUMNS
        rows = [r + ["-"] * (len(columns) - len(r)) for r in rows]
    header = [c.upper() for c in columns]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    )

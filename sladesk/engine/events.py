"""The ticket event stream: JSON Lines in, events grouped by ticket in time order out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import orjson

from .config import EVENT_TYPES, Config

_STATUS_OF = {"resolved": "resolved", "reopened": "open", "closed": "closed"}


class EventError(ValueError):
    """Bad input in the event stream: one line naming the file and line."""


class Event(NamedTuple):
    t: float  # POSIX seconds
    type: str
    data: dict[str, Any]  # the event as given
    line: int  # 1-based line in its file
    offset: int  # UTC offset of `at`, seconds (used to print instants the way they came)


Tickets = dict[Any, list[Event]]


def read_events(data: bytes, name: str, config: Config) -> Tickets:
    """Parse, validate and group events by ticket (in order of first appearance)."""
    tickets: Tickets = {}
    loads = orjson.loads
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = loads(raw)
        except orjson.JSONDecodeError as exc:
            raise EventError(f"{name}:{number}: not a JSON object: {exc}") from None
        event = _event(obj, name, number, config)
        bucket = tickets.get(event.data["ticket"])
        if bucket is None:
            tickets[event.data["ticket"]] = [event]
        else:
            bucket.append(event)
    for ticket, events in tickets.items():
        events.sort(key=_time)  # stable: events at one instant keep their file order
        _check_order(ticket, events, name)
    return tickets


def _time(event: Event) -> float:
    return event.t


def _event(obj: Any, name: str, number: int, config: Config) -> Event:
    where = f"{name}:{number}"
    if not isinstance(obj, dict):
        raise EventError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    ticket = obj.get("ticket")
    if not isinstance(ticket, str | int) or isinstance(ticket, bool) or ticket == "":
        raise EventError(f"{where}: 'ticket' must be a ticket id (string), got {ticket!r}")
    kind = obj.get("type")
    if kind not in EVENT_TYPES:
        raise EventError(f"{where}: unknown event type {kind!r}; allowed: {', '.join(EVENT_TYPES)}")
    at = obj.get("at")
    if not isinstance(at, str):
        raise EventError(
            f"{where}: 'at' must be an ISO-8601 timestamp with a UTC offset, got {at!r}"
        )
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise EventError(f"{where}: 'at' is not an ISO-8601 timestamp: {at!r}") from None
    offset = moment.utcoffset()
    if offset is None:
        raise EventError(f"{where}: 'at' has no UTC offset: {at!r} (write e.g. {at}+08:00)")
    if kind in ("created", "priority"):
        _check_priority(obj, where, config, required=True)
    if kind == "status" and not _is_name(obj.get("status")):
        raise EventError(f"{where}: a status event needs 'status' (a status name)")
    if kind == "created":
        if "status" in obj and not _is_name(obj["status"]):
            raise EventError(f"{where}: 'status' must be a status name, got {obj['status']!r}")
        if not isinstance(obj.get("fields", {}), dict):
            raise EventError(f"{where}: 'fields' must be a JSON object")
    return Event(moment.timestamp(), kind, obj, number, int(offset.total_seconds()))


def _check_priority(obj: dict[str, Any], where: str, config: Config, required: bool) -> None:
    prio = obj.get("priority")
    if prio is not None:
        if prio not in config.priorities:
            raise EventError(
                f"{where}: unknown priority {prio!r}; allowed: {', '.join(config.priorities)}"
            )
        return
    if "impact" in obj or "urgency" in obj:
        if config.matrix is None:
            raise EventError(f"{where}: impact and urgency need a matrix in the configuration")
        if config.priority_from(obj.get("impact"), obj.get("urgency")) is None:
            raise EventError(
                f"{where}: the matrix has no priority for impact {obj.get('impact')!r} "
                f"and urgency {obj.get('urgency')!r}"
            )
        return
    if required:
        need = "'priority', or 'impact' and 'urgency'," if config.matrix else "'priority'"
        raise EventError(f"{where}: a {obj['type']} event needs {need}")


def priority_of(event: Event, config: Config) -> str:
    """The priority an event sets (explicit, or from the impact x urgency matrix)."""
    data = event.data
    prio = data.get("priority")
    if prio is not None:
        return prio
    return config.priority_from(data.get("impact"), data.get("urgency"))  # type: ignore[return-value]


def status_after(event: Event, status: str) -> str:
    """The ticket status once `event` has happened."""
    kind = event.type
    if kind == "status":
        return event.data["status"]
    return _STATUS_OF.get(kind, status)


def _check_order(ticket: Any, events: list[Event], name: str) -> None:
    first = events[0]
    if first.type != "created":
        created = next((e for e in events if e.type == "created"), None)
        if created is None:
            raise EventError(f"{name}:{first.line}: ticket {ticket!r} has no 'created' event")
        raise EventError(
            f"{name}:{first.line}: this {first.type} event of ticket {ticket!r} comes before "
            f"the ticket was created (line {created.line})"
        )
    for event in events[1:]:
        if event.type == "created":
            raise EventError(
                f"{name}:{event.line}: ticket {ticket!r} is created a second time "
                f"(first at line {first.line})"
            )


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and value != ""

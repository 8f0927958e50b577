"""The ticket event stream: JSON Lines in, events grouped by ticket in time order out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, NoReturn

import orjson

from .config import Config

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
    lines = data.splitlines()
    events = _fast_events(lines, config)
    if events is None:  # something is wrong or unusual: check line by line to say what
        events = _checked_events(lines, name, config)
    tickets: Tickets = {}
    for event in events:
        key = event.data["ticket"]
        bucket = tickets.get(key)
        if bucket is None:
            tickets[key] = [event]
        else:
            bucket.append(event)
    for bucket in tickets.values():
        bucket.sort(key=_time)  # stable: events at one instant keep their file order
    if not _well_ordered(tickets, events):
        for ticket, bucket in tickets.items():
            _check_order(ticket, bucket, name)
    return tickets


def ticket_events(objs: list[dict[str, Any]], name: str, config: Config) -> list[Event]:
    """One ticket's events given as dicts (the service desk's history), checked and sorted."""
    events = [_event(obj, name, number, config) for number, obj in enumerate(objs, start=1)]
    events.sort(key=_time)
    if events:
        _check_order(events[0].data["ticket"], events, name)
    return events


def _checked_events(lines: list[bytes], name: str, config: Config) -> list[Event]:
    """Events one line at a time; raises EventError naming the first bad line."""
    events = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise EventError(f"{name}:{number}: not a JSON object: {exc}") from None
        events.append(_event(obj, name, number, config))
    return events


def _fast_events(lines: list[bytes], config: Config) -> list[Event] | None:
    """Events of a well-formed stream, checked column by column; None if any check fails.

    This is the path of every real export and takes half the time of `_checked_events`.
    It accepts only what `_event` accepts; anything else goes the slow way for its message.
    """
    try:
        objs = list(map(orjson.loads, lines))
        if {type(o) for o in objs} != {dict}:
            return None
        ats = [o.get("at") for o in objs]
        moments = list(map(datetime.fromisoformat, ats))  # TypeError if not a string
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None
    kinds = [o.get("type") for o in objs]
    try:
        tickets = {o.get("ticket") for o in objs}
        known = frozenset(config.event_types).issuperset(kinds)
    except TypeError:  # a list or an object where a string belongs
        return None
    if not known or "" in tickets or {type(t) for t in tickets} != {str}:
        return None
    offsets = [m.utcoffset() for m in moments]
    seconds = {o: int(o.total_seconds()) for o in set(offsets) if o is not None}
    if len(seconds) < len(set(offsets)):  # an instant without a UTC offset
        return None
    if not _fast_fields(objs, kinds, config):
        return None
    return list(
        map(
            Event,
            [m.timestamp() for m in moments],
            kinds,
            objs,
            range(1, len(objs) + 1),
            [seconds[o] for o in offsets],
        )
    )


def _fast_fields(objs: list[dict[str, Any]], kinds: list[str], config: Config) -> bool:
    """The fields each kind of event needs, in the common forms only."""
    priorities = set(config.priorities)
    for obj, kind in zip(objs, kinds, strict=True):
        if kind == "status":
            status = obj.get("status")
            if type(status) is not str or not status:
                return False
        elif kind == "created" or kind == "priority":
            if obj.get("priority") not in priorities:
                return False  # impact x urgency, or no priority: checked by _event
            if kind == "created" and (
                ("status" in obj and not _is_name(obj["status"]))
                or type(obj.get("fields", {})) is not dict
            ):
                return False
    return True


def _well_ordered(tickets: Tickets, events: list[Event]) -> bool:
    """Each ticket starts with its one created event."""
    created = sum(1 for e in events if e.type == "created")
    return created == len(tickets) and all(b[0].type == "created" for b in tickets.values())


def _time(event: Event) -> float:
    return event.t


def _event(obj: Any, name: str, number: int, config: Config) -> Event:
    """One event, checked; raises EventError saying what is wrong with this line."""
    if type(obj) is not dict:
        _bad(name, number, f"expected a JSON object, got {type(obj).__name__}")
    ticket = obj.get("ticket")
    ok_ticket = (type(ticket) is str and ticket) or (type(ticket) is int)
    if not ok_ticket:
        _bad(name, number, f"'ticket' must be a ticket id (string), got {ticket!r}")
    kind = obj.get("type")
    if type(kind) is not str or kind not in config.event_types:
        allowed = ", ".join(config.event_types)
        _bad(name, number, f"unknown event type {kind!r}; allowed: {allowed}")
    at = obj.get("at")
    if type(at) is not str:
        _bad(name, number, f"'at' must be an ISO-8601 timestamp with a UTC offset, got {at!r}")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        _bad(name, number, f"'at' is not an ISO-8601 timestamp: {at!r}")
    offset = moment.utcoffset()
    if offset is None:
        _bad(name, number, f"'at' has no UTC offset: {at!r} (write e.g. {at}+08:00)")
    if kind == "status":
        if not _is_name(obj.get("status")):
            _bad(name, number, "a status event needs 'status' (a status name)")
    elif kind == "created":
        _check_priority(obj, name, number, config, required=True)
        if "status" in obj and not _is_name(obj["status"]):
            _bad(name, number, f"'status' must be a status name, got {obj['status']!r}")
        if type(obj.get("fields", {})) is not dict:
            _bad(name, number, "'fields' must be a JSON object")
    elif kind == "priority":
        _check_priority(obj, name, number, config, required=True)
    return Event(moment.timestamp(), kind, obj, number, offset.seconds + offset.days * 86400)


def _bad(name: str, number: int, message: str) -> NoReturn:
    raise EventError(f"{name}:{number}: {message}")


def _check_priority(
    obj: dict[str, Any], name: str, number: int, config: Config, required: bool
) -> None:
    prio = obj.get("priority")
    if prio is not None:
        if prio not in config.priorities:
            allowed = ", ".join(config.priorities)
            _bad(name, number, f"unknown priority {prio!r}; allowed: {allowed}")
        return
    where = f"{name}:{number}"
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

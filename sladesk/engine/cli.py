"""`sladesk sla …` and `sladesk calendar …`: the engine's command line, without Django.

Every command reads all of its input and computes everything before it writes anything,
so bad input ends with exit status 2 and one line on stderr, and nothing on stdout.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, NoReturn

from .calendar import CalendarError
from .config import Config, ConfigError, load_config
from .durations import parse_duration
from .events import EventError, read_events

USAGE_ERROR = 2
BULK_MIN_BYTES = 1 << 20  # smaller streams: the scalar path, as fast there without numpy


class UsageError(Exception):
    """Bad input from the user; the message is printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one engine command; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args = parser.parse_args(args_list)
        if not hasattr(args, "run"):
            parser.print_help(sys.stderr)
            return USAGE_ERROR
        out = args.run(args)
    except UsageError as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        return _fail(*exc.problems)
    except (EventError, CalendarError) as exc:
        return _fail(str(exc))
    if out:
        _write(sys.stdout.buffer, out)
    return 0


def _fail(*lines: str) -> int:
    sys.stderr.write("error: " + "\nerror: ".join(lines) + "\n")
    return USAGE_ERROR


def _write(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:  # `| head` closed the pipe: not an error of ours
        pass


def _warn(config: Config) -> None:
    for line in config.warnings():
        sys.stderr.write(f"warning: {line}\n")


# -- the parser -------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    root = _Parser(prog="sladesk", description="sladesk SLA engine")
    groups = root.add_subparsers(title="commands", metavar="{sla,calendar}")
    sla = groups.add_parser("sla", help="compute, explain and validate SLA clocks")
    sla_cmds = sla.add_subparsers(title="sla commands", metavar="COMMAND")
    cal = groups.add_parser("calendar", help="business-time arithmetic on a calendar")
    cal_cmds = cal.add_subparsers(title="calendar commands", metavar="COMMAND")

    def command(
        group: argparse._SubParsersAction, name: str, run: Callable, help: str
    ) -> argparse.ArgumentParser:
        p = group.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    p = command(
        sla_cmds, "compute", _compute, "clock results of an event stream, one per ticket and metric"
    )
    _config_arg(p)
    p.add_argument("--events", required=True, help="JSON Lines event file, or - for stdin")
    p.add_argument(
        "--now", help="instant to read the clocks at (ISO-8601 with offset); default: now"
    )
    p.add_argument("--format", choices=("json", "table"), default="json")

    p = command(
        sla_cmds,
        "explain",
        _explain,
        "the timeline of each clock of one ticket, and why it was met or breached",
    )
    _config_arg(p)
    p.add_argument("--events", required=True, help="JSON Lines event file, or - for stdin")
    p.add_argument("--ticket", required=True, help="ticket id")
    p.add_argument(
        "--now", help="instant to read the clocks at (ISO-8601 with offset); default: now"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = command(sla_cmds, "validate", _validate, "check a configuration file; one line per problem")
    p.add_argument("file", help="SLA configuration (YAML)")

    command(sla_cmds, "schema", _schema, "print the JSON Schema of the configuration format")

    p = command(
        cal_cmds, "add", _calendar_add, "the deadline: start plus a duration of business time"
    )
    _config_arg(p)
    p.add_argument("--calendar", required=True)
    p.add_argument("--start", required=True, help="ISO-8601 with offset")
    p.add_argument("--duration", required=True, help="e.g. 4h, 1h30m, 90s")

    p = command(cal_cmds, "elapsed", _calendar_elapsed, "business seconds between two instants")
    _config_arg(p)
    p.add_argument("--calendar", required=True)
    p.add_argument("--start", required=True, help="ISO-8601 with offset")
    p.add_argument("--end", required=True, help="ISO-8601 with offset")

    p = command(
        cal_cmds,
        "import",
        _calendar_import,
        "print the holidays and make-up working days of an .ics or holiday-cn .json file as YAML",
    )
    p.add_argument("file", help=".ics or .json file")
    return root


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="SLA configuration (YAML)")


# -- commands ---------------------------------------------------------------------------


def _compute(args: argparse.Namespace) -> bytes:
    # Millions of small objects and no reference cycles: the cyclic collector would only
    # rescan them over and over (a third of the run time on 100,000 tickets).
    gc.disable()
    config = load_config(args.config)
    now = _now(args.now)
    data = _read_events(args.events)
    # -- bulk path (numpy, sladesk/engine/bulk.py): the same bytes, for large streams --------
    if args.format == "json" and len(data) >= BULK_MIN_BYTES:
        from .bulk import compute_json, keep_freed_memory

        keep_freed_memory()
        out = compute_json(config, data, _events_name(args.events), now)
        if out is not None:
            _warn(config)
            return out  # type: ignore[return-value]  (a bytearray)
        config = load_config(args.config)  # it gave up: the scalar path, from a fresh start
    # -- scalar path -----------------------------------------------------------------------
    from .compute import compute, json_lines, render_table, table_rows

    tickets = read_events(data, _events_name(args.events), config)
    results = list(compute(config, tickets, now))
    _warn(config)
    if args.format == "table":
        return (render_table(list(table_rows(iter(results)))) + "\n").encode()
    return json_lines(results)


def _explain(args: argparse.Namespace) -> bytes:
    import orjson

    from .clock import run_ticket
    from .explain import explain_dict, explain_text

    config = load_config(args.config)
    now = _now(args.now)
    tickets = read_events(_read_events(args.events), _events_name(args.events), config)
    events = tickets.get(args.ticket)
    if events is None:
        events = next((ev for key, ev in tickets.items() if str(key) == args.ticket), None)
    if events is None:
        raise UsageError(f"ticket {args.ticket!r} is not in {_events_name(args.events)}")
    results = run_ticket(config, events[0].data["ticket"], events, now, explain=True)
    _warn(config)
    if args.format == "json":
        return (
            orjson.dumps(explain_dict(config, events, results, now), option=orjson.OPT_INDENT_2)
            + b"\n"
        )
    return explain_text(config, events, results, now).encode() + b"\n"


def _validate(args: argparse.Namespace) -> bytes:
    config = load_config(args.file)
    policies = len(config.policies)
    metrics = sum(len(p.metrics) for p in config.policies)
    return (
        f"{args.file}: valid: {len(config.calendars)} calendars, {len(config.priorities)} "
        f"priorities, {policies} policies, {metrics} metrics\n"
    ).encode()


def _schema(args: argparse.Namespace) -> bytes:
    import orjson

    from .schema import CONFIG_SCHEMA

    return orjson.dumps(CONFIG_SCHEMA, option=orjson.OPT_INDENT_2) + b"\n"


def _calendar_add(args: argparse.Namespace) -> bytes:
    config = load_config(args.config)
    cal = _calendar(config, args.calendar)
    start = _instant(args.start, "--start")
    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        raise UsageError(f"--duration: {exc}") from None
    due = cal.add(start.timestamp(), seconds)
    _warn(config)
    return (datetime.fromtimestamp(due, start.tzinfo).isoformat() + "\n").encode()


def _calendar_elapsed(args: argparse.Namespace) -> bytes:
    config = load_config(args.config)
    cal = _calendar(config, args.calendar)
    start = _instant(args.start, "--start")
    end = _instant(args.end, "--end")
    if end < start:
        raise UsageError(f"--end ({args.end}) is before --start ({args.start})")
    seconds = cal.elapsed(start.timestamp(), end.timestamp())
    _warn(config)
    return f"{int(seconds) if seconds == int(seconds) else seconds}\n".encode()


def _calendar_import(args: argparse.Namespace) -> bytes:
    from .daysets import DaySetError, read_day_file

    try:
        days = read_day_file(Path(args.file))
    except DaySetError as exc:
        raise UsageError(str(exc)) from None
    lines = [f"# from {days.source}"]
    for key, dates in (("holidays", days.holidays), ("workdays", days.workdays)):
        lines.append(f"{key}:")
        lines += [f"  - {d.isoformat()}" for d in sorted(dates)]
    return ("\n".join(lines) + "\n").encode()


# -- argument helpers -------------------------------------------------------------------


def _calendar(config: Config, cid: str):  # -> Calendar
    if cid not in config.calendars:
        raise UsageError(
            f"--calendar: unknown calendar {cid!r}; defined: {', '.join(config.calendars)}"
        )
    return config.calendars[cid]


def _instant(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not an ISO-8601 timestamp") from None
    if value.utcoffset() is None:
        raise UsageError(f"{option}: {text!r} has no UTC offset (write e.g. {text}+08:00)")
    return value


def _now(text: str | None) -> float:
    if text is None:
        return datetime.now().astimezone().timestamp()
    return _instant(text, "--now").timestamp()


def _events_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _read_events(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--events: cannot read {path}: {exc.strerror}") from None

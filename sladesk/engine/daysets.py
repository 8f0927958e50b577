"""Holidays and make-up working days (调休) from official data and from holiday files.

A calendar takes them from `holidays_from: CN` (the `chinesecalendar` package) and from
`holiday_files` (.ics feeds, or the JSON published by the holiday-cn project), so that a
service manager can load next year's arrangement the day the State Council announces it.

Every source says which years it speaks for. Nothing here guesses a year it was not given:
a year without data is left out of `years`, and the calendar warns when it reaches one.
`chinesecalendar` and `icalendar` are imported only when used, so the CLI starts fast.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathlib

    from icalendar import Calendar, Component


@dataclass(frozen=True)
class DaySet:
    """Holidays and make-up working days from one source, with the years it covers."""

    source: str  # e.g. "CN (chinesecalendar 1.11.0)" or the file path
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]  # years the source speaks for

    def __post_init__(self) -> None:
        both = sorted(self.holidays & self.workdays)
        if both:
            raise DaySetError(
                f"{self.source}: {both[0]} is both a holiday and a make-up working day"
            )


class DaySetError(ValueError):
    """A holiday source that cannot be used; the message is one line naming the source."""


OFFICIAL_SOURCES: tuple[str, ...] = ("CN",)

_ONE_DAY = timedelta(days=1)
# A holiday event longer than this is a typo (a wrong year in DTEND), not a holiday.
_MAX_EVENT_DAYS = 366
_HOLIDAY = "holiday"
_WORKDAY = "workday"


# -- official data --------------------------------------------------------------------


@functools.cache
def official_days(source: str) -> DaySet:
    """The days of an official source named by `holidays_from`, e.g. "CN"."""
    if source not in OFFICIAL_SOURCES:
        allowed = ", ".join(OFFICIAL_SOURCES)
        raise DaySetError(f"unknown holiday source {source!r}; allowed: {allowed}")
    return _china_days()


def _china_days() -> DaySet:
    try:
        import chinese_calendar  # heavy, and only needed for `holidays_from: CN`
    except ImportError as exc:
        raise DaySetError(
            "holiday source 'CN' needs the chinesecalendar package (pip install chinesecalendar)"
        ) from exc
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    # chinesecalendar answers for every year from its first to its last holiday and raises
    # NotImplementedError outside that range; claim exactly the years it answers for.
    years = frozenset(range(min(holidays).year, max(holidays).year + 1))
    version = _distribution_version("chinesecalendar", chinese_calendar)
    return DaySet(f"CN (chinesecalendar {version})", holidays, workdays, years)


def _distribution_version(distribution: str, module: Any) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # vendored copy: trust the module's own claim
        return str(getattr(module, "__version__", "unknown version"))


# -- files ----------------------------------------------------------------------------


def read_day_file(path: pathlib.Path) -> DaySet:
    """Read a holiday file, choosing the format by its suffix (.ics or .json)."""
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        suffix = path.suffix or "no suffix"
        raise DaySetError(f"{path}: unsupported holiday file type ({suffix}); use .ics or .json")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DaySetError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    return parser(data, str(path))


# -- iCalendar ------------------------------------------------------------------------

# A summary or category containing one of these marks a make-up working day: Chinese feeds
# write "春节 补班", "上班(补春节假期)", "国庆节（班）"; English ones "Working day".
_WORK_WORDS = re.compile(r"班|work(?:ing)?[\s-]?day", re.IGNORECASE)
_NON_WORKING = re.compile(r"non[\s-]?work", re.IGNORECASE)
# "Make-up" alone usually means a make-up working day, but "make-up holiday" exists too.
_MAKE_UP = re.compile(r"make[\s-]?up", re.IGNORECASE)
_DAY_OFF_WORDS = re.compile(r"休|假|holiday|day[\s-]?off|\brest\b", re.IGNORECASE)

# Apple's feeds (calendars.icloud.com/holidays/cn_zh.ics) mark the official days with this
# property and mix in observances (solar terms, Valentine's Day) that are not days off.
_APPLE_MARK = "X-APPLE-SPECIAL-DAY"
_APPLE_KINDS = {"WORK-HOLIDAY": _HOLIDAY, "ALTERNATE-WORKDAY": _WORKDAY}


def parse_ics(data: bytes, name: str) -> DaySet:
    """Holidays and make-up working days from an iCalendar file; `name` is used in errors."""
    calendar = _read_calendar(data, name)
    events = [e for e in calendar.walk("VEVENT") if str(e.get("STATUS", "")).upper() != "CANCELLED"]
    marked = any(_APPLE_MARK in event for event in events)
    days: dict[str, dict[date, str]] = {_HOLIDAY: {}, _WORKDAY: {}}  # day -> event that listed it
    for event in events:
        kind = _apple_kind(event, name) if marked else _text_kind(event, name)
        if kind is not None:
            _add_event_days(days, kind, event, name)
    return _file_dayset(name, days[_HOLIDAY], days[_WORKDAY])


def _add_event_days(
    days: dict[str, dict[date, str]], kind: str, event: Component, name: str
) -> None:
    event_days = _event_days(event, name)
    label = _event_label(event, event_days[0])
    other = _WORKDAY if kind == _HOLIDAY else _HOLIDAY
    for day in event_days:
        if day in days[other]:
            pair = (label, days[other][day]) if kind == _HOLIDAY else (days[other][day], label)
            raise DaySetError(
                f"{name}: {day} is both a holiday ({pair[0]}) and a make-up working day ({pair[1]})"
            )
        days[kind].setdefault(day, label)


def _read_calendar(data: bytes, name: str) -> Calendar:
    from icalendar import Calendar  # slow to import; most runs never need it

    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:  # icalendar reports every syntax problem as ValueError
        if b"BEGIN:VCALENDAR" in data and b"END:VCALENDAR" not in data:
            raise DaySetError(f"{name}: no END:VCALENDAR; is the download cut off?") from exc
        raise DaySetError(f"{name}: not a valid iCalendar file ({_first_clause(exc)})") from exc
    if calendar.name != "VCALENDAR":
        raise DaySetError(f"{name}: not a valid iCalendar file (top component is {calendar.name})")
    return calendar


def _first_clause(exc: Exception) -> str:
    # icalendar appends a dump of the offending bytes after ": b'"; keep the message only.
    text = " ".join(str(exc).split())
    return _shorten(text.split(": b'")[0].split(': b"')[0], 120)


def _apple_kind(event: Component, name: str) -> str | None:
    """The kind given by Apple's marker; None for observances, which carry no marker."""
    if _APPLE_MARK not in event:
        return None
    mark = str(event[_APPLE_MARK]).strip().upper()
    if mark not in _APPLE_KINDS:
        known = " or ".join(_APPLE_KINDS)
        where = f"{name}: {_event_label(event)}"
        raise DaySetError(f"{where}: unknown {_APPLE_MARK} value {mark!r} (expected {known})")
    return _APPLE_KINDS[mark]


def _text_kind(event: Component, name: str) -> str:
    """Holiday or make-up working day, read from SUMMARY and CATEGORIES (never DESCRIPTION)."""
    # Chinese feeds explain the whole arrangement in DESCRIPTION ("…2月4日上班"), so it
    # would turn every holiday into a working day.
    text = " ".join([str(event.get("SUMMARY", "")), *_categories(event)])
    if _NON_WORKING.search(text):
        return _HOLIDAY
    if _WORK_WORDS.search(text):
        return _WORKDAY
    if _MAKE_UP.search(text):
        if _DAY_OFF_WORDS.search(text):
            raise DaySetError(
                f"{name}: {_event_label(event)}: cannot tell a make-up working day from a "
                "holiday; say 'working day' or 'holiday'"
            )
        return _WORKDAY
    return _HOLIDAY


def _categories(event: Component) -> list[str]:
    found = event.get("CATEGORIES")
    if found is None:
        return []
    props = found if isinstance(found, list) else [found]
    return [str(cat) for prop in props for cat in getattr(prop, "cats", [prop])]


def _event_days(event: Component, name: str) -> list[date]:
    """Every date an event covers, in order."""
    where = f"{name}: {_event_label(event)}"
    _check_properties(event, where)
    start = _value(event, "DTSTART")
    if start is None:
        raise DaySetError(f"{where}: no DTSTART")
    if not isinstance(start, date):
        raise DaySetError(f"{where}: DTSTART is not a date or a date-time")
    if "DTEND" in event and "DURATION" in event:
        raise DaySetError(f"{where}: has both DTEND and DURATION")
    if isinstance(start, datetime):
        first, last = _datetime_span(event, start, where)
    else:
        first, last = _date_span(event, start, where)
    if last < first:
        raise DaySetError(f"{where}: ends before it starts")
    count = (last - first).days + 1
    if count > _MAX_EVENT_DAYS:
        raise DaySetError(f"{where}: spans {count} days; a holiday event is at most a year")
    return [first + _ONE_DAY * i for i in range(count)]


def _check_properties(event: Component, where: str) -> None:
    errors = getattr(event, "errors", [])  # icalendar keeps unparsable values as vBroken
    if errors:
        prop, problem = errors[0]
        raise DaySetError(f"{where}: bad {prop} ({_shorten(str(problem), 80)})")
    for prop in ("RRULE", "RDATE"):
        # Expanding repeats would guess future years; a feed lists each year's days.
        if prop in event:
            raise DaySetError(
                f"{where}: repeating events ({prop}) are not supported; list each day"
            )


def _date_span(event: Component, start: date, where: str) -> tuple[date, date]:
    """First and last day of an all-day event: DTEND is exclusive, DURATION counts days."""
    end = _value(event, "DTEND")
    duration = _value(event, "DURATION")
    if end is not None:
        if isinstance(end, datetime) or not isinstance(end, date):
            raise DaySetError(f"{where}: DTSTART is a date but DTEND is not")
        if end < start:
            raise DaySetError(f"{where}: ends before it starts")
        # Some feeds (ShuYZ/lanceliao) write DTEND equal to DTSTART for a one-day event.
        return start, max(start, end - _ONE_DAY)
    if duration is not None:
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise DaySetError(f"{where}: DURATION must be a positive length")
        days = duration.days + (1 if duration % _ONE_DAY else 0)
        return start, start + _ONE_DAY * (max(days, 1) - 1)
    return start, start


def _datetime_span(event: Component, start: datetime, where: str) -> tuple[date, date]:
    """First and last date of a timed event, each read in its own timezone."""
    end = _value(event, "DTEND")
    duration = _value(event, "DURATION")
    if end is not None:
        if not isinstance(end, datetime):
            raise DaySetError(f"{where}: DTSTART is a date-time but DTEND is not")
    elif duration is not None:
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise DaySetError(f"{where}: DURATION must be a positive length")
        end = start + duration
    else:
        return start.date(), start.date()
    last = end.date()
    # An event that ends at midnight does not touch the day that begins then.
    if end.time() == datetime.min.time() and last > start.date():
        last -= _ONE_DAY
    return start.date(), last


def _value(event: Component, prop: str) -> Any:
    """The parsed value of a property; None when absent or unparsable."""
    found = event.get(prop)
    if found is None or any(bad == prop for bad, _ in getattr(event, "errors", [])):
        return None
    return getattr(found, "dt", found)


def _event_label(event: Component, first: date | None = None) -> str:
    summary = event.get("SUMMARY")
    label = f'event "{_shorten(str(summary), 60)}"' if summary else "event without SUMMARY"
    if first is None:
        start = _value(event, "DTSTART")
        first = start.date() if isinstance(start, datetime) else start
    return f"{label} starting {first}" if isinstance(first, date) else label


def _shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, for error messages."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _file_dayset(name: str, holidays: Iterable[date], workdays: Iterable[date]) -> DaySet:
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    if not holidays and not workdays:
        # holiday-cn publishes an empty file for a year before it is announced.
        raise DaySetError(f"{name}: no holidays or make-up working days (not announced yet?)")
    years = frozenset(day.year for day in holidays | workdays)
    return DaySet(name, holidays, workdays, years)


# -- holiday-cn JSON ------------------------------------------------------------------


def parse_holiday_json(data: bytes, name: str) -> DaySet:
    """Days of a holiday-cn year file: {"year": 2027, "days": [{"date", "isOffDay"}, …]}."""
    doc = _load_json(data, name)
    year = _json_year(doc, name)
    entries = doc.get("days")
    if entries is None:
        raise DaySetError(f'{name}: missing "days"')
    if not isinstance(entries, list):
        raise DaySetError(f'{name}: "days" must be a list, not {_json_kind(entries)}')
    papers = doc.get("papers", [])
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise DaySetError(f'{name}: "papers" must be a list of web addresses')
    if not entries:
        # holiday-cn publishes {"year": 2027, "papers": [], "days": []} before the
        # announcement; taking it would claim a year without its holidays.
        raise DaySetError(f'{name}: "days" is empty; the {year} holidays are not announced yet?')
    off: dict[date, int] = {}  # day -> index of the entry that listed it
    on: dict[date, int] = {}
    for index, entry in enumerate(entries):
        day, is_off = _json_day(entry, f"{name}: days[{index}]", year)
        same, other = (off, on) if is_off else (on, off)
        if day in other:
            first, second = sorted((index, other[day]))
            raise DaySetError(
                f"{name}: {day} is both a day off and a working day (days[{first}], days[{second}])"
            )
        same.setdefault(day, index)
    # The paper for a year may list a day of the year before (元旦 2023 began on
    # 2022-12-31); that day is kept, but the file speaks only for its own year.
    return DaySet(name, frozenset(off), frozenset(on), frozenset({year}))


def _load_json(data: bytes, name: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise DaySetError(f"{name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise DaySetError(f"{name}: not UTF-8 text") from exc
    if not isinstance(doc, dict):
        raise DaySetError(
            f'{name}: expected an object with "year" and "days", not {_json_kind(doc)}'
        )
    return doc


def _json_year(doc: dict[str, Any], name: str) -> int:
    year = doc.get("year")
    if year is None:
        raise DaySetError(f'{name}: missing "year"')
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2999:
        raise DaySetError(f'{name}: "year" must be a year such as 2027, not {year!r}')
    return year


def _json_day(entry: Any, where: str, year: int) -> tuple[date, bool]:
    if not isinstance(entry, dict):
        raise DaySetError(f'{where}: expected an object with "date" and "isOffDay"')
    for key in ("date", "isOffDay"):
        if key not in entry:
            raise DaySetError(f'{where}: missing "{key}"')
    raw, is_off = entry["date"], entry["isOffDay"]
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise DaySetError(f"{where}.date: {raw!r} is not a date (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise DaySetError(f"{where}.date: {raw!r} is not a date ({exc})") from exc
    if not isinstance(is_off, bool):
        raise DaySetError(f"{where}.isOffDay: must be true or false, not {is_off!r}")
    if "name" in entry and not isinstance(entry["name"], str):
        raise DaySetError(f"{where}.name: must be text")
    if abs(day.year - year) > 1:
        raise DaySetError(f"{where}.date: {raw} is far from the file's year {year}")
    return day, is_off


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), "a number")


_PARSERS: dict[str, Callable[[bytes, str], DaySet]] = {
    ".ics": parse_ics,
    ".json": parse_holiday_json,
}

"""Durations of business time (`90s`, `15m`, `4h`, `1h30m`, or a plain number of seconds),
and percentages (`98%`), as SLA-as-code writes them."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")

DURATION_HELP = (
    "a duration such as 90s, 15m, 4h, 1h30m or a whole number of seconds (units s, m, h)"
)


def parse_duration(value: object) -> int:
    """Seconds of `value`; raises ValueError with a message meant for the user."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {DURATION_HELP}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative; expected {DURATION_HELP}")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        match = _DURATION.fullmatch(text)
        if text and match:
            hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
            return hours * 3600 + minutes * 60 + seconds
        if re.fullmatch(r"\d+\s*(d|day|days|w)", text):
            raise ValueError(
                f"{value!r}: days are not accepted, a day of business time is ambiguous; "
                "write hours instead (e.g. 24h or 8h)"
            )
    raise ValueError(f"{value!r} is not {DURATION_HELP}")


def format_duration(seconds: float) -> str:
    """`1h30m`, `15m`, `0s`: the shortest spelling parse_duration reads back (for whole seconds)."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    if secs or seconds != whole:
        text += f"{secs + seconds - whole:g}s"
    return text or "0s"


def percent_of(value: object) -> float | None:
    """The fraction a text such as `150%` names (any size), or None if it is not one."""
    if isinstance(value, str) and (match := _PERCENT.fullmatch(value.strip())):
        return float(match.group(1)) / 100
    return None


def parse_percent(value: object) -> float:
    """`98%`, `99.9%` -> 0.98, 0.999; a bare number must be a fraction in [0, 1].

    Raises ValueError with a message meant for the user."""
    fraction = percent_of(value)
    if fraction is None:
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
            return float(value)
        raise ValueError(f"{value!r} is not a percentage such as 98% or 99.9%")
    if fraction > 1:
        raise ValueError(f"{value!r} is more than 100%")
    return fraction

"""Durations of business time: `90s`, `15m`, `4h`, `1h30m`, or a plain number of seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

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

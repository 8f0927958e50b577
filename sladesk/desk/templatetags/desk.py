"""Template helpers of the desk's pages: durations, countdowns and names in the reader's
language."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sladesk.desk.deadlines import Reading

register = template.Library()


def _strings() -> dict[str, str]:
    """The phrases of a duration; desk.js receives them too, to count down in the browser."""
    return {
        "dh": _("%(days)sd %(hours)sh"),
        "hm": _("%(hours)sh %(minutes)sm"),
        "h": _("%(hours)sh"),
        "m": _("%(minutes)sm"),
        "lt1": _("under a minute"),
        "left": _("due in %(time)s"),
        "overdue": _("overdue by %(time)s"),
    }


def span(seconds: float, *, days: bool = True) -> str:
    """A duration a person reads at a glance: `2d 3h`, `1h 20m`, `15m` (whole minutes).

    Business time (targets, time used) is given in hours: a "day" of an 8-hour calendar is
    not 24 hours, so counting it in days would mislead.
    """
    s = _strings()
    minutes = int(abs(seconds) // 60)
    d, rest = divmod(minutes, 1440) if days else (0, minutes)
    h, m = divmod(rest, 60)
    if d:
        return s["dh"] % {"days": d, "hours": h}
    if h:
        return s["hm"] % {"hours": h, "minutes": m} if m else s["h"] % {"hours": h}
    if m:
        return s["m"] % {"minutes": m}
    return s["lt1"]


@register.filter
def business(seconds: float | None) -> str:
    """Business seconds (a target, time used or left) in hours and minutes."""
    return "–" if seconds is None else span(seconds, days=False)


@register.filter
def countdown(due: datetime | None, now: datetime | None = None) -> str:
    """`due in 1h 20m` or `overdue by 5m`, in wall-clock time; desk.js keeps it current."""
    if due is None:
        return ""
    left = (due - (now or timezone.now())).total_seconds()
    s = _strings()
    if left >= 0:
        return s["left"] % {"time": span(left)}
    return s["overdue"] % {"time": span(-left)}


@register.simple_tag
def countdown_strings() -> SafeString:
    """The phrases desk.js counts down with, as a JSON script element."""
    return json_script(_strings(), "countdown-strings")


@register.filter
def epoch_ms(moment: datetime | None) -> str:
    return "" if moment is None else str(int(moment.timestamp() * 1000))


@register.filter
def local_name(obj) -> str:
    """A service's or category's English name for English readers, when it has one."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return str(obj)


@register.inclusion_tag("desk/_clock.html")
def clock(reading: Reading, compact: bool = False) -> dict:
    return {"r": reading, "compact": compact}


@register.filter
def label_of(value: str, choices) -> str:
    """The label of a stored choice value (a status in an event's data)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value

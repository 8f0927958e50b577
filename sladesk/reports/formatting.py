"""How report figures read to people: durations, percentages, scores and metric names, in
the active language. The PDF, the charts and the report pages all format through here, so
a figure reads the same wherever it is shown (the XLSX keeps real numbers instead).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

MISSING = "—"  # a figure that cannot be computed (nothing measured, nothing rated)
MINUTE = 60
HOUR = 3600


def decimal(value: float, places: int = 1) -> str:
    """`value` rounded half up (4.25 -> 4.3, as people round) without a trailing `.0`."""
    step = Decimal(1).scaleb(-places)
    text = str(
        Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)
    )  # str: floats and Decimals
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def duration(seconds: float | None) -> str:
    """`45 min` under an hour, `6.5 h` from an hour on, as the seed's monthly report writes
    them (45分钟, 6.5小时). Hours never turn into days: a business day is not 24 hours,
    and SLA targets are written in hours too."""
    if seconds is None:
        return MISSING
    if seconds < MINUTE:
        return _("%(seconds)s s") % {"seconds": decimal(seconds, 0)}
    if round(seconds / MINUTE) < MINUTE:
        return _("%(minutes)s min") % {"minutes": decimal(seconds / MINUTE, 0)}
    return _("%(hours)s h") % {"hours": decimal(seconds / HOUR)}


def percent(fraction: float | None) -> str:
    """`93%`, `66.7%`: one decimal only where it says something."""
    if fraction is None:
        return MISSING
    return f"{decimal(fraction * 100)}%"


def availability(fraction: float | None) -> str:
    """`99.975%`: availability goals live in the last decimals, so three of them."""
    if fraction is None:
        return MISSING
    return f"{decimal(fraction * 100, 3)}%"


def score(value: float | None) -> str:
    """A service score or a mean rating: `74`, `4.3`."""
    if value is None:
        return MISSING
    return decimal(value)


def satisfaction(value: float | None) -> str:
    """The mean rating on the 1–5 scale: `4.3 / 5` (4.3分 in Chinese)."""
    if value is None:
        return MISSING
    return _("%(score)s / 5") % {"score": score(value)}


def metric(name: str) -> str:
    """The label of an SLA metric; a metric the SLA file invents keeps its own name."""
    labels = {"response": _("Response"), "resolution": _("Resolution")}
    return labels.get(name, name)


def priority(name: str) -> str:
    """`all` is the total row of a table; priorities keep their SLA names (P1…)."""
    return _("All") if name == "all" else name


def local(moment: datetime | None) -> datetime | None:
    """`moment` on the site's clock, naive: periods are site days, and XLSX stores no zone."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None)


def when(moment: datetime | None) -> str:
    """`2026-10-19 10:20` on the site's clock."""
    shown = local(moment)
    return MISSING if shown is None else f"{shown:%Y-%m-%d %H:%M}"

"""The service report as a PDF a service manager can send: a cover, the monthly summary of
the SLA template (表3) and more, compliance against the goals, the charts, the score, the
trend, the breaches and the manager's notes.

The page is a Django template (reports/pdf.html) rendered in the active language, and
WeasyPrint lays it out. Every figure is formatted here, so the template only places text.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from . import charts, formatting
from .figures import Compliance, Figures, Times

CHARTS: tuple[Callable[[Figures], str], ...] = (
    charts.volumes,
    charts.compliance,
    charts.trend,
    charts.ratings,
)


@dataclass
class Cell:
    """A figure as shown, with the wall-clock time beside a business time where there is one."""

    text: str
    aside: str = ""


def render(figures: Figures, notes: str = "") -> bytes:
    """The report as PDF bytes, in the active language."""
    # Imported here: WeasyPrint loads pango and fonts, which only PDF rendering needs.
    from weasyprint import HTML

    html = render_to_string("reports/pdf.html", context(figures, notes))
    return HTML(string=html).write_pdf()


def context(figures: Figures, notes: str = "") -> dict[str, Any]:
    """What the template shows, every figure already formatted."""
    f = figures
    times = {t.priority: t for t in f.times}
    whole = times.get("all")
    return {
        "language": get_language(),
        "title": _("Service report"),
        "f": f,
        "versions": ", ".join(f"v{n}" for n in f.versions) or formatting.MISSING,
        "generated": formatting.when(f.generated_at),
        "period": f"{f.period.first:%Y-%m-%d} – {f.period.last:%Y-%m-%d}",
        "summary": _summary(f, whole),
        "notes": notes.strip(),
        "times": [_times_row(t) for t in f.times],
        "compliance": [_compliance_row(row) for row in f.compliance]
        + [_compliance_row(row, overall=True) for row in f.overall.values()],
        "goals_missed": len(f.goals_missed),
        "excluded": _excluded(f),
        "charts": [_data_uri(draw(f)) for draw in CHARTS],
        "score": formatting.score(f.score),
        "deductions": [(text, formatting.score(points)) for text, points in f.deductions],
        "deducted": formatting.score(sum(points for _text, points in f.deductions)),
        "availability": [
            {
                "service": a["service"],
                "availability": formatting.availability(a["availability"]),
                "goal": formatting.availability(a["goal"]),
                "down": formatting.duration(a["unplanned_seconds"]),
                "hours": formatting.duration(a["service_seconds"]),
                "violations": a["violations"],
            }
            for a in f.availability
        ],
        "trend": [
            {
                "label": p.label,
                "tickets": p.tickets,
                "compliance": formatting.percent(p.compliance),
                "satisfaction": formatting.score(p.satisfaction),
                "goals_missed": p.goals_missed,
            }
            for p in f.trend
        ],
        "breaches": [
            {
                "number": b.number,
                "subject": b.subject,
                "priority": b.priority,
                "metric": formatting.metric(b.metric),
                "target": formatting.duration(b.target),
                "elapsed": formatting.duration(b.elapsed),
                "breached_at": formatting.when(b.breached_at),
                "cause": b.cause,
            }
            for b in f.breaches
        ],
        "breaches_cut": f.breach_count > len(f.breaches),
    }


def _summary(f: Figures, whole: Times | None) -> dict[str, Any]:
    """The monthly summary of the SLA template (表3), column for column."""
    return {
        "tickets": f.tickets,
        "by_priority": list(f.by_priority.items()),
        "response": _mean(whole.response_business, whole.response_wall) if whole else None,
        "resolution": _mean(whole.resolution_business, whole.resolution_wall) if whole else None,
        "compliance": formatting.percent(f.overall["all"].rate if "all" in f.overall else None),
        "satisfaction": formatting.satisfaction(f.satisfaction),
        "rated": ngettext("%(count)d rating", "%(count)d ratings", f.rated) % {"count": f.rated},
        "by_metric": [
            (formatting.metric(name), formatting.percent(row.rate))
            for name, row in f.overall.items()
            if name != "all"
        ],
    }


def _mean(business: float | None, wall: float | None) -> Cell:
    aside = _("wall clock %(time)s") % {"time": formatting.duration(wall)} if wall else ""
    return Cell(formatting.duration(business), aside)


def _times_row(t: Times) -> dict[str, Any]:
    return {
        "priority": formatting.priority(t.priority),
        "tickets": t.tickets,
        "response": _mean(t.response_business, t.response_wall),
        "resolution": _mean(t.resolution_business, t.resolution_wall),
    }


def _compliance_row(row: Compliance, overall: bool = False) -> dict[str, Any]:
    name = _("All metrics") if row.metric == "all" else formatting.metric(row.metric)
    return {
        "metric": name,
        "priority": formatting.priority(row.priority),
        "measured": row.measured,
        "met": row.met,
        "breached": row.breached,
        "open": row.open,
        "excluded": row.excluded,
        "rate": formatting.percent(row.rate),
        "goal": formatting.percent(row.goal),
        "verdict": _verdict(row.meets_goal),
        "missed": row.meets_goal is False,
        "verdict_met": row.meets_goal is True,
        "overall": overall,
    }


def _verdict(meets_goal: bool | None) -> str:
    if meets_goal is None:
        return formatting.MISSING
    return _("met") if meets_goal else _("missed")


def _excluded(f: Figures) -> str:
    """Why some clocks count as met although they ran out (the template's 步骤5 rule)."""
    count = f.overall["all"].excluded if "all" in f.overall else 0
    if not count:
        return _(
            "No clock was saved by the time spent waiting on the requester this period: "
            "every target met was met on the support team's own time."
        )
    return ngettext(
        "%(count)d clock met its target only because the time spent waiting on the "
        "requester was not counted. As the agreement says, delays caused by the requester "
        "are not held against the support team, so it counts as met.",
        "%(count)d clocks met their targets only because the time spent waiting on the "
        "requester was not counted. As the agreement says, delays caused by the requester "
        "are not held against the support team, so they count as met.",
        count,
    ) % {"count": count}


def _data_uri(svg: str) -> str:
    # An <img> keeps each chart's ids and styles to itself, which inline SVG would share
    # with the page (pygal's CSS is scoped by chart id, but the page's parser sees it too).
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")

"""A service's availability over a period, from its recorded outages, on its calendar.

The engine computes (sladesk/engine/availability.py); this reads the service's goals and
outages from the database and names the calendar. A service without a calendar, or whose
calendar the SLA in force does not have, has no availability to report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk.models import Service
from sladesk.engine import availability as engine
from sladesk.engine.calendar import Calendar
from sladesk.reports.scope import Period
from sladesk.sla.versions import config_of, in_force

from .models import Outage, OutageKind


def calendar_of(service: Service) -> Calendar | None:
    version = in_force()
    if version is None or not service.calendar:
        return None
    return config_of(version).calendars.get(service.calendar)


def goals_of(service: Service) -> engine.Goals:
    return engine.Goals(
        availability=service.availability_goal,
        max_single=service.max_outage * 60 if service.max_outage is not None else None,
        recovery=service.recovery_hours * 3600 if service.recovery_hours is not None else None,
        max_major_per_year=service.max_major_per_year,
        max_unplanned_per_month=service.max_unplanned_per_month,
        notice_days=service.maintenance_notice_days,
        notice_min_days=service.maintenance_notice_min_days,
    )


def outages_of(service: Service, start: datetime, end: datetime) -> list[Outage]:
    """Outages that overlap [start, end), and the year's majors before it (for the count)."""
    year_start = start.replace(month=1, day=1)
    overlapping = Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gt=year_start))
    return list(Outage.objects.filter(overlapping, service=service).order_by("started_at"))


def as_engine(rows: Iterable[Outage]) -> list[engine.Outage]:
    return [
        engine.Outage(
            id=row.pk,
            start=row.started_at.timestamp(),
            end=row.ended_at.timestamp() if row.ended_at else None,
            planned=row.kind == OutageKind.PLANNED,
            announced_at=row.announced_at.timestamp() if row.announced_at else None,
            major=row.major,
        )
        for row in rows
    ]


def measure(service: Service, period: Period, now: datetime | None = None) -> engine.Report | None:
    """Month by month and in total; None when the service has no calendar to measure on."""
    calendar = calendar_of(service)
    if calendar is None:
        return None
    now = now or timezone.now()
    start, end = period.start, period.end
    rows = as_engine(outages_of(service, start, end))
    inside = [o for o in rows if o.start >= start.replace(month=1, day=1).timestamp()]
    return engine.measure_months(
        calendar,
        start.timestamp(),
        end.timestamp(),
        inside,
        goals=goals_of(service),
        now=now.timestamp(),
        majors_earlier=engine.majors_earlier_in_year(calendar, inside, start.timestamp()),
    )


def reason_label(reason: str) -> str:
    """Why an outage counts, or not, in the reader's language."""
    return str(
        {
            engine.Reason.UNPLANNED: _("unplanned"),
            engine.Reason.NOT_ANNOUNCED: _("maintenance never announced"),
            engine.Reason.UNDER_MINIMUM: _("announced under the minimum notice"),
            engine.Reason.LATE_NOTICE: _("announced late"),
            engine.Reason.PLANNED: _("announced in time"),
        }.get(reason, reason)
    )


def violation_text(v: engine.Violation) -> str:
    """A broken goal in the reader's language (the engine's own message is English)."""
    from sladesk.reports import formatting

    values = {"actual": v.actual, "limit": v.limit, "scope": v.scope}
    if v.kind == engine.Goal.AVAILABILITY:
        values |= {
            "actual": formatting.availability(v.actual),
            "limit": formatting.availability(v.limit),
        }
        return _("availability %(actual)s is under the goal of %(limit)s") % values
    if v.kind in (engine.Goal.MAX_SINGLE, engine.Goal.RECOVERY):
        values |= {"actual": formatting.duration(v.actual), "limit": formatting.duration(v.limit)}
        if v.kind == engine.Goal.RECOVERY:
            return (
                _("a major outage lasted %(actual)s, over the recovery time of %(limit)s") % values
            )
        return _("an unplanned outage lasted %(actual)s, over the limit of %(limit)s") % values
    values |= {"actual": int(v.actual), "limit": int(v.limit)}
    if v.kind == engine.Goal.MAJORS_PER_YEAR:
        return _("%(actual)s major incidents in %(scope)s, more than %(limit)s") % values
    if v.kind == engine.Goal.INTERRUPTIONS_PER_MONTH:
        return _("%(actual)s unplanned interruptions in %(scope)s, more than %(limit)s") % values
    return _("planned maintenance announced with less than the minimum notice")

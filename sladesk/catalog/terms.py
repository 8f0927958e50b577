"""What the SLA in force promises for a service: its support hours and the targets per
priority that apply to a requester of a given organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sladesk.desk.models import Kind, Service
from sladesk.engine.calendar import Calendar, DayHours
from sladesk.engine.config import Config
from sladesk.people.models import User

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Target:
    metric: str
    priority: str
    seconds: int
    calendar: str
    goal: float | None


def targets(config: Config, service: Service, requester: User | None) -> list[Target]:
    """The targets of the policy a new incident on this service would be measured by."""
    fields = {
        "kind": Kind.INCIDENT,
        "organisation": requester.organisation.code
        if requester and requester.organisation
        else None,
        "service": service.code,
        "category": None,
    }
    policy = config.policy_for(fields)
    if policy is None:
        return []
    return [
        Target(m.name, prio, m.targets[prio], m.calendars.get(prio, ""), m.goals.get(prio))
        for prio in config.priorities
        for m in policy.metrics
        if prio in m.targets
    ]


def hours(calendar: Calendar) -> str:
    """Support hours in a line: `Mon–Fri 09:00–12:00, 13:00–18:00`, or `24x7`."""
    spec = calendar.spec
    if spec.always:
        return _("24x7, every day of the year")
    groups: list[tuple[int, int, DayHours]] = []
    for day, slots in enumerate(spec.week):
        if groups and groups[-1][2] == slots and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, slots)
        else:
            groups.append((day, day, slots))
    parts = [_span(a, b) + " " + _slots(slots) for a, b, slots in groups if slots]
    text = "; ".join(parts) or _("no regular hours")
    if spec.covered_years is not None or spec.holidays:
        text += " · " + _("closed on public holidays, open on make-up working days")
    return text


def _span(a: int, b: int) -> str:
    names = [_day(d) for d in (a, b)]
    return names[0] if a == b else f"{names[0]}–{names[1]}"


def _day(index: int) -> str:
    return {
        0: _("Mon"),
        1: _("Tue"),
        2: _("Wed"),
        3: _("Thu"),
        4: _("Fri"),
        5: _("Sat"),
        6: _("Sun"),
    }[index]


def _slots(slots: DayHours) -> str:
    return ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in slots)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

"""Availability of a service from its outages, measured on its calendar (its support hours).

`measure` judges one period, `measure_months` a period month by month plus its total.
Instants are POSIX seconds; the calendar's zone decides where days, months and years begin.

The rules (the vendor agreement and the customer SLA guide, shared/seeds 002 and 003):

- **Service time** is the calendar's business time inside the period. A period measured
  before it is over (`now` inside it) is measured up to `now`: nothing after `now` is known,
  and the service time still to come is not yet earned.
- **Which outages count.** An unplanned outage counts. A planned one counts too, as if
  unplanned, unless it was announced in time. Notice is counted in calendar days, not
  business days (the agreement says "a week before"): in time means announced at or before
  the same local time `notice_days` days before the start, so a week stays a week across a
  change of summer time. With `notice_days: 7, notice_min_days: 3`:
  - announced 7 days or more ahead: planned, not counted (`Reason.PLANNED`);
  - announced 3 to 7 days ahead: counted, "late notice" (`Reason.LATE_NOTICE`), unless
    `count_late_notice` is off, which keeps it planned but still marks it late;
  - announced under 3 days ahead, or never: counted (`UNDER_MINIMUM`, `NOT_ANNOUNCED`), and a
    `notice` violation, because the minimum is the agreement's hard floor.
  "Counted" means treated as unplanned by every rule below.
- **Unplanned downtime** is the union of the counted outages (overlaps count once), clipped
  to the period and intersected with the calendar's working time. An ongoing outage (no end)
  lasts until `now`, or the period's end when no `now` is given; nothing lasts past `now`.
  **Availability** = 1 - downtime / service time; None when there is no service time.
- **Interruptions.** Counted outages that overlap or touch in wall-clock time are one
  continuous interruption of the service (two records of one incident are one interruption).
  An interruption that takes no service time (a weekend on a 5x8 calendar) interrupted
  nothing the agreement promises: it is listed with its outages but breaks no goal.
- **Events belong to the period of their start.** Downtime is shared among the periods an
  outage overlaps, but an interruption, a major incident or a late announcement is judged
  once, in the period where it starts, so monthly violations add up to the year's.
- **Goals** (each None = not checked):
  - `availability`: availability ≥ goal, compared exactly (2592 s down in a 30-day 24x7
    month is exactly 99.9 % and meets it);
  - `max_single`: no interruption longer than this much *service time*. The agreement puts
    the longest unplanned outage under "meeting the availability commitment", and
    availability is measured in service hours; on a 5x8 calendar an outage from Friday
    17:00 to Monday 09:30 cost the customer 1.5 hours of the service it pays for. The
    wall-clock `duration` of every outage is reported beside it;
  - `recovery` (disaster recovery): no major outage longer than this in *wall-clock* time,
    since the agreement counts "the whole time from going down to being restored";
  - `max_major_per_year`: major outages (the `major` flag, planned or not) per calendar
    year of their start; a period inside a year adds `majors_earlier` (those of the same
    year before the period, see `majors_earlier_in_year`);
  - `max_unplanned_per_month`: interruptions per calendar month of their start. A period
    that does not start on a month's first day only sees part of that month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .calendar import Calendar

OutageId = int | str
_DAY = 86400


class Reason(StrEnum):
    """Why an outage counts against availability, or why it does not."""

    UNPLANNED = "unplanned"
    NOT_ANNOUNCED = "not_announced"  # planned, but never announced: counted
    UNDER_MINIMUM = "under_minimum"  # announced with less than the minimum notice: counted
    LATE_NOTICE = "late_notice"  # between the minimum and the required notice
    PLANNED = "planned"  # announced in time: not counted


class Goal(StrEnum):
    """The goal a violation breaks."""

    AVAILABILITY = "availability"
    MAX_SINGLE = "max_single"
    RECOVERY = "recovery"
    MAJORS_PER_YEAR = "majors_per_year"
    INTERRUPTIONS_PER_MONTH = "interruptions_per_month"
    NOTICE = "notice"


@dataclass(frozen=True)
class Outage:
    """A recorded outage of the service. `end` None: still going on."""

    id: OutageId
    start: float
    end: float | None = None
    planned: bool = False
    announced_at: float | None = None  # when a planned outage was announced
    major: bool = False

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"outage {self.id}: ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Goals:
    """What the agreement promises. Durations are seconds; None means not checked."""

    availability: float | Decimal | None = None  # a fraction of service time, e.g. 0.999
    max_single: float | None = None  # service seconds of one interruption
    recovery: float | None = None  # wall-clock seconds of one major outage
    max_major_per_year: int | None = None
    max_unplanned_per_month: int | None = None
    notice_days: int = 7
    notice_min_days: int = 3
    count_late_notice: bool = True  # late (but not under the minimum) notice counts as unplanned

    def __post_init__(self) -> None:
        if not 0 <= self.notice_min_days <= self.notice_days:
            raise ValueError(
                f"minimum notice ({self.notice_min_days} days) must be between 0 and the "
                f"required notice ({self.notice_days} days)"
            )


@dataclass(frozen=True)
class OutageResult:
    """An outage as judged for one period."""

    outage: Outage
    reason: Reason
    counted: bool  # counted against availability, and treated as unplanned by every goal
    seconds: float  # its own service time inside the period (overlaps not yet removed)
    service_seconds: float  # its own service time over its whole extent
    duration: float  # wall-clock, start to end (to now, or the period's end, if ongoing)
    notice: float | None  # seconds from the announcement to the start

    @property
    def id(self) -> OutageId:
        return self.outage.id

    @property
    def ongoing(self) -> bool:
        return self.outage.end is None


@dataclass(frozen=True)
class Interruption:
    """Counted outages that overlap or touch: one continuous interruption of the service."""

    start: float
    end: float
    outage_ids: tuple[OutageId, ...]
    service_seconds: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Violation:
    kind: Goal
    message: str
    outage_ids: tuple[OutageId, ...]
    actual: float  # the measured value, in the goal's unit (fraction, seconds or count)
    limit: float
    scope: str = ""  # the year ("2026") or month ("2026-10") a count is about


@dataclass(frozen=True)
class Availability:
    """One period's availability, the outages that touched it and the goals it broke."""

    start: float
    end: float
    measured_until: float  # the end, or `now` when the period is not over yet
    service_seconds: float
    unplanned_seconds: float  # the union of counted outages in service time
    planned_seconds: float  # service time in announced planned outages only (not counted)
    availability: float | None  # None: no service time in the period
    outages: tuple[OutageResult, ...]  # those overlapping or starting in the period
    interruptions: tuple[Interruption, ...]  # those starting in the period, with service time
    majors: tuple[OutageId, ...]  # major outages starting in the period
    violations: tuple[Violation, ...]

    @property
    def met(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Report:
    months: tuple[Availability, ...]
    total: Availability


# -- public functions ---------------------------------------------------------------------


def measure(
    calendar: Calendar,
    start: float,
    end: float,
    outages: Iterable[Outage],
    *,
    goals: Goals | None = None,
    now: float | None = None,
    majors_earlier: int = 0,
) -> Availability:
    """The availability of the period [start, end) and the goals it broke."""
    return _measure(
        calendar,
        start,
        end,
        list(outages),
        goals=goals or Goals(),
        now=now,
        ongoing_until=end if now is None else now,
        majors_earlier=majors_earlier,
    )


def _measure(
    calendar: Calendar,
    start: float,
    end: float,
    outages: Sequence[Outage],
    *,
    goals: Goals,
    now: float | None,
    ongoing_until: float,
    majors_earlier: int,
) -> Availability:
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    stop = end if now is None else max(start, min(end, now))
    judged = [_judge(calendar, o, goals, now=now, ongoing_until=ongoing_until) for o in outages]
    service = calendar.elapsed(start, stop)
    down = _service_time(calendar, _union(_span(r) for r in judged if r.counted), start, stop)
    anything = _service_time(calendar, _union(_span(r) for r in judged), start, stop)
    listed = tuple(
        _with_seconds(calendar, r, start, stop) for r in judged if _touches(r, start, stop)
    )
    interruptions = tuple(
        i
        for i in _interruptions(calendar, [r for r in judged if r.counted])
        if start <= i.start < stop and i.service_seconds > 0
    )
    majors = [r for r in judged if r.outage.major and start <= r.outage.start < stop]
    availability = None if service == 0 else 1 - down / service
    violations = [
        *_availability_violations(goals, service, down),
        *_single_violations(goals, interruptions),
        *_recovery_violations(goals, majors),
        *_major_violations(calendar, goals, majors, start, majors_earlier),
        *_interruption_violations(calendar, goals, interruptions),
        *_notice_violations(goals, [r for r in listed if start <= r.outage.start < stop]),
    ]
    return Availability(
        start=start,
        end=end,
        measured_until=stop,
        service_seconds=service,
        unplanned_seconds=down,
        planned_seconds=anything - down,
        availability=availability,
        outages=listed,
        interruptions=interruptions,
        majors=tuple(r.outage.id for r in majors),
        violations=tuple(violations),
    )


def measure_months(
    calendar: Calendar,
    start: float,
    end: float,
    outages: Iterable[Outage],
    *,
    goals: Goals | None = None,
    now: float | None = None,
    majors_earlier: int = 0,
) -> Report:
    """`measure` of each calendar month of [start, end) (in the calendar's zone), and the total.

    Major incidents accumulate month by month within each year, starting from
    `majors_earlier` (those of the first month's year before `start`).
    """
    outages = list(outages)
    goals = goals or Goals()
    # Ongoing outages run to the same instant in every month, so an outage's duration
    # is the same in the month it starts in and in the total.
    ongoing_until = end if now is None else now
    results = []
    earlier, year = majors_earlier, _local(calendar, start).year
    for lo, hi in months(calendar, start, end):
        if _local(calendar, lo).year != year:
            earlier, year = 0, _local(calendar, lo).year
        month = _measure(
            calendar,
            lo,
            hi,
            outages,
            goals=goals,
            now=now,
            ongoing_until=ongoing_until,
            majors_earlier=earlier,
        )
        earlier += len(month.majors)
        results.append(month)
    total = measure(
        calendar, start, end, outages, goals=goals, now=now, majors_earlier=majors_earlier
    )
    return Report(months=tuple(results), total=total)


def months(calendar: Calendar, start: float, end: float) -> list[tuple[float, float]]:
    """[start, end) cut at the first instant of each month in the calendar's zone."""
    local = _local(calendar, start)
    year, month = local.year, local.month
    out = []
    lo = start
    while lo < end:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        hi = min(datetime(year, month, 1, tzinfo=calendar.tz).timestamp(), end)
        out.append((lo, hi))
        lo = hi
    return out


def majors_earlier_in_year(calendar: Calendar, outages: Iterable[Outage], t: float) -> int:
    """Major outages starting in t's year (in the calendar's zone) before t."""
    new_year = datetime(_local(calendar, t).year, 1, 1, tzinfo=calendar.tz).timestamp()
    return sum(1 for o in outages if o.major and new_year <= o.start < t)


def reason(calendar: Calendar, outage: Outage, goals: Goals) -> Reason:
    """Why the outage counts against availability, or does not (see the module's rules)."""
    if not outage.planned:
        return Reason.UNPLANNED
    if outage.announced_at is None:
        return Reason.NOT_ANNOUNCED
    if outage.announced_at <= _days_before(calendar, outage.start, goals.notice_days):
        return Reason.PLANNED
    if outage.announced_at <= _days_before(calendar, outage.start, goals.notice_min_days):
        return Reason.LATE_NOTICE
    return Reason.UNDER_MINIMUM


# -- judging outages ----------------------------------------------------------------------


def _judge(
    calendar: Calendar, outage: Outage, goals: Goals, *, now: float | None, ongoing_until: float
) -> OutageResult:
    why = reason(calendar, outage, goals)
    counted = why is not Reason.PLANNED and (
        why is not Reason.LATE_NOTICE or goals.count_late_notice
    )
    end = _effective_end(outage, now=now, ongoing_until=ongoing_until)
    notice = None if outage.announced_at is None else outage.start - outage.announced_at
    return OutageResult(
        outage=outage,
        reason=why,
        counted=counted,
        seconds=0.0,  # the period's share: _with_seconds
        service_seconds=calendar.elapsed(outage.start, end),
        duration=end - outage.start,
        notice=notice if outage.planned else None,
    )


def _effective_end(outage: Outage, *, now: float | None, ongoing_until: float) -> float:
    """Where an outage ends as far as we know: nothing after `now` has happened yet."""
    end = outage.end
    if end is None:
        end = ongoing_until
    elif now is not None:
        end = min(end, now)
    return max(outage.start, end)


def _end_of(result: OutageResult) -> float:
    return result.outage.start + result.duration


def _span(result: OutageResult) -> tuple[float, float]:
    return result.outage.start, _end_of(result)


def _touches(result: OutageResult, start: float, stop: float) -> bool:
    """Overlaps [start, stop), or starts in it (an outage of no length still gets listed)."""
    a, b = result.outage.start, _end_of(result)
    return max(a, start) < min(b, stop) or start <= a < stop


def _with_seconds(
    calendar: Calendar, result: OutageResult, start: float, stop: float
) -> OutageResult:
    lo, hi = max(result.outage.start, start), min(_end_of(result), stop)
    seconds = calendar.elapsed(lo, hi) if lo < hi else 0.0
    return replace(result, seconds=seconds)


def _days_before(calendar: Calendar, t: float, days: int) -> float:
    """The same local wall-clock time `days` calendar days before t."""
    return (_local(calendar, t) - timedelta(days=days)).timestamp()


def _local(calendar: Calendar, t: float) -> datetime:
    return datetime.fromtimestamp(t, calendar.tz)


# -- time spans ---------------------------------------------------------------------------


def _union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted disjoint spans covering the same instants; touching spans become one."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _service_time(
    calendar: Calendar, spans: Sequence[tuple[float, float]], start: float, stop: float
) -> float:
    """Business seconds of disjoint spans clipped to [start, stop)."""
    total = 0.0
    for a, b in spans:
        lo, hi = max(a, start), min(b, stop)
        if lo < hi:
            total += calendar.elapsed(lo, hi)
    return total


def _interruptions(calendar: Calendar, counted: Sequence[OutageResult]) -> list[Interruption]:
    """Counted outages grouped into continuous interruptions (overlapping or touching)."""
    groups: list[tuple[float, float, list[OutageId]]] = []
    for r in sorted(counted, key=lambda r: (r.outage.start, _end_of(r))):
        a, b = r.outage.start, _end_of(r)
        if groups and a <= groups[-1][1]:
            lo, hi, ids = groups[-1]
            groups[-1] = (lo, max(hi, b), [*ids, r.outage.id])
        else:
            groups.append((a, b, [r.outage.id]))
    return [
        Interruption(start=a, end=b, outage_ids=tuple(ids), service_seconds=calendar.elapsed(a, b))
        for a, b, ids in groups
    ]


# -- goals --------------------------------------------------------------------------------


def _availability_violations(goals: Goals, service: float, down: float) -> list[Violation]:
    goal = goals.availability
    if goal is None or service == 0:
        return []
    target = Fraction(str(goal)) if isinstance(goal, float) else Fraction(goal)
    # Exact arithmetic: a float 1 - down / service can land a hair under an exact goal.
    if Fraction(service) - Fraction(down) >= target * Fraction(service):
        return []
    actual = 1 - down / service
    shown = _percent(actual, down=True)
    return [
        Violation(
            kind=Goal.AVAILABILITY,
            message=f"availability {shown} is under the goal of {_percent(goal)}",
            outage_ids=(),
            actual=actual,
            limit=float(goal),
        )
    ]


def _single_violations(goals: Goals, interruptions: Iterable[Interruption]) -> list[Violation]:
    limit = goals.max_single
    if limit is None:
        return []
    return [
        Violation(
            kind=Goal.MAX_SINGLE,
            message=(
                f"an unplanned interruption took {_hours(i.service_seconds)} of service time "
                f"(outages {_ids(i.outage_ids)}); at most {_hours(limit)}"
            ),
            outage_ids=i.outage_ids,
            actual=i.service_seconds,
            limit=limit,
        )
        for i in interruptions
        if i.service_seconds > limit
    ]


def _recovery_violations(goals: Goals, majors: Iterable[OutageResult]) -> list[Violation]:
    limit = goals.recovery
    if limit is None:
        return []
    return [
        Violation(
            kind=Goal.RECOVERY,
            message=(
                f"major outage {r.outage.id} lasted {_hours(r.duration)}"
                f"{' so far' if r.ongoing else ''}; recovery within {_hours(limit)}"
            ),
            outage_ids=(r.outage.id,),
            actual=r.duration,
            limit=limit,
        )
        for r in majors
        if r.duration > limit
    ]


def _major_violations(
    calendar: Calendar,
    goals: Goals,
    majors: Iterable[OutageResult],
    start: float,
    earlier: int,
) -> list[Violation]:
    limit = goals.max_major_per_year
    if limit is None:
        return []
    by_year: dict[int, list[OutageId]] = defaultdict(list)
    for r in majors:
        by_year[_local(calendar, r.outage.start).year].append(r.outage.id)
    first_year = _local(calendar, start).year
    out = []
    for year, ids in sorted(by_year.items()):
        count = len(ids) + (earlier if year == first_year else 0)
        if count > limit:
            out.append(
                Violation(
                    kind=Goal.MAJORS_PER_YEAR,
                    message=f"{count} major incidents in {year}; at most {limit} a year",
                    outage_ids=tuple(ids),
                    actual=count,
                    limit=limit,
                    scope=str(year),
                )
            )
    return out


def _interruption_violations(
    calendar: Calendar, goals: Goals, interruptions: Iterable[Interruption]
) -> list[Violation]:
    limit = goals.max_unplanned_per_month
    if limit is None:
        return []
    by_month: dict[str, list[Interruption]] = defaultdict(list)
    for i in interruptions:
        by_month[_local(calendar, i.start).strftime("%Y-%m")].append(i)
    return [
        Violation(
            kind=Goal.INTERRUPTIONS_PER_MONTH,
            message=f"{len(found)} unplanned interruptions in {month}; at most {limit} a month",
            outage_ids=tuple(oid for i in found for oid in i.outage_ids),
            actual=len(found),
            limit=limit,
            scope=month,
        )
        for month, found in sorted(by_month.items())
        if len(found) > limit
    ]


def _notice_violations(goals: Goals, started: Iterable[OutageResult]) -> list[Violation]:
    out = []
    for r in started:
        if r.reason is Reason.NOT_ANNOUNCED:
            message = f"planned outage {r.outage.id} was never announced"
        elif r.reason is Reason.UNDER_MINIMUM and (r.notice or 0.0) <= 0:
            message = f"planned outage {r.outage.id} was announced only once it had started"
        elif r.reason is Reason.UNDER_MINIMUM:
            message = (
                f"planned outage {r.outage.id} was announced {_days(r.notice or 0.0)} ahead; "
                f"never under {goals.notice_min_days} days"
            )
        else:
            continue
        out.append(
            Violation(
                kind=Goal.NOTICE,
                message=message,
                outage_ids=(r.outage.id,),
                actual=r.notice if r.notice is not None else 0.0,
                limit=goals.notice_min_days * _DAY,
            )
        )
    return out


# -- wording ------------------------------------------------------------------------------


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m" if m else f"{h}h"


def _days(seconds: float) -> str:
    return f"{seconds / _DAY:.1f} days"


def _percent(fraction: float | Decimal, *, down: bool = False) -> str:
    """A fraction as a percentage; `down` truncates, so a miss never prints as the goal."""
    if isinstance(fraction, Decimal):
        value = fraction * 100
    elif down:
        value = (Decimal(fraction) * 100).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
    else:
        value = Decimal(repr(fraction)) * 100
    return f"{value.normalize():f} %"


def _ids(ids: Iterable[OutageId]) -> str:
    return ", ".join(str(i) for i in ids)

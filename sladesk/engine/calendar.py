"""Business calendars: which instants are working time, and business-time arithmetic.

A calendar is compiled into a sorted list of working intervals in UTC seconds and the
cumulative business seconds before each one (`_cum`), year by year as instants need them.
`position(t)` is the business seconds from a fixed anchor up to t, so elapsed business
time is a difference of two positions and a deadline is a bisection, not a loop over days.
Positions stay valid while the calendar grows: years added later never move the anchor.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # numpy is imported where the bulk path needs it: CLI start-up stays fast
    import numpy as np

Interval = tuple[int, int]  # seconds after local midnight, [start, end)
DayHours = tuple[Interval, ...]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86400
_SAMPLE_STEP = 3 * 3600  # offsets are sampled this often to find DST transitions
_MAX_YEARS_AHEAD = 50  # a deadline further away than this means the calendar never works


class CalendarError(ValueError):
    """A calendar cannot answer (for example it has no working time at all)."""


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar as configured: weekly hours, holidays, make-up working days."""

    id: str
    timezone: str
    week: tuple[DayHours, ...]  # Monday .. Sunday
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    workday_hours: DayHours = ()
    always: bool = False  # 24x7
    covered_years: frozenset[int] | None = None  # None: holidays are not from an official source
    coverage_note: str = ""  # who covers which years, for the warning

    def hours_on(self, day: date) -> DayHours:
        """Working intervals of a local date."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_hours
        return self.week[day.weekday()]


@dataclass
class Calendar:
    """A compiled calendar. Instants are POSIX seconds (float or int)."""

    spec: CalendarSpec
    tz: ZoneInfo = field(init=False)
    warnings: dict[int, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.spec.timezone)
        self.id = self.spec.id
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum: list[float] = []  # position at each interval's start
        self._cum_end: list[float] = []  # position at each interval's end
        self._lo_year = self._hi_year = 0  # built years, inclusive; none yet
        self._range_lo = self._range_hi = 0.0
        self._arrays: tuple[np.ndarray, ...] | None = None
        self._cov_lo, self._cov_hi = self._coverage_block()

    # -- public API -------------------------------------------------------------------

    def position(self, t: float) -> float:
        """Business seconds from the calendar's anchor to t (may be negative)."""
        if not self._range_lo <= t < self._range_hi:
            self._cover(t)
        if not self._cov_lo <= t < self._cov_hi:
            self._check_coverage(t)
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return self._cum[0] if self._cum else 0.0
        end = self._ends[i]
        return self._cum[i] + (t if t < end else end) - self._starts[i]

    def instant(self, position: float) -> float:
        """Earliest instant whose position reaches `position` (an interval's end, not a start)."""
        j = bisect_left(self._cum_end, position)
        while j == len(self._cum_end):
            self._grow_forward()
            j = bisect_left(self._cum_end, position)
        t = self._starts[j] + position - self._cum[j]
        if not self._cov_lo <= t < self._cov_hi:
            self._check_coverage(t)
        return t

    def add(self, start: float, seconds: float) -> float:
        """The spec's `add(start, d)`: earliest t >= start with d business seconds in [start, t]."""
        if seconds <= 0:
            return start
        return self.instant(self.position(start) + seconds)

    def elapsed(self, a: float, b: float) -> float:
        """Business seconds in [a, b]."""
        return self.position(b) - self.position(a)

    def is_working(self, t: float) -> bool:
        self.position(t)
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def intervals(self, a: float, b: float) -> list[tuple[float, float]]:
        """Working intervals clipped to [a, b], for explanations."""
        self.position(a)
        self.position(b)
        i = max(bisect_right(self._starts, a) - 1, 0)
        out = []
        while i < len(self._starts) and self._starts[i] < b:
            lo, hi = max(self._starts[i], a), min(self._ends[i], b)
            if lo < hi:
                out.append((lo, hi))
            i += 1
        return out

    def after_working_days(self, t: float, days: int) -> float:
        """The end of the `days`-th working day after the local date of t (t if days <= 0).

        A working day is a local date with working hours on this calendar; it ends where
        its last interval ends. "Closes itself after 3 working days" is this instant.
        """
        if days <= 0:
            return t
        day = datetime.fromtimestamp(t, self.tz).date()
        for _ in range(days * 7 + 366):  # a year of holidays cannot hide every day
            day += timedelta(days=1)
            hours = _day_hours(self.spec, day)
            if hours:
                days -= 1
                if days == 0:
                    end = datetime.combine(day, datetime.min.time()) + timedelta(
                        seconds=hours[-1][1]
                    )
                    result = end.replace(tzinfo=self.tz).timestamp()
                    self._check_coverage(result)
                    return result
        raise CalendarError(f"calendar {self.id}: no working day within a year of {day}")

    # -- datetime conveniences --------------------------------------------------------

    def add_datetime(self, start: datetime, duration: timedelta) -> datetime:
        t = self.add(start.timestamp(), duration.total_seconds())
        return datetime.fromtimestamp(t, start.tzinfo or self.tz)

    def elapsed_datetime(self, a: datetime, b: datetime) -> float:
        return self.elapsed(a.timestamp(), b.timestamp())

    # -- bulk (numpy) -----------------------------------------------------------------

    def positions(self, t: np.ndarray) -> np.ndarray:
        """`position` of many instants at once."""
        import numpy as np

        t = np.asarray(t, dtype=np.float64)
        if t.size:
            self.position(float(t.min()))
            self.position(float(t.max()))
        starts, ends, cum, _ = self._numpy()
        if not starts.size:
            return np.zeros_like(t)
        i = np.searchsorted(starts, t, side="right") - 1
        inside = i >= 0
        j = np.where(inside, i, 0)
        pos = cum[j] + np.minimum(t, ends[j]) - starts[j]
        return np.where(inside, pos, cum[0])

    def add_many(self, starts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """`add` of many (start, duration) pairs at once."""
        import numpy as np

        starts = np.asarray(starts, dtype=np.float64)
        seconds = np.broadcast_to(np.asarray(seconds, dtype=np.float64), starts.shape)
        target = self.positions(starts) + seconds
        if target.size:
            self.instant(float(target.max()))  # grows the calendar far enough
        begin, _, cum, cum_end = self._numpy()
        j = np.searchsorted(cum_end, target, side="left")
        j = np.minimum(j, len(cum_end) - 1) if len(cum_end) else j
        out = begin[j] + target - cum[j] if len(cum_end) else starts.copy()
        self._check_coverage_many(out)
        return np.where(seconds > 0, out, starts)

    def elapsed_many(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.positions(b) - self.positions(a)

    # -- building ---------------------------------------------------------------------

    def _numpy(self) -> tuple[np.ndarray, ...]:
        if self._arrays is None:
            import numpy as np

            self._arrays = tuple(
                np.array(v, dtype=np.float64)
                for v in (self._starts, self._ends, self._cum, self._cum_end)
            )
        return self._arrays

    def _year_of(self, t: float) -> int:
        try:
            return datetime.fromtimestamp(t, self.tz).year
        except (OverflowError, OSError, ValueError) as exc:
            raise CalendarError(f"calendar {self.id}: instant {t!r} is out of range") from exc

    def _cover(self, t: float) -> None:
        year = self._year_of(t)
        if not self._starts and self._lo_year == 0:
            self._build(year, year)
        elif t < self._range_lo:
            self._grow_backward(year)
        while t >= self._range_hi:
            self._grow_forward()

    def _build(self, lo: int, hi: int) -> None:
        self._lo_year, self._hi_year = lo, hi
        self._starts, self._ends = _merge(self._pieces(lo, hi))
        self._cum, self._cum_end = _cumulate(self._starts, self._ends, 0.0)
        self._range_lo = self._year_start(lo)
        self._range_hi = self._year_start(hi + 1)
        self._arrays = None

    def _grow_forward(self) -> None:
        year = self._hi_year + 1
        if year - self._lo_year > 400 or year > 9998:
            raise CalendarError(f"calendar {self.id} has no working time in the years searched")
        if self._cum_end and year > self._year_of(self._ends[-1]) + _MAX_YEARS_AHEAD:
            raise CalendarError(
                f"calendar {self.id} has no working time in the {_MAX_YEARS_AHEAD} years "
                "after its last working day"
            )
        starts, ends = _merge(self._pieces(year, year))
        base = self._cum_end[-1] if self._cum_end else (self._cum[0] if self._cum else 0.0)
        cum, cum_end = _cumulate(starts, ends, base)
        self._starts += starts
        self._ends += ends
        self._cum += cum
        self._cum_end += cum_end
        self._hi_year = year
        self._range_hi = self._year_start(year + 1)
        self._arrays = None

    def _grow_backward(self, year: int) -> None:
        starts, ends = _merge(self._pieces(year, self._lo_year - 1))
        total = sum(e - s for s, e in zip(starts, ends, strict=True))
        base = (self._cum[0] if self._cum else 0.0) - total
        cum, cum_end = _cumulate(starts, ends, base)
        self._starts = starts + self._starts
        self._ends = ends + self._ends
        self._cum = cum + self._cum
        self._cum_end = cum_end + self._cum_end
        self._lo_year = year
        self._range_lo = self._year_start(year)
        self._arrays = None

    def _year_start(self, year: int) -> float:
        return datetime(year, 1, 1, tzinfo=self.tz).timestamp()

    def _pieces(self, lo: int, hi: int) -> list[tuple[float, float]]:
        """Working intervals (UTC seconds) of the local dates of years lo..hi."""
        spec = self.spec
        first, last = date(lo, 1, 1), date(hi, 12, 31)
        if spec.always and not spec.holidays:
            return [(self._year_start(lo), self._year_start(hi + 1))]
        offsets = _OffsetTable(self.tz, _naive(first) - 2 * _DAY, _naive(last) + 3 * _DAY)
        pieces: list[tuple[float, float]] = []
        day = first
        one = timedelta(days=1)
        while day <= last:
            midnight = _naive(day)
            for start, end in _day_hours(spec, day):
                pieces.extend(offsets.to_utc(midnight + start, midnight + end))
            day += one
        pieces.sort()
        return pieces

    # -- official holiday coverage ----------------------------------------------------

    def _coverage_block(self) -> tuple[float, float]:
        """UTC span of the longest run of covered years; outside it coverage is checked."""
        years = self.spec.covered_years
        if years is None:
            return float("-inf"), float("inf")
        if not years:
            return 0.0, 0.0
        runs: list[tuple[int, int]] = []
        for y in sorted(years):
            if runs and runs[-1][1] == y - 1:
                runs[-1] = (runs[-1][0], y)
            else:
                runs.append((y, y))
        lo, hi = max(runs, key=lambda r: r[1] - r[0])
        return self._year_start(lo), self._year_start(hi + 1)

    def _check_coverage(self, t: float) -> None:
        years = self.spec.covered_years
        if years is None:
            return
        year = self._year_of(t)
        if year not in years and year not in self.warnings:
            self.warnings[year] = (
                f"calendar {self.id}: no official holiday data for {year} "
                f"({self.spec.coverage_note}); {year} was computed with weekly hours only, "
                "without holidays or make-up working days. Add the year's official calendar "
                "with holiday_files."
            )

    def _check_coverage_many(self, t: np.ndarray) -> None:
        if self.spec.covered_years is None or not t.size:
            return
        import numpy as np

        outside = t[(t < self._cov_lo) | (t >= self._cov_hi)]
        for value in np.unique(outside)[:1000]:
            self._check_coverage(float(value))


def _day_hours(spec: CalendarSpec, day: date) -> DayHours:
    if spec.always:
        return () if day in spec.holidays else ((0, _DAY),)
    return spec.hours_on(day)


def _naive(day: date) -> int:
    """Local midnight of `day` as if the local clock were UTC."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY


def _merge(pieces: Iterable[tuple[float, float]]) -> tuple[list[float], list[float]]:
    starts: list[float] = []
    ends: list[float] = []
    for s, e in pieces:
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _cumulate(
    starts: Sequence[float], ends: Sequence[float], base: float
) -> tuple[list[float], list[float]]:
    cum, cum_end = [], []
    pos = base
    for s, e in zip(starts, ends, strict=True):
        cum.append(pos)
        pos += e - s
        cum_end.append(pos)
    return cum, cum_end


class _OffsetTable:
    """UTC offsets of a zone over a window, as constant-offset segments of UTC time."""

    def __init__(self, tz: ZoneInfo, naive_lo: int, naive_hi: int) -> None:
        self.tz = tz
        lo, hi = naive_lo - _DAY, naive_hi + _DAY
        self.bounds: list[int] = [lo]  # segment k is [bounds[k], bounds[k+1])
        self.offsets: list[int] = [self._offset(lo)]
        u = lo
        while u < hi:
            nxt = min(u + _SAMPLE_STEP, hi)
            if self._offset(nxt) != self.offsets[-1]:
                change = self._first_change(u, nxt)
                self.bounds.append(change)
                self.offsets.append(self._offset(change))
            u = nxt
        self.bounds.append(hi)
        self.fixed = len(self.offsets) == 1

    def _offset(self, u: int) -> int:
        return int(datetime.fromtimestamp(u, UTC).astimezone(self.tz).utcoffset().total_seconds())

    def _first_change(self, lo: int, hi: int) -> int:
        """First second in (lo, hi] whose offset differs from lo's."""
        before = self._offset(lo)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._offset(mid) == before:
                lo = mid
            else:
                hi = mid
        return hi

    def to_utc(self, local_start: int, local_end: int) -> list[tuple[float, float]]:
        """UTC pieces of the instants whose local wall-clock time is in [local_start, local_end)."""
        if self.fixed:
            off = self.offsets[0]
            return [(local_start - off, local_end - off)]
        out = []
        for k, off in enumerate(self.offsets):
            a = max(local_start - off, self.bounds[k])
            b = min(local_end - off, self.bounds[k + 1])
            if a < b:
                out.append((float(a), float(b)))
        return out

"""How a ticket's SLA clocks read to a person at an instant: time used, time left, colour.

The engine computes every number. A stored clock (sladesk.sla.models.Clock) was computed at
its ticket's last event; reading it later needs only the business seconds of its own
calendar since then, which the engine's calendar gives without re-running the clock. The
ticket page runs the engine at `now` instead (`panel`), with its explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from sladesk.engine.clock import ClockResult
from sladesk.engine.explain import explain_text
from sladesk.sla import clocks
from sladesk.sla.models import Clock, ClockState

if TYPE_CHECKING:
    from sladesk.engine.config import Config

    from .models import Ticket

METRIC_NAMES = {"response": _("Response"), "resolution": _("Resolution")}

# Share of the target used -> colour band; at 100 % the clock is breached.
BANDS = ((0.5, "ok"), (0.75, "watch"), (0.9, "warn"), (1.0, "danger"))


@dataclass(frozen=True)
class Reading:
    """One clock as a person reads it at `now`."""

    metric: str
    state: str  # a ClockState value
    priority: str
    target: int | None  # business seconds
    elapsed: float  # business seconds used by `now`
    due: datetime | None  # while running
    met: bool | None
    breached_at: datetime | None
    now: datetime
    calendar: str = ""

    @property
    def name(self) -> str:
        return str(METRIC_NAMES.get(self.metric, self.metric.replace("_", " ").capitalize()))

    @property
    def state_label(self) -> str:
        return str(ClockState(self.state).label) if self.state in ClockState.values else self.state

    @property
    def running(self) -> bool:
        return self.state == ClockState.RUNNING

    @property
    def paused(self) -> bool:
        return self.state == ClockState.PAUSED

    @property
    def stopped(self) -> bool:
        return self.state == ClockState.STOPPED

    @property
    def breached(self) -> bool:
        if self.breached_at is not None or self.met is False:
            return True
        return self.running and self.due is not None and self.due <= self.now

    @property
    def used(self) -> float | None:
        """Share of the target used, 0.0 … (over 1.0 once breached); None without a target."""
        if not self.target:
            return None
        return self.elapsed / self.target

    @property
    def percent(self) -> int | None:
        used = self.used
        return None if used is None else round(used * 100)

    @property
    def remaining(self) -> float | None:
        """Business seconds left (negative once breached)."""
        return None if self.target is None else self.target - self.elapsed

    @property
    def band(self) -> str:
        """ok < 50 % ≤ watch < 75 % ≤ warn < 90 % ≤ danger; breached; met; paused; idle."""
        if self.breached:
            return "breached"
        if self.stopped:
            return "met" if self.met else "idle"
        if self.paused:
            return "paused"
        used = self.used
        if not self.running or used is None:
            return "idle"
        return next((band for limit, band in BANDS if used < limit), "danger")


def read_stored(clock: Clock, *, computed_at: datetime, config: Config, now: datetime) -> Reading:
    """A stored clock read at `now`; it was computed at `computed_at` (the ticket's last event).

    A running clock has counted, since then, the business seconds of its calendar.
    """
    elapsed = clock.elapsed
    if clock.state == ClockState.RUNNING and now > computed_at:
        calendar = config.calendars.get(clock.calendar)
        if calendar is not None:
            elapsed += calendar.elapsed(computed_at.timestamp(), now.timestamp())
    return Reading(
        metric=clock.metric,
        state=clock.state,
        priority=clock.priority,
        target=clock.target,
        elapsed=elapsed,
        due=clock.due,
        met=clock.met,
        breached_at=clock.breached_at,
        now=now,
        calendar=clock.calendar,
    )


def read_result(result: ClockResult, *, now: datetime) -> Reading:
    """An engine result computed at `now`."""
    return Reading(
        metric=result.metric,
        state=result.state,
        priority=result.priority,
        target=result.target,
        elapsed=result.elapsed,
        due=_instant(result.due),
        met=result.met,
        breached_at=_instant(result.breached_at),
        now=now,
    )


@dataclass(frozen=True)
class Panel:
    """The ticket page's SLA panel: each clock at `now`, and `sladesk sla explain`'s text."""

    readings: list[Reading]
    explanation: str


def panel(ticket: Ticket, now: datetime) -> Panel:
    """Run the engine over the ticket's history at `now`, as `sladesk sla explain` does."""
    if ticket.sla_version_id is None:
        return Panel([], "")
    # The account says "read at HH:MM:SS" and the history is in whole seconds: read it at
    # that whole second, so that `sladesk sla explain --now` at the printed instant agrees.
    now = now.replace(microsecond=0)
    config, events, results = clocks.run(ticket, now, explain=True)
    if not events:
        return Panel([], "")
    readings = [read_result(r, now=now) for r in results]
    return Panel(readings, explain_text(config, events, results, now.timestamp()))


def _instant(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)

"""The yearly KPI of an agreement (the ITSS procedure, seed 004, and the template's 步骤5).

- SLA attainment over the year = the mean of each service item's attainment, where an item
  is one metric at one priority that has a goal (P1 response, P1 resolution, …) and its
  attainment is the share of its clocks met; compared with `reporting.attainment_goal`.
- Each month's service score: the start, less points per missed target and per missed goal.
- A flag once the goals are missed `reporting.consecutive_misses` months in a row.

Clocks saved by waiting on the requester count as met (the engine paused them); how many
is shown beside. One GROUP BY over the year's clocks, by month, metric and priority.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models.functions import TruncMonth
from django.utils import timezone

from sladesk.engine.config import Config
from sladesk.sla.models import Clock

from .figures import _goals, missed_goals, outcome_counts
from .scope import Period, Scope, month


@dataclass
class Item:
    metric: str
    priority: str
    goal: float
    measured: int = 0
    met: int = 0
    excluded: int = 0

    @property
    def rate(self) -> float | None:
        return self.met / self.measured if self.measured else None


@dataclass
class Month:
    period: Period
    measured: int = 0
    met: int = 0
    breached: dict[str, int] = field(default_factory=dict)  # priority -> missed targets
    goals_missed: list[str] = field(default_factory=list)  # "response P1", …
    score: float | None = None
    streak: int = 0  # months in a row up to this one with a goal missed
    flagged: bool = False

    @property
    def rate(self) -> float | None:
        return self.met / self.measured if self.measured else None


@dataclass
class Kpi:
    scope: Scope
    year: int
    goal: float
    items: list[Item]
    months: list[Month]

    @property
    def attainment(self) -> float | None:
        rates = [item.rate for item in self.items if item.rate is not None]
        return sum(rates) / len(rates) if rates else None

    @property
    def meets_goal(self) -> bool | None:
        return None if self.attainment is None else self.attainment >= self.goal

    @property
    def flagged(self) -> list[Month]:
        return [m for m in self.months if m.flagged]


def compute(scope: Scope, year: int, config: Config, now: datetime | None = None) -> Kpi:
    """The KPI of `scope` over `year` (its months so far), judged by `config`'s goals."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    months = [month(date(year, m, 1)) for m in range(1, 13)]
    months = [p for p in months if p.start <= now]
    goals = _goals(config)
    items = {key: Item(*key, goal) for key, goal in goals.items()}
    rows: dict[date, list[dict]] = defaultdict(list)
    if months:
        clocks = Clock.objects.filter(
            scope.q("ticket__"),
            ticket__created_at__gte=months[0].start,
            ticket__created_at__lt=months[-1].end,
            ticket__out_of_scope=False,
        )
        grouped = (
            clocks.order_by()
            .annotate(month=TruncMonth("ticket__created_at", tzinfo=zone))
            .values("month", "metric", "priority")
            .annotate(**outcome_counts(now))
        )
        for row in grouped:
            rows[row["month"].astimezone(zone).date()].append(row)
    for rows_of_month in rows.values():
        for row in rows_of_month:
            item = items.get((row["metric"], row["priority"]))
            if item is not None:
                item.measured += row["n_measured"]
                item.met += row["n_met"]
                item.excluded += row["n_excluded"]
    table = [_month(p, rows.get(p.first, []), goals, config) for p in months]
    _streaks(table, config.reporting.consecutive_misses)
    ordered = sorted(items.values(), key=lambda i: (config.priorities.index(i.priority), i.metric))
    return Kpi(scope, year, config.reporting.attainment_goal, ordered, table)


def _month(period: Period, rows: list[dict], goals: dict, config: Config) -> Month:
    m = Month(period)
    for row in rows:
        m.measured += row["n_measured"]
        m.met += row["n_met"]
        missed = row["n_measured"] - row["n_met"]
        m.breached[row["priority"]] = m.breached.get(row["priority"], 0) + missed
    m.goals_missed = [f"{r['metric']} {r['priority']}" for r in missed_goals(rows, goals)]
    if m.measured:
        rules = config.reporting
        points = sum(rules.per_breach.get(p, 0) * n for p, n in m.breached.items())
        points += rules.per_missed_goal * len(m.goals_missed)
        m.score = max(rules.score_start - points, 0.0)
    return m


def _streaks(months: list[Month], limit: int) -> None:
    streak = 0
    for m in months:
        streak = streak + 1 if m.goals_missed else 0
        m.streak, m.flagged = streak, streak >= limit

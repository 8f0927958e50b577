"""The figures of a service report, aggregated in the database over the stored clocks.

A ticket belongs to the period it was created in. Its clocks are judged as they stand
when the report is made: met, breached (stopped late, or still running past due), or open
(still running in time, not counted in compliance). Business times are the engine's
elapsed seconds of stopped clocks; wall-clock times run from creation to the first response
and to the resolution. Every number is a GROUP BY over indexed columns, never a loop over
tickets in Python; the only per-ticket work is the cause of each breach in the breach list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sladesk.desk.models import Kind, Ticket
from sladesk.engine.config import Config
from sladesk.sla.models import Clock, ClockState, SlaVersion
from sladesk.sla.versions import config_of, in_force

from . import causes, formatting
from .scope import Period, Scope

TREND_PERIODS = 6  # this period and the five before it
BREACH_LIST = 1000  # the longest breach list a report carries


@dataclass
class Compliance:
    """One metric at one priority (or "all"): how its clocks fared against the goal."""

    metric: str
    priority: str
    measured: int  # clocks met or breached
    met: int
    open: int  # still running in time
    excluded: int  # met only thanks to the time waiting on the requester
    goal: float | None
    business: float | None = None  # mean business seconds of the stopped clocks
    stopped: int = 0  # how many that mean is over

    @property
    def breached(self) -> int:
        return self.measured - self.met

    @property
    def rate(self) -> float | None:
        return self.met / self.measured if self.measured else None

    @property
    def meets_goal(self) -> bool | None:
        if self.goal is None or self.rate is None:
            return None
        return self.rate >= self.goal


@dataclass
class Times:
    """Mean times of one priority (or "all"), business and wall-clock, in seconds."""

    priority: str
    tickets: int
    response_business: float | None
    response_wall: float | None
    resolution_business: float | None
    resolution_wall: float | None


@dataclass
class Breach:
    number: str
    subject: str
    priority: str
    metric: str
    target: int
    elapsed: float
    breached_at: datetime | None
    cause: str


@dataclass
class TrendPoint:
    label: str
    tickets: int
    compliance: float | None
    satisfaction: float | None
    goals_missed: int


@dataclass
class Figures:
    scope: Scope
    period: Period
    generated_at: datetime
    versions: list[int]  # the SLA versions the period's tickets were measured by
    priorities: list[str]
    tickets: int = 0
    by_priority: dict[str, int] = field(default_factory=dict)
    incidents: int = 0
    requests: int = 0
    resolved: int = 0
    still_open: int = 0
    times: list[Times] = field(default_factory=list)
    compliance: list[Compliance] = field(default_factory=list)
    overall: dict[str, Compliance] = field(default_factory=dict)  # per metric, and "all"
    rated: int = 0
    satisfaction: float | None = None
    ratings: dict[int, int] = field(default_factory=dict)  # 1..5 -> tickets
    categories: list[tuple[str, int]] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    breach_count: int = 0
    trend: list[TrendPoint] = field(default_factory=list)
    score: float | None = None
    deductions: list[tuple[str, float]] = field(default_factory=list)
    availability: list[dict[str, Any]] = field(default_factory=list)  # per service measured

    @property
    def goals_missed(self) -> list[Compliance]:
        return [row for row in self.compliance if row.meets_goal is False]

    def as_json(self) -> dict[str, Any]:
        """Plain data (for storing with the report and for exports)."""
        data = asdict(self)
        for row, raw in zip(self.compliance, data["compliance"], strict=True):
            raw.update(breached=row.breached, rate=row.rate, meets_goal=row.meets_goal)
        for name, row in self.overall.items():
            data["overall"][name].update(breached=row.breached, rate=row.rate)
        data["scope"] = asdict(self.scope)
        data["period"] = {"first": self.period.first, "last": self.period.last}
        return data


def from_json(data: dict[str, Any]) -> Figures:
    """A Figures again from `as_json` (a stored report's snapshot)."""
    derived = ("breached", "rate", "meets_goal")

    def row(raw: dict[str, Any]) -> Compliance:
        return Compliance(**{k: v for k, v in raw.items() if k not in derived})

    return Figures(
        scope=Scope(**{**data["scope"], "services": tuple(data["scope"].get("services", ()))}),
        period=Period(_date(data["period"]["first"]), _date(data["period"]["last"])),
        generated_at=_datetime(data["generated_at"]),
        versions=data["versions"],
        priorities=data["priorities"],
        tickets=data["tickets"],
        by_priority=data["by_priority"],
        incidents=data["incidents"],
        requests=data["requests"],
        resolved=data["resolved"],
        still_open=data["still_open"],
        times=[Times(**t) for t in data["times"]],
        compliance=[row(r) for r in data["compliance"]],
        overall={name: row(r) for name, r in data["overall"].items()},
        rated=data["rated"],
        satisfaction=data["satisfaction"],
        ratings={int(k): v for k, v in data["ratings"].items()},
        categories=[tuple(c) for c in data["categories"]],
        breaches=[
            Breach(**{**b, "breached_at": _datetime(b["breached_at"])}) for b in data["breaches"]
        ],
        breach_count=data["breach_count"],
        trend=[TrendPoint(**p) for p in data["trend"]],
        score=data["score"],
        deductions=[tuple(d) for d in data["deductions"]],
        availability=data.get("availability", []),
    )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def compute(scope: Scope, period: Period, now: datetime | None = None) -> Figures:
    """Every figure of the report on `scope` over `period`, as known at `now`."""
    now = now or timezone.now()
    tickets = tickets_in(scope, period)
    config, versions = _config(tickets, scope.version)
    figures = Figures(scope, period, now, versions, list(config.priorities))
    _volumes(figures, tickets)
    # One pass over the clocks gives compliance, mean business times and the breach count.
    figures.compliance, figures.overall = _compliance(clocks_of(scope, period), config, now)
    figures.times = _times(tickets, figures.compliance, figures.overall, config)
    _satisfaction(figures, tickets)
    figures.categories = _categories(tickets)
    figures.breach_count = figures.overall["all"].breached
    figures.breaches = _breaches(scope, period, now)
    figures.trend = trend(scope, period, config, now)
    figures.score, figures.deductions = score(figures, config)
    figures.availability = _availability(scope, period, now)
    return figures


def _availability(scope: Scope, period: Period, now: datetime) -> list[dict[str, Any]]:
    """Availability of the services the scope covers that have an availability goal."""
    from sladesk.catalog import availability
    from sladesk.desk.models import Service

    services = Service.objects.filter(availability_goal__isnull=False).exclude(calendar="")
    if scope.kind == "service":
        services = services.filter(code=scope.code)
    elif scope.kind == "agreement":
        services = services.filter(code__in=list(scope.services))
    elif scope.kind == "team":
        services = services.filter(team__code=scope.code)
    out = []
    for service in services.order_by("name"):
        measured = availability.measure(service, period, now)
        if measured is None:
            continue
        total = measured.total
        out.append(
            {
                "service": service.name,
                "code": service.code,
                "goal": float(service.availability_goal),
                "availability": total.availability,
                "service_seconds": total.service_seconds,
                "unplanned_seconds": total.unplanned_seconds,
                "outages": sum(1 for o in total.outages if o.counted),
                "violations": [availability.violation_text(v) for v in total.violations],
            }
        )
    return out


def tickets_in(scope: Scope, period: Period) -> QuerySet[Ticket]:
    return scope.tickets().filter(created_at__gte=period.start, created_at__lt=period.end)


def clocks_of(scope: Scope, period: Period) -> QuerySet[Clock]:
    """The clocks judged in the report (an out-of-scope request's are not measured)."""
    return Clock.objects.filter(
        scope.q("ticket__"),
        ticket__created_at__gte=period.start,
        ticket__created_at__lt=period.end,
        ticket__out_of_scope=False,
    )


def _config(tickets: QuerySet[Ticket], bound: int | None = None) -> tuple[Config, list[int]]:
    """The version whose goals judge the report (an agreement's own, else the newest the
    tickets were measured by), and every version the tickets were measured by."""
    numbers = sorted(tickets.order_by().values_list("sla_version__number", flat=True).distinct())
    numbers = [n for n in numbers if n is not None]
    chosen = bound if bound is not None else (numbers[-1] if numbers else None)
    version = SlaVersion.objects.filter(number=chosen).first() if chosen else in_force()
    if version is None:
        raise ValueError("no SLA configuration is stored")
    return config_of(version), numbers


def _volumes(figures: Figures, tickets: QuerySet[Ticket]) -> None:
    counts = tickets.order_by().aggregate(
        n=Count("id"),
        incidents=Count("id", filter=Q(kind=Kind.INCIDENT)),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        open=Count("id", filter=Q(resolved_at__isnull=True, closed_at__isnull=True)),
    )
    figures.tickets, figures.incidents = counts["n"], counts["incidents"]
    figures.requests = counts["n"] - counts["incidents"]
    figures.resolved, figures.still_open = counts["resolved"], counts["open"]
    by = dict(tickets.order_by().values_list("priority").annotate(n=Count("id")))
    figures.by_priority = {p: by.get(p, 0) for p in figures.priorities} | {
        p: n for p, n in by.items() if p not in figures.priorities
    }


def _wall(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField())


def _times(
    tickets: QuerySet[Ticket],
    compliance: list[Compliance],
    overall: dict[str, Compliance],
    config: Config,
) -> list[Times]:
    wall = {
        row["priority"]: row
        for row in tickets.order_by()
        .values("priority")
        .annotate(
            n=Count("id"),
            response=Avg(_wall("first_response_at")),
            resolution=Avg(_wall("resolved_at")),
        )
    }
    whole = tickets.order_by().aggregate(
        n=Count("id"),
        response=Avg(_wall("first_response_at")),
        resolution=Avg(_wall("resolved_at")),
    )
    business = {(r.metric, r.priority): r.business for r in compliance}
    business |= {(metric, "all"): r.business for metric, r in overall.items()}
    out = []
    for prio in [*config.priorities, "all"]:
        row = whole if prio == "all" else wall.get(prio, {"n": 0})
        out.append(
            Times(
                prio,
                row["n"],
                business.get(("response", prio)),
                _seconds(row.get("response")),
                business.get(("resolution", prio)),
                _seconds(row.get("resolution")),
            )
        )
    return out


def _seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) / 1e6  # SQLite averages durations as microseconds


OUTCOMES = ("met", "breached", "open", "excluded")


def outcome_q(outcome: str, now: datetime) -> Q:
    """The clocks with this outcome at `now` (one of OUTCOMES)."""
    late = Q(state=ClockState.RUNNING, due__lte=now)
    measured = Q(target__isnull=False)
    if outcome == "met":
        return measured & Q(met=True)
    if outcome == "breached":
        pending = Q(met__isnull=True)
        return measured & (
            Q(met=False)
            | (pending & Q(breached_at__isnull=False))
            | (pending & Q(breached_at__isnull=True) & late)
        )
    if outcome == "open":
        return measured & Q(met__isnull=True, breached_at__isnull=True) & ~late
    if outcome == "excluded":
        return Q(met=True, breached_without_pauses=True)
    raise ValueError(f"unknown outcome {outcome!r}")


def outcome_counts(now: datetime) -> dict[str, Count]:
    """The aggregates that judge clocks at `now` (also used by the trend and the KPI)."""
    # Named n_…: an annotation called "met" would shadow the field the others filter on.
    return {
        "n_measured": Count("id", filter=outcome_q("met", now) | outcome_q("breached", now)),
        "n_met": Count("id", filter=outcome_q("met", now)),
        "n_open": Count("id", filter=outcome_q("open", now)),
        "n_excluded": Count("id", filter=outcome_q("excluded", now)),
    }


def _compliance(
    clocks: QuerySet[Clock], config: Config, now: datetime
) -> tuple[list[Compliance], dict[str, Compliance]]:
    goals = _goals(config)
    rows = (
        clocks.order_by()
        .values("metric", "priority")
        .annotate(
            **outcome_counts(now),
            business=Avg("elapsed", filter=Q(state=ClockState.STOPPED)),
            n_stopped=Count("id", filter=Q(state=ClockState.STOPPED)),
        )
    )
    found = {(r["metric"], r["priority"]): r for r in rows}
    metrics = _metric_names(config, found)
    table = []
    for metric in metrics:
        for prio in config.priorities:
            r = found.get((metric, prio))
            if r is None and (metric, prio) not in goals:
                continue
            table.append(_row(metric, prio, r, goals.get((metric, prio))))
    overall = {}
    for metric in metrics:
        mine = [row for row in table if row.metric == metric]
        overall[metric] = _sum(metric, mine)
    overall["all"] = _sum("all", table)
    return table, overall


def _goals(config: Config) -> dict[tuple[str, str], float]:
    return {
        (metric.name, prio): goal
        for policy in config.policies
        for metric in policy.metrics
        for prio, goal in metric.goals.items()
    }


def _metric_names(config: Config, found: dict[tuple[str, str], Any]) -> list[str]:
    names = [m.name for p in config.policies for m in p.metrics]
    names += [metric for metric, _prio in found]
    return list(dict.fromkeys(names))


def _row(metric: str, prio: str, r: dict[str, Any] | None, goal: float | None) -> Compliance:
    r = r or {
        "n_measured": 0,
        "n_met": 0,
        "n_open": 0,
        "n_excluded": 0,
        "business": None,
        "n_stopped": 0,
    }
    return Compliance(
        metric,
        prio,
        r["n_measured"],
        r["n_met"],
        r["n_open"],
        r["n_excluded"],
        goal,
        r["business"],
        r["n_stopped"],
    )


def _sum(metric: str, rows: list[Compliance]) -> Compliance:
    stopped = sum(r.stopped for r in rows if r.business is not None)
    total = sum(r.business * r.stopped for r in rows if r.business is not None)
    return Compliance(
        metric,
        "all",
        sum(r.measured for r in rows),
        sum(r.met for r in rows),
        sum(r.open for r in rows),
        sum(r.excluded for r in rows),
        None,
        total / stopped if stopped else None,
        stopped,
    )


def _satisfaction(figures: Figures, tickets: QuerySet[Ticket]) -> None:
    rated = dict(
        tickets.filter(rating__isnull=False)
        .order_by()
        .values_list("rating")
        .annotate(n=Count("id"))
    )
    figures.ratings = {score: rated.get(score, 0) for score in range(1, 6)}
    figures.rated = sum(figures.ratings.values())
    if figures.rated:
        total = sum(score * n for score, n in figures.ratings.items())
        figures.satisfaction = total / figures.rated


def _categories(tickets: QuerySet[Ticket], top: int = 5) -> list[tuple[str, int]]:
    rows = (
        tickets.exclude(category__isnull=True)
        .order_by()
        .values_list("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:top]
    )
    return [(name, n) for name, n in rows]


def breached_clocks(scope: Scope, period: Period, now: datetime) -> QuerySet[Clock]:
    return clocks_of(scope, period).filter(outcome_q("breached", now))


def _breaches(scope: Scope, period: Period, now: datetime) -> list[Breach]:
    clocks = breached_clocks(scope, period, now).select_related("ticket__sla_version")
    chosen = list(clocks.order_by("ticket__created_at", "ticket_id", "metric")[:BREACH_LIST])
    why = causes.of([c.ticket for c in chosen], now)
    out = []
    for c in chosen:
        cause, elapsed = why.get((c.ticket_id, c.metric), ("", c.elapsed))
        when = c.breached_at or c.due
        out.append(
            Breach(
                c.ticket.number,
                c.ticket.subject,
                c.priority,
                c.metric,
                c.target or 0,
                elapsed,
                when,
                cause,
            )
        )
    return out


def trend(scope: Scope, period: Period, config: Config, now: datetime) -> list[TrendPoint]:
    """This period and the ones before it: volume, compliance, satisfaction, goals missed.

    For months, one GROUP BY by month over tickets and one over clocks (two queries, not
    two per month); other periods are counted one by one."""
    periods = [*period.earlier(TREND_PERIODS - 1), period]
    goals = _goals(config)
    if not period.is_month:
        return [_point(p, *_period_rows(scope, p, now), goals) for p in periods]
    zone = timezone.get_default_timezone()
    span = Period(periods[0].first, periods[-1].last)
    by_month = (
        tickets_in(scope, span)
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("id"), rating=Avg("rating"))
    )
    tickets = {row["month"].astimezone(zone).date(): row for row in by_month}
    clocks: dict[date, list[dict[str, Any]]] = {}
    grouped = (
        clocks_of(scope, span)
        .order_by()
        .annotate(month=TruncMonth("ticket__created_at", tzinfo=zone))
        .values("month", "metric", "priority")
        .annotate(**outcome_counts(now))
    )
    for row in grouped:
        clocks.setdefault(row["month"].astimezone(zone).date(), []).append(row)
    empty = {"n": 0, "rating": None}
    return [_point(p, tickets.get(p.first, empty), clocks.get(p.first, []), goals) for p in periods]


def _period_rows(scope: Scope, p: Period, now: datetime) -> tuple[dict[str, Any], list]:
    tickets = tickets_in(scope, p).order_by().aggregate(n=Count("id"), rating=Avg("rating"))
    rows = (
        clocks_of(scope, p).order_by().values("metric", "priority").annotate(**outcome_counts(now))
    )
    return tickets, list(rows)


def _point(
    p: Period, tickets: dict[str, Any], rows: list[dict[str, Any]], goals: dict
) -> TrendPoint:
    measured = sum(r["n_measured"] for r in rows)
    met = sum(r["n_met"] for r in rows)
    rate = met / measured if measured else None
    return TrendPoint(
        p.label, tickets["n"], rate, tickets["rating"], len(missed_goals(rows, goals))
    )


def missed_goals(rows: list[dict[str, Any]], goals: dict) -> list[dict[str, Any]]:
    """The rows of `outcome_counts` (per metric and priority) whose share met is below goal."""
    return [
        r
        for r in rows
        if (goal := goals.get((r["metric"], r["priority"]))) is not None
        and r["n_measured"]
        and r["n_met"] / r["n_measured"] < goal
    ]


def score(figures: Figures, config: Config) -> tuple[float, list[tuple[str, float]]]:
    """The period's service score: the start, less points per breach and per missed goal."""
    rules = config.reporting
    deductions: list[tuple[str, float]] = []
    breached = {}
    for row in figures.compliance:
        breached[row.priority] = breached.get(row.priority, 0) + row.breached
    for prio, count in breached.items():
        points = rules.per_breach.get(prio, 0) * count
        if points:
            text = ngettext(
                "%(count)d %(priority)s target missed",
                "%(count)d %(priority)s targets missed",
                count,
            )
            deductions.append((text % {"count": count, "priority": prio}, points))
    for row in figures.goals_missed:
        if rules.per_missed_goal:
            text = _("%(metric)s %(priority)s below its goal of %(goal)s") % {
                "metric": formatting.metric(row.metric),
                "priority": row.priority,
                "goal": f"{row.goal:.0%}",
            }
            deductions.append((text, rules.per_missed_goal))
    return max(rules.score_start - sum(p for _, p in deductions), 0.0), deductions

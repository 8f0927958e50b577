"""How an agreement is judged over time (the `reporting` key of SLA-as-code).

The clock and the rules never read it; reports do: the yearly attainment goal, the monthly
service score with its deductions, and how many months in a row of missed goals raise a
flag. See docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .durations import parse_percent
from .yamlsource import Path

REPORTING_KEYS = ("attainment_goal", "score", "consecutive_misses")
SCORE_KEYS = ("start", "per_breach", "per_missed_goal")


class _Checker(Protocol):
    def problem(self, path: Path, message: str) -> None: ...
    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None: ...
    def keys(self, value: dict[str, Any], path: Path, allowed: tuple[str, ...]) -> None: ...


@dataclass(frozen=True)
class Reporting:
    # Yearly SLA attainment (the mean of each measured item's compliance) must reach this.
    attainment_goal: float = 0.95
    score_start: float = 100.0
    per_breach: dict[str, float] = field(default_factory=dict)  # priority -> points
    per_missed_goal: float = 0.0  # points per metric and priority below its goal
    consecutive_misses: int = 3  # months in a row that raise the flag


def parse_reporting(v: _Checker, value: Any, priorities: tuple[str, ...]) -> Reporting:
    path: Path = ("reporting",)
    body = v.mapping(value, path, "reporting settings (attainment_goal, score, …)")
    if body is None:
        return Reporting()
    v.keys(body, path, REPORTING_KEYS)
    goal = Reporting.attainment_goal
    if "attainment_goal" in body:
        goal = _fraction(v, body["attainment_goal"], (*path, "attainment_goal"))
    start, per_breach, per_goal = Reporting.score_start, {}, 0.0
    if "score" in body:
        start, per_breach, per_goal = _score(v, body["score"], (*path, "score"), priorities)
    months = body.get("consecutive_misses", Reporting.consecutive_misses)
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        v.problem((*path, "consecutive_misses"), f"expected a number of months ≥ 1, got {months!r}")
        months = Reporting.consecutive_misses
    return Reporting(goal, start, per_breach, per_goal, months)


def _score(
    v: _Checker, value: Any, path: Path, priorities: tuple[str, ...]
) -> tuple[float, dict[str, float], float]:
    body = v.mapping(value, path, "a score {start, per_breach, per_missed_goal}") or {}
    v.keys(body, path, SCORE_KEYS)
    start = _points(v, body.get("start", 100), (*path, "start"))
    per_goal = _points(v, body.get("per_missed_goal", 0), (*path, "per_missed_goal"))
    raw = body.get("per_breach", {})
    if not isinstance(raw, dict):
        return start, dict.fromkeys(priorities, _points(v, raw, (*path, "per_breach"))), per_goal
    per_breach = {}
    for prio, points in raw.items():
        if prio != "default" and prio not in priorities:
            v.problem((*path, "per_breach", prio), f"{prio!r} is not a priority or 'default'")
        else:
            per_breach[prio] = _points(v, points, (*path, "per_breach", prio))
    default = per_breach.pop("default", None)
    per_breach = {p: per_breach.get(p, default) for p in priorities}
    return start, {p: x for p, x in per_breach.items() if x is not None}, per_goal


def _points(v: _Checker, raw: Any, path: Path) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        v.problem(path, f"expected a number of points ≥ 0, got {raw!r}")
        return 0.0
    return float(raw)


def _fraction(v: _Checker, raw: Any, path: Path) -> float:
    try:
        return parse_percent(raw)
    except ValueError as exc:
        v.problem(path, str(exc))
        return Reporting.attainment_goal

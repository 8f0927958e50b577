"""The monthly report's figures from known tickets, every one worked out by hand.

October 2026 on the default SLA (P1 24x7; others cn-5x8, 09:00-12:00 and 13:00-18:00):

T1  P1  Mon 19 Oct 09:00, answered 09:10, resolved 12:30, rated 5   response met, resolution met
T2  P1  Mon 19 Oct 10:00, answered 10:20, resolved 15:00, rated 3   both breached (20 min, 5 h)
T3  P3  Tue 20 Oct 09:00, answered and waiting on the requester 10:00 until Thu 10:00,
        resolved Fri 23 Oct 12:00, rated 4: resolution 1 + 7 + 3 = 11 h, met; without the
        pause it ran out on Thursday at 18:00, so it is counted as excluded
T4  P4  Wed 21 Oct 09:00, never answered: response (4 h) late since 14:00; resolution
        (72 h) runs until Mon 2 Nov, so it is open on 31 Oct
T5  P2  Thu 22 Oct 09:00, answered 09:20, resolved 16:00 (6 h business, 7 h wall), rated 5
T0  P3  Wed 30 Sep (the month before), T6 Mon 2 Nov (the month after): not in October
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sladesk.desk import actions
from sladesk.desk.models import Status, Ticket
from sladesk.reports import figures
from sladesk.reports.scope import month, scope_of
from tests.desk.conftest import Desk

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 31, 23, 0, tzinfo=CN)
HOUR = 3600


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


def ticket(desk: Desk, when: str, impact: str, urgency: str, category: bool = False) -> Ticket:
    return actions.create_ticket(
        requester=desk.alice,
        subject=f"ticket of {when}",
        description="",
        service=desk.erp,
        category=desk.software if category else None,
        impact=impact,
        urgency=urgency,
        at=at(when),
    )


def answered_and_resolved(desk: Desk, t: Ticket, answer: str, resolve: str, rating: int) -> None:
    t = actions.reply(t, actor=desk.bob, body="on it", at=at(answer))
    t = actions.resolve(t, actor=desk.bob, resolution="fixed", at=at(resolve))
    actions.confirm(t, actor=desk.alice, rating=rating, at=at(resolve))


@pytest.fixture
def october(desk: Desk) -> Desk:
    t0 = ticket(desk, "2026-09-30 09:00", "medium", "medium")
    answered_and_resolved(desk, t0, "2026-09-30 09:30", "2026-09-30 11:00", 4)
    t1 = ticket(desk, "2026-10-19 09:00", "high", "high", category=True)
    answered_and_resolved(desk, t1, "2026-10-19 09:10", "2026-10-19 12:30", 5)
    t2 = ticket(desk, "2026-10-19 10:00", "high", "high", category=True)
    answered_and_resolved(desk, t2, "2026-10-19 10:20", "2026-10-19 15:00", 3)
    t3 = ticket(desk, "2026-10-20 09:00", "medium", "medium")
    t3 = actions.set_status(
        t3,
        actor=desk.bob,
        status=Status.WAITING_REQUESTER,
        reason="哪台?",
        at=at("2026-10-20 10:00"),
    )
    t3 = actions.reply(t3, actor=desk.alice, body="财务-07", at=at("2026-10-22 10:00"))
    t3 = actions.resolve(t3, actor=desk.bob, resolution="ok", at=at("2026-10-23 12:00"))
    actions.confirm(t3, actor=desk.alice, rating=4, at=at("2026-10-23 12:00"))
    ticket(desk, "2026-10-21 09:00", "low", "low")  # T4, never answered
    t5 = ticket(desk, "2026-10-22 09:00", "high", "medium")
    answered_and_resolved(desk, t5, "2026-10-22 09:20", "2026-10-22 16:00", 5)
    ticket(desk, "2026-11-02 09:00", "high", "high")  # T6, next month
    return desk


@pytest.fixture
def report(october: Desk) -> figures.Figures:
    return figures.compute(scope_of("all"), month(date(2026, 10, 1)), now=NOW)


def test_volumes(report: figures.Figures) -> None:
    assert report.tickets == 5
    assert report.by_priority == {"P1": 2, "P2": 1, "P3": 1, "P4": 1}
    assert (report.incidents, report.requests) == (5, 0)
    assert (report.resolved, report.still_open) == (4, 1)
    assert report.versions == [1]


def test_compliance_per_priority_against_its_goal(report: figures.Figures) -> None:
    rows = {(r.metric, r.priority): r for r in report.compliance}
    expected = {
        # metric, priority: measured, met, open, excluded, goal, meets the goal
        ("response", "P1"): (2, 1, 0, 0, 0.98, False),
        ("response", "P2"): (1, 1, 0, 0, 0.95, True),
        ("response", "P3"): (1, 1, 0, 0, 0.90, True),
        ("response", "P4"): (1, 0, 0, 0, 0.85, False),
        ("resolution", "P1"): (2, 1, 0, 0, 0.98, False),
        ("resolution", "P2"): (1, 1, 0, 0, 0.95, True),
        ("resolution", "P3"): (1, 1, 0, 1, 0.90, True),
        ("resolution", "P4"): (0, 0, 1, 0, 0.85, None),
    }
    for key, (measured, met, open_, excluded, goal, meets) in expected.items():
        row = rows[key]
        assert (row.measured, row.met, row.open, row.excluded) == (measured, met, open_, excluded)
        assert (row.goal, row.meets_goal) == (goal, meets), key
    assert rows["response", "P1"].rate == 0.5
    assert rows["resolution", "P4"].rate is None
    assert (report.overall["response"].measured, report.overall["response"].met) == (5, 3)
    assert (report.overall["resolution"].measured, report.overall["resolution"].met) == (4, 3)
    assert report.overall["all"].rate == pytest.approx(6 / 9)
    assert report.overall["resolution"].excluded == 1


def test_mean_times_business_and_wall_clock(report: figures.Figures) -> None:
    times = {t.priority: t for t in report.times}
    p1, p2, p3, p4, whole = times["P1"], times["P2"], times["P3"], times["P4"], times["all"]
    assert (p1.response_business, p1.response_wall) == (900, 900)  # 10 and 20 minutes
    assert (p1.resolution_business, p1.resolution_wall) == (15300, 15300)  # 3.5 h and 5 h
    assert (p2.response_business, p2.resolution_business, p2.resolution_wall) == (
        1200,
        6 * HOUR,
        7 * HOUR,
    )
    assert (p3.resolution_business, p3.resolution_wall) == (11 * HOUR, 75 * HOUR)
    assert (p4.tickets, p4.response_business, p4.resolution_wall) == (1, None, None)
    assert (whole.response_business, whole.response_wall) == (1650, 1650)
    assert whole.resolution_business == 22950  # (3.5 + 5 + 11 + 6) h / 4
    assert whole.resolution_wall == 81450  # (3.5 + 5 + 75 + 7) h / 4


def test_satisfaction_and_categories(report: figures.Figures) -> None:
    assert report.ratings == {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}
    assert (report.rated, report.satisfaction) == (4, 4.25)
    assert report.categories == [("软件", 2)]


def test_the_breach_list_with_causes(report: figures.Figures) -> None:
    assert report.breach_count == 3
    listed = [(b.number, b.metric) for b in report.breaches]
    t2, t4 = "INC-2026-000003", "INC-2026-000005"
    assert listed == [(t2, "resolution"), (t2, "response"), (t4, "response")]
    with translation.override("en"):
        again = figures.compute(scope_of("all"), month(date(2026, 10, 1)), now=NOW)
    causes = {(b.number, b.metric): b.cause for b in again.breaches}
    # where the business time went while each clock ran, by the ticket's status
    assert causes[t2, "response"] == "Assigned 20m (100%)"
    assert causes[t2, "resolution"] == "In progress 4h40m (93%); Assigned 20m (7%)"
    # T4 was never answered: 8 working days (64 h) so far, all of it waiting as assigned
    assert causes[t4, "response"] == "Assigned 64h (100%)"
    elapsed = {(b.number, b.metric): b.elapsed for b in again.breaches}
    assert elapsed[t4, "response"] == 64 * HOUR  # read at the report, not at the last event


def test_score_deducts_per_breach_and_per_missed_goal(report: figures.Figures) -> None:
    # 2 P1 breaches x 5, 1 P4 breach x 1, 3 goals missed x 5: 100 - 10 - 1 - 15
    assert report.score == 74
    assert sum(points for _, points in report.deductions) == 26


def test_the_trend_shows_this_month_and_the_five_before(report: figures.Figures) -> None:
    labels = [p.label for p in report.trend]
    assert labels == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    september, october = report.trend[-2], report.trend[-1]
    assert (september.tickets, september.compliance, september.satisfaction) == (1, 1.0, 4)
    assert (october.tickets, october.goals_missed) == (5, 3)
    assert october.compliance == pytest.approx(6 / 9)
    assert report.trend[0].compliance is None


def test_a_scope_counts_only_its_tickets(october: Desk) -> None:
    other = figures.compute(scope_of("organisation", "operations"), month(date(2026, 10, 1)), NOW)
    assert other.tickets == 0 and other.overall["all"].rate is None
    mine = figures.compute(scope_of("service", "erp"), month(date(2026, 10, 1)), NOW)
    assert mine.tickets == 5


def test_figures_survive_being_stored_as_json(report: figures.Figures) -> None:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    stored = json.loads(json.dumps(report.as_json(), cls=DjangoJSONEncoder))
    again = figures.from_json(stored)
    assert again.as_json() == report.as_json()
    assert again.overall["all"].rate == report.overall["all"].rate
    assert again.breaches[0].breached_at == report.breaches[0].breached_at


def test_a_period_of_days_trends_over_the_periods_of_the_same_length(october: Desk) -> None:
    from sladesk.reports.scope import Period

    week = Period(date(2026, 10, 19), date(2026, 10, 25))
    report = figures.compute(scope_of("all"), week, now=NOW)
    assert report.tickets == 5  # T1–T5 were all opened that week
    assert [p.label for p in report.trend][-2:] == [
        "2026-10-12 – 2026-10-18",
        "2026-10-19 – 2026-10-25",
    ]
    assert [p.tickets for p in report.trend][-2:] == [0, 5]

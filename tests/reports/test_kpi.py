"""The yearly KPI from known tickets: attainment as the mean of the items, monthly scores,
and the flag after three months in a row of missed goals.

On top of October's tickets (tests/reports/test_figures.py), one P1 ticket in August and
one in September, each answered after 20 minutes (response missed, 15 min) and resolved
within 4 h. September already has T0 (P3, everything met).
"""

from __future__ import annotations

import pytest

from sladesk.reports import kpi
from sladesk.reports.scope import scope_of
from sladesk.sla.versions import config_of, in_force
from tests.desk.conftest import Desk
from tests.reports.test_figures import NOW, answered_and_resolved, october, ticket

__all__ = ["october"]  # the fixture, used by name


@pytest.fixture
def year(october: Desk) -> kpi.Kpi:
    for day in ("2026-08-03", "2026-09-07"):
        t = ticket(october, f"{day} 09:00", "high", "high")
        answered_and_resolved(october, t, f"{day} 09:20", f"{day} 12:00", 4)
    return kpi.compute(scope_of("all"), 2026, config_of(in_force()), now=NOW)


def test_attainment_is_the_mean_of_each_items_share_met(year: kpi.Kpi) -> None:
    items = {(i.metric, i.priority): i for i in year.items}
    # response P1: Aug late, Sep late, Oct T1 met + T2 late -> 1 of 4
    assert (items["response", "P1"].measured, items["response", "P1"].met) == (4, 1)
    # resolution P1: Aug, Sep, T1 met; T2 late -> 3 of 4
    assert (items["resolution", "P1"].measured, items["resolution", "P1"].met) == (4, 3)
    assert items["response", "P2"].rate == 1.0 and items["response", "P3"].rate == 1.0
    assert items["response", "P4"].rate == 0.0  # T4, never answered
    assert items["resolution", "P4"].rate is None  # still open: not an item this year
    assert items["resolution", "P3"].excluded == 1  # T3, saved by the requester's delay
    # items with clocks measured: resp P1 .25, P2 1, P3 1 (T0 and T3), P4 0;
    # resol P1 .75, P2 1, P3 1 -> 5.0 / 7
    assert year.attainment == pytest.approx(5.0 / 7)
    assert year.goal == 0.95 and year.meets_goal is False


def test_months_their_scores_and_the_flag_after_three_in_a_row(year: kpi.Kpi) -> None:
    labels = [m.period.label for m in year.months]
    assert labels == [f"2026-{n:02d}" for n in range(1, 11)]  # up to October (NOW)
    by = {m.period.label: m for m in year.months}
    assert by["2026-07"].score is None and by["2026-07"].streak == 0
    assert by["2026-08"].goals_missed == ["response P1"]
    assert by["2026-08"].score == 100 - 5 - 5  # one P1 target missed, one goal missed
    assert by["2026-09"].goals_missed == ["response P1"] and by["2026-09"].streak == 2
    assert not by["2026-09"].flagged
    october = by["2026-10"]
    assert sorted(october.goals_missed) == ["resolution P1", "response P1", "response P4"]
    assert october.score == 74  # as in the monthly report
    assert (october.streak, october.flagged) == (3, True)
    assert [m.period.label for m in year.flagged] == ["2026-10"]


def test_a_year_without_tickets_has_no_attainment(desk: Desk) -> None:
    empty = kpi.compute(scope_of("all"), 2025, config_of(in_force()), now=NOW)
    assert empty.attainment is None and empty.meets_goal is None
    assert len(empty.months) == 12 and not empty.flagged
    assert all(m.score is None for m in empty.months)


def test_a_year_in_the_future_has_no_months(desk: Desk) -> None:
    assert kpi.compute(scope_of("all"), 2030, config_of(in_force()), now=NOW).months == []

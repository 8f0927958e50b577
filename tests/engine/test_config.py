"""SLA-as-code validation: one line per problem, naming file, line, key and what is allowed."""

import pytest

from sladesk.engine.config import ConfigError, parse_config

GOOD = """\
calendars:
  cn-5x8:
    timezone: Asia/Shanghai
    hours:
      mon: ["09:00-12:00", "13:00-18:00"]
      tue: ["09:00-12:00", "13:00-18:00"]
    holidays: [2026-10-01..2026-10-07]
    workdays: [2026-09-27]
  always: {timezone: Asia/Shanghai, hours: 24x7}
priorities: [P1, P2]
matrix:
  high: {high: P1, low: P2}
  low: {high: P2, low: P2}
policies:
  - id: it
    metrics:
      response:
        start: [created]
        stop: [responded]
        calendar: {P1: always, default: cn-5x8}
        target: {P1: 15m, P2: 1h30m}
        goal: {P1: 98%, P2: 95%}
        warn: [75%, 90%]
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sla.yaml")
    return caught.value.problems


def test_a_good_configuration_compiles_with_its_targets_in_seconds():
    config = parse_config(GOOD, "sla.yaml")
    metric = config.policies[0].metrics[0]
    assert metric.targets == {"P1": 900, "P2": 5400}
    assert metric.calendars == {"P1": "always", "P2": "cn-5x8"}
    assert metric.goals == {"P1": 0.98, "P2": 0.95}
    assert metric.warn == (0.75, 0.9)
    assert config.priority_from("high", "low") == "P2"


def test_a_range_of_holidays_is_inclusive():
    spec = parse_config(GOOD, "sla.yaml").calendars["cn-5x8"].spec
    assert len(spec.holidays) == 7


def test_a_day_duration_is_refused_because_a_business_day_is_ambiguous():
    (problem,) = problems_of(GOOD.replace("P2: 1h30m", "P2: 1d"))
    assert problem.startswith("sla.yaml:21: policies[0].metrics.response.target.P2:")
    assert "days are not accepted" in problem


def test_a_misspelt_key_is_named_with_its_line_and_a_suggestion():
    (problem,) = problems_of(GOOD.replace("    holidays:", "    holiday:"))
    assert problem.startswith("sla.yaml:7: calendars.cn-5x8.holiday: unknown key")
    assert "did you mean 'holidays'?" in problem


def test_overlapping_intervals_are_an_error_but_touching_ones_merge():
    (problem,) = problems_of(
        GOOD.replace(
            '"09:00-12:00", "13:00-18:00"]\n      tue', '"09:00-12:00", "11:00-18:00"]\n      tue'
        )
    )
    assert "calendars.cn-5x8.hours.mon[1]" in problem
    assert "overlaps" in problem
    touching = parse_config(GOOD.replace('"13:00-18:00"]\n      tue', '"12:00-18:00"]\n      tue'))
    assert touching.calendars["cn-5x8"].spec.week[0] == ((9 * 3600, 18 * 3600),)


@pytest.mark.parametrize(
    "interval", ["18:00-09:00", "09:00-25:00", "9-12", "09:00-09:00", "24:00-24:00"]
)
def test_an_interval_must_be_hh_mm_with_start_before_end(interval):
    (problem,) = problems_of(
        GOOD.replace('"13:00-18:00"]\n      tue', f'"{interval}"]\n      tue', 1)
    )
    assert "is not an interval" in problem
    assert "night shift as two days" in problem


def test_an_interval_may_end_at_midnight():
    config = parse_config(GOOD.replace('"13:00-18:00"]\n      tue', '"13:00-24:00"]\n      tue'))
    assert config.calendars["cn-5x8"].spec.week[0][-1] == (13 * 3600, 86400)


def test_a_date_both_holiday_and_workday_is_an_error():
    (problem,) = problems_of(GOOD.replace("workdays: [2026-09-27]", "workdays: [2026-10-02]"))
    assert "2026-10-02 is listed both as holiday and as workday" in problem


def test_an_unknown_time_zone_suggests_a_real_one():
    (problem,) = problems_of(
        GOOD.replace("timezone: Asia/Shanghai\n    hours", "timezone: Asia/Shangai\n    hours")
    )
    assert problem.startswith(
        "sla.yaml:3: calendars.cn-5x8.timezone: unknown time zone 'Asia/Shangai'"
    )
    assert "Asia/Shanghai" in problem


def test_every_problem_is_reported_in_one_pass():
    text = GOOD.replace("P2: 1h30m", "P2: soon").replace("stop: [responded]", "stop: [answered]")
    text = text.replace(
        "calendar: {P1: always, default: cn-5x8}", "calendar: {P1: allways, default: cn-5x8}"
    )
    problems = problems_of(text)
    assert len(problems) == 3
    assert any("unknown event type 'answered'" in p for p in problems)
    assert any("unknown calendar 'allways'" in p for p in problems)
    assert any("'soon' is not a duration" in p for p in problems)


def test_a_target_for_an_unknown_priority_is_named():
    (problem,) = problems_of(
        GOOD.replace("target: {P1: 15m, P2: 1h30m}", "target: {P1: 15m, P5: 1h}")
    )
    assert "target.P5: 'P5' is not a priority; allowed: P1, P2" in problem


def test_a_priority_with_a_target_needs_a_calendar():
    (problem,) = problems_of(
        GOOD.replace("calendar: {P1: always, default: cn-5x8}", "calendar: {P1: always}")
    )
    assert "priority P2 has a target but no calendar" in problem


def test_matrix_rows_must_share_urgencies_and_name_real_priorities():
    problems = problems_of(GOOD.replace("low: {high: P2, low: P2}", "low: {high: P9}"))
    assert any("'P9' is not a priority" in p for p in problems)
    assert any("every row needs the same urgencies" in p for p in problems)


def test_missing_sections_are_named():
    problems = problems_of("priorities: [P1]\n")
    assert "sla.yaml:1: (top level): missing required key 'calendars'" in problems
    assert "sla.yaml:1: (top level): missing required key 'policies'" in problems


def test_broken_yaml_is_one_line_with_its_position():
    (problem,) = problems_of("calendars: [\n  a: b\n")
    assert problem.startswith("sla.yaml:")
    assert "not valid YAML" in problem
    assert "\n" not in problem


def test_duplicate_keys_are_refused_rather_than_silently_overwritten():
    (problem,) = problems_of(GOOD.replace("  always: {timezone", "  cn-5x8: {timezone"))
    assert "duplicate key 'cn-5x8'" in problem


def test_policies_are_matched_in_file_order():
    text = GOOD.replace(
        "policies:\n",
        "policies:\n  - id: erp\n    match: {service: erp}\n    metrics:\n"
        "      response: {start: [created], stop: [responded], calendar: always,\n"
        "                 target: {P1: 5m}}\n",
    )
    config = parse_config(text)
    assert config.policy_for({"service": "erp"}).id == "erp"
    assert config.policy_for({"service": "mail"}).id == "it"
    assert config.policy_for({}).id == "it"


def test_a_warning_must_come_before_the_target():
    (problem,) = problems_of(GOOD.replace("warn: [75%, 90%]", "warn: [75%, 100%]"))
    assert "between 0% and 100%" in problem

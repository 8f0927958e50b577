"""Calendar.after_working_days: "closes itself after n working days"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sladesk.engine.config import parse_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIG = """
calendars:
  cn:
    timezone: Asia/Shanghai
    hours: {mon: ["09:00-12:00", "13:00-18:00"], tue: ["09:00-18:00"], wed: ["09:00-18:00"],
            thu: ["09:00-18:00"], fri: ["09:00-17:00"]}
    holidays: [2026-10-01..2026-10-07]
    workdays: [2026-10-10]
    workday_hours: ["09:00-12:00"]
  night:
    timezone: Asia/Shanghai
    hours: {sat: ["22:00-24:00"]}
  always:
    timezone: Asia/Shanghai
    hours: 24x7
priorities: [P1]
policies:
  - id: p
    match: {}
    metrics:
      response: {start: [created], stop: [responded], calendar: cn, target: {P1: 1h}}
"""


def local(*args: int) -> float:
    return datetime(*args, tzinfo=SHANGHAI).timestamp()


def calendar(name: str):
    return parse_config(CONFIG).calendars[name]


def test_the_end_of_the_nth_working_day_after_the_day_of_t():
    cn = calendar("cn")
    assert cn.after_working_days(local(2026, 10, 12, 10), 1) == local(2026, 10, 13, 18)
    assert cn.after_working_days(local(2026, 10, 15, 10), 1) == local(2026, 10, 16, 17)
    assert cn.after_working_days(local(2026, 10, 16, 10), 1) == local(2026, 10, 19, 18)


def test_holidays_are_skipped_and_make_up_days_count_with_their_hours():
    cn = calendar("cn")
    assert cn.after_working_days(local(2026, 9, 30, 11), 1) == local(2026, 10, 8, 18)
    assert cn.after_working_days(local(2026, 9, 30, 11), 3) == local(2026, 10, 10, 12)


def test_a_day_ending_at_midnight_and_a_24x7_calendar():
    assert calendar("night").after_working_days(local(2026, 10, 12), 1) == local(2026, 10, 18)
    assert calendar("always").after_working_days(local(2026, 10, 12, 10), 2) == local(2026, 10, 15)


def test_zero_days_is_t_itself():
    assert calendar("cn").after_working_days(123.0, 0) == 123.0

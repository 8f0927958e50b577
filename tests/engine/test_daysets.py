"""Holidays and make-up working days from chinesecalendar, .ics feeds and holiday-cn JSON."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sladesk.engine.daysets import (
    OFFICIAL_SOURCES,
    DaySet,
    DaySetError,
    official_days,
    parse_holiday_json,
    parse_ics,
    read_day_file,
)

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parents[2]
D = date.fromisoformat


def ics(*events: str) -> bytes:
    """A calendar holding the given VEVENT bodies (property lines, one per line)."""
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{body}END:VCALENDAR\n".encode()


def day_event(day: str, summary: str, *extra: str) -> str:
    """An all-day event in the holiday-cn shape: DTEND is the next day."""
    start = D(day)
    lines = [
        f"SUMMARY:{summary}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
        *extra,
    ]
    return "\n".join(lines)


def holiday_json(year: int, *days: tuple[str, bool]) -> bytes:
    entries = [{"name": "节日", "date": day, "isOffDay": off} for day, off in days]
    return json.dumps({"year": year, "papers": [], "days": entries}).encode()


def error_of(parse, data: bytes, name: str = "cal.ics") -> str:
    with pytest.raises(DaySetError) as caught:
        parse(data, name)
    return str(caught.value)


# -- CN: chinesecalendar ------------------------------------------------------------


def test_cn_official_days_include_the_2026_national_day_holidays():
    cn = official_days("CN")
    national_day = {D("2026-10-01") + timedelta(days=i) for i in range(7)}
    assert national_day <= cn.holidays


def test_cn_official_days_include_the_2026_national_day_make_up_saturday():
    cn = official_days("CN")
    assert D("2026-10-10").strftime("%a") == "Sat"
    assert D("2026-10-10") in cn.workdays
    assert D("2026-09-20") in cn.workdays  # the Sunday before Mid-Autumn


def test_cn_official_days_do_not_claim_2027():
    assert 2027 not in official_days("CN").years


def test_cn_years_are_exactly_those_chinesecalendar_answers_for():
    years = official_days("CN").years
    first, last = min(years), max(years)
    assert years == set(range(first, last + 1))
    chinese_calendar.is_workday(date(first, 1, 1))
    chinese_calendar.is_workday(date(last, 12, 31))
    for outside in (date(first - 1, 12, 31), date(last + 1, 1, 1)):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(outside)


def test_cn_source_names_the_package_version():
    assert official_days("CN").source == f"CN (chinesecalendar {chinese_calendar.__version__})"


def test_cn_official_days_are_read_once():
    assert official_days("CN") is official_days("CN")


def test_unknown_official_source_lists_the_allowed_ones():
    with pytest.raises(DaySetError, match=r"'JP'.*allowed: CN"):
        official_days("JP")
    assert OFFICIAL_SOURCES == ("CN",)


# -- .ics: the Chinese feed shapes ----------------------------------------------------


def test_ics_summary_with_补班_is_a_make_up_working_day():
    days = read_day_file(DATA / "cn-2027.ics")
    assert D("2027-02-20") in days.workdays  # "春节 补班 第2天/共2天", a Saturday
    assert D("2027-02-20") not in days.holidays


def test_ics_day_by_day_holidays_with_dtend_equal_to_dtstart_count_one_day_each():
    days = read_day_file(DATA / "cn-2027.ics")  # the ShuYZ / lanceliao shape
    national_day = {D("2027-10-01") + timedelta(days=i) for i in range(7)}
    assert national_day <= days.holidays
    assert D("2027-10-08") not in days.holidays


def test_ics_make_up_day_written_as_office_hours_counts_as_its_date():
    days = read_day_file(DATA / "cn-2027.ics")  # DTSTART:20270926T090000, DTEND 18:00
    assert D("2027-09-26") in days.workdays
    assert D("2027-09-27") not in days.workdays


def test_ics_description_announcing_make_up_days_does_not_turn_holidays_into_work():
    # Every holiday event's DESCRIPTION quotes the notice, "…1月31日（星期日）…上班。"
    days = read_day_file(DATA / "cn-2027.ics")
    assert D("2027-02-05") in days.holidays


def test_ics_years_are_the_years_with_events():
    assert read_day_file(DATA / "cn-2027.ics").years == {2027}


def test_ics_and_json_publications_of_the_same_year_agree():
    from_ics = read_day_file(DATA / "cn-2027.ics")
    from_json = read_day_file(DATA / "cn-2027.json")
    assert (from_ics.holidays, from_ics.workdays) == (from_json.holidays, from_json.workdays)


def test_ics_dtend_is_exclusive():
    event = "SUMMARY:春节假期\nDTSTART;VALUE=DATE:20270205\nDTEND;VALUE=DATE:20270213"
    days = parse_ics(ics(event), "cal.ics")
    assert days.holidays == {D("2027-02-05") + timedelta(days=i) for i in range(8)}


def test_ics_上班_summary_of_holiday_cn_is_a_make_up_working_day():
    days = parse_ics(ics(day_event("2027-01-31", "上班(补春节假期)")), "cal.ics")
    assert days.workdays == {D("2027-01-31")}
    assert not days.holidays


def test_ics_event_without_dtend_is_one_day():
    days = parse_ics(ics("SUMMARY:元旦\nDTSTART;VALUE=DATE:20270101"), "cal.ics")
    assert days.holidays == {D("2027-01-01")}


def test_ics_duration_counts_whole_days():
    days = parse_ics(ics("SUMMARY:元旦\nDTSTART;VALUE=DATE:20270101\nDURATION:P3D"), "cal.ics")
    assert days.holidays == {D("2027-01-01"), D("2027-01-02"), D("2027-01-03")}


@pytest.mark.parametrize(
    "summary",
    ["春节 补班 第1天/共2天", "补班", "上班", "班", "国庆节（班）", "调休上班", "Working day",
     "Workday (Spring Festival)", "Make-up day", "Makeup workday for National Day"],
)  # fmt: skip
def test_ics_make_up_summaries_are_make_up_working_days(summary):
    days = parse_ics(ics(day_event("2027-02-20", summary)), "cal.ics")
    assert days.workdays == {D("2027-02-20")}


@pytest.mark.parametrize(
    "summary",
    ["春节 假期 第1天/共8天", "国庆节 休", "元旦", "中秋节（休）", "Spring Festival",
     "Non-working day"],
)  # fmt: skip
def test_ics_other_summaries_are_holidays(summary):
    days = parse_ics(ics(day_event("2027-02-05", summary)), "cal.ics")
    assert days.holidays == {D("2027-02-05")}


def test_ics_category_can_mark_a_make_up_working_day():
    event = day_event("2027-02-20", "Spring Festival", "CATEGORIES:Holiday,Working day")
    assert parse_ics(ics(event), "cal.ics").workdays == {D("2027-02-20")}


def test_ics_make_up_holiday_is_refused_as_ambiguous():
    message = error_of(parse_ics, ics(day_event("2027-02-22", "Make-up holiday")))
    assert "Make-up holiday" in message
    assert "cannot tell" in message


def test_ics_apple_feed_is_read_by_its_markers_and_its_observances_are_ignored():
    feed = ics(
        "SUMMARY;LANGUAGE=zh_CN:中秋节（休）\nDTSTART;VALUE=DATE:20260925\n"
        "DTEND;VALUE=DATE:20260928\nX-APPLE-SPECIAL-DAY:WORK-HOLIDAY",
        "SUMMARY:国庆节（班）\nDTSTART;VALUE=DATE:20260920\nX-APPLE-SPECIAL-DAY:ALTERNATE-WORKDAY",
        "SUMMARY;LANGUAGE=zh_CN:秋分\nDTSTART;VALUE=DATE:20260923",
        "SUMMARY;LANGUAGE=zh_CN:情人节\nDTSTART;VALUE=DATE:20280214\nRRULE:FREQ=YEARLY",
    )
    days = parse_ics(feed, "cn_zh.ics")
    assert days.holidays == {D("2026-09-25"), D("2026-09-26"), D("2026-09-27")}
    assert days.workdays == {D("2026-09-20")}
    assert days.years == {2026}  # a year with observances only is not claimed


def test_ics_unknown_apple_marker_is_refused():
    event = day_event("2027-01-01", "元旦", "X-APPLE-SPECIAL-DAY:HALF-DAY")
    assert "'HALF-DAY'" in error_of(parse_ics, ics(event))


def test_ics_zoned_start_takes_its_date_in_its_own_timezone():
    feed = ics(
        "SUMMARY:春节\nDTSTART;TZID=Asia/Shanghai:20270206T000000\n"
        "DTEND;TZID=Asia/Shanghai:20270207T000000",
        # Midnight in Shanghai, but the event's own timezone is UTC: the date is the 31st.
        "SUMMARY:元旦\nDTSTART:20261231T160000Z\nDTEND:20261231T170000Z",
    )
    days = parse_ics(feed, "cal.ics")
    assert days.holidays == {D("2027-02-06"), D("2026-12-31")}


def test_ics_timed_event_ending_at_midnight_does_not_take_the_next_day():
    event = "SUMMARY:假期\nDTSTART:20270205T000000\nDTEND:20270207T000000"
    assert parse_ics(ics(event), "cal.ics").holidays == {D("2027-02-05"), D("2027-02-06")}


def test_ics_day_both_holiday_and_make_up_names_both_events():
    with pytest.raises(DaySetError) as caught:
        read_day_file(DATA / "conflict-2027.ics")
    message = str(caught.value)
    assert "conflict-2027.ics: 2027-10-07 is both a holiday" in message
    assert '"国庆节假期" starting 2027-10-01' in message
    assert '"上班(补国庆节假期)" starting 2027-10-07' in message


def test_ics_cancelled_event_is_ignored():
    feed = ics(day_event("2027-01-01", "元旦"), day_event("2027-01-04", "元旦", "STATUS:CANCELLED"))
    assert parse_ics(feed, "cal.ics").holidays == {D("2027-01-01")}


def test_ics_repeating_event_is_refused_rather_than_guessing_future_years():
    event = day_event("2027-01-01", "元旦", "RRULE:FREQ=YEARLY")
    assert "RRULE" in error_of(parse_ics, ics(event))


def test_ics_event_without_dtstart_is_refused():
    assert 'event "元旦": no DTSTART' in error_of(parse_ics, ics("SUMMARY:元旦"))


def test_ics_event_ending_before_it_starts_is_refused():
    event = "SUMMARY:元旦\nDTSTART;VALUE=DATE:20270103\nDTEND;VALUE=DATE:20270101"
    assert "ends before it starts" in error_of(parse_ics, ics(event))


def test_ics_with_a_broken_date_names_the_property():
    message = error_of(parse_ics, ics("SUMMARY:元旦\nDTSTART;VALUE=DATE:2027-01-01"))
    assert "bad DTSTART" in message


def test_ics_cut_off_download_names_the_file():
    with pytest.raises(DaySetError, match=r"truncated-2027\.ics: no END:VCALENDAR"):
        read_day_file(DATA / "truncated-2027.ics")


def test_ics_that_is_not_icalendar_names_the_file():
    assert error_of(parse_ics, b"<html>404</html>", "2027.ics").startswith(
        "2027.ics: not a valid iCalendar file"
    )


def test_ics_without_events_is_refused_as_not_announced():
    # holiday-cn publishes this empty calendar for a year before the announcement.
    with pytest.raises(DaySetError, match="not announced yet"):
        read_day_file(DATA / "not-announced-2027.ics")


@given(st.lists(st.tuples(st.integers(0, 364), st.integers(1, 9)), min_size=1, max_size=8))
def test_ics_holiday_ranges_cover_exactly_their_days(ranges):
    first = date(2027, 1, 1)
    events = [
        f"SUMMARY:假期\nDTSTART;VALUE=DATE:{first + timedelta(days=offset):%Y%m%d}\n"
        f"DTEND;VALUE=DATE:{first + timedelta(days=offset + length):%Y%m%d}"
        for offset, length in ranges
    ]
    expected = {first + timedelta(days=o + i) for o, n in ranges for i in range(n)}
    days = parse_ics(ics(*events), "cal.ics")
    assert days.holidays == expected
    assert days.years == {day.year for day in expected}


# -- holiday-cn JSON -----------------------------------------------------------------


def test_json_off_days_are_holidays_and_the_others_make_up_working_days():
    days = read_day_file(DATA / "cn-2027.json")
    assert D("2027-02-05") in days.holidays
    assert D("2027-01-31") in days.workdays
    assert days.source == str(DATA / "cn-2027.json")


def test_json_speaks_only_for_its_year_even_when_it_lists_a_day_of_the_year_before():
    # The 2023 notice gave 2022-12-31 off for New Year; 2023.json lists it.
    days = parse_holiday_json(
        holiday_json(2023, ("2022-12-31", True), ("2023-01-01", True), ("2023-01-28", False)),
        "2023.json",
    )
    assert D("2022-12-31") in days.holidays
    assert days.years == {2023}


def test_json_with_missing_date_names_the_index():
    with pytest.raises(DaySetError, match=r'missing-date-2027\.json: days\[2\]: missing "date"'):
        read_day_file(DATA / "missing-date-2027.json")


def test_json_with_a_bad_date_names_the_index():
    data = holiday_json(2027, ("2027-01-01", True), ("2027-02-30", True))
    assert "days[1].date: '2027-02-30' is not a date" in error_of(parse_holiday_json, data)


def test_json_is_off_day_must_be_true_or_false():
    data = json.dumps({"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": "yes"}]})
    message = error_of(parse_holiday_json, data.encode(), "2027.json")
    assert message == "2027.json: days[0].isOffDay: must be true or false, not 'yes'"


def test_json_without_days_names_the_key():
    assert (
        error_of(parse_holiday_json, b'{"year": 2027}', "2027.json") == '2027.json: missing "days"'
    )


def test_json_without_a_year_names_the_key():
    assert 'missing "year"' in error_of(parse_holiday_json, b'{"days": []}')


def test_json_placeholder_for_an_unannounced_year_is_refused():
    with pytest.raises(DaySetError, match=r"the 2027 holidays are not announced yet"):
        read_day_file(DATA / "not-announced-2027.json")


def test_json_that_is_not_json_names_the_line():
    message = error_of(parse_holiday_json, b'{\n  "year": 2027,\n  "days": [,]\n}', "2027.json")
    assert message.startswith("2027.json: line 3: not valid JSON")


def test_json_same_date_off_and_on_names_both_indexes():
    data = holiday_json(2027, ("2027-10-07", True), ("2027-10-08", True), ("2027-10-07", False))
    message = error_of(parse_holiday_json, data, "2027.json")
    assert "2027-10-07 is both a day off and a working day (days[0], days[2])" in message


def test_json_date_far_from_its_year_is_refused():
    data = holiday_json(2027, ("2072-01-01", True))
    assert "far from the file's year 2027" in error_of(parse_holiday_json, data)


# -- reading files -------------------------------------------------------------------


def test_read_day_file_chooses_the_format_by_suffix_in_any_case(tmp_path):
    upper = tmp_path / "CN-2027.ICS"
    upper.write_bytes((DATA / "cn-2027.ics").read_bytes())
    assert read_day_file(upper).years == {2027}


def test_read_day_file_refuses_other_formats(tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text("2027-01-01\n")
    with pytest.raises(DaySetError, match=r"2027\.txt: unsupported holiday file type \(\.txt\)"):
        read_day_file(path)


def test_read_day_file_missing_file_names_the_path(tmp_path):
    with pytest.raises(DaySetError, match=r"2028\.json: cannot read the file"):
        read_day_file(tmp_path / "2028.json")


@pytest.mark.parametrize(
    "name",
    ["truncated-2027.ics", "conflict-2027.ics", "missing-date-2027.json", "not-announced-2027.ics"],
)
def test_errors_are_one_line(name):
    with pytest.raises(DaySetError) as caught:
        read_day_file(DATA / name)
    assert "\n" not in str(caught.value)


def test_a_dayset_never_holds_a_day_both_ways():
    with pytest.raises(DaySetError, match="both a holiday and a make-up working day"):
        DaySet("x", frozenset({D("2027-01-01")}), frozenset({D("2027-01-01")}), frozenset({2027}))


def test_importing_daysets_leaves_the_heavy_packages_unloaded():
    code = (
        "import sys, sladesk.engine.daysets; "
        "print(sorted({'icalendar', 'chinese_calendar', 'django'} & set(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]"

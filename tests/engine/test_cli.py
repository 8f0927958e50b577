"""The engine's command line: exact outputs, and bad input ending in status 2 with one line."""

import json
from pathlib import Path

import pytest

from sladesk.engine.cli import main
from tests.engine.examples import EXAMPLES

CONFIG = """\
calendars:
  cn-5x8:
    timezone: Asia/Shanghai
    hours:
      mon: ["09:00-12:00", "13:00-18:00"]
      tue: ["09:00-12:00", "13:00-18:00"]
      wed: ["09:00-12:00", "13:00-18:00"]
      thu: ["09:00-12:00", "13:00-18:00"]
      fri: ["09:00-12:00", "13:00-18:00"]
    holidays: [2026-10-01..2026-10-07]
    workdays: [2026-09-27]
priorities: [P1, P2, P3, P4]
policies:
  - id: it
    metrics:
      response:
        start: [created]
        stop: [responded]
        calendar: cn-5x8
        target: {P1: 15m, P2: 30m, P3: 2h, P4: 4h}
      resolution:
        start: [created]
        stop: [resolved]
        resume: [reopened]
        pause: [pending_customer]
        calendar: cn-5x8
        target: {P1: 4h, P2: 8h, P3: 24h, P4: 72h}
"""


@pytest.fixture
def files(tmp_path):
    def write(config: str = CONFIG, events: list[dict] | None = None) -> tuple[str, str]:
        (tmp_path / "sla.yaml").write_text(config)
        lines = [json.dumps(e, ensure_ascii=False) for e in events or []]
        (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
        return str(tmp_path / "sla.yaml"), str(tmp_path / "events.jsonl")

    return write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def created(ticket="T1", at="2026-10-09T17:00:00+08:00", **extra):
    return {"ticket": ticket, "at": at, "type": "created", "priority": "P3", **extra}


def test_calendar_add_skips_the_national_day_holidays(capsys, files):
    config, _ = files()
    status, out, err = run(
        capsys,
        "calendar",
        "add",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-09-30T17:00:00+08:00",
        "--duration",
        "2h",
    )
    assert (status, out, err) == (0, "2026-10-08T10:00:00+08:00\n", "")


def test_calendar_add_on_a_make_up_sunday(capsys, files):
    config, _ = files()
    _status, out, _ = run(
        capsys,
        "calendar",
        "add",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-09-25T17:30:00+08:00",
        "--duration",
        "8h",
    )
    assert out == "2026-09-27T17:30:00+08:00\n"


def test_calendar_elapsed_prints_seconds(capsys, files):
    config, _ = files()
    status, out, _ = run(
        capsys,
        "calendar",
        "elapsed",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-10-09T11:00:00+08:00",
        "--end",
        "2026-10-09T14:00:00+08:00",
    )
    assert (status, out) == (0, "7200\n")


def test_compute_as_a_table_shows_breaches(capsys, files):
    config, events = files(
        events=[created(), {"ticket": "T1", "at": "2026-10-12T17:00:00+08:00", "type": "responded"}]
    )
    status, out, _ = run(
        capsys,
        "sla",
        "compute",
        "--config",
        config,
        "--events",
        events,
        "--now",
        "2026-10-20T10:00:00+08:00",
        "--format",
        "table",
    )
    assert status == 0
    header, response, _resolution = out.splitlines()
    assert header.split()[:4] == ["TICKET", "METRIC", "PRIORITY", "STATE"]
    assert response.split()[:5] == ["T1", "response", "P3", "stopped", "8h"]
    assert "BREACHED" in response


def test_explain_says_why_a_ticket_is_breached(capsys, files):
    config, events = files(
        events=[created(), {"ticket": "T1", "at": "2026-10-12T17:00:00+08:00", "type": "responded"}]
    )
    status, out, _ = run(
        capsys,
        "sla",
        "explain",
        "--config",
        config,
        "--events",
        events,
        "--ticket",
        "T1",
        "--now",
        "2026-10-20T10:00:00+08:00",
    )
    assert status == 0
    assert "BREACHED at 2026-10-12 10:00:00 +0800" in out
    assert "the target 2h on calendar cn-5x8 was used up before the clock stopped" in out


def test_explain_as_json_lists_each_segment(capsys, files):
    config, events = files(
        events=[created(), {"ticket": "T1", "at": "2026-10-12T17:00:00+08:00", "type": "responded"}]
    )
    _, out, _ = run(
        capsys,
        "sla",
        "explain",
        "--config",
        config,
        "--events",
        events,
        "--ticket",
        "T1",
        "--now",
        "2026-10-20T10:00:00+08:00",
        "--format",
        "json",
    )
    data = json.loads(out)
    response = data["clocks"][0]
    assert response["met"] is False
    segments = [s for s in response["timeline"] if "state" in s]
    assert [s["state"] for s in segments] == ["running", "stopped"]
    assert segments[0]["counted"] == 8 * 3600


def test_validate_summarises_a_good_file(capsys):
    status, out, _ = run(capsys, "sla", "validate", str(EXAMPLES / "sla.yaml"))
    assert status == 0
    assert "valid: 3 calendars, 4 priorities, 2 policies, 3 metrics" in out


def test_schema_is_json_that_accepts_the_spec_example(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    _status, out, _ = run(capsys, "sla", "schema")
    schema = json.loads(out)
    document = json.loads(
        json.dumps(yaml.safe_load((EXAMPLES / "sla.yaml").read_text()), default=str)
    )
    jsonschema.validate(document, schema)
    document["policies"][0]["metrics"]["response"]["target"]["P1"] = "1d"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


# -- bad input: status 2, one line on stderr, nothing on stdout --------------------------


def assert_refused(capsys, argv, *fragments):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"ticket": "T1", "at": "2026-10-09T18:00:00", "type": "responded"}, "has no UTC offset"),
        (
            {"ticket": "T1", "at": "2026-10-09T18:00:00+08:00", "type": "answered"},
            "unknown event type 'answered'",
        ),
        (
            {
                "ticket": "T1",
                "at": "2026-10-09T18:00:00+08:00",
                "type": "priority",
                "priority": "P9",
            },
            "unknown priority 'P9'",
        ),
        (
            {"ticket": "T1", "at": "2026-10-08T18:00:00+08:00", "type": "responded"},
            "comes before the ticket was created",
        ),
        ({"ticket": "T1", "at": "yesterday", "type": "responded"}, "not an ISO-8601 timestamp"),
        ({"ticket": "T1", "at": "2026-10-09T18:00:00+08:00", "type": "status"}, "needs 'status'"),
        (
            {
                "ticket": "T1",
                "at": "2026-10-09T18:00:00+08:00",
                "type": "created",
                "priority": "P1",
            },
            "created a second time",
        ),
    ],
)
def test_a_bad_event_names_its_line(capsys, files, event, message):
    config, events = files(events=[created(), event])
    assert_refused(
        capsys,
        ["sla", "compute", "--config", config, "--events", events],
        "events.jsonl:2:",
        message,
    )


def test_a_line_that_is_not_json_is_named(capsys, files, tmp_path):
    config, events = files(events=[created()])
    Path(events).write_text(json.dumps(created()) + "\n{oops\n")
    assert_refused(
        capsys,
        ["sla", "compute", "--config", config, "--events", events],
        "events.jsonl:2: not a JSON object",
    )


def test_a_bad_configuration_refuses_to_compute(capsys, files):
    config, events = files(config=CONFIG.replace("2h,", "2 hours,"), events=[created()])
    assert_refused(
        capsys,
        ["sla", "compute", "--config", config, "--events", events],
        "sla.yaml:20:",
        "'2 hours' is not a duration",
    )


def test_a_missing_file_is_named(capsys, tmp_path):
    assert_refused(
        capsys, ["sla", "validate", str(tmp_path / "nope.yaml")], "nope.yaml: no such file"
    )
    config = tmp_path / "sla.yaml"
    config.write_text(CONFIG)
    assert_refused(
        capsys,
        ["sla", "compute", "--config", str(config), "--events", str(tmp_path / "none.jsonl")],
        "cannot read",
    )


def test_a_naive_now_is_refused(capsys, files):
    config, events = files(events=[created()])
    assert_refused(
        capsys,
        ["sla", "compute", "--config", config, "--events", events, "--now", "2026-10-20T10:00"],
        "--now",
        "no UTC offset",
    )


def test_an_unknown_option_is_one_line(capsys, files):
    config, events = files(events=[created()])
    assert_refused(
        capsys,
        ["sla", "compute", "--config", config, "--events", events, "--fromat", "json"],
        "unrecognized arguments",
    )


def test_an_unknown_calendar_is_named_with_the_defined_ones(capsys, files):
    config, _ = files()
    assert_refused(
        capsys,
        [
            "calendar",
            "add",
            "--config",
            config,
            "--calendar",
            "cn-5x9",
            "--start",
            "2026-10-09T09:00:00+08:00",
            "--duration",
            "1h",
        ],
        "unknown calendar 'cn-5x9'; defined: cn-5x8",
    )


def test_a_day_duration_on_the_command_line_is_refused(capsys, files):
    config, _ = files()
    assert_refused(
        capsys,
        [
            "calendar",
            "add",
            "--config",
            config,
            "--calendar",
            "cn-5x8",
            "--start",
            "2026-10-09T09:00:00+08:00",
            "--duration",
            "2d",
        ],
        "--duration",
        "days are not accepted",
    )


def test_explain_of_an_unknown_ticket_is_refused(capsys, files):
    config, events = files(events=[created()])
    assert_refused(
        capsys,
        ["sla", "explain", "--config", config, "--events", events, "--ticket", "T9"],
        "ticket 'T9' is not in",
    )


OFFICIAL = CONFIG.replace(
    "    holidays: [2026-10-01..2026-10-07]\n    workdays: [2026-09-27]\n",
    "    holidays_from: CN\n",
)


def test_official_holidays_include_make_up_saturdays(capsys, files):
    config, _ = files(config=OFFICIAL)
    # 2026-10-10 is a Saturday worked in exchange for the National Day week.
    status, out, err = run(
        capsys,
        "calendar",
        "add",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-10-09T17:00:00+08:00",
        "--duration",
        "2h",
    )
    assert (status, out, err) == (0, "2026-10-10T10:00:00+08:00\n", "")


def test_a_year_without_official_data_is_computed_with_a_loud_warning(capsys, files):
    config, _ = files(config=OFFICIAL)
    status, out, err = run(
        capsys,
        "calendar",
        "add",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "2h",
    )
    assert status == 0
    assert out == "2027-01-01T10:00:00+08:00\n"  # New Year's Day is unknown for 2027
    assert err.startswith("warning: calendar cn-5x8: no official holiday data for 2027")
    assert "holiday_files" in err


def test_a_holiday_file_covers_its_year(capsys, files, tmp_path):
    (tmp_path / "cn-2027.json").write_text(
        json.dumps(
            {
                "year": 2027,
                "papers": [],
                "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}],
            }
        )
    )
    config, _ = files(
        config=OFFICIAL.replace(
            "holidays_from: CN", "holidays_from: CN\n    holiday_files: [cn-2027.json]"
        )
    )
    status, out, err = run(
        capsys,
        "calendar",
        "add",
        "--config",
        config,
        "--calendar",
        "cn-5x8",
        "--start",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "2h",
    )
    assert (status, out, err) == (0, "2027-01-04T10:00:00+08:00\n", "")

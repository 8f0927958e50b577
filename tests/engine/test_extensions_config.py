"""Declared event types, reopen policies and `escalate_on_reopen` in SLA-as-code: read and
validated with the rest of the file (one line per problem, with its line), in the JSON
Schema, accepted in the event stream, printed by `sla compute` only where stated, left to
the scalar path by the bulk one, and turned into escalations by the alarms.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from sladesk.engine.alarms import alarms, reopen_escalations
from sladesk.engine.bulk import compute_json
from sladesk.engine.cli import main
from sladesk.engine.clock import run_ticket, ticket_steps
from sladesk.engine.compute import compute, json_lines, render_table, table_rows
from sladesk.engine.config import ConfigError, parse_config
from sladesk.engine.events import EventError, read_events, ticket_events
from sladesk.engine.explain import explain_text
from sladesk.engine.schema import CONFIG_SCHEMA

from .test_reference import Case, check

DATA = Path(__file__).resolve().parent / "data"
ONSITE = DATA / "onsite.yaml"
DEFAULT = Path(__file__).resolve().parents[2] / "sladesk" / "sla" / "default.yaml"

BASE = """\
calendars:
  c: {timezone: Asia/Shanghai, hours: 24x7}
priorities: [P1, P2]
events:
  dispatched: {zh-Hans: 已派工程师, en: Engineer dispatched}
policies:
  - id: p
    metrics:
      resolution:
        start: [created]
        stop: [resolved]
        resume: [reopened]
        calendar: c
        target: {P1: 4h, P2: 8h}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sla.yaml")
    return caught.value.problems


def with_metric(extra: str) -> str:
    return BASE + "".join(f"        {line}\n" for line in extra.strip().splitlines())


def stream(*events: dict) -> bytes:
    return b"".join(json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in events)


def ev(at: str, kind: str, ticket: str = "INC-1", **extra: object) -> dict:
    return {"ticket": ticket, "at": f"2026-06-08T{at}:00+08:00", "type": kind, **extra}


NOW = datetime.fromisoformat("2026-06-09T12:00:00+08:00").timestamp()


# -- declared event types -----------------------------------------------------------------


def test_declared_event_types_are_read_with_their_labels() -> None:
    config = parse_config(ONSITE.read_text(encoding="utf-8"), "onsite.yaml")
    assert list(config.events) == ["dispatched", "arrived"]
    assert config.event_types[-2:] == ("dispatched", "arrived")
    arrived = config.events["arrived"]
    assert arrived.label("zh-hans") == "工程师已到场"
    assert arrived.label("en-us") == "Engineer on site"
    assert arrived.label("fr") == "Engineer on site"  # no French label: the English one
    onsite = config.policies[0].metrics[1]
    assert (onsite.start, onsite.stop) == ({"dispatched"}, {"arrived"})


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        (
            "{resolved: {zh-Hans: 已解决, en: Resolved}}",
            "sla.yaml:4: events.resolved: 'resolved' is a built-in event type",
        ),
        ("{Arrived: {zh-Hans: 到场, en: On site}}", "'Arrived' is not a simple name"),
        ("{on-site: {zh-Hans: 到场, en: On site}}", "'on-site' is not a simple name"),
        ("{arrived: {en: On site}}", "events.arrived: missing label 'zh-Hans'"),
        ("{arrived: {zh-Hans: '', en: On site}}", "events.arrived.zh-Hans: expected a label"),
        ("{arrived: {zh-Hans: 到场, en: On site, fr: Arrivé}}", "events.arrived.fr: unknown key"),
        ("{arrived: On site}", "events.arrived: expected labels such as"),
        ("[arrived]", "events: expected event types by name"),
    ],
)
def test_bad_declarations_are_named_with_their_line(events: str, expected: str) -> None:
    text = BASE.replace(
        "  dispatched: {zh-Hans: 已派工程师, en: Engineer dispatched}\n", ""
    ).replace("events:\n", f"events: {events}\n")
    found = problems(text)
    assert any(expected in line for line in found), found
    assert all(line.startswith("sla.yaml:") for line in found)


def test_a_metric_naming_an_undeclared_type_is_an_error_with_file_line_and_key() -> None:
    (problem,) = problems(with_metric("").replace("stop: [resolved]", "stop: [arrived]"))
    assert problem.startswith(
        "sla.yaml:11: policies[0].metrics.resolution.stop[0]: unknown event type 'arrived'; "
        "allowed: created, status, priority, acknowledged, responded, updated, resolved, "
        "reopened, closed, dispatched; declare new types under the top-level key events"
    )


def test_validate_prints_an_undeclared_type_on_one_line_and_exits_2(tmp_path, capsys) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(BASE.replace("stop: [resolved]", "stop: [arrived]"), encoding="utf-8")
    assert main(["sla", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}:11: policies[0].metrics.resolution.stop[0]: ")


def test_an_event_of_a_declared_type_is_accepted_and_changes_no_status() -> None:
    config = parse_config(BASE.replace("resume: [reopened]", "resume: [dispatched]"))
    data = stream(
        ev("09:00", "created", priority="P1"),
        ev("10:00", "resolved"),
        ev("11:00", "dispatched"),  # resumes the clock, but the ticket stays resolved
    )
    events = read_events(data, "events.jsonl", config)["INC-1"]
    (result,) = run_ticket(config, "INC-1", events, NOW)
    assert (result.state, result.elapsed) == ("running", 26 * 3600)
    statuses = [status for *_, status in ticket_steps(config, events)]
    assert statuses == ["new", "resolved", "resolved"]


def test_an_event_of_an_undeclared_type_stays_an_input_error(tmp_path, capsys) -> None:
    (tmp_path / "sla.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "events.jsonl").write_bytes(
        stream(ev("09:00", "created", priority="P1"), ev("10:00", "arrived"))
    )
    argv = ["sla", "compute", "--config", str(tmp_path / "sla.yaml")]
    argv += ["--events", str(tmp_path / "events.jsonl"), "--now", "2026-06-09T12:00:00+08:00"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "events.jsonl:2: unknown event type 'arrived'; allowed: created" in err
    assert err.rstrip().endswith("closed, dispatched")


def test_ticket_events_of_the_desk_accept_declared_types() -> None:
    config = parse_config(BASE)
    events = ticket_events(
        [ev("09:00", "created", priority="P2"), ev("09:30", "dispatched")], "INC-1", config
    )
    assert [e.type for e in events] == ["created", "dispatched"]
    with pytest.raises(EventError, match="unknown event type 'arrived'"):
        ticket_events([ev("09:00", "created", priority="P2"), ev("09:30", "arrived")], "x", config)


def test_explain_names_declared_events_by_their_label() -> None:
    config = parse_config(ONSITE.read_text(encoding="utf-8"), "onsite.yaml")
    data = stream(ev("09:00", "created", priority="P1"), ev("09:00", "dispatched"))
    events = read_events(data, "events.jsonl", config)["INC-1"]
    results = run_ticket(config, "INC-1", events, NOW, explain=True)
    text = explain_text(config, events, results, NOW)
    assert "dispatched (Engineer dispatched)" in text
    assert "* dispatched: clock started" in text


# -- reopen policies ----------------------------------------------------------------------


def test_the_reopen_policy_is_read_and_defaults_to_continue() -> None:
    metric = parse_config(BASE).policies[0].metrics[0]
    assert (metric.reopen, metric.reopen_fields) == ("continue", False)
    for policy in ("continue", "restart", "pause"):
        metric = parse_config(with_metric(f"reopen: {policy}")).policies[0].metrics[0]
        assert (metric.reopen, metric.reopen_fields) == (policy, True)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("reopen: again", "resolution.reopen: unknown reopen policy 'again'; allowed: continue"),
        ("reopen: [restart]", "unknown reopen policy ['restart']"),
    ],
)
def test_bad_reopen_policies_are_named(extra: str, expected: str) -> None:
    (problem,) = problems(with_metric(extra))
    assert problem.startswith("sla.yaml:15: policies[0].metrics.resolution.reopen: ")
    assert expected in problem


@pytest.mark.parametrize("policy", ["restart", "pause"])
def test_restart_and_pause_need_the_events_that_reopen(policy: str) -> None:
    text = with_metric(f"reopen: {policy}").replace("        resume: [reopened]\n", "")
    (problem,) = problems(text)
    assert f"reopen: {policy} needs the events that reopen the clock" in problem


def test_without_the_key_the_output_is_the_contracts_and_with_it_three_fields_more() -> None:
    data = stream(
        ev("09:00", "created", priority="P1"),
        ev("10:00", "resolved"),
        ev("11:00", "reopened"),
        ev("11:30", "reopened"),  # counted, although the clock already runs
    )
    plain = _compute(BASE, data)
    stated = _compute(with_metric("reopen: continue"), data)
    assert list(json.loads(plain)) == [
        "ticket",
        "metric",
        "priority",
        "state",
        "elapsed",
        "target",
        "due",
        "met",
        "breached_at",
    ]
    row = json.loads(stated)
    assert {k: v for k, v in row.items() if k in json.loads(plain)} == json.loads(plain)
    assert (row["cycle"], row["breached_cycles"], row["reopens"]) == (1, 0, 2)
    assert stated.endswith(b',"cycle":1,"breached_cycles":0,"reopens":2}\n')


def _compute(text: str, data: bytes) -> bytes:
    config = parse_config(text)
    return json_lines(compute(config, read_events(data, "events.jsonl", config), NOW))


def test_the_table_shows_cycles_and_reopens_only_for_metrics_that_state_a_policy() -> None:
    text = with_metric("reopen: restart").replace(
        "policies:\n",
        "policies:\n  - id: vip\n    match: {vip: true}\n    metrics:\n"
        "      response: {start: [created], stop: [resolved], calendar: c, target: {P1: 1h}}\n",
    )
    config = parse_config(text)
    data = stream(
        ev("09:00", "created", priority="P1", fields={"vip": True}),
        ev("09:00", "created", "INC-2", priority="P1"),
        ev("10:00", "resolved", "INC-2"),
        ev("11:00", "reopened", "INC-2"),
    )
    results = list(compute(config, read_events(data, "events.jsonl", config), NOW))
    lines = render_table(list(table_rows(iter(results)))).splitlines()
    assert lines[0].split()[-3:] == ["CYCLE", "BREACHED_CYCLES", "REOPENS"]
    assert lines[1].split()[-3:] == ["-", "-", "-"]  # vip's response states no policy
    assert lines[2].split()[-3:] == ["2", "0", "1"]


def test_explain_tells_of_a_hold_and_of_a_new_cycle() -> None:
    data = stream(ev("09:00", "created", priority="P1"), ev("10:00", "resolved"))
    config = parse_config(with_metric("reopen: pause"))
    events = read_events(data, "events.jsonl", config)["INC-1"]
    text = explain_text(config, events, run_ticket(config, "INC-1", events, NOW, True), NOW)
    assert "* resolved: clock stopped, held (paused) until the ticket is closed or reopened" in text
    assert "held: stopped with 1h of 4h used, but the ticket may still be reopened" in text

    data += stream(ev("11:00", "reopened"))
    config = parse_config(with_metric("reopen: restart"))
    events = read_events(data, "events.jsonl", config)["INC-1"]
    text = explain_text(config, events, run_ticket(config, "INC-1", events, NOW, True), NOW)
    assert "* reopened: clock restarted: cycle 2 (cycle 1 met)" in text
    assert "(cycle 2, restarted when reopened; 0 of 1 earlier cycle breached)" in text


def test_a_held_clock_is_paused_and_undecided_with_no_due() -> None:
    config = parse_config(with_metric("reopen: pause"))
    data = stream(ev("09:00", "created", priority="P2"), ev("10:00", "resolved"))
    events = read_events(data, "events.jsonl", config)["INC-1"]
    (held,) = run_ticket(config, "INC-1", events, NOW)
    assert (held.state, held.held, held.elapsed, held.due, held.met) == (
        "paused",
        True,
        3600,
        None,
        None,
    )
    calendar = config.calendars["c"]
    assert alarms(config.policies[0].metrics[0], held, calendar, NOW) == []  # nothing fires


# -- escalate_on_reopen -------------------------------------------------------------------


def test_escalate_on_reopen_is_read_as_levels_by_number_of_reopens() -> None:
    config = parse_config(ONSITE.read_text(encoding="utf-8"))
    levels = config.policies[0].metrics[2].rules.on_reopen
    assert [(lv.after, lv.to) for lv in levels] == [
        (2, ("team_lead",)),
        (3, ("service_manager",)),
    ]
    single = parse_config(with_metric("escalate_on_reopen: {after: 2, to: team_lead}"))
    assert [(lv.after, lv.to) for lv in single.policies[0].metrics[0].rules.on_reopen] == [
        (2, ("team_lead",))
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("escalate_on_reopen: {after: 0, to: [team_lead]}", "after: expected a number of reopens"),
        ("escalate_on_reopen: {after: 2h, to: [team_lead]}", "expected a number of reopens ≥ 1"),
        ("escalate_on_reopen: {after: 2}", "escalate_on_reopen: a level needs 'after'"),
        ("escalate_on_reopen: {after: 2, to: [boss]}", "to[0]: unknown recipient 'boss'"),
        ("escalate_on_reopen: {after: 2, to: [team_lead], at: 1}", "at: unknown key"),
        ("escalate_on_reopen: []", "escalate_on_reopen: expected a level like"),
        (
            "escalate_on_reopen: [{after: 2, to: team}, {after: 2, to: team_lead}]",
            "escalate_on_reopen[1].after: two levels escalate after 2 reopens",
        ),
    ],
)
def test_bad_reopen_escalations_are_named_with_their_line(extra: str, expected: str) -> None:
    found = problems(with_metric(extra))
    assert any(expected in line for line in found), found
    assert all(line.startswith("sla.yaml:15: policies[0].metrics.resolution.") for line in found)


def test_a_ticket_reopened_often_enough_is_escalated_once_per_level() -> None:
    config = parse_config(ONSITE.read_text(encoding="utf-8"))
    metric = config.policies[0].metrics[2]
    history = [ev("09:00", "created", priority="P2")]
    for hour in ("10", "12", "14"):
        history += [ev(f"{hour}:00", "resolved"), ev(f"{hour}:30", "reopened")]
    by_count = []
    for n in range(1, 4):  # after the first, second and third reopen
        data = stream(*history[: 1 + 2 * n])
        events = read_events(data, "events.jsonl", config)["INC-1"]
        result = run_ticket(config, "INC-1", events, events[-1].t)[2]
        assert result.reopens == n
        by_count.append(reopen_escalations(metric, result))
    assert by_count[0] == []
    (second,) = by_count[1]
    assert (second.key, second.kind, second.to) == (
        "resolution:reopen:2",
        "reopen",
        ("team_lead",),
    )
    assert second.at == datetime.fromisoformat("2026-06-08T12:30:00+08:00").timestamp()
    assert second.data == {"after": 2, "reopens": 2}
    assert [a.key for a in by_count[2]] == ["resolution:reopen:2", "resolution:reopen:3"]
    assert by_count[2][0].at == second.at  # the same alarm: it fires once
    assert by_count[2][1].to == ("service_manager",)


# -- the schema, the bulk path, the default SLA -------------------------------------------


def test_the_schema_accepts_the_extensions_and_rejects_what_validation_rejects() -> None:
    document = yaml.safe_load(ONSITE.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(document, default=str)), CONFIG_SCHEMA)
    for bad in (
        {"events": {"resolved": {"zh-Hans": "已解决", "en": "Resolved"}}},
        {"events": {"Arrived": {"zh-Hans": "到场", "en": "On site"}}},
        {"events": {"arrived": {"en": "On site"}}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(
                json.loads(json.dumps({**document, **bad}, default=str)), CONFIG_SCHEMA
            )
    for key, value in (
        ("reopen", "again"),
        ("escalate_on_reopen", {"after": 0, "to": ["team_lead"]}),
        ("escalate_on_reopen", {"after": 2, "to": ["boss"]}),
        ("start", ["Not-A-Name"]),
    ):
        changed = json.loads(json.dumps(document, default=str))
        changed["policies"][0]["metrics"]["resolution"][key] = value
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(changed, CONFIG_SCHEMA)


def test_the_bulk_path_reads_declared_events_and_leaves_reopen_policies_to_the_scalar_path():
    data = stream(
        ev("09:00", "created", priority="P1"),
        ev("09:10", "dispatched"),
        ev("10:00", "resolved"),
        ev("11:00", "reopened"),
        {"ticket": "INC-1", "at": "2026-06-08T11:30:00+08:00", "type": "arrived", "who": None},
    )
    text = ONSITE.read_text(encoding="utf-8")
    without_policy = text.replace("        reopen: pause", "")
    got = compute_json(parse_config(without_policy), data, "events.jsonl", NOW)
    assert got is not None
    assert bytes(got) == _compute(without_policy, data)
    assert compute_json(parse_config(text), data, "events.jsonl", NOW) is None


def test_the_default_sla_is_unchanged_by_the_extensions() -> None:
    """default.yaml declares no events and states no reopen policy: the contract's clocks."""
    config = parse_config(DEFAULT.read_text(encoding="utf-8"))
    assert config.events == {}
    assert all(not m.reopen_fields for p in config.policies for m in p.metrics)


def test_the_documented_onsite_example(capsys) -> None:
    """docs/sla-extensions.md shows this output; the reference computes the same."""
    events = DATA / "onsite-events.jsonl"
    argv = ["sla", "compute", "--config", str(ONSITE), "--events", str(events)]
    assert main([*argv, "--now", "2026-10-12T12:00:00+08:00"]) == 0
    out = capsys.readouterr().out
    assert out == (DATA / "onsite-expected.jsonl").read_text(encoding="utf-8")
    lines = events.read_text(encoding="utf-8").splitlines()
    now = "2026-10-12T12:00:00+08:00"
    check(Case(ONSITE.read_text(encoding="utf-8"), [json.loads(x) for x in lines], now))

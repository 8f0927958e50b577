"""The keys beyond the clock: notify, escalate, updates (per metric) and reporting (top level)
are read with the rest of the file, with one line per problem, and are in the JSON Schema."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from sladesk.engine.config import ConfigError, parse_config
from sladesk.engine.schema import CONFIG_SCHEMA

DEFAULT = (Path(__file__).parents[2] / "sladesk" / "sla" / "default.yaml").read_text()

BASE = """
calendars:
  c: {timezone: Asia/Shanghai, hours: 24x7}
priorities: [P1, P2]
policies:
  - id: p
    metrics:
      response:
        start: [created]
        stop: [responded]
        calendar: c
        target: {P1: 15m, P2: 1h}
        warn: [75%]
"""


def with_metric(extra: str) -> str:
    return BASE + "".join(f"        {line}\n" for line in extra.strip().splitlines())


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sla.yaml")
    return caught.value.problems


def test_the_default_sla_reads_its_rules_and_reporting() -> None:
    config = parse_config(DEFAULT)
    response, resolution = config.policies[0].metrics
    assert response.rules.warn_to == ("assignee",)
    assert response.rules.breach_to == ("assignee", "team_lead")
    first, second = response.rules.escalate
    assert (first.seconds, first.priorities, first.to) == (600, {"P1", "P2"}, ("team_lead",))
    assert (second.fraction, second.priorities) == (1.5, None)
    updates = resolution.rules.updates
    assert updates.every == dict.fromkeys(["P1", "P2", "P3", "P4"], 4 * 3600)
    assert updates.then == {"P1": 24 * 3600, "P2": 8 * 3600, "P3": 8 * 3600, "P4": 8 * 3600}
    assert updates.cadence("P3", 3600) == 4 * 3600
    assert updates.cadence("P3", 9 * 3600) == 8 * 3600
    assert config.reporting.attainment_goal == 0.95
    assert config.reporting.per_breach == {"P1": 5, "P2": 3, "P3": 2, "P4": 1}
    assert (config.reporting.per_missed_goal, config.reporting.consecutive_misses) == (5, 3)


def test_without_rules_a_metric_warns_its_assignee_and_tells_the_lead_of_a_breach() -> None:
    metric = parse_config(BASE).policies[0].metrics[0]
    assert metric.rules.warn_to == ("assignee",)
    assert metric.rules.breach_to == ("assignee", "team_lead")
    assert metric.rules.escalate == () and metric.rules.updates is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("notify: {warn: [boss]}", "response.notify.warn[0]: unknown recipient 'boss'"),
        ("notify: {alarm: [assignee]}", "response.notify.alarm: unknown key"),
        ("escalate: [{after: 10m}]", "response.escalate[0]: an escalation level needs"),
        ("escalate: [{after: 1d, to: [team_lead]}]", "days are not accepted"),
        ("escalate: [{after: 10m, to: team_lead, priorities: [P9]}]", "'P9' is not a priority"),
        ("escalate: {after: 10m}", "response.escalate: expected a list of levels"),
        ("updates: {after: 8h}", "response.updates: an update cadence needs 'every'"),
        ("updates: {every: 4h, after: 8h}", "'after' and 'then' go together"),
        ("updates: {every: 0s}", "longer than 0s"),
        ("updates: {every: {P3: 4h}}", "'P3' is not a priority or 'default'"),
    ],
)
def test_bad_rules_are_named_with_their_line(extra: str, expected: str) -> None:
    found = problems(with_metric(extra))
    assert any(expected in line for line in found), found
    assert all(line.startswith("sla.yaml:") for line in found)


@pytest.mark.parametrize(
    ("reporting", "expected"),
    [
        ("{attainment_goal: 120%}", "more than 100%"),
        ("{attainment_goal: lots}", "is not a percentage"),
        ("{score: {per_breach: {P7: 1}}}", "'P7' is not a priority"),
        ("{score: {start: -5}}", "points ≥ 0"),
        ("{consecutive_misses: 0}", "number of months ≥ 1"),
        ("{penalty: 3}", "reporting.penalty: unknown key"),
    ],
)
def test_bad_reporting_settings_are_named(reporting: str, expected: str) -> None:
    found = problems(BASE + f"reporting: {reporting}\n")
    assert any(expected in line for line in found), found


def test_the_schema_accepts_the_default_and_rejects_unknown_recipients() -> None:
    jsonschema.validate(yaml.safe_load(DEFAULT), CONFIG_SCHEMA)
    bad = yaml.safe_load(with_metric("notify: {warn: [boss]}"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, CONFIG_SCHEMA)

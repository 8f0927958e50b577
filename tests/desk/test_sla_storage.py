"""Stored SLA versions and clocks: every stored number is reproducible with `sla compute`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from sladesk.desk import actions
from sladesk.desk.models import Status
from sladesk.engine.cli import main as engine_main
from sladesk.sla import versions
from sladesk.sla.models import Clock
from tests.desk.conftest import DEFAULT_SLA
from tests.desk.test_actions import at, open_ticket


def test_stored_clocks_equal_sla_compute_over_the_exported_events(desk, tmp_path, capsys):
    first = open_ticket(desk, impact="high", urgency="high")
    second = open_ticket(desk, at=at(3))
    actions.reply(first, actor=desk.bob, body="收到", at=at(5))
    actions.set_status(second, actor=desk.bob, status=Status.WAITING_REQUESTER, at=at(20))
    actions.reply(second, actor=desk.alice, body="补充信息", at=at(200))
    actions.change_priority(second, actor=desk.bob, priority="P2", reason="影响结账", at=at(210))
    actions.resolve(first, actor=desk.bob, resolution="已修复", at=at(300))

    events = tmp_path / "events.jsonl"
    call_command("export", "events", "--output", str(events))
    # Read each clock at its ticket's last event, as stored: a --now before every event.
    status = engine_main(
        [
            "sla",
            "compute",
            "--config",
            str(DEFAULT_SLA),
            "--events",
            str(events),
            "--now",
            "2000-01-01T00:00:00+08:00",
        ]
    )
    assert status == 0
    computed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(computed) == Clock.objects.count() == 4
    for row in computed:
        stored = Clock.objects.get(ticket__number=row["ticket"], metric=row["metric"])
        assert (stored.priority, stored.state, stored.elapsed, stored.target, stored.met) == (
            row["priority"],
            row["state"],
            row["elapsed"],
            row["target"],
            row["met"],
        )
        assert stored.due == _instant(row["due"])
        assert stored.breached_at == _instant(row["breached_at"])


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def test_a_ticket_keeps_the_version_it_was_created_under(desk):
    before = open_ticket(desk)
    shorter = DEFAULT_SLA.read_text(encoding="utf-8").replace("P3: 2h,", "P3: 1h,")
    v2 = versions.apply(shorter, comment="shorter P3 response")
    after = open_ticket(desk)
    assert (before.sla_version.number, after.sla_version, v2.number) == (1, v2, 2)
    assert before.clocks.get(metric="response").target == 7200
    assert after.clocks.get(metric="response").target == 3600
    assert "-        target: {P1: 15m, P2: 30m, P3: 2h, P4: 4h}" in v2.diff()


def test_sla_apply_stores_a_valid_file_once(db, tmp_path, capsys):
    config = tmp_path / "sla.yaml"
    config.write_text(DEFAULT_SLA.read_text(encoding="utf-8"), encoding="utf-8")
    call_command("sla", "apply", str(config))
    call_command("sla", "apply", str(config))
    out = capsys.readouterr().out
    assert "stored as v1" in out and "unchanged; v1 stays in force" in out


def test_sla_apply_refuses_a_bad_file_with_status_2_and_stores_nothing(db, tmp_path):
    config = tmp_path / "sla.yaml"
    config.write_text("priorities: [P1]\npolicies: []\ncalendars: {}\nbogus: 1\n")
    with pytest.raises(CommandError) as error:
        call_command("sla", "apply", str(config))
    assert error.value.returncode == 2
    assert "bogus" in str(error.value)
    assert versions.in_force() is None


def test_a_clock_saved_by_waiting_on_the_requester_says_so(desk):
    # P3, resolution 24 working hours from Monday 09:00. Waiting on the requester from
    # 10:00 Monday to 10:00 Wednesday; resolved Friday 12:00: 1 + 7 + 8 + 3 = 19 h counted,
    # met. Without the pause the 24 h ran out at the end of Wednesday: breached.
    ticket = open_ticket(desk)
    ticket = actions.set_status(
        ticket, actor=desk.bob, status=Status.WAITING_REQUESTER, reason="哪台电脑?", at=at(60)
    )
    ticket = actions.reply(ticket, actor=desk.alice, body="财务-07", at=at(2 * 24 * 60 + 60))
    actions.resolve(ticket, actor=desk.bob, resolution="重装驱动", at=at(4 * 24 * 60 + 180))
    clock = Clock.objects.get(ticket=ticket, metric="resolution")
    assert (clock.met, clock.elapsed, clock.breached_without_pauses) == (True, 19 * 3600, True)
    response = Clock.objects.get(ticket=ticket, metric="response")
    assert (response.met, response.breached_without_pauses) == (True, False)

"""The SLA rules in time: warnings, breach, escalation and reminders fire at the business
instants the default SLA names, once each, and never for a paused or stopped clock.

Every expected instant is worked out by hand from sladesk/sla/default.yaml: P1 runs on the
24x7 calendar, the others on cn-5x8 (09:00-12:00, 13:00-18:00 on China's working days).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.notify import timers
from sladesk.notify.models import Notification, Timer, TimerState
from tests.desk.conftest import Desk

CN = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


def pending(ticket: Ticket) -> dict[str, datetime]:
    rows = Timer.objects.filter(ticket=ticket, state=TimerState.PENDING)
    return {t.key: t.due_at.astimezone(CN) for t in rows}


def told(kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, owner) of every notification a timer wrote, in order."""
    rows = (
        Notification.objects.filter(key__startswith="timer:")
        .order_by("id")
        .select_related("channel__user", "channel__team")
    )
    return [
        (n.kind, str(n.channel.user or n.channel.team))
        for n in rows
        if kind is None or n.kind == kind
    ]


@pytest.fixture
def mail(desk: Desk) -> Desk:
    """Everyone has an e-mail address, so everyone told gets an e-mail channel."""
    for user in (desk.bob, desk.carol, desk.lena, desk.max, desk.alice):
        user.email = f"{user.username}@example.com"
        user.save()
    return desk


def p1(desk: Desk, when: str) -> Ticket:
    return actions.create_ticket(
        requester=desk.alice,
        subject="报表系统无法登录",
        description="all of finance is locked out",
        service=desk.erp,
        impact="high",
        urgency="high",
        at=at(when),
    )


def p3(desk: Desk, when: str) -> Ticket:
    return actions.create_ticket(
        requester=desk.alice,
        subject="打印机卡纸",
        description="",
        service=desk.erp,
        impact="medium",
        urgency="medium",
        at=at(when),
    )


def test_a_p1_ticket_gets_every_alarm_of_its_clocks_on_the_24x7_calendar(mail: Desk) -> None:
    ticket = p1(mail, "2026-12-07 10:00")
    assert ticket.priority == "P1"
    assert pending(ticket) == {
        # response: 15 min; warnings at 75 % and 90 %; the team lead at 10 min; the
        # service manager at 150 %
        "response:P1:warn:0.75": at("2026-12-07 10:11:15"),
        "response:P1:warn:0.9": at("2026-12-07 10:13:30"),
        "response:breach": at("2026-12-07 10:15"),
        "response:P1:escalate:0": at("2026-12-07 10:10"),
        "response:P1:escalate:1": at("2026-12-07 10:22:30"),
        # resolution: 4 h; the first reminder after 4 h without an update
        "resolution:P1:warn:0.75": at("2026-12-07 13:00"),
        "resolution:P1:warn:0.9": at("2026-12-07 13:36"),
        "resolution:breach": at("2026-12-07 14:00"),
        "resolution:update:0:1": at("2026-12-07 14:00"),
    }


def test_business_instants_skip_the_national_day_holiday(mail: Desk) -> None:
    # P3 response is 2 h: 17:00-18:00 on 30 September, then nothing until 8 October.
    ticket = p3(mail, "2026-09-30 17:00")
    alarms = pending(ticket)
    assert alarms["response:P3:warn:0.75"] == at("2026-10-08 09:30")
    assert alarms["response:P3:warn:0.9"] == at("2026-10-08 09:48")
    assert alarms["response:breach"] == at("2026-10-08 10:00")
    assert alarms["response:P3:escalate:1"] == at("2026-10-08 11:00")  # 150 % = 3 h
    assert "response:P3:escalate:0" not in alarms  # the 10-minute level is for P1 and P2
    # P3 resolution is 24 h = three working days; the make-up Saturday 10 October counts.
    # 1 h on 30 Sep, 8 h on 8 Oct, 8 h on 9 Oct, 7 h on Saturday 10 Oct -> 17:00.
    assert alarms["resolution:breach"] == at("2026-10-10 17:00")


def test_warnings_escalation_and_breach_fire_once_each_at_their_instants(mail: Desk) -> None:
    p1(mail, "2026-12-07 10:00")
    assert timers.fire_all_due(at("2026-12-07 10:09:59")) == 0
    assert timers.fire_all_due(at("2026-12-07 10:10")) == 1
    assert told() == [("escalate", "Lena")]
    assert timers.fire_all_due(at("2026-12-07 10:11:15")) == 1
    assert told("warn") == [("warn", "Bob")]
    assert timers.fire_all_due(at("2026-12-07 10:15")) == 2  # 90 % and the breach
    assert told("breach") == [("breach", "Bob"), ("breach", "Lena")]
    assert timers.fire_all_due(at("2026-12-07 10:15")) == 0  # nothing fires twice
    assert timers.fire_all_due(at("2026-12-07 10:22:30")) == 1
    assert told()[-1] == ("escalate", "Max")


def test_a_response_stops_the_response_alarms_and_nothing_fires_for_it(mail: Desk) -> None:
    ticket = p1(mail, "2026-12-07 10:00")
    actions.reply(ticket, actor=mail.bob, body="on it", at=at("2026-12-07 10:05"))
    assert not [k for k in pending(ticket) if k.startswith("response")]
    timers.fire_all_due(at("2026-12-07 10:30"))
    assert told() == []


def test_a_paused_clock_fires_nothing_and_resumes_later_by_the_pause(mail: Desk) -> None:
    ticket = p3(mail, "2026-12-07 09:00")  # Monday
    actions.set_status(
        ticket,
        actor=mail.bob,
        status="waiting_requester",
        reason="Which printer?",
        at=at("2026-12-07 10:00"),
    )
    assert pending(ticket) == {}  # response answered, resolution paused
    assert timers.fire_all_due(at("2026-12-20 10:00")) == 0
    assert told() == []
    # The requester answers two working days later: the clock runs again with 1 h used,
    # so 75 % of 24 h (18 h) falls 17 working hours later: 7 h on Wednesday, 8 h on
    # Thursday, 2 h on Friday; the breach at 24 h, at the end of Friday.
    ticket.refresh_from_db()
    actions.reply(ticket, actor=mail.alice, body="HP 4F", at=at("2026-12-09 10:00"))
    alarms = pending(ticket)
    assert alarms["resolution:P3:warn:0.75"] == at("2026-12-11 11:00")
    assert alarms["resolution:breach"] == at("2026-12-11 18:00")


def test_update_reminders_come_every_4h_then_once_a_working_day(mail: Desk) -> None:
    ticket = p3(mail, "2026-12-07 09:00")
    actions.reply(ticket, actor=mail.bob, body="looking", at=at("2026-12-07 09:05"))
    # 4 h of clock time after the update at 09:05 (the lunch hour does not count)
    assert pending(ticket)["resolution:update:300:1"] == at("2026-12-07 14:05")
    timers.fire_all_due(at("2026-12-07 14:05"))
    assert told("update") == [("update", "Bob")]
    # The next after another 4 h: 8h05m on the clock = Tuesday 09:05; past 8 h the cadence
    # is a working day (8 h), so the third comes on Wednesday at 09:05.
    assert pending(ticket)["resolution:update:300:2"] == at("2026-12-08 09:05")
    timers.fire_all_due(at("2026-12-08 09:05"))
    assert pending(ticket)["resolution:update:300:3"] == at("2026-12-09 09:05")
    # A new public update starts the count again from there.
    ticket.refresh_from_db()
    actions.reply(ticket, actor=mail.bob, body="parts ordered", at=at("2026-12-08 10:00"))
    keys = [k for k in pending(ticket) if ":update:" in k]
    assert keys == ["resolution:update:32400:1"]  # 9 h on the clock at the update


def test_without_an_assignee_the_assignees_messages_go_to_the_team(mail: Desk) -> None:
    from sladesk.notify.models import Channel

    mail.first_line.memberships.update(on_duty=False)
    ticket = p1(mail, "2026-12-07 10:00")
    assert ticket.assignee is None
    Channel.objects.create(team=mail.first_line, kind="webhook", name="ops", url="http://x/")
    timers.fire_all_due(at("2026-12-07 10:12"))
    assert ("warn", "一线支持") in told()


def test_a_resolved_ticket_has_no_pending_timers(mail: Desk) -> None:
    ticket = p1(mail, "2026-12-07 10:00")
    actions.resolve(ticket, actor=mail.bob, resolution="restarted", at=at("2026-12-07 10:30"))
    assert pending(ticket) == {}
    fired = Timer.objects.filter(ticket=ticket, state=TimerState.FIRED).count()
    assert fired == 0  # nothing was due before it was resolved


def test_a_timer_due_when_the_clock_stops_in_between_is_recorded_not_sent(mail: Desk) -> None:
    ticket = p1(mail, "2026-12-07 10:00")
    # A worker that read the timer before the response committed (a lost race) finds
    # the clock stopped: it records that and tells nobody.
    actions.reply(ticket, actor=mail.bob, body="on it", at=at("2026-12-07 10:05"))
    stale = Timer(
        ticket=ticket,
        key="response:P1:warn:0.5",
        kind="warn",
        metric="response",
        due_at=at("2026-12-07 10:07"),
        to=["assignee"],
        data={"fraction": 0.5, "target": 900},
    )
    stale.save()
    timers.fire_all_due(at("2026-12-07 10:08"))
    stale.refresh_from_db()
    assert stale.state == TimerState.FIRED
    assert stale.data["skipped"] == "clock not running"
    assert told() == []


def test_changing_priority_moves_the_pending_alarms(mail: Desk) -> None:
    ticket = p3(mail, "2026-12-07 09:00")
    ticket = actions.change_priority(
        ticket, actor=mail.bob, priority="P1", reason="whole floor", at=at("2026-12-07 09:10")
    )
    alarms = pending(ticket)
    assert not [k for k in alarms if ":P3:" in k]
    # P1 response is 15 min on 24x7 and 10 min are used: 75 % at 09:11:15, 90 % at
    # 09:13:30, the breach at 09:15; the 10-minute escalation is due at once.
    assert alarms["response:P1:warn:0.75"] == at("2026-12-07 09:11:15")
    assert alarms["response:P1:warn:0.9"] == at("2026-12-07 09:13:30")
    assert alarms["response:breach"] == at("2026-12-07 09:15")
    assert alarms["response:P1:escalate:0"] == at("2026-12-07 09:10")

"""The ticket lifecycle through sladesk.desk.actions, with the clocks it keeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from sladesk.desk import actions
from sladesk.desk.models import HistoryIsAppendOnly, Status, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)


def at(minutes: float) -> datetime:
    return MONDAY_9 + timedelta(minutes=minutes)


def open_ticket(desk, impact="medium", urgency="medium", requester=None, **kwargs):
    return actions.create_ticket(
        requester=requester or desk.alice,
        subject="报表系统无法登录",
        description="影响月度结账",
        service=desk.erp,
        category=desk.software,
        impact=impact,
        urgency=urgency,
        at=kwargs.pop("at", MONDAY_9),
        **kwargs,
    )


def clock(ticket, metric):
    return ticket.clocks.get(metric=metric)


def test_a_new_ticket_gets_a_number_its_matrix_priority_and_the_agent_on_duty(desk):
    ticket = open_ticket(desk, impact="high", urgency="high")
    assert ticket.number == "INC-2026-000001"
    assert ticket.priority == "P1"
    assert (ticket.team, ticket.assignee, ticket.status) == (desk.first_line, desk.bob, "assigned")
    response = clock(ticket, "response")
    assert response.state == "running"
    assert response.due == at(15)  # P1 runs on the 24x7 calendar
    assert clock(ticket, "resolution").due == at(240)


def test_numbers_count_up_per_year(desk):
    open_ticket(desk)
    assert open_ticket(desk).number == "INC-2026-000002"


def test_the_first_agent_reply_is_the_response(desk):
    ticket = open_ticket(desk)  # P3: 2 h on the 5x8 calendar
    actions.reply(ticket, actor=desk.bob, body="正在查看", at=at(10))
    ticket.refresh_from_db()
    response = clock(ticket, "response")
    assert (response.state, response.elapsed, response.met) == ("stopped", 600, True)
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.first_response_at == at(10)


def test_waiting_on_the_requester_pauses_resolution_until_they_answer(desk):
    ticket = open_ticket(desk)
    actions.set_status(ticket, actor=desk.bob, status=Status.WAITING_REQUESTER, at=at(30))
    paused = clock(ticket, "resolution")
    assert (paused.state, paused.elapsed) == ("paused", 1800)
    actions.reply(ticket, actor=desk.alice, body="截图已上传", at=at(90))
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    resumed = clock(ticket, "resolution")
    assert (resumed.state, resumed.elapsed) == ("running", 1800)
    # 24 h of 5x8 time minus the 30 minutes used, counted from 10:30 Monday
    assert resumed.due == datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)


def test_resolve_then_the_requester_confirms_and_rates(desk):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重置了密码", at=at(60))
    assert clock(ticket, "resolution").met is True
    actions.confirm(ticket, actor=desk.alice, rating=5, comment="很快", at=at(70))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 5, "很快")
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["resolved", "confirmed", "rated"]


def test_a_resolution_the_requester_rejects_goes_back_to_work_and_the_clock_resumes(desk):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启", at=at(60))
    actions.reject(ticket, actor=desk.alice, reason="还是无法登录", at=at(120))
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    resolution = clock(ticket, "resolution")
    assert (resolution.state, resolution.elapsed) == ("running", 3600)


def test_only_the_requester_confirms_and_rates(desk):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启", at=at(60))
    with pytest.raises(PermissionDenied):
        actions.confirm(ticket, actor=desk.amy, rating=5)
    with pytest.raises(actions.ActionError) as bad:
        actions.rate(ticket, actor=desk.alice, rating=6)
    assert bad.value.field == "rating"


def test_an_agent_may_override_the_priority_only_with_a_reason(desk):
    ticket = open_ticket(desk)
    with pytest.raises(actions.ActionError) as no_reason:
        actions.change_priority(ticket, actor=desk.bob, priority="P1", reason=" ")
    assert no_reason.value.field == "reason"
    actions.change_priority(ticket, actor=desk.bob, priority="P1", reason="全公司结账", at=at(5))
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.priority_overridden) == ("P1", True)
    assert clock(ticket, "response").priority == "P1"
    with pytest.raises(PermissionDenied):
        actions.change_priority(ticket, actor=desk.alice, priority="P4", reason="不急")


def test_escalation_hands_the_ticket_to_second_line_with_the_reason(desk):
    ticket = open_ticket(desk)
    actions.escalate(ticket, actor=desk.bob, reason="需要数据库权限", at=at(20))
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.escalation_level) == (
        desk.second_line,
        desk.carol,
        2,
    )
    escalated = ticket.events.get(kind="escalated")
    assert escalated.body == "需要数据库权限"
    assert escalated.data["from_team"] == "一线支持"


def test_a_change_from_an_old_revision_is_refused_with_the_current_state(desk):
    ticket = open_ticket(desk)
    seen = ticket.revision
    actions.note(ticket, actor=desk.bob, body="先看日志", revision=seen, at=at(1))
    with pytest.raises(actions.ConflictError) as conflict:
        actions.reply(ticket, actor=desk.bob, body="已处理", revision=seen, at=at(2))
    assert conflict.value.ticket.revision == seen + 1
    assert ticket.events.filter(kind="reply").count() == 0


def test_history_cannot_be_changed_or_deleted(desk):
    ticket = open_ticket(desk)
    event = ticket.events.first()
    event.body = "rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        event.save()
    with pytest.raises(HistoryIsAppendOnly):
        event.delete()
    for sql in ("UPDATE desk_ticketevent SET body = 'x'", "DELETE FROM desk_ticketevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert TicketEvent.objects.get(pk=event.pk).body == "影响月度结账"


def test_requesters_of_another_organisation_cannot_act(desk):
    ticket = open_ticket(desk)
    with pytest.raises(PermissionDenied):
        actions.reply(ticket, actor=desk.olivia, body="?")


def test_an_agent_outside_the_team_cannot_act(desk):
    ticket = open_ticket(desk)
    with pytest.raises(PermissionDenied):
        actions.reply(ticket, actor=desk.carol, body="?")
    actions.reply(ticket, actor=desk.max, body="经理跟进", at=at(3))  # managers may


def test_the_agent_with_fewest_open_tickets_gets_the_next_one_and_ties_go_round_robin(desk):
    from sladesk.people.models import Membership

    Membership.objects.filter(user=desk.lena).update(on_duty=True)
    first, second = open_ticket(desk), open_ticket(desk)
    assert {first.assignee, second.assignee} == {desk.bob, desk.lena}
    actions.resolve(first, actor=first.assignee, resolution="ok", at=at(5))
    assert open_ticket(desk).assignee == first.assignee  # now has fewer open tickets


def test_a_resolved_ticket_closes_itself_after_three_working_days(desk):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="ok", at=at(60))  # Monday 10:00
    ticket.refresh_from_db()
    assert ticket.auto_close_at == datetime(2026, 10, 15, 18, 0, tzinfo=SHANGHAI)  # Thursday
    assert actions.close_unconfirmed(now=datetime(2026, 10, 15, 17, 59, tzinfo=SHANGHAI)) == 0
    assert actions.close_unconfirmed(now=datetime(2026, 10, 16, 9, 0, tzinfo=SHANGHAI)) == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == ("closed", ticket.events.last().at)
    assert ticket.events.last().actor is None
    assert ticket.clocks.get(metric="resolution").state == "stopped"


def test_the_confirmation_period_skips_holidays(desk):
    ticket = open_ticket(desk, at=datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    actions.resolve(
        ticket, actor=desk.bob, resolution="ok", at=datetime(2026, 9, 30, 11, 0, tzinfo=SHANGHAI)
    )
    ticket.refresh_from_db()
    # National Day 10-01..10-07, then Thu 10-08, Fri 10-09 and the make-up Saturday 10-10
    assert ticket.auto_close_at == datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI)


def test_a_change_that_records_nothing_saves_nothing(desk):
    ticket = open_ticket(desk)
    revision = ticket.revision
    actions.close_resolved(ticket)  # not resolved: nothing to do
    ticket.refresh_from_db()
    assert ticket.revision == revision


def test_asking_the_requester_for_information_is_the_response(desk):
    ticket = open_ticket(desk)
    actions.set_status(
        ticket,
        actor=desk.bob,
        status=Status.WAITING_REQUESTER,
        reason="请提供错误截图",
        at=at(12),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_REQUESTER
    assert clock(ticket, "response").state == "stopped"
    assert clock(ticket, "resolution").state == "paused"
    assert [e.kind for e in ticket.events.all()][-2:] == ["reply", "status"]

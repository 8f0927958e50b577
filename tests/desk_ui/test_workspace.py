"""The agents' workspace: the queue by SLA urgency, the ticket page, its actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sladesk.desk import actions
from sladesk.desk.models import Ticket

from .conftest import open_ticket, page_of, revision_in, text_of


def queue_numbers(client, query: str = "") -> list[str]:
    return re.findall(
        r'data-testid="queue-row" data-ticket="([^"]+)"', page_of(client.get(f"/queue/{query}"))
    )


@pytest.fixture
def four(desk):
    """Four open tickets of bob's team, each in another place of the queue."""
    now = timezone.now()
    late = open_ticket(desk, subject="三十天前的", at=now - timedelta(days=30))  # breached
    p4 = open_ticket(desk, subject="不急", impact="low", urgency="low")  # P4: hours of 5x8
    p1 = open_ticket(desk, subject="全公司停摆", impact="high", urgency="high")  # P1: 15m 24x7
    waiting = open_ticket(desk, subject="等用户")
    actions.reply(waiting, actor=desk.bob, body="收到")
    actions.set_status(waiting, actor=desk.bob, status="waiting_requester", reason="请补充截图")
    return {"late": late, "p4": p4, "p1": p1, "waiting": waiting}


def test_the_queue_puts_breached_first_then_the_earliest_due_and_paused_last(desk, as_, four):
    assert queue_numbers(as_("bob")) == [
        four["late"].number,  # its running clocks are long overdue
        four["p1"].number,  # response due within 15 minutes
        four["p4"].number,  # due in business hours, later
        four["waiting"].number,  # responded, resolution paused: no running clock
    ]


def test_the_queue_shows_countdowns_coloured_by_the_share_of_the_target_used(desk, as_, four):
    page = page_of(as_("bob").get("/queue/"))
    row = page[page.index(f'data-ticket="{four["late"].number}"') :]
    assert 'data-band="breached"' in row[:200]
    assert "overdue by" in row[: row.index("</tr>")]
    p1 = page[page.index(f'data-ticket="{four["p1"].number}"') :]
    assert re.search(r'data-band="ok" data-metric="response"', p1[: p1.index("</tr>")])
    assert re.search(r"data-due=\"\d{13}\">due in 1[45]m<", p1)
    waiting = page[page.index(f'data-ticket="{four["waiting"].number}"') :]
    assert 'data-band="paused" data-metric="resolution"' in waiting[: waiting.index("</tr>")]
    assert 'id="countdown-strings"' in page and "/static/sladesk/desk.js" in page


def test_the_queue_filters(desk, as_, four):
    bob = as_("bob")
    assert queue_numbers(bob, "?breached=on") == [four["late"].number]
    assert queue_numbers(bob, "?priority=P1") == [four["p1"].number]
    assert queue_numbers(bob, "?status=waiting_requester") == [four["waiting"].number]
    assert four["p1"].number in queue_numbers(bob, "?due_today=on")  # due within 15 minutes
    assert four["waiting"].number not in queue_numbers(bob, "?due_today=on")
    actions.assign(four["p4"], actor=desk.lena, team=desk.first_line, assignee=desk.lena)
    assert four["p4"].number not in queue_numbers(bob, "?mine=on")
    assert four["p4"].number in queue_numbers(as_("lena"), "?mine=on")
    actions.escalate(four["p1"], actor=desk.bob, reason="需要二线")
    assert queue_numbers(as_("max"), f"?team={desk.second_line.pk}") == [four["p1"].number]
    assert queue_numbers(as_("carol")) == [four["p1"].number]  # second line's only ticket
    assert four["p1"].number not in queue_numbers(bob)  # no longer his team's
    empty = page_of(bob.get("/queue/?priority=P2"))
    assert 'data-testid="queue-empty"' in empty


def test_the_queue_pages_through_the_tickets_in_order(desk, as_, monkeypatch):
    from sladesk.desk import views

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 3)
    tickets = [open_ticket(desk, subject=f"第{i}个") for i in range(5)]
    waiting = tickets[0]
    actions.reply(waiting, actor=desk.bob, body="收到")
    actions.set_status(waiting, actor=desk.bob, status="waiting_requester", reason="?")
    bob = as_("bob")
    first, second = queue_numbers(bob), queue_numbers(bob, "?page=2")
    assert len(first) == 3 and len(second) == 2
    assert second[-1] == waiting.number  # no running clock: at the very end
    assert sorted(first + second) == sorted(t.number for t in tickets)
    assert "Page 2 of 2" in page_of(bob.get("/queue/?page=2"))


def test_the_queue_takes_the_same_few_queries_for_3_or_30_tickets(
    desk, as_, django_assert_max_num_queries, django_assert_num_queries
):
    bob = as_("bob")
    for _ in range(3):
        open_ticket(desk)
    bob.get("/queue/")  # the session and the SLA configuration, compiled once per process
    with django_assert_max_num_queries(8) as three:
        assert len(queue_numbers(bob)) == 3
    for _ in range(27):
        open_ticket(desk)
    with django_assert_num_queries(len(three.captured_queries)):
        assert len(queue_numbers(bob)) == 25
    with django_assert_max_num_queries(10):  # page 2 also finds the tickets with no clock running
        assert len(queue_numbers(bob, f"?page=2&team={desk.first_line.pk}&breached=")) == 5


def test_the_ticket_page_shows_each_clock_with_the_engines_explanation(desk, as_):
    ticket = open_ticket(desk)
    actions.reply(ticket, actor=desk.bob, body="收到")
    page = page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    response = page[page.index('data-testid="sla-response"') :]
    assert "Met" in text_of(response[: response.index("</dl>")])
    resolution = page[page.index('data-testid="sla-resolution"') :]
    assert "Remaining" in text_of(resolution[: resolution.index("</dl>")])
    explanation = page[page.index('data-testid="sla-explain"') :]
    assert f"Ticket {ticket.number}, read at" in explanation
    assert "Policy it-support" in explanation and "response: priority P3" in explanation
    assert 'data-testid="sla-explain"' not in page_of(
        as_("alice").get(f"/tickets/{ticket.number}/")
    )


def test_a_stale_revision_is_refused_with_the_current_state_and_the_text_kept(desk, as_):
    ticket = open_ticket(desk)
    bob = as_("bob")
    stale = page_of(bob.get(f"/tickets/{ticket.number}/"))
    actions.reply(ticket, actor=desk.alice, body="补充：财务部全部人员都受影响")
    actions.change_priority(ticket, actor=desk.lena, priority="P1", reason="全公司结账")
    response = bob.post(
        f"/tickets/{ticket.number}/reply/",
        {
            "revision": revision_in(stale),
            "seen": re.search(r'name="seen" value="(\d+)"', stale).group(1),
            "body": "我已经重启了服务",
        },
    )
    assert response.status_code == 409
    page = page_of(response)
    assert 'data-testid="conflict"' in page
    assert "Someone else changed this ticket" in page
    ticket.refresh_from_db()
    assert f"revision {ticket.revision}" in text_of(page)
    assert 'data-testid="ticket-priority" title="Priority">P1<' in page  # the current state
    assert "补充：财务部全部人员都受影响" in page
    assert page.count('class="tag tag-new"') == 2  # alice's reply and the priority change
    assert "我已经重启了服务</textarea>" in page  # kept, to send again
    assert revision_in(page[page.index('id="form-reply"') :]) == ticket.revision
    assert not ticket.events.filter(body="我已经重启了服务").exists()


def test_an_empty_reply_and_a_priority_change_without_reason_are_form_errors(desk, as_):
    ticket = open_ticket(desk)
    bob = as_("bob")
    page = page_of(bob.get(f"/tickets/{ticket.number}/"))
    empty = bob.post(
        f"/tickets/{ticket.number}/reply/", {"revision": revision_in(page), "body": " "}
    )
    assert empty.status_code == 400
    assert 'data-testid="error-body">The reply is empty.' in page_of(empty)
    no_reason = bob.post(
        f"/tickets/{ticket.number}/priority/",
        {"revision": revision_in(page), "priority": "P1", "reason": ""},
    )
    assert no_reason.status_code == 400
    html = page_of(no_reason)
    assert 'data-testid="error-reason">Say why the priority differs from the matrix.' in html
    assert re.search(r'<details class="action action-priority"[^>]*open', html)
    no_escalation_reason = bob.post(
        f"/tickets/{ticket.number}/escalate/", {"revision": revision_in(page), "reason": ""}
    )
    assert 'data-testid="error-reason">Say why the ticket is escalated.' in page_of(
        no_escalation_reason
    )
    assert Ticket.objects.get().revision == revision_in(page)


def test_a_missing_revision_is_a_form_error_not_a_silent_overwrite(desk, as_):
    ticket = open_ticket(desk)
    response = as_("bob").post(f"/tickets/{ticket.number}/note/", {"body": "没有版本号"})
    assert response.status_code == 400
    assert not ticket.events.filter(kind="note").exists()


def test_every_agent_action_from_the_page(desk, as_):
    ticket = open_ticket(desk)
    bob = as_("bob")

    def act(action, **data):
        page = page_of(bob.get(f"/tickets/{ticket.number}/"))
        response = bob.post(
            f"/tickets/{ticket.number}/{action}/", {"revision": revision_in(page), **data}
        )
        assert response.status_code == 303, page_of(bob.get(f"/tickets/{ticket.number}/"))
        ticket.refresh_from_db()

    act("note", body="先看日志")
    act("wait-vendor", reason="等待厂商备件")
    assert ticket.status == "waiting_vendor"
    act("resume")
    assert ticket.status == "in_progress"
    act("wait-requester", reason="请提供截图")
    assert ticket.clocks.get(metric="resolution").state == "paused"
    act("resume", reason="已收到截图")
    act("priority", priority="P2", reason="影响结账")
    assert (ticket.priority, ticket.priority_overridden) == ("P2", True)
    act("assign", team=desk.first_line.pk, assignee=desk.lena.pk, reason="交给组长")
    assert ticket.assignee == desk.lena
    act("escalate", reason="需要数据库权限")
    assert (ticket.team, ticket.assignee) == (desk.second_line, desk.carol)
    assert as_("bob").get(f"/tickets/{ticket.number}/").status_code == 404  # not his team's now
    carol = as_("carol")
    page = page_of(carol.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="form-escalate"' not in page  # second line: nothing above it
    resolved = carol.post(
        f"/tickets/{ticket.number}/resolve/",
        {"revision": revision_in(page), "resolution": "授权后修复"},
    )
    assert resolved.status_code == 303
    assert Ticket.objects.get().status == "resolved"


def test_carol_cannot_see_nor_act_on_a_first_line_ticket(desk, as_):
    ticket = open_ticket(desk)
    carol = as_("carol")
    assert carol.get(f"/tickets/{ticket.number}/").status_code == 404
    for action, data in [("reply", {"body": "?"}), ("resolve", {"resolution": "?"})]:
        response = carol.post(
            f"/tickets/{ticket.number}/{action}/", {"revision": ticket.revision, **data}
        )
        assert response.status_code == 404
    assert ticket.number not in page_of(carol.get("/queue/"))
    assert Ticket.objects.get().revision == ticket.revision


def test_a_requester_posting_an_agents_action_gets_403(desk, as_):
    ticket = open_ticket(desk)
    alice = as_("alice")
    for action, data in [("note", {"body": "偷偷"}), ("resolve", {"resolution": "自己好了"})]:
        response = alice.post(
            f"/tickets/{ticket.number}/{action}/", {"revision": ticket.revision, **data}
        )
        assert response.status_code == 403
    assert 'data-testid="error-403"' in page_of(response)
    assert Ticket.objects.get().revision == ticket.revision


def test_an_unknown_action_is_404(desk, as_):
    ticket = open_ticket(desk)
    assert as_("bob").post(f"/tickets/{ticket.number}/delete/", {}).status_code == 404
    assert as_("bob").get(f"/tickets/{ticket.number}/reply/").status_code == 405


def test_htmx_posts_get_the_same_answers(desk, as_):
    ticket = open_ticket(desk)
    bob = as_("bob")
    page = page_of(bob.get(f"/tickets/{ticket.number}/"))
    assert f'hx-post="/tickets/{ticket.number}/reply/"' in page
    htmx = {"HX-Request": "true"}
    bad = bob.post(
        f"/tickets/{ticket.number}/reply/", {"revision": revision_in(page)}, headers=htmx
    )
    assert bad.status_code == 400 and 'id="ticket"' in page_of(bad)
    good = bob.post(
        f"/tickets/{ticket.number}/reply/",
        {"revision": revision_in(page), "body": "好的"},
        headers=htmx,
        follow=True,
    )
    assert 'id="ticket"' in page_of(good) and "Your reply was sent." in page_of(good)


def test_choosing_a_team_offers_its_agents(desk, as_):
    options = page_of(as_("bob").get(f"/queue/agents/?team={desk.second_line.pk}"))
    assert f'value="{desk.carol.pk}"' in options and f'value="{desk.bob.pk}"' not in options
    assert as_("alice").get(f"/queue/agents/?team={desk.second_line.pk}").status_code == 403


def test_the_ticket_page_reads_its_history_in_a_fixed_number_of_queries(
    desk, as_, django_assert_num_queries
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = open_ticket(desk)
    bob = as_("bob")
    bob.get(f"/tickets/{ticket.number}/")
    with django_assert_num_queries(14) as short:  # alerts panel 2, outage form 1, knowledge 1
        bob.get(f"/tickets/{ticket.number}/")
    for i in range(10):
        upload = SimpleUploadedFile(f"log{i}.txt", b"x", "text/plain")
        actions.reply(ticket, actor=desk.alice, body=f"补充{i}", attachments=[upload])
    with django_assert_num_queries(len(short.captured_queries)):
        page = page_of(bob.get(f"/tickets/{ticket.number}/"))
    assert page.count('data-testid="attachment"') == 10

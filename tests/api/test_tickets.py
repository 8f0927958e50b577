"""Each endpoint's happy path: the API calls the desk's actions and shows their result."""

from datetime import timedelta

from django.utils import timezone

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from tests.api.conftest import open_ticket


def test_a_requester_opens_a_ticket_and_it_is_assigned_with_its_clocks(api, desk):
    response = api(desk.alice).post(
        "/api/tickets",
        {"subject": "打印机卡纸", "description": "三楼", "service": "erp", "impact": "high"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "INC-2026-000001" and body["priority"] == "P2"
    assert body["requester"]["username"] == "alice"
    assert body["organisation"] == {"code": "finance", "name": "财务部"}
    assert (body["team"]["code"], body["assignee"]["username"]) == ("l1", "bob")
    assert {c["metric"] for c in body["clocks"]} == {"response", "resolution"}
    assert body["next_due"] is not None and body["breached"] is False


def test_an_agent_opens_a_ticket_for_a_requester_with_a_priority_of_their_own(api, desk):
    response = api(desk.bob).post(
        "/api/tickets",
        {
            "subject": "总账无法过账",
            "service": "erp",
            "category": "software",
            "priority": "P1",
            "priority_reason": "月结最后一天",
            "requester": "amy",
        },
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert (ticket.requester, ticket.priority, ticket.priority_overridden) == (desk.amy, "P1", True)
    assert ticket.events.get(kind="created").actor == desk.bob


def test_get_a_ticket(api, desk, ticket):
    body = api(desk.amy).get(f"/api/tickets/{ticket.number}").json()  # alice's colleague
    assert body["subject"] == "报表系统无法登录"
    assert body["revision"] == ticket.revision
    assert body["status"] == "assigned" and body["status_label"] == "Assigned"


def test_the_list_shows_what_the_caller_may_see(api, desk, ticket):
    theirs = open_ticket(desk, requester=desk.olivia)
    numbers = {t["number"] for t in api(desk.alice).get("/api/tickets").json()["items"]}
    assert numbers == {ticket.number}
    numbers = {t["number"] for t in api(desk.max).get("/api/tickets").json()["items"]}
    assert numbers == {ticket.number, theirs.number}


def test_an_agent_reply_is_the_response_and_the_history_shows_it(api, desk, ticket):
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/replies", {"body": "正在查看", "revision": ticket.revision}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["first_response_at"] is not None
    events = api(desk.bob).get(f"/api/tickets/{ticket.number}/events").json()["items"]
    assert [e["kind"] for e in events] == ["created", "assigned", "status", "reply", "status"]
    assert events[3]["actor"] == {"username": "bob", "name": "Bob"}
    assert events[3]["body"] == "正在查看"


def test_an_internal_note_is_kept_from_the_requester(api, desk, ticket):
    response = api(desk.bob).post(f"/api/tickets/{ticket.number}/notes", {"body": "疑似权限问题"})
    assert response.status_code == 200
    agent_view = api(desk.bob).get(f"/api/tickets/{ticket.number}/events")
    assert "疑似权限问题" in agent_view.content.decode()
    requester_view = api(desk.alice).get(f"/api/tickets/{ticket.number}/events")
    assert requester_view.status_code == 200
    assert "疑似权限问题" not in requester_view.content.decode()
    kinds = [e["kind"] for e in requester_view.json()["items"]]
    assert "note" not in kinds and "assigned" not in kinds
    assert all(e["public"] for e in requester_view.json()["items"])


def test_waiting_on_the_requester_pauses_the_resolution_clock(api, desk, ticket):
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/status",
        {"status": "waiting_requester", "reason": "请提供截图"},
    )
    assert response.status_code == 200
    clocks = {c["metric"]: c for c in response.json()["clocks"]}
    assert clocks["resolution"]["state"] == "paused"
    reply = api(desk.alice).post(f"/api/tickets/{ticket.number}/replies", {"body": "已上传"})
    assert reply.json()["status"] == "in_progress"


def test_an_agent_changes_the_priority_with_a_reason(api, desk, ticket):
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/priority", {"priority": "P1", "reason": "全公司月结"}
    )
    assert response.status_code == 200
    assert (response.json()["priority"], response.json()["priority_overridden"]) == ("P1", True)


def test_escalation_hands_the_ticket_to_second_line(api, desk, ticket):
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/escalate", {"reason": "需要数据库权限"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["team"]["code"], body["assignee"]["username"]) == ("l2", "carol")
    assert body["escalation_level"] == 2
    # bob's team no longer has it: it is gone from his view, as from the UI's
    assert api(desk.bob).get(f"/api/tickets/{ticket.number}").status_code == 404


def test_a_lead_reassigns_to_a_named_agent(api, desk, ticket):
    response = api(desk.lena).post(
        f"/api/tickets/{ticket.number}/assign", {"team": "l1", "assignee": "lena", "reason": "我来"}
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == "lena"


def test_resolve_then_the_requester_confirms_and_rates(api, desk, ticket):
    resolved = api(desk.bob).post(f"/api/tickets/{ticket.number}/resolve", {"resolution": "重置"})
    assert resolved.json()["status"] == "resolved"
    confirmed = api(desk.alice).post(
        f"/api/tickets/{ticket.number}/confirm", {"rating": 5, "comment": "很快"}
    )
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["rating"]) == ("closed", 5)


def test_the_requester_rejects_a_resolution_and_work_resumes(api, desk, ticket):
    api(desk.bob).post(f"/api/tickets/{ticket.number}/resolve", {"resolution": "重启"})
    response = api(desk.alice).post(f"/api/tickets/{ticket.number}/reject", {"reason": "还是不行"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


def test_a_closed_ticket_is_reopened_and_rated_separately(api, desk, ticket):
    api(desk.bob).post(f"/api/tickets/{ticket.number}/resolve", {"resolution": "重启"})
    api(desk.alice).post(f"/api/tickets/{ticket.number}/confirm", {})
    rated = api(desk.alice).post(f"/api/tickets/{ticket.number}/rating", {"rating": 4})
    assert (rated.status_code, rated.json()["rating"]) == (200, 4)
    reopened = api(desk.alice).post(f"/api/tickets/{ticket.number}/reopen", {"reason": "又出现"})
    assert (reopened.status_code, reopened.json()["status"]) == (200, "in_progress")


def test_the_sla_endpoint_reads_each_clock_now_and_explains_it(api, desk):
    ticket = open_ticket(desk, at=timezone.now() - timedelta(days=30))  # long past due
    body = api(desk.alice).get(f"/api/tickets/{ticket.number}/sla").json()
    assert (body["ticket"], body["sla_version"], body["policy"]) == (ticket.number, 1, "it-support")
    response = {c["metric"]: c for c in body["clocks"]}["response"]
    assert response["state"] == "running" and response["target"] == 7200
    assert response["calendar"] == "cn-5x8" and response["priority"] == "P3"
    assert response["breached_at"] is not None and response["met"] is False
    assert response["remaining"] < 0  # over its target
    assert response["why"].startswith("BREACHED")
    assert response["timeline"][0]["note"] == "created: clock started"
    assert body["explanation"].startswith(f"Ticket {ticket.number}")


def test_a_stopped_clock_has_no_time_remaining(api, desk, ticket):
    actions.reply(ticket, actor=desk.bob, body="收到")
    clocks = api(desk.bob).get(f"/api/tickets/{ticket.number}/sla").json()["clocks"]
    response = {c["metric"]: c for c in clocks}["response"]
    assert (response["state"], response["met"], response["remaining"]) == ("stopped", True, None)


def test_services_and_categories(api, desk):
    services = api(desk.alice).get("/api/services").json()
    assert services == [
        {
            "code": "erp",
            "name": "报表系统",
            "name_en": "",
            "description": "",
            "team": {"code": "l1", "name": "一线支持"},
        }
    ]
    categories = api(desk.alice).get("/api/categories").json()
    assert [c["code"] for c in categories] == ["software"]

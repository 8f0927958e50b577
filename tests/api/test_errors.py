"""4xx answers are JSON and name what is wrong: 409 with the ticket as it is, 422 by field."""

import pytest
from django.utils import translation

from sladesk.desk import actions
from tests.api.conftest import open_ticket


def fields(response) -> dict[tuple, str]:
    assert response.status_code == 422
    return {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}


def test_a_change_from_an_old_revision_is_409_with_the_current_ticket(api, desk, ticket):
    seen = ticket.revision
    api(desk.bob).post(
        f"/api/tickets/{ticket.number}/notes", {"body": "先看日志", "revision": seen}
    )
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/replies", {"body": "已处理", "revision": seen}
    )
    assert response.status_code == 409
    body = response.json()
    assert ticket.number in body["detail"] and str(seen + 1) in body["detail"]
    assert body["ticket"]["number"] == ticket.number
    assert body["ticket"]["revision"] == seen + 1
    assert ticket.events.filter(kind="reply").count() == 0


def test_the_current_revision_is_accepted(api, desk, ticket):
    current = api(desk.bob).get(f"/api/tickets/{ticket.number}").json()["revision"]
    response = api(desk.bob).post(
        f"/api/tickets/{ticket.number}/replies", {"body": "好的", "revision": current}
    )
    assert (response.status_code, response.json()["revision"]) == (200, current + 1)


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"description": "没有标题"}, ("body", "subject"), "missing"),
        ({"subject": "   "}, ("body", "subject"), "invalid"),
        ({"subject": "x", "impact": "huge"}, ("body", "impact"), "enum"),
        ({"subject": "x", "urgency": 3}, ("body", "urgency"), "enum"),
        ({"subject": "x", "service": "mainframe"}, ("body", "service"), "not_found"),
        ({"subject": "x", "category": "hardware"}, ("body", "category"), "not_found"),
        ({"subject": "x" * 201}, ("body", "subject"), "string_too_long"),
    ],
    ids=[
        "missing-subject",
        "blank-subject",
        "bad-impact",
        "bad-urgency",
        "service",
        "category",
        "long",
    ],
)
def test_a_ticket_that_cannot_be_opened_is_422_naming_the_field(api, desk, body, loc, kind):
    response = api(desk.alice).post("/api/tickets", body)
    assert loc in fields(response)
    assert response.json()["detail"][0]["type"] == kind


def test_an_agents_priority_without_a_reason_names_priority_reason(api, desk):
    response = api(desk.bob).post(
        "/api/tickets", {"subject": "x", "priority": "P1", "requester": "alice"}
    )
    assert fields(response) == {
        ("body", "priority_reason"): "Say why the priority differs from the matrix."
    }


def test_an_unknown_requester_is_422_for_an_agent(api, desk):
    response = api(desk.bob).post("/api/tickets", {"subject": "x", "requester": "nobody"})
    assert ("body", "requester") in fields(response)


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_out_of_range_is_422_naming_rating(api, desk, ticket, rating):
    actions.resolve(ticket, actor=desk.bob, resolution="重启")
    response = api(desk.alice).post(f"/api/tickets/{ticket.number}/rating", {"rating": rating})
    assert fields(response) == {("body", "rating"): "A rating is a whole number from 1 to 5."}


def test_a_rating_that_is_not_a_number_is_422(api, desk, ticket):
    response = api(desk.alice).post(f"/api/tickets/{ticket.number}/rating", {"rating": "好"})
    assert ("body", "rating") in fields(response)


def test_an_action_the_tickets_status_forbids_names_the_status(api, desk, ticket):
    response = api(desk.alice).post(f"/api/tickets/{ticket.number}/confirm", {})
    assert fields(response) == {("ticket", "status"): "Only a resolved ticket can be confirmed."}


@pytest.mark.parametrize(
    ("suffix", "body", "loc"),
    [
        ("/replies", {"body": " "}, ("body", "body")),
        ("/replies", {}, ("body", "body")),
        ("/status", {"status": "closed"}, ("body", "status")),
        ("/priority", {"priority": "P9", "reason": "x"}, ("body", "priority")),
        ("/escalate", {"reason": ""}, ("body", "reason")),
        ("/assign", {"team": "l9"}, ("body", "team")),
        ("/assign", {"team": "l2", "assignee": "bob"}, ("body", "assignee")),
        ("/resolve", {"resolution": ""}, ("body", "resolution")),
    ],
)
def test_an_agents_bad_input_is_422_naming_the_field(api, desk, ticket, suffix, body, loc):
    response = api(desk.bob).post(f"/api/tickets/{ticket.number}{suffix}", body)
    assert loc in fields(response)


def test_a_body_that_is_not_json_is_400(api, desk, ticket):
    response = api(desk.bob).client.post(
        f"/api/tickets/{ticket.number}/replies",
        "{not json",
        content_type="application/json",
        headers=api(desk.bob).headers,
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_messages_from_the_desk_are_in_the_callers_language(api, desk, ticket):
    caller = api(desk.bob)
    chinese = caller.client.post(
        f"/api/tickets/{ticket.number}/replies",
        {"body": " "},
        content_type="application/json",
        headers={**caller.headers, "accept-language": "zh-hans"},
    )
    english = caller.post(f"/api/tickets/{ticket.number}/replies", {"body": " "})
    assert english.json()["detail"][0]["msg"] == "The reply is empty."
    with translation.override("zh-hans"):
        assert chinese.json()["detail"][0]["msg"] == translation.gettext("The reply is empty.")


def test_a_missing_ticket_is_404_json(api, desk):
    response = api(desk.max).get("/api/tickets/INC-2026-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_manager_may_act_on_any_ticket(api, desk):
    ticket = open_ticket(desk)
    response = api(desk.max).post(f"/api/tickets/{ticket.number}/replies", {"body": "经理跟进"})
    assert response.status_code == 200

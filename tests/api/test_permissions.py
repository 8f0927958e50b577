"""The API allows exactly what the UI allows: one generic test over every ticket endpoint.

A ticket the caller may not see answers 404, the very response a number that does not
exist gets, so nobody learns that it is there; and nothing about it changes.
"""

import pytest

from sladesk.desk import actions
from tests.api.conftest import open_ticket

# Every endpoint under /api/tickets/{number}, with a body it would accept.
TICKET_ENDPOINTS = [
    ("get", "", None),
    ("get", "/events", None),
    ("get", "/sla", None),
    ("post", "/replies", {"body": "看看"}),
    ("post", "/notes", {"body": "看看"}),
    ("post", "/status", {"status": "in_progress"}),
    ("post", "/priority", {"priority": "P1", "reason": "紧急"}),
    ("post", "/escalate", {"reason": "需要二线"}),
    ("post", "/assign", {"team": "l2"}),
    ("post", "/resolve", {"resolution": "已修复"}),
    ("post", "/confirm", {"rating": 5}),
    ("post", "/reject", {"reason": "没修好"}),
    ("post", "/reopen", {"reason": "又坏了"}),
    ("post", "/rating", {"rating": 1}),
]
WRITES = [e for e in TICKET_ENDPOINTS if e[0] == "post"]
AGENT_ONLY = ["/notes", "/status", "/priority", "/escalate", "/assign", "/resolve"]
REQUESTER_ONLY = ["/confirm", "/reject", "/rating"]
MISSING = "INC-2026-999999"


def call(caller, method, number, suffix, body):
    path = f"/api/tickets/{number}{suffix}"
    return caller.get(path) if method == "get" else caller.post(path, body)


def snapshot(ticket):
    ticket.refresh_from_db()
    return (ticket.revision, ticket.status, ticket.priority, ticket.team_id, ticket.rating), list(
        ticket.events.values_list("seq", flat=True)
    )


ENDPOINT_IDS = [f"{method} {suffix or '/'}" for method, suffix, _ in TICKET_ENDPOINTS]


def test_the_list_covers_every_ticket_endpoint_of_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    documented = {
        (method, path.removeprefix("/api/tickets/{number}"))
        for path, operations in paths.items()
        if path.startswith("/api/tickets/{number}")
        for method in operations
    }
    assert documented == {(m, s) for m, s, _ in TICKET_ENDPOINTS}


@pytest.mark.parametrize("who", ["olivia", "carol"])
@pytest.mark.parametrize(("method", "suffix", "body"), TICKET_ENDPOINTS, ids=ENDPOINT_IDS)
def test_who_cannot_see_the_ticket_gets_the_404_of_a_missing_one(
    api, desk, who, method, suffix, body
):
    """olivia requests for operations, the ticket is finance's; carol is not in its team."""
    ticket = open_ticket(desk)
    if suffix in REQUESTER_ONLY:
        actions.resolve(ticket, actor=desk.bob, resolution="重启")
    before = snapshot(ticket)
    caller = api(getattr(desk, who))
    response = call(caller, method, ticket.number, suffix, body)
    assert response.status_code == 404
    missing = call(caller, method, MISSING, suffix, body)
    assert (response.status_code, response.json()) == (missing.status_code, missing.json())
    assert ticket.subject not in response.content.decode()
    assert snapshot(ticket) == before


@pytest.mark.parametrize("who", ["olivia", "carol"])
@pytest.mark.parametrize(
    "query",
    [{}, {"organisation": "finance"}, {"q": "INC-2026-000001"}, {"status": "assigned"}],
    ids=["all", "organisation", "number", "status"],
)
def test_the_list_never_shows_a_ticket_the_caller_may_not_see(api, desk, who, query):
    open_ticket(desk)
    response = api(getattr(desk, who)).get("/api/tickets", **query)
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["items"] == []


@pytest.mark.parametrize("suffix", AGENT_ONLY)
def test_the_requester_cannot_do_what_only_agents_do(api, desk, suffix):
    ticket = open_ticket(desk)
    body = next(b for m, s, b in WRITES if s == suffix)
    before = snapshot(ticket)
    response = api(desk.alice).post(f"/api/tickets/{ticket.number}{suffix}", body)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert snapshot(ticket) == before


@pytest.mark.parametrize("suffix", REQUESTER_ONLY)
def test_a_colleague_may_read_but_only_the_requester_confirms_rejects_or_rates(api, desk, suffix):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启")
    before = snapshot(ticket)
    assert api(desk.amy).get(f"/api/tickets/{ticket.number}").status_code == 200
    body = next(b for m, s, b in WRITES if s == suffix)
    for who in (desk.amy, desk.bob):
        response = api(who).post(f"/api/tickets/{ticket.number}{suffix}", body)
        assert response.status_code == 403
    assert snapshot(ticket) == before


@pytest.mark.parametrize("username", ["amy", "nobody"])
def test_a_requester_cannot_open_a_ticket_for_someone_else_nor_probe_usernames(api, desk, username):
    response = api(desk.alice).post("/api/tickets", {"subject": "代提", "requester": username})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only agents may open tickets for someone else."}


def test_a_requester_cannot_choose_the_priority(api, desk):
    response = api(desk.alice).post(
        "/api/tickets", {"subject": "急", "priority": "P1", "priority_reason": "老板要"}
    )
    assert response.status_code == 403

"""The ticket list: most urgent first, filters, pages, and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from tests.api.conftest import open_ticket


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [t["number"] for t in response.json()["items"]]


@pytest.fixture
def tickets(desk) -> dict[str, Ticket]:
    """Four of alice's tickets, least urgent first; by number, INC-…-000001 to 000004."""
    now = timezone.now()
    closed = open_ticket(desk, subject="已解决的", at=now - timedelta(hours=1))
    actions.reply(closed, actor=desk.bob, body="在看")
    actions.resolve(closed, actor=desk.bob, resolution="好了")
    actions.confirm(closed, actor=desk.alice)
    return {
        "closed": closed,
        "p3": open_ticket(desk, subject="打印机"),
        "p1": open_ticket(desk, subject="全公司断网", impact="high", urgency="high"),
        "overdue": open_ticket(desk, subject="上个月的", at=now - timedelta(days=30)),
    }


def test_the_earliest_due_running_clock_comes_first_and_finished_tickets_last(api, desk, tickets):
    expected = [tickets[k].number for k in ("overdue", "p1", "p3", "closed")]
    assert numbers(api(desk.bob).get("/api/tickets")) == expected


def test_without_a_running_clock_a_breached_ticket_comes_before_older_ones(api, desk):
    now = timezone.now()
    older = open_ticket(desk, subject="等用户回复", at=now - timedelta(hours=1))
    breached = open_ticket(desk, impact="high", urgency="high", at=now - timedelta(minutes=30))
    for ticket in (older, breached):  # response given (P1's 15 min too late), then paused
        actions.reply(ticket, actor=desk.bob, body="请补充信息")
        actions.set_status(ticket, actor=desk.bob, status="waiting_requester")
    listed = api(desk.bob).get("/api/tickets").json()["items"]
    assert [t["number"] for t in listed] == [breached.number, older.number]
    assert [t["next_due"] for t in listed] == [None, None]


def test_other_orderings(api, desk, tickets):
    by_age = [tickets[k].number for k in ("overdue", "closed", "p3", "p1")]
    assert numbers(api(desk.bob).get("/api/tickets", ordering="created")) == by_age
    assert numbers(api(desk.bob).get("/api/tickets", ordering="-created")) == by_age[::-1]
    assert (
        numbers(api(desk.bob).get("/api/tickets", ordering="priority"))[0] == tickets["p1"].number
    )


def test_breached_is_a_clock_past_its_target(api, desk, tickets):
    breached = api(desk.bob).get("/api/tickets", breached="true")
    assert numbers(breached) == [tickets["overdue"].number]
    assert breached.json()["items"][0]["breached"] is True
    others = numbers(api(desk.bob).get("/api/tickets", breached="false"))
    assert set(others) == {tickets[k].number for k in ("p1", "p3", "closed")}


def test_due_before(api, desk, tickets):
    soon = (timezone.now() + timedelta(hours=1)).isoformat()
    due = numbers(api(desk.bob).get("/api/tickets", due_before=soon))
    assert due == [tickets["overdue"].number, tickets["p1"].number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": ["closed", "assigned"]}, ["overdue", "p1", "p3", "closed"]),
        ({"priority": "P1"}, ["p1"]),
        ({"q": "断网"}, ["p1"]),
        ({"q": "INC-2026-000004"}, ["overdue"]),
        ({"assignee": "me"}, ["overdue", "p1", "p3", "closed"]),
        ({"assignee": "carol"}, []),
        ({"organisation": "operations"}, []),
        ({"team": "l1", "priority": ["P3", "P1"]}, ["overdue", "p1", "p3", "closed"]),
    ],
)
def test_filters(api, desk, tickets, query, expected):
    assert numbers(api(desk.bob).get("/api/tickets", **query)) == [
        tickets[k].number for k in expected
    ]


def test_filter_by_team_after_an_escalation(api, desk, tickets):
    actions.escalate(tickets["p3"], actor=desk.bob, reason="需要二线")
    assert numbers(api(desk.max).get("/api/tickets", team="l2")) == [tickets["p3"].number]


def test_an_unknown_status_is_422_naming_the_query_parameter(api, desk):
    response = api(desk.bob).get("/api/tickets", status="lost")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status", 0]


def test_pages_with_a_count_and_links(api, desk):
    for _ in range(7):
        open_ticket(desk)
    caller = api(desk.alice)
    first = caller.get("/api/tickets", page_size=3).json()
    assert (first["count"], len(first["items"]), first["previous"]) == (7, 3, None)
    assert first["next"] == "http://testserver/api/tickets?page_size=3&page=2"
    last = caller.get("/api/tickets", page_size=3, page=3).json()
    assert (len(last["items"]), last["next"]) == (1, None)
    assert last["previous"] == "http://testserver/api/tickets?page_size=3&page=2"
    seen = [
        t["number"]
        for p in (1, 2, 3)
        for t in caller.get("/api/tickets", page_size=3, page=p).json()["items"]
    ]
    assert sorted(seen) == sorted(Ticket.objects.values_list("number", flat=True))


@pytest.mark.parametrize("query", [{"page": 0}, {"page_size": 101}, {"page_size": 0}])
def test_a_page_out_of_bounds_is_422(api, desk, query):
    response = api(desk.alice).get("/api/tickets", **query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", *query]


def test_a_ticket_history_is_paged_too(api, desk, ticket):
    for i in range(4):
        actions.note(ticket, actor=desk.bob, body=f"记录 {i}")
    page = api(desk.bob).get(f"/api/tickets/{ticket.number}/events", page_size=2, page=2).json()
    assert page["count"] == 7  # created, assigned, status, 4 notes
    assert [e["seq"] for e in page["items"]] == [3, 4]


@pytest.mark.parametrize("who", ["bob", "alice", "max"])
def test_the_list_costs_the_same_few_queries_however_many_tickets(
    api, desk, who, django_assert_max_num_queries
):
    caller = api(getattr(desk, who))
    caller.get("/api/services")  # the token's first use is stamped; then once a minute
    for count in (2, 12):
        while Ticket.objects.count() < count:
            ticket = open_ticket(desk)
            actions.note(ticket, actor=desk.bob, body="…")
        # token, count, page of tickets with their people and teams, their clocks
        with django_assert_max_num_queries(4):
            response = caller.get("/api/tickets")
        assert response.json()["count"] == count

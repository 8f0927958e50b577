"""GET /api/kb/search, and the `q` of GET /api/kb/articles that now asks the search."""

from __future__ import annotations

import pytest

from sladesk.kb import actions

from .conftest import published, resolved_ticket, write
from .test_search_pages import indexed

SEARCH = "/api/kb/search"


@pytest.fixture
def found(desk):
    made = {
        "public": published(desk, title="报表系统无法登录", body="清除浏览器缓存后重新登录。"),
        "operations": published(
            desk, title="运营报表权限", body="找部门经理审批。", organisations=[desk.operations]
        ),
        "internal": actions.publish(
            write(desk, title="报表连接池", body="上限调到 200。"), actor=desk.bob
        ),
        "ticket": resolved_ticket(desk, subject="月结报表打不开"),
    }
    indexed()
    return made


def test_an_agent_finds_articles_and_tickets_best_first(desk, api, found):
    response = api("bob").get(SEARCH, q="报表")
    assert response.status_code == 200
    hits = response.json()
    assert {(h["kind"], h["number"]) for h in hits} == {
        ("article", found["public"].number),
        ("article", found["operations"].number),
        ("article", found["internal"].number),
        ("ticket", found["ticket"].number),
    }
    first = next(h for h in hits if h["number"] == found["public"].number)
    assert first["title"] == "报表系统无法登录" and first["title_marks"] == [[0, 2]]
    assert first["in_title"] is True and first["status"] == "published"
    assert first["url"] == f"/kb/{found['public'].number}/"
    assert first["service"] == {"code": "erp", "name": "报表系统"}
    ticket = next(h for h in hits if h["kind"] == "ticket")
    assert ticket["url"] == f"/tickets/{found['ticket'].number}/" and ticket["status"] == "resolved"
    only = api("bob").get(SEARCH, q="报表", kind="ticket", limit=5).json()
    assert [h["number"] for h in only] == [found["ticket"].number]


def test_titles_come_first(desk, api, found):
    published(desk, title="浏览器设置", body="报表系统打不开时，检查浏览器。")
    indexed()
    hits = api("bob").get(SEARCH, q="报表", kind="article").json()
    assert [h["in_title"] for h in hits] == [True, True, True, False]


def test_a_requester_finds_the_public_articles_of_their_scope_only(desk, api, found):
    alice = [h["number"] for h in api("alice").get(SEARCH, q="报表").json()]
    assert alice == [found["public"].number]
    olivia = {h["number"] for h in api("olivia").get(SEARCH, q="报表").json()}
    assert olivia == {found["public"].number, found["operations"].number}
    hit = api("alice").get(SEARCH, q="报表", kind="article").json()[0]
    assert hit["url"] == f"/portal/faq/{found['public'].number}/"
    refused = api("alice").get(SEARCH, q="报表", kind="ticket")
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "报表", "limit": 0}, "limit"),
        ({"q": "报表", "limit": 101}, "limit"),
        ({"q": "报表", "kind": "user"}, "kind"),
        ({"q": "报表", "service": "nope"}, "service"),
        ({"q": "报" * 201}, "q"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(desk, api, params, field):
    response = api("bob").get(SEARCH, **params)
    assert response.status_code == 422, params
    assert response.json()["detail"][0]["loc"] == ["query", field], params


def test_the_article_lists_q_finds_words_anywhere_or_the_number(desk, api, found):
    def listed(q: str) -> set[str]:
        items = api("bob").get("/api/kb/articles", q=q, page_size=100).json()["items"]
        return {item["number"] for item in items}

    # 缓存 … 登录: apart, and in the text: the old "title contains" found nothing.
    assert listed("缓存 登录") == {found["public"].number}
    assert listed(found["internal"].number) == {found["internal"].number}
    assert listed("报表") == {found[k].number for k in ("public", "operations", "internal")}
    assert listed("蓝屏") == set()
    alice = api("alice").get("/api/kb/articles", q="报表").json()["items"]
    assert [item["number"] for item in alice] == [found["public"].number]

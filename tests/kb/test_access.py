"""Who reads which article, by page, in the FAQ and through the API: a requester never sees
an internal article, an unpublished one, or one scoped to another organisation — those
answer exactly like a number that was never given."""

from __future__ import annotations

import pytest

from sladesk.kb import actions
from sladesk.kb.models import Article
from sladesk.kb.permissions import visible_to

from .conftest import published, write

MISSING = "KB-999999"


@pytest.fixture
def articles(desk) -> dict[str, Article]:
    """One article of each kind, by what it is."""
    return {
        "public": published(desk, title="公开：所有人"),
        "finance only": published(desk, title="公开：仅财务部", organisations=[desk.finance]),
        "finance and operations": published(
            desk, title="公开：财务部和运营部", organisations=[desk.finance, desk.operations]
        ),
        "internal": actions.publish(write(desk, title="内部：数据库密码"), actor=desk.bob),
        "draft": write(desk, title="草稿：公开", visibility="public"),
        "retired": actions.retire(published(desk, title="已停用：公开"), actor=desk.bob),
    }


# who -> the articles they read
MATRIX = {
    "bob": {
        "public",
        "finance only",
        "finance and operations",
        "internal",
        "draft",
        "retired",
    },
    "max": {"public", "finance only", "finance and operations", "internal", "draft", "retired"},
    "alice": {"public", "finance only", "finance and operations"},
    "olivia": {"public", "finance and operations"},
}


@pytest.mark.parametrize("who", MATRIX)
def test_one_queryset_says_who_reads_what(desk, articles, who):
    user = getattr(desk, who)
    readable = {name for name, a in articles.items() if visible_to(user).filter(pk=a.pk).exists()}
    assert readable == MATRIX[who]


def test_a_requester_without_an_organisation_reads_only_articles_for_everyone(desk, articles):
    desk.alice.organisation = None
    desk.alice.save()
    assert list(visible_to(desk.alice)) == [articles["public"]]


@pytest.mark.parametrize("who", ["alice", "olivia"])
def test_by_url_what_a_requester_may_not_read_is_a_404_like_a_missing_article(
    desk, articles, as_, who
):
    client = as_(who)
    missing = client.get(f"/portal/faq/{MISSING}/")
    assert missing.status_code == 404
    for name, a in articles.items():
        for url in (
            f"/portal/faq/{a.number}/",
            f"/kb/{a.number}/",
            f"/kb/{a.number}/history/",
            f"/kb/{a.number}/v1/",
            f"/kb/{a.number}/edit/",
        ):
            response = client.get(url)
            if name in MATRIX[who] and url.endswith((f"/faq/{a.number}/", f"/kb/{a.number}/")):
                assert response.status_code in (200, 302), (name, url)
            else:
                assert response.status_code == 404, (name, url)
                page = response.content.decode()
                assert 'data-testid="error-404"' in page and a.title not in page


def test_a_requester_following_an_agents_link_reads_the_article_in_the_portal(desk, articles, as_):
    number = articles["public"].number
    response = as_("alice").get(f"/kb/{number}/")
    assert response.status_code == 302 and response["location"] == f"/portal/faq/{number}/"


@pytest.mark.parametrize("who", ["alice", "olivia"])
def test_the_faq_lists_exactly_what_the_requester_may_read(desk, articles, as_, who):
    page = as_(who).get("/portal/faq/").content.decode()
    for name, a in articles.items():
        assert (a.number in page) == (name in MATRIX[who]), name


def test_agents_read_everything_by_url(desk, articles, as_):
    for a in articles.values():
        assert as_("bob").get(f"/kb/{a.number}/").status_code == 200


@pytest.mark.parametrize("who", ["bob", "alice", "olivia"])
def test_the_api_lists_and_gets_exactly_what_the_caller_may_read(desk, articles, api, who):
    caller = api(who)
    listed = {
        item["number"] for item in caller.get("/api/kb/articles", page_size=100).json()["items"]
    }
    expected = {articles[name].number for name in MATRIX[who]}
    assert listed == expected
    missing = caller.get(f"/api/kb/articles/{MISSING}")
    assert missing.status_code == 404
    for name, a in articles.items():
        response = caller.get(f"/api/kb/articles/{a.number}")
        if name in MATRIX[who]:
            assert response.status_code == 200, name
        else:
            assert response.status_code == 404, name
            assert response.json() == missing.json()


def test_the_api_hides_an_articles_scope_and_source_ticket_from_requesters(desk, articles, api):
    number = articles["finance and operations"].number
    theirs = api("alice").get(f"/api/kb/articles/{number}").json()
    ours = api("bob").get(f"/api/kb/articles/{number}").json()
    assert theirs["organisations"] == []
    assert [o["code"] for o in ours["organisations"]] == ["finance", "operations"]


def test_feedback_through_the_api_on_an_article_one_may_not_read_is_a_404(desk, articles, api):
    for name in ("internal", "draft", "retired", "finance only"):
        response = api("olivia").post(
            f"/api/kb/articles/{articles[name].number}/feedback", {"helpful": True}
        )
        assert response.status_code == 404, name


def test_requesters_write_nothing_through_the_api(desk, articles, api):
    created = api("alice").post("/api/kb/articles", {"title": "我的文章"})
    assert created.status_code == 403
    changed = api("alice").patch(f"/api/kb/articles/{articles['public'].number}", {"title": "?"})
    assert changed.status_code == 403
    hidden = api("alice").patch(f"/api/kb/articles/{articles['internal'].number}", {"title": "?"})
    assert hidden.status_code == 404

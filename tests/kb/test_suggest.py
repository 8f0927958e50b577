"""Suggestions beside a new request: public articles for what the requester types; one that
solved the problem spares the request and is counted as a deflection."""

from __future__ import annotations

import re

import pytest

from sladesk.desk.models import Ticket
from sladesk.kb import actions
from sladesk.kb.finding import suggest
from sladesk.kb.models import ArticleView, Deflection

from .conftest import published, write
from .test_search_pages import indexed, page_of

SUGGEST = "/portal/faq/suggest/"


def suggested(page: str) -> list[str]:
    return re.findall(r'data-testid="kb-suggestion" data-article="([\w-]+)"', page)


@pytest.fixture
def answers(desk):
    """Articles about 报表 of every kind a requester may or may not read."""
    made = {
        "public": published(desk, title="报表系统无法登录", body="清除浏览器缓存后重新登录。"),
        "finance": published(
            desk,
            title="报表月结导出失败",
            body="报表导出请用 Chrome。",
            organisations=[desk.finance],
        ),
        "operations": published(
            desk,
            title="运营报表权限申请",
            body="报表权限找部门经理。",
            organisations=[desk.operations],
        ),
        "internal": actions.publish(
            write(desk, title="报表数据库连接池调整", body="报表服务连接池上限 200。"),
            actor=desk.bob,
        ),
        "draft": write(desk, title="报表登录草稿", body="报表", visibility="public"),
        "retired": actions.retire(
            published(desk, title="旧报表系统登录", body="报表"), actor=desk.bob
        ),
    }
    indexed()
    return made


def test_a_requester_is_offered_the_public_articles_of_their_scope(desk, as_, answers):
    page = page_of(as_("alice").get(SUGGEST, {"subject": "报表", "description": ""}))
    assert set(suggested(page)) == {answers["public"].number, answers["finance"].number}
    olivia = page_of(as_("olivia").get(SUGGEST, {"subject": "报表"}))
    assert set(suggested(olivia)) == {answers["public"].number, answers["operations"].number}
    for hidden in ("internal", "draft", "retired"):
        assert answers[hidden].number not in page + olivia


def test_agents_typing_a_request_are_offered_public_articles_only(desk, answers):
    numbers = {f.number for f in suggest("报表", user=desk.bob)}
    assert numbers == {answers[k].number for k in ("public", "finance", "operations")}


def test_nothing_typed_or_nothing_found_is_an_empty_answer(desk, as_, answers):
    assert as_("alice").get(SUGGEST).content == b""
    assert as_("alice").get(SUGGEST, {"subject": "  ", "description": ""}).content == b""
    assert as_("alice").get(SUGGEST, {"subject": "蓝屏"}).content == b""


def test_the_title_match_comes_first_and_the_matches_are_marked(desk, as_, answers):
    page = page_of(as_("alice").get(SUGGEST, {"q": "无法登录报表"}))
    assert suggested(page) == [answers["public"].number]
    assert "<mark>报表</mark>系统<mark>无法登录</mark>" in page


def test_other_wordings_still_find_the_answer(desk, answers):
    """Every word must occur in a search: a word the article lacks (不了) is dropped in
    turn, and the description's first sentence is searched too."""
    reworded = suggest("报表 登录不了", user=desk.alice)
    assert reworded[0].number == answers["public"].number
    from_description = suggest("", "重新登录浏览器。之后的句子不搜索", user=desk.alice)
    assert [f.number for f in from_description] == [answers["public"].number]


def test_at_most_five_suggestions(desk, as_):
    for n in range(7):
        published(desk, title=f"VPN 问题 {n}", body="VPN")
    indexed()
    assert len(suggested(page_of(as_("alice").get(SUGGEST, {"subject": "VPN"})))) == 5


def test_a_suggestion_opens_in_place_and_counts_a_view(desk, as_, answers):
    number = answers["public"].number
    body = page_of(as_("alice").get(f"{SUGGEST}{number}/"))
    assert "<p>清除浏览器缓存后重新登录。</p>" in body
    assert ArticleView.objects.filter(article=answers["public"], user=desk.alice).exists()
    for hidden in ("internal", "draft", "retired", "operations"):
        assert as_("alice").get(f"{SUGGEST}{answers[hidden].number}/").status_code == 404


def test_this_solved_my_problem_files_no_request_and_counts_a_deflection(desk, as_, answers):
    alice = as_("alice")
    tickets = Ticket.objects.count()
    page = page_of(alice.get(SUGGEST, {"subject": " 报表  无法登录 ", "description": "月结"}))
    number = answers["public"].number
    assert '<input type="hidden" name="subject" value="报表 无法登录">' in page
    assert f'action="/portal/faq/{number}/solved/"' in page
    done = alice.post(f"/portal/faq/{number}/solved/", {"subject": "报表 无法登录"})
    assert done.status_code == 303 and done["location"] == f"/portal/faq/{number}/solved/"
    thanks = page_of(alice.get(done["location"]))
    assert 'data-testid="kb-solved-page"' in thanks and "Glad it helped" in thanks
    assert 'href="/portal/"' in thanks
    assert Ticket.objects.count() == tickets
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user, deflection.subject) == (
        answers["public"],
        desk.alice,
        "报表 无法登录",
    )
    assert deflection.organisation == desk.finance


def test_an_article_the_requester_may_not_read_counts_nothing(desk, as_, answers):
    for hidden in ("internal", "draft", "retired", "operations"):
        number = answers[hidden].number
        assert (
            as_("alice").post(f"/portal/faq/{number}/solved/", {"subject": "x"}).status_code == 404
        )
    assert not Deflection.objects.exists()


def test_the_new_request_form_carries_the_suggestions_and_still_works_without_them(desk, as_):
    alice = as_("alice")
    form = page_of(alice.get("/portal/new/"))
    assert 'data-testid="kb-suggest"' in form
    assert f'hx-get="{SUGGEST}"' in form and 'hx-include="#id_subject, #id_description"' in form
    assert "from:#id_subject" in form and "from:#id_description" in form
    assert 'id="id_subject"' in form and 'id="id_description"' in form
    submitted = alice.post(
        "/portal/new/",
        {
            "subject": "报表系统无法登录",
            "description": "进不去",
            "impact": "medium",
            "urgency": "medium",
        },
    )
    assert submitted.status_code == 302 and Ticket.objects.get().subject == "报表系统无法登录"
    # A form sent back with an error keeps what was typed, and the panel asks again on load.
    again = page_of(alice.post("/portal/new/", {"subject": "", "description": "报表进不去"}))
    assert "报表进不去" in again and 'hx-trigger="load,' in again


def test_an_article_title_is_escaped_in_the_suggestions(desk, as_):
    published(desk, title="<img src=x onerror=alert(1)>报表", body="报表")
    indexed()
    page = page_of(as_("alice").get(SUGGEST, {"subject": "报表"}))
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>报表</mark>" in page
    assert "<img src=x" not in page

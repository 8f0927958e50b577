"""The search boxes: agents search articles and resolved tickets on /kb/search/, requesters
the answers of the FAQ; the ticket page's knowledge panel finds articles to link."""

from __future__ import annotations

import pytest

from sladesk.desk import actions as desk_actions
from sladesk.desk.models import Service
from sladesk.kb import actions
from sladesk.kb.models import SolvedWith
from sladesk.search import index

from .conftest import published, resolved_ticket, write


def indexed() -> None:
    """The index as the commits of the set-up would have left it (tests roll back instead)."""
    index.reindex("article")
    index.reindex("ticket")


def page_of(response) -> str:
    return response.content.decode()


def results(page: str) -> list[tuple[str, str]]:
    """(kind, number) of each result, in order."""
    import re

    return re.findall(r'data-testid="kb-result" data-kind="(\w+)" data-number="([\w-]+)"', page)


@pytest.fixture
def library(desk):
    """An internal article, a public one and a draft about 报表, one about the printer,
    and alice's resolved ticket about 报表."""
    vpn = Service.objects.create(code="vpn", name="VPN", team=desk.first_line)
    made = {
        "internal": actions.publish(
            write(desk, title="报表系统会话过期的内部处理", body="重启报表服务的连接池。"),
            actor=desk.bob,
        ),
        "public": published(
            desk, title="VPN 连不上怎么办", body="先检查报表以外的网络。", service=vpn
        ),
        "draft": write(desk, title="报表导出乱码（草稿）", body="安装中文字体。"),
        "printer": published(desk, title="打印机脱机", body="重新添加打印机。", service=None),
        "ticket": resolved_ticket(desk),
    }
    indexed()
    return made


# -- the agents' search -------------------------------------------------------------------


def test_an_agent_finds_articles_and_resolved_tickets_titles_first(desk, as_, library):
    page = page_of(as_("bob").get("/kb/search/", {"q": "报表"}))
    found = results(page)
    titled = {library[k].number for k in ("internal", "draft", "ticket")}
    # Three titles hold 报表 and come first; the VPN article has it in its text only.
    assert {number for _kind, number in found[:3]} == titled
    assert found[3] == ("article", library["public"].number)
    assert ("ticket", library["ticket"].number) in found
    assert library["printer"].number not in page
    assert f'href="/tickets/{library["ticket"].number}/"' in page
    assert f'href="/kb/{library["internal"].number}/"' in page
    assert 'data-testid="kb-search-count">4 results' in page


def test_the_search_page_reads_in_a_fixed_number_of_queries(
    desk, as_, library, django_assert_num_queries, django_assert_max_num_queries
):
    bob = as_("bob")
    bob.get("/kb/search/", {"q": "报表"})
    with django_assert_max_num_queries(12) as few:
        bob.get("/kb/search/", {"q": "报表"})
    for i in range(5):
        published(desk, title=f"报表问题 {i}", organisations=[desk.finance])
        resolved_ticket(desk, subject=f"报表打不开 {i}")
    indexed()
    with django_assert_num_queries(len(few.captured_queries)):
        page = page_of(bob.get("/kb/search/", {"q": "报表"}))
    assert len(results(page)) == 4 + 10


def test_matches_are_marked_and_everything_else_escaped(desk, as_):
    published(desk, title="<script>alert(1)</script> 报表打不开", body="报表 <img src=x onerror=1>")
    indexed()
    page = page_of(as_("bob").get("/kb/search/", {"q": "报表"}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>报表</mark>打不开" in page
    assert "<mark>报表</mark> &lt;img src=x onerror=1&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_tabs_show_articles_or_tickets_only(desk, as_, library):
    bob = as_("bob")
    articles = results(page_of(bob.get("/kb/search/", {"q": "报表", "kind": "article"})))
    assert {kind for kind, _ in articles} == {"article"} and len(articles) == 3
    tickets = page_of(bob.get("/kb/search/", {"q": "报表", "kind": "ticket"}))
    assert results(tickets) == [("ticket", library["ticket"].number)]
    assert 'aria-current="page" data-testid="tab-ticket"' in tickets
    assert 'href="?q=%E6%8A%A5%E8%A1%A8&amp;kind=article"' in tickets  # the words are kept


def test_the_service_filter_narrows_the_results(desk, as_, library):
    page = page_of(as_("bob").get("/kb/search/", {"q": "报表", "service": "vpn"}))
    assert results(page) == [("article", library["public"].number)]
    wrong = as_("bob").get("/kb/search/", {"q": "报表", "service": "nope"})
    assert wrong.status_code == 400
    assert 'data-testid="error-service"' in page_of(wrong)


def test_an_empty_query_and_a_query_without_results_say_so(desk, as_, library):
    start = page_of(as_("bob").get("/kb/search/"))
    assert 'data-testid="kb-search-start"' in start and 'data-testid="kb-result"' not in start
    blank = page_of(as_("bob").get("/kb/search/", {"q": "   "}))
    assert 'data-testid="kb-search-start"' in blank
    nothing = page_of(as_("bob").get("/kb/search/", {"q": "蓝屏"}))
    assert 'data-testid="kb-search-empty"' in nothing and "Nothing matches “蓝屏”" in nothing


def test_agents_find_only_the_tickets_they_may_open(desk, as_, library):
    """The ticket went to first line: carol (second line) cannot open it, max (the service
    manager) can."""
    number = library["ticket"].number
    assert ("ticket", number) not in results(
        page_of(as_("carol").get("/kb/search/", {"q": "报表"}))
    )
    assert ("ticket", number) in results(page_of(as_("max").get("/kb/search/", {"q": "报表"})))


def test_a_reopened_ticket_is_not_found_even_before_the_index_hears_of_it(desk, as_, library):
    desk_actions.reject(library["ticket"], actor=desk.alice, reason="又打不开了")
    page = page_of(as_("bob").get("/kb/search/", {"q": "报表", "kind": "ticket"}))
    assert results(page) == []


def test_a_requester_searching_the_knowledge_base_lands_in_the_faq_search(desk, as_):
    response = as_("alice").get("/kb/search/", {"q": "打印机"})
    assert response.status_code == 302
    assert response["location"] == "/portal/faq/?q=%E6%89%93%E5%8D%B0%E6%9C%BA"


def test_the_knowledge_base_and_the_agents_nav_have_a_search_box(desk, as_):
    kb = page_of(as_("bob").get("/kb/"))
    assert 'data-testid="kb-search-box"' in kb and 'action="/kb/search/"' in kb
    assert 'data-testid="nav-search"' in kb
    assert 'data-testid="nav-search"' not in page_of(as_("alice").get("/portal/faq/"))


# -- the requesters' search ---------------------------------------------------------------


def test_a_requester_finds_answers_in_the_faq(desk, as_, library):
    page = page_of(as_("alice").get("/portal/faq/", {"q": "打印机"}))
    assert f'data-article="{library["printer"].number}"' in page
    assert "<mark>打印机</mark>脱机" in page
    assert 'data-testid="faq-service"' not in page  # the results replace the list
    nothing = page_of(as_("alice").get("/portal/faq/", {"q": "会话过期"}))  # internal only
    assert 'data-testid="faq-no-result"' in nothing and "会话过期" in nothing
    everything = page_of(as_("alice").get("/portal/faq/", {"q": " "}))
    assert 'data-testid="faq-service"' in everything


# -- the ticket panel's finder ------------------------------------------------------------


def test_the_ticket_panel_finds_published_articles_to_link(desk, as_, library):
    ticket = library["ticket"]
    bob = as_("bob")
    assert 'data-testid="kb-find"' in page_of(bob.get(f"/tickets/{ticket.number}/"))
    url = f"/kb/solved-with/{ticket.number}/search/"
    found = page_of(bob.get(url, {"q": "报表"}))
    # Published ones only: the internal one and the VPN one (报表 in its text), not the draft.
    assert f'data-article="{library["internal"].number}"' in found
    assert f'data-article="{library["public"].number}"' in found
    assert library["draft"].number not in found
    linked = bob.post(f"/kb/solved-with/{ticket.number}/", {"numbers": library["internal"].number})
    assert linked.status_code == 303
    assert SolvedWith.objects.filter(ticket=ticket, article=library["internal"]).exists()
    again = page_of(bob.get(url, {"q": "报表"}))
    assert library["internal"].number not in again  # linked already
    assert 'data-testid="kb-found-none"' in page_of(bob.get(url, {"q": "蓝屏"}))
    assert page_of(bob.get(url, {"q": ""})).strip() == ""


def test_the_panel_finder_is_for_agents_who_see_the_ticket(desk, as_, library):
    url = f"/kb/solved-with/{library['ticket'].number}/search/"
    assert as_("alice").get(url, {"q": "报表"}).status_code == 403
    assert as_("carol").get(url, {"q": "报表"}).status_code == 404

"""The knowledge base's pages through Django's test client, in English and in Chinese."""

from __future__ import annotations

from datetime import date

import pytest

from sladesk.kb import actions
from sladesk.kb.models import Article, Feedback, SolvedWith

from .conftest import client_for, published, resolved_ticket, write


def page_of(response) -> str:
    return response.content.decode()


# -- the agents' pages --------------------------------------------------------------------


def test_the_list_filters_and_counts_by_status(desk, as_):
    published(desk, title="报表登录")
    write(desk, title="VPN 草稿", service=None)
    actions.retire(published(desk, title="旧打印机"), actor=desk.bob)
    everything = page_of(as_("bob").get("/kb/"))
    assert 'data-testid="count-draft">Draft 1' in everything
    assert 'data-testid="count-published">Published 1' in everything
    assert 'data-testid="count-retired">Retired 1' in everything
    drafts = page_of(as_("bob").get("/kb/", {"status": "draft"}))
    assert "VPN 草稿" in drafts and "报表登录" not in drafts
    assert 'data-testid="count-published">Published 1' in drafts  # counts ignore the status
    of_erp = page_of(as_("bob").get("/kb/", {"service": "erp", "q": "报表"}))
    assert "报表登录" in of_erp and "旧打印机" not in of_erp and "VPN" not in of_erp


def test_a_requester_going_to_the_knowledge_base_lands_in_the_faq(desk, as_):
    response = as_("alice").get("/kb/")
    assert response.status_code == 302 and response["location"] == "/portal/faq/"
    assert as_("alice").get("/kb/new/").status_code == 403
    assert as_("alice").get("/kb/review/").status_code == 403


def test_an_agent_writes_an_article_from_the_form(desk, as_):
    response = as_("bob").post(
        "/kb/new/",
        {
            "title": "VPN 无法连接",
            "body": "## 解决\n\n重新安装客户端。",
            "language": "zh-hans",
            "visibility": "public",
            "organisations": [desk.finance.pk],
            "service": desk.erp.pk,
            "owner": desk.carol.pk,
            "review_at": "2027-01-31",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["location"] == f"/kb/{article.number}/"
    assert (article.owner, article.review_at) == (desk.carol, date(2027, 1, 31))
    assert list(article.organisations.all()) == [desk.finance]


def test_a_rule_broken_in_the_form_is_shown_on_its_field(desk, as_):
    response = as_("bob").post(
        "/kb/new/",
        {
            "title": "内部文章",
            "language": "zh-hans",
            "visibility": "internal",
            "organisations": [desk.finance.pk],
            "owner": desk.bob.pk,
            "review_at": "2027-01-31",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-organisations">Only a public article' in page_of(response)
    assert not Article.objects.exists()


def test_an_edit_is_saved_as_a_new_version(desk, as_):
    article = write(desk)
    form = page_of(as_("carol").get(f"/kb/{article.number}/edit/"))
    assert 'name="revision" value="1"' in form
    response = as_("carol").post(f"/kb/{article.number}/edit/", _fields(article, body="新正文"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "新正文" and article.revision == 2
    assert article.versions.last().edited_by == desk.carol


def test_an_edit_from_a_stale_page_is_refused_with_the_text_kept(desk, as_):
    article = write(desk)
    actions.edit_article(article, actor=desk.carol, title="carol 先改了")
    response = as_("bob").post(
        f"/kb/{article.number}/edit/", _fields(article, body="bob 的新正文", revision=1)
    )
    assert response.status_code == 409
    page = page_of(response)
    assert 'data-testid="conflict"' in page and "bob 的新正文" in page
    assert 'name="revision" value="2"' in page  # saving again now replaces carol's version
    article.refresh_from_db()
    assert article.title == "carol 先改了" and article.revision == 2


def test_the_history_shows_each_version_with_its_diff_and_changes(desk, as_):
    article = write(desk, body="第一步：重启\n")
    actions.edit_article(article, actor=desk.carol, body="第一步：清除缓存\n", note="更正")
    actions.publish(article, actor=desk.bob)
    page = page_of(as_("bob").get(f"/kb/{article.number}/history/"))
    assert page.count('data-testid="version"') == 3
    assert '<span class="del">-第一步：重启</span>' in page
    assert '<span class="add">+第一步：清除缓存</span>' in page
    assert "<strong>Status</strong>: Draft → Published" in page and "更正" in page
    one = page_of(as_("bob").get(f"/kb/{article.number}/v1/"))
    assert "第一步：重启" in one and "清除缓存" not in one


def test_publish_and_retire_buttons_change_the_status(desk, as_):
    article = write(desk)
    bob = as_("bob")
    response = bob.post(f"/kb/{article.number}/publish/", {"revision": 1})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published"
    stale = bob.post(f"/kb/{article.number}/retire/", {"revision": 1}, follow=True)
    assert "changed by someone else" in page_of(stale)
    article.refresh_from_db()
    assert article.status == "published"


def test_the_article_page_shows_votes_comments_and_solved_tickets(desk, as_):
    ticket = resolved_ticket(desk)
    article = published(desk)
    actions.link_solved_with(ticket, articles=[article], actor=desk.bob)
    actions.vote(article, user=desk.alice, helpful=False, comment="截图看不清")
    actions.vote(article, user=desk.amy, helpful=True)
    page = page_of(as_("bob").get(f"/kb/{article.number}/"))
    assert "Helpful: 1 · Not helpful: 1" in page
    assert "截图看不清" in page and ticket.number in page
    assert page.count('data-testid="comment"') == 1


# -- the review queue ---------------------------------------------------------------------


def test_the_review_queue_lists_my_overdue_articles_and_unread_comments(desk, as_):
    overdue = write(desk, title="该复核了", review_at=date(2020, 1, 1))
    write(desk, title="还早", review_at=date(2099, 1, 1))
    write(desk, title="carol 的", owner=desk.carol, review_at=date(2020, 1, 1))
    actions.retire(write(desk, title="已停用", review_at=date(2020, 1, 1)), actor=desk.bob)
    commented = published(desk, title="有评论的")
    actions.vote(commented, user=desk.alice, helpful=False, comment="步骤缺了一步")
    page = page_of(as_("bob").get("/kb/review/"))
    assert "该复核了" in page and "步骤缺了一步" in page
    assert "还早" not in page and "carol 的" not in page and "已停用" not in page
    response = as_("bob").post(f"/kb/{overdue.number}/reviewed/", {"next": "/kb/review/"})
    assert response["location"] == "/kb/review/"
    feedback = Feedback.objects.get(comment="步骤缺了一步")
    as_("bob").post("/kb/review/seen/", {"feedback": feedback.pk})
    after = page_of(as_("bob").get("/kb/review/"))
    assert "该复核了" not in after and "步骤缺了一步" not in after


# -- the ticket page ----------------------------------------------------------------------


def test_the_ticket_page_offers_the_panel_to_agents_only(desk, as_):
    ticket = resolved_ticket(desk)
    assert 'data-testid="kb-panel"' in page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="kb-create"' in page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    assert "kb-panel" not in page_of(as_("alice").get(f"/tickets/{ticket.number}/"))


def test_one_post_from_the_ticket_makes_the_draft_and_opens_it_for_editing(desk, as_):
    ticket = resolved_ticket(desk)
    response = as_("bob").post(f"/kb/from-ticket/{ticket.number}/")
    article = Article.objects.get()
    assert response["location"] == f"/kb/{article.number}/edit/"
    assert article.source_ticket == ticket
    page = page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="kb-created"' in page and 'data-testid="kb-create"' not in page


def test_an_open_ticket_offers_no_article_and_refuses_one(desk, as_):
    from sladesk.desk import actions as desk_actions

    ticket = desk_actions.create_ticket(
        requester=desk.alice, subject="还没解决", description="…", service=desk.erp
    )
    assert 'data-testid="kb-create"' not in page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    response = as_("bob").post(f"/kb/from-ticket/{ticket.number}/", follow=True)
    assert "Only a resolved or closed ticket" in page_of(response)
    assert not Article.objects.exists()


def test_the_panel_links_articles_by_choice_and_by_number(desk, as_):
    ticket = resolved_ticket(desk)
    chosen, typed = published(desk, title="选中的"), published(desk, title="输入的", service=None)
    page = page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    assert "选中的" in page and "输入的" not in page  # the select lists the service's articles
    number = int(typed.number.split("-")[1])
    as_("bob").post(
        f"/kb/solved-with/{ticket.number}/", {"article": chosen.pk, "numbers": f"kb-{number}"}
    )
    assert set(SolvedWith.objects.values_list("article", flat=True)) == {chosen.pk, typed.pk}
    wrong = as_("bob").post(
        f"/kb/solved-with/{ticket.number}/", {"numbers": "KB-424242"}, follow=True
    )
    assert "No such article: KB-424242." in page_of(wrong)
    as_("bob").post(f"/kb/solved-with/{ticket.number}/remove/", {"article": typed.number})
    assert list(SolvedWith.objects.values_list("article", flat=True)) == [chosen.pk]


# -- the requesters' FAQ ------------------------------------------------------------------


def test_the_faq_groups_by_service_then_category_with_the_readers_language_first(desk, as_):
    english = published(desk, title="Report login expired", language="en")
    chinese = published(desk, title="报表登录过期", language="zh-hans")
    general = published(desk, title="如何联系服务台", service=None, category=None)
    en = page_of(as_("alice", "en").get("/portal/faq/"))
    assert en.index("报表系统") < en.index(general.title)  # services first, the rest after
    assert en.index(english.title) < en.index(chinese.title)
    zh = page_of(as_("alice", "zh-hans").get("/portal/faq/"))
    assert zh.index(chinese.title) < zh.index(english.title)


def test_reading_an_faq_article_counts_one_view_a_day(desk, as_):
    article = published(desk)
    alice = as_("alice")
    alice.get(f"/portal/faq/{article.number}/")
    alice.get(f"/portal/faq/{article.number}/")
    assert article.views.count() == 1


def test_a_requester_votes_with_a_comment_from_the_portal(desk, as_):
    article = published(desk)
    response = as_("alice").post(
        f"/portal/faq/{article.number}/", {"helpful": "no", "comment": "没有提到 Mac"}
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.user, feedback.helpful, feedback.comment) == (
        desk.alice,
        False,
        "没有提到 Mac",
    )
    page = page_of(as_("alice").get(f"/portal/faq/{article.number}/"))
    assert "You found this not helpful." in page
    bad = as_("alice").post(f"/portal/faq/{article.number}/", {"helpful": "maybe"})
    assert bad.status_code == 400


# -- both languages -----------------------------------------------------------------------

PAGES = {
    "list": ("bob", "/kb/"),
    "new": ("bob", "/kb/new/"),
    "article": ("bob", "/kb/{number}/"),
    "edit": ("bob", "/kb/{number}/edit/"),
    "history": ("bob", "/kb/{number}/history/"),
    "version": ("bob", "/kb/{number}/v1/"),
    "review": ("bob", "/kb/review/"),
    "faq": ("alice", "/portal/faq/"),
    "faq article": ("alice", "/portal/faq/{number}/"),
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(desk, name, language):
    article = published(desk)
    who, address = PAGES[name]
    response = client_for(getattr(desk, who), language).get(address.format(number=article.number))
    page = page_of(response)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert 'name="viewport"' in page  # laid out for narrow screens by kb.css and the site's
    if name not in ("new", "review"):
        assert article.title in page


def test_the_menu_shows_the_knowledge_base_to_agents_and_the_faq_to_requesters(desk, as_):
    agent = page_of(as_("bob").get("/queue/"))
    requester = page_of(as_("alice").get("/portal/"))
    assert 'data-testid="nav-kb"' in agent and 'data-testid="nav-faq"' not in agent
    assert 'data-testid="nav-faq"' in requester and 'data-testid="nav-kb"' not in requester


def _fields(article: Article, **changes) -> dict:
    fields = {
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "visibility": article.visibility,
        "organisations": [o.pk for o in article.organisations.all()],
        "service": article.service_id or "",
        "category": article.category_id or "",
        "owner": article.owner_id,
        "review_at": article.review_at.isoformat(),
        "revision": article.revision,
        "note": "",
    }
    return fields | changes


def test_the_faq_and_the_list_read_in_a_fixed_number_of_queries(
    desk, as_, django_assert_max_num_queries
):
    for i in range(3):
        published(desk, title=f"文章 {i}", organisations=[desk.finance])
    alice, bob = as_("alice"), as_("bob")
    alice.get("/portal/faq/")
    with django_assert_max_num_queries(12) as few:
        alice.get("/portal/faq/")
    with django_assert_max_num_queries(20) as list_few:
        bob.get("/kb/")
    for i in range(20):
        published(desk, title=f"更多 {i}", service=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice.get("/portal/faq/")
    with django_assert_max_num_queries(len(list_few.captured_queries)):
        bob.get("/kb/")

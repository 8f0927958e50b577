"""Search over a small, hand-checked library (conftest.py): what each query finds, in which
order, and who may find what. Runs on the suite's database (SQLite by default, PostgreSQL
with TEST_DATABASE_URL); test_databases.py runs it on the other one too."""

from __future__ import annotations

import pytest

from sladesk.search import index
from sladesk.search.models import Document, Scope
from sladesk.search.query import Audience, search

from .conftest import (
    AGENT,
    FINANCE,
    FINANCE_REQUESTER,
    OPERATIONS_REQUESTER,
    found,
    put_article,
    titled,
)

pytestmark = pytest.mark.usefixtures("library")

# -- Chinese ----------------------------------------------------------------------------


def test_报表_finds_报表系统无法登录_among_the_titles_first():
    first, rest = titled("报表")
    assert first == {"A1", "A2", "A6", "A7", "T1"}
    assert set(rest) == {"A5", "A10"}


def test_无法登录_finds_it_too():
    assert titled("无法登录") == ({"A1", "T1"}, [])


def test_the_words_of_a_query_need_not_be_next_to_each_other():
    assert titled("报表登录") == ({"A1", "T1"}, [])


def test_one_character_finds_every_word_that_holds_it():
    first, rest = titled("表")
    assert first == {"A1", "A2", "A6", "A7", "T1"}
    assert set(rest) == {"A5", "A8", "A9", "A10"}  # 报表, 表单, 表示


def test_a_word_must_occur_as_written():
    assert set(found("表系统")) == {"A1", "A6", "T1"}  # 表 and 系统
    assert found("系统报表") == found("报表系统")  # two words, in any order
    assert found("现金流量") == ["A7"]
    assert found("流量现金") == ["A7"]
    assert found("金流现") == []  # one unknown word: as written, it occurs nowhere


# -- English and mixed ------------------------------------------------------------------


def test_vpn_in_any_case_finds_the_vpn_articles_and_tickets():
    assert titled("vpn") == ({"A3", "A8", "T2"}, ["A5"])
    assert found("VPN") == found("vpn") == found("\uff36\uff30\uff2e")


def test_password_reset_finds_the_article_whose_title_has_both_words():
    assert found("password reset") == ["A4"]
    assert found("reset password") == ["A4"]


def test_erp_报表_finds_the_erp_report_article_only():
    assert found("ERP报表") == ["A2"]


def test_vpn_连接失败_puts_the_title_match_first():
    assert found("VPN连接失败") == ["A3", "T2"]  # T2's title says 连接不上; its body 连接失败


def test_error_codes_are_found_whole_and_by_their_digits():
    assert found("0x80070005") == ["A9"]
    assert found("80070005") == ["A9"]
    assert found("809") == ["A3"]


def test_a_title_match_ranks_before_a_body_that_repeats_the_word():
    hits = search("结账", audience=AGENT)
    assert [(h.object_id, h.in_title) for h in hits] == [(10, True), (1, False)]


# -- who may find what ------------------------------------------------------------------


def test_a_requester_finds_public_published_articles_of_their_scope_only():
    assert set(found("报表", FINANCE_REQUESTER)) == {"A1", "A2", "A7", "A10"}
    assert set(found("报表", OPERATIONS_REQUESTER)) == {"A1", "A2", "A10"}


def test_a_requester_never_finds_internal_or_draft_articles_nor_tickets():
    for text in ("服务器", "草稿", "新版", "张三", "打印机卡纸", "VPN连接不上"):
        assert found(text, FINANCE_REQUESTER) == [], text
    assert found("VPN", AGENT)  # while agents do


def test_a_scoped_article_is_only_for_its_organisations():
    assert set(found("vpn", OPERATIONS_REQUESTER)) == {"A3", "A8"}
    assert set(found("vpn", FINANCE_REQUESTER)) == {"A3"}
    assert set(found("vpn", Audience(agent=False))) == {"A3"}  # no organisation: unscoped only


def test_a_requester_asking_for_tickets_gets_nothing():
    assert found("报表", FINANCE_REQUESTER, kinds=("ticket",)) == []


def test_audience_of_a_person():
    class Person:
        def __init__(self, is_agent, organisation_id):
            self.is_agent, self.organisation_id = is_agent, organisation_id

    assert Audience.of(Person(True, 5)) == Audience(agent=True)
    assert Audience.of(Person(False, FINANCE)) == FINANCE_REQUESTER


# -- filters, replacing, dropping -------------------------------------------------------


def test_agents_can_ask_for_one_kind_or_one_service():
    assert set(found("报表", kinds=("ticket",))) == {"T1"}
    assert set(found("报表", kinds=("article",))) == {"A1", "A2", "A5", "A6", "A7", "A10"}
    assert found("报表", service_id=7) == ["T1"]


def test_putting_a_document_again_replaces_it():
    put_article(1, "报表系统打不开", "页面空白。")
    assert found("无法登录") == ["T1"]
    assert "A1" in found("打不开")
    assert Document.objects.filter(kind="article", object_id=1).count() == 1


def test_an_article_made_internal_or_rescoped_is_no_longer_found_by_requesters():
    put_article(3, "VPN 连接失败的处理", "检查防火墙。", public=False)
    put_article(2, "ERP 报表导出为空", "检查权限。", organisations=[FINANCE])
    assert found("vpn", FINANCE_REQUESTER) == []
    assert found("ERP", OPERATIONS_REQUESTER) == []
    assert found("ERP", FINANCE_REQUESTER) == ["A2"]


def test_dropping_a_document_removes_it_and_its_scope():
    index.drop(kind="article", object_id=7)
    assert "A7" not in found("报表")
    assert not Scope.objects.filter(organisation_id=FINANCE).exists()
    index.drop(kind="article", object_id=7)  # twice is fine


def test_put_many_writes_in_batches_and_the_last_entry_of_an_object_wins():
    entries = [
        index.Entry(kind="ticket", object_id=100 + n, title=f"工单{n}", body="磁盘空间不足")
        for n in range(5)
    ]
    entries.append(index.Entry(kind="ticket", object_id=100, title="工单零", body="磁盘已满"))
    assert index.put_many(entries) == 5
    assert len(found("磁盘")) == 5
    assert found("工单零") == ["T100"]


# -- what a hit holds, and bad input ----------------------------------------------------


def test_a_hit_has_a_snippet_around_the_first_match_with_its_spans():
    [hit] = search("0x80070005", audience=AGENT)
    assert hit.snippet.startswith("错误代码 0x80070005")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["0x80070005"]
    assert hit.title == "Outlook 无法同步邮件" and hit.title_marks == ()


def test_marks_follow_the_index_folding():
    [hit] = search("erp报表", audience=AGENT)
    assert [hit.title[a:b] for a, b in hit.title_marks] == ["ERP", "报表"]


def test_a_long_body_is_cut_around_the_match():
    body = "无关的内容。" * 40 + "打印机驱动需要更新。" + "其他说明。" * 40
    put_article(50, "常见问题", body)
    [hit] = search("驱动", audience=AGENT)
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["驱动"]
    assert len(hit.snippet) <= 122


def test_an_empty_query_finds_nothing():
    assert found("") == []
    assert found("？\uff01") == []


def test_bad_arguments_are_refused_with_their_name():
    with pytest.raises(ValueError, match="kinds"):
        search("报表", audience=AGENT, kinds=("faq",))
    with pytest.raises(ValueError, match="limit"):
        search("报表", audience=AGENT, limit=0)
    with pytest.raises(ValueError, match="kind"):
        index.put(kind="faq", object_id=1, title="x", body="y")


def test_limit_keeps_the_best():
    assert found("报表", limit=2) == found("报表")[:2]

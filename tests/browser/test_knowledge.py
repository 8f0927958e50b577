"""In a real browser, the proof of issue 9: an agent resolves a ticket and turns it into a
public article; a requester of the same organisation starts a similar request in other
words, is offered the article beside the form, reads it, says it solved her problem — and
no ticket is filed, the deflection is counted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sladesk.desk import actions as desk_actions
from sladesk.desk.models import Ticket
from sladesk.kb.models import Deflection

pytestmark = pytest.mark.browser


def test_an_article_made_from_a_resolved_ticket_spares_a_similar_request(desk, log_in):
    ticket = desk_actions.create_ticket(
        requester=desk.alice,
        subject="报表系统无法登录",
        description="月结时一直提示“会话过期”，无法进入报表。",
        service=desk.erp,
        category=desk.software,
    )

    # bob resolves the ticket, makes it an article and publishes it for the requesters
    bob = log_in("bob", locale="zh-CN")
    bob.goto(f"/tickets/{ticket.number}/")
    bob.get_by_test_id("action-resolve").locator("summary").click()
    resolve = bob.get_by_test_id("form-resolve")
    resolve.locator("textarea").fill("清除浏览器缓存后重新登录即可。")
    resolve.get_by_test_id("submit-resolve").click()
    expect(bob.get_by_test_id("ticket-status")).to_have_text("已解决")
    bob.get_by_test_id("kb-create").get_by_role("button").click()
    form = bob.get_by_test_id("article-form")
    expect(form.locator("#id_title")).to_have_value("报表系统无法登录")
    form.locator("input[name=visibility][value=public]").check()
    bob.get_by_test_id("save").click()
    bob.get_by_test_id("publish").click()
    expect(bob.get_by_test_id("article-status")).to_have_class(re.compile("status-published"))
    number = bob.get_by_test_id("article-number").inner_text()

    # alice starts a request in other words: the article is offered beside the form
    tickets = Ticket.objects.count()
    alice = log_in("alice", locale="zh-CN")
    alice.get_by_test_id("nav-new").click()
    alice.locator("#id_subject").fill("无法登录报表")
    offered = alice.locator(f'[data-testid="kb-suggestion"][data-article="{number}"]')
    expect(offered.get_by_test_id("kb-suggestion-open")).to_have_text("报表系统无法登录")

    # she reads it in place; "it did not help" leaves her request as she typed it
    offered.get_by_test_id("kb-suggestion-open").click()
    expect(offered.get_by_test_id("kb-suggestion-text")).to_contain_text("清除浏览器缓存")
    offered.get_by_test_id("kb-not-solved").click()
    expect(offered.get_by_test_id("kb-suggestion-text")).to_be_hidden()
    expect(alice.locator("#id_subject")).to_have_value("无法登录报表")

    # on second thought it did: no ticket, a deflection
    offered.get_by_test_id("kb-suggestion-open").click()
    offered.get_by_test_id("kb-solved").click()
    expect(alice.get_by_test_id("kb-solved-page")).to_be_visible()
    expect(alice.get_by_test_id("back-to-portal")).to_have_attribute("href", "/portal/")
    assert Ticket.objects.count() == tickets
    deflection = Deflection.objects.get()
    assert (deflection.article.number, deflection.user, deflection.subject) == (
        number,
        desk.alice,
        "无法登录报表",
    )

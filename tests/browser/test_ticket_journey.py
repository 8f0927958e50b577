"""The whole path of a request in a real browser, in Chinese: alice asks, bob answers, waits
on her, resolves; she confirms and rates. The SLA panel shows what the engine computes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from sladesk.desk.models import Ticket
from sladesk.engine.explain import explain_text
from sladesk.sla import clocks

pytestmark = pytest.mark.browser


def shown(moment: datetime, user) -> str:
    """An instant as the pages print it: minutes, in the viewer's time zone."""
    zone = ZoneInfo(user.time_zone or settings.TIME_ZONE)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def engine_dues(ticket: Ticket) -> dict[str, datetime | None]:
    """Each clock's due time as the engine computes it now from the ticket's history."""
    _config, _events, results = clocks.run(ticket, timezone.now())
    return {
        r.metric: None if r.due is None else datetime.fromtimestamp(r.due, UTC) for r in results
    }


def test_a_request_from_submission_to_rating_in_chinese(desk, log_in):
    alice = log_in("alice", locale="zh-CN")

    # alice submits a request with a screenshot; the labels are Chinese
    alice.get_by_test_id("nav-new").click()
    expect(alice.locator("html")).to_have_attribute("lang", "zh-hans")
    form = alice.get_by_test_id("new-ticket-form")
    form.get_by_label("服务", exact=True).select_option(label="报表系统")
    form.get_by_label("类别", exact=True).select_option(label="软件")
    form.get_by_label("影响范围").select_option(label="高")
    form.get_by_label("紧急程度").select_option(label="中")
    form.get_by_label("标题").fill("报表系统无法登录")
    form.get_by_label("描述").fill("财务部所有人都进不去，月底结账受影响")
    form.get_by_label("附件").set_input_files(
        files=[{"name": "error.png", "mimeType": "image/png", "buffer": b"\x89PNG fake"}]
    )
    form.get_by_role("button", name="提交请求").click()

    # the acknowledgement gives the number and the deadlines the engine computed
    expect(alice.get_by_role("heading", name="我们已收到您的请求")).to_be_visible()
    number = alice.get_by_test_id("received-number").inner_text()
    ticket = Ticket.objects.get(number=number)
    assert (ticket.priority, ticket.subject) == ("P2", "报表系统无法登录")
    due = engine_dues(ticket)
    stored = {c.metric: c.due for c in ticket.clocks.all()}
    assert stored == due and None not in due.values()
    for metric, label in [
        ("response", "我们将在此之前响应"),
        ("resolution", "我们力争在此之前解决"),
    ]:
        deadline = alice.get_by_test_id(f"deadline-{metric}")
        expect(deadline).to_contain_text(label)
        expect(deadline.locator("time")).to_have_text(shown(due[metric], desk.alice))

    # bob finds it in his queue and opens it: the response clock runs, due when the engine says
    bob = log_in("bob", locale="zh-CN")
    expect(bob.get_by_role("heading", name="工单队列")).to_be_visible()
    row = bob.locator(f'[data-testid="queue-row"][data-ticket="{number}"]')
    expect(row).to_contain_text("报表系统无法登录")
    row.get_by_role("link", name=number).click()
    expect(bob.get_by_test_id("ticket-number")).to_have_text(number)
    expect(bob.get_by_test_id("attachment")).to_have_text(re.compile(r"error\.png"))
    response = bob.get_by_test_id("sla-response")
    expect(response).to_contain_text("计时中")
    expect(response.locator("time")).to_have_text(shown(due["response"], desk.bob))
    expect(response.get_by_test_id("clock-response")).to_contain_text("后到期")

    # bob replies, then asks alice for the error time: the resolution clock pauses
    bob.get_by_test_id("form-reply").get_by_label("回复").fill("正在查看，请稍候")
    bob.get_by_role("button", name="发送回复").click()
    expect(bob.get_by_test_id("message")).to_have_text("回复已发送。")
    expect(bob.get_by_test_id("ticket-status")).to_have_text("处理中")
    expect(response.get_by_test_id("clock-response")).to_contain_text("已达成")

    bob.get_by_test_id("action-wait-requester").locator("summary").click()
    bob.get_by_label("需要请求人提供什么？").fill("请提供出错的时间")
    bob.get_by_role("button", name="提问并等待").click()
    expect(bob.get_by_test_id("ticket-status")).to_have_text("等待请求人")
    resolution = bob.get_by_test_id("sla-resolution")
    expect(resolution).to_have_attribute("data-band", "paused")
    expect(resolution.get_by_test_id("clock-resolution")).to_contain_text("已暂停")
    expect(resolution).to_contain_text("已暂停：恢复处理前没有截止时间")

    # alice answers: the ticket is back in progress and the resolution clock runs again
    alice.goto(f"/tickets/{number}/")
    expect(alice.get_by_test_id("ticket")).to_contain_text("请提供出错的时间")
    alice.get_by_test_id("form-reply").get_by_label("回复").fill("今天上午九点开始")
    alice.get_by_role("button", name="发送回复").click()
    expect(alice.get_by_test_id("ticket-status")).to_have_text("处理中")

    # bob resolves
    bob.reload()
    expect(bob.get_by_test_id("ticket")).to_contain_text("今天上午九点开始")
    expect(resolution.get_by_test_id("clock-resolution")).to_contain_text("后到期")
    bob.get_by_test_id("action-resolve").locator("summary").click()
    bob.get_by_test_id("form-resolve").get_by_label("解决").fill("重启了报表服务")
    bob.get_by_role("button", name="解决工单").click()
    expect(bob.get_by_test_id("ticket-status")).to_have_text("已解决")

    # alice confirms and rates 5 with a comment
    alice.reload()
    callout = alice.get_by_test_id("resolution-callout")
    expect(callout).to_contain_text("您的问题解决了吗？")
    expect(callout).to_contain_text("重启了报表服务")
    confirm = alice.get_by_test_id("form-confirm")
    confirm.get_by_label("5", exact=True).check()
    confirm.get_by_label("评价").fill("很快，谢谢")
    confirm.get_by_role("button", name="是的，已经解决").click()
    expect(alice.get_by_test_id("ticket-status")).to_have_text("已关闭")
    expect(alice.get_by_test_id("ticket")).to_contain_text("为服务评分 5/5")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 5, "很快，谢谢")

    # bob's page: both clocks met, and the panel's explanation is the engine's
    bob.reload()
    expect(bob.get_by_test_id("ticket-status")).to_have_text("已关闭")
    for metric in ("response", "resolution"):
        panel = bob.get_by_test_id(f"sla-{metric}")
        expect(panel).to_have_attribute("data-band", "met")
        expect(panel.get_by_test_id(f"clock-{metric}")).to_have_text("已达成")
    explain = bob.get_by_test_id("sla-explain")
    explain.locator("summary").click()
    expect(explain.locator("pre")).to_be_visible()
    shown_text = explain.locator("pre").text_content()
    # The engine's account at the instant the page read it (its first line; whole seconds,
    # as every time in the account is printed).
    read_at = re.match(rf"Ticket {number}, read at (.+)", shown_text).group(1)
    now = datetime.strptime(read_at, "%Y-%m-%d %H:%M:%S %z")
    config, events, results = clocks.run(ticket, now, explain=True)
    assert shown_text == explain_text(config, events, results, now.timestamp())
    assert shown_text.count("  met: stopped with") == 2  # response and resolution

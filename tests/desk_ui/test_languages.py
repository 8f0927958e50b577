"""Every page of the desk speaks Chinese to a Chinese browser and English to an English one."""

from __future__ import annotations

import json
import re

import pytest

from sladesk.desk import actions

from .conftest import client_for, open_ticket, page_of

PAGES = {
    # who, address, a phrase in Chinese, the same in English
    "portal": ("alice", "/portal/", "提交请求", "New request"),
    "new request": ("alice", "/portal/new/", "影响范围", "Impact"),
    "acknowledgement": (
        "alice",
        "/tickets/{number}/received/",
        "我们将在此之前响应",
        "We will respond by",
    ),
    "ticket, requester": ("alice", "/tickets/{number}/", "服务水平", "Service level"),
    "queue": (
        "bob",
        "/queue/",
        "SLA 截止时间最紧迫的排在最前",
        "the most urgent SLA deadline first",
    ),
    "ticket, agent": (
        "bob",
        "/tickets/{number}/",
        "这些数字是怎么算出来的",
        "How these numbers were computed",
    ),
    "profile": ("bob", "/profile/", "个人设置", "Your settings"),
    "password": ("bob", "/profile/password/", "修改密码", "Change password"),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_speaks_both_languages(desk, name):
    ticket = open_ticket(desk)
    actions.reply(ticket, actor=desk.bob, body="收到")
    who, address, chinese, english = PAGES[name]
    address = address.format(number=ticket.number)
    zh = page_of(client_for(getattr(desk, who), "zh-CN").get(address))
    en = page_of(client_for(getattr(desk, who), "en").get(address))
    assert '<html lang="zh-hans">' in zh and chinese in zh and english not in zh
    assert '<html lang="en">' in en and english in en and chinese not in en


def test_the_login_page_speaks_both_languages(client, db):
    assert "登录 sladesk" in page_of(client.get("/login/", headers={"accept-language": "zh-CN"}))
    assert "Log in to sladesk" in page_of(client.get("/login/", headers={"accept-language": "en"}))


def test_countdowns_and_states_are_translated(desk):
    ticket = open_ticket(desk, impact="high", urgency="high")  # P1: due within 15 minutes
    zh = page_of(client_for(desk.bob, "zh-CN").get("/queue/"))
    assert "分钟后到期" in zh and ">已分派</span>" in zh
    phrases = re.search(
        r'<script id="countdown-strings" type="application/json">(.*?)</script>', zh
    )
    assert json.loads(phrases.group(1))["left"] == "%(time)s后到期"  # for desk.js
    en = page_of(client_for(desk.bob, "en").get(f"/tickets/{ticket.number}/"))
    assert "due in 1" in en and "Assigned" in en


def test_service_names_follow_the_language(desk):
    desk.erp.name_en = "Reporting"
    desk.erp.save()
    ticket = open_ticket(desk)
    assert "Reporting" in page_of(client_for(desk.alice, "en").get(f"/tickets/{ticket.number}/"))
    zh = page_of(client_for(desk.alice, "zh-CN").get(f"/tickets/{ticket.number}/"))
    assert "报表系统" in zh and "Reporting" not in zh

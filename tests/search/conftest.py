"""A small knowledge base and ticket history in the search index, for hand-checked results.

Articles are A1…A10, tickets T1…T3; finance (organisation 1) and operations (2) are the
organisations that scoped articles name. `found()` answers with these labels.
"""

from __future__ import annotations

import pytest

from sladesk.search import index
from sladesk.search.query import Audience, search

FINANCE, OPERATIONS = 1, 2
AGENT = Audience(agent=True)
FINANCE_REQUESTER = Audience(agent=False, organisation_id=FINANCE)
OPERATIONS_REQUESTER = Audience(agent=False, organisation_id=OPERATIONS)

ARTICLES = {
    1: (
        "报表系统无法登录",
        "月底结账时报表系统提示密码错误，无法登录。请先重置域账号密码，再清除浏览器缓存。",
        {},
    ),
    2: ("ERP 报表导出为空", "在 ERP 中导出月度报表时文件为空：请检查报表权限和筛选条件。", {}),
    3: (
        "VPN 连接失败的处理",
        "VPN 客户端提示连接失败（错误 809）时，检查防火墙是否放行 UDP 500 和 4500 端口。",
        {},
    ),
    4: (
        "How to reset your password",
        "Open the self-service portal and choose Password reset. 密码重置后十五分钟内生效。",
        {},
    ),
    5: (
        "服务器维护手册",
        "报表服务器的数据库账号、VPN 网关配置和备份策略，仅供信息技术部使用。",
        {"public": False},
    ),
    6: ("报表系统新版本说明（草稿）", "新版报表系统支持移动端查看。", {"published": False}),
    7: (
        "财务部报表模板下载",
        "财务部专用的月度报表模板，含利润表和现金流量表。",
        {"organisations": [FINANCE]},
    ),
    8: (
        "运营部VPN账号申请",
        "运营部同事申请 VPN 账号请填写表单，审批后开通。",
        {"organisations": [OPERATIONS]},
    ),
    9: (
        "Outlook 无法同步邮件",
        "错误代码 0x80070005 表示没有权限访问数据文件：以管理员身份修复 Office。",
        {},
    ),
    10: (
        "月底结账指南",
        "结账前导出报表，核对报表数字\uff1b报表有误时联系财务。报表、报表、报表。",
        {},
    ),
}
TICKETS = {
    1: ("报表系统无法登录", "张三反馈报表系统登录失败。\n\n已重置密码，可以登录。", FINANCE, 7),
    2: ("VPN连接不上", "在家无法连接公司 VPN，提示连接失败。\n\n更新客户端后恢复。", OPERATIONS, 8),
    3: ("打印机卡纸", "三楼打印机卡纸。\n\n已取出纸张。", FINANCE, 9),
}


def put_article(number: int, title: str, body: str, **extra) -> None:
    fields = {"published": True, "public": True} | extra
    index.put(kind="article", object_id=number, title=title, body=body, **fields)


def put_ticket(number: int, title: str, body: str, organisation: int, service: int) -> None:
    index.put(
        kind="ticket",
        object_id=number,
        title=title,
        body=body,
        owner_organisation=organisation,
        service_id=service,
    )


def label(hit) -> str:
    return f"{'A' if hit.kind == 'article' else 'T'}{hit.object_id}"


def found(text: str, audience: Audience = AGENT, **kwargs) -> list[str]:
    return [label(hit) for hit in search(text, audience=audience, **kwargs)]


def titled(text: str, audience: Audience = AGENT, **kwargs) -> tuple[set[str], list[str]]:
    """The hits whose title holds every word (as a set: their order is the database's
    relevance), and the others after them, in order."""
    hits = search(text, audience=audience, **kwargs)
    firsts = [label(h) for h in hits if h.in_title]
    assert [h.in_title for h in hits] == sorted((h.in_title for h in hits), reverse=True)
    return set(firsts), [label(h) for h in hits if not h.in_title]


@pytest.fixture
def library(db) -> None:
    for number, (title, body, extra) in ARTICLES.items():
        put_article(number, title, body, **extra)
    for number, (title, body, organisation, service) in TICKETS.items():
        put_ticket(number, title, body, organisation, service)

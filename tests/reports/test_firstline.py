"""First-line figures from known tickets and knowledge use, counted by hand.

November 2026, the desk of tests/desk (first line 一线支持 with bob, second line 二线支持
with carol):

T1  resolved by bob, never escalated                       first contact (一线支持)
T2  resolved by bob, never escalated, solved with KB-1     first contact (一线支持)
T3  escalated by 一线支持, resolved by carol                 escalated (from 一线支持)
T4  resolved by bob on 1 Dec                               not in November
T5  open                                                   not resolved
So: 3 resolved, 2 first contact (66.7 %), 1 escalated (33.3 %).
Knowledge: alice (财务部) reads KB-1 twice on one day and once the next (2 views), says it
solved her request (1 deflection); olivia (运营部) reads it once; bob reads it once and
links T2; alice votes helpful, olivia not helpful.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.kb import actions as kb
from sladesk.reports import firstline
from sladesk.reports.scope import month, scope_of
from tests.desk.conftest import Desk

CN = ZoneInfo("Asia/Shanghai")
NOVEMBER = month(datetime(2026, 11, 1, tzinfo=CN).date())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


def new(desk: Desk, when: str, requester=None) -> Ticket:
    return actions.create_ticket(
        requester=requester or desk.alice,
        subject=f"报表 {when}",
        description="报表系统无法登录",
        service=desk.erp,
        impact="medium",
        urgency="medium",
        at=at(when),
    )


def resolved(desk: Desk, t: Ticket, when: str, who=None) -> Ticket:
    return actions.resolve(t, actor=who or desk.bob, resolution="重置了密码", at=at(when))


@pytest.fixture
def november(desk: Desk) -> dict[str, object]:
    t1 = resolved(desk, new(desk, "2026-11-02 09:00"), "2026-11-02 10:00")
    t2 = resolved(desk, new(desk, "2026-11-03 09:00"), "2026-11-03 10:00")
    t3 = new(desk, "2026-11-04 09:00", desk.olivia)
    t3 = actions.escalate(t3, actor=desk.bob, reason="数据库问题", at=at("2026-11-04 10:00"))
    t3 = resolved(desk, t3, "2026-11-05 10:00", desk.carol)
    resolved(desk, new(desk, "2026-11-30 09:00"), "2026-12-01 10:00")
    new(desk, "2026-11-06 09:00")
    article = kb.create_article(
        actor=desk.bob, title="报表系统无法登录", body="重置密码", visibility="public"
    )
    article = kb.publish(article, actor=desk.bob)
    kb.record_view(article, user=desk.alice, at=at("2026-11-10 09:00"))
    kb.record_view(article, user=desk.alice, at=at("2026-11-10 15:00"))
    kb.record_view(article, user=desk.alice, at=at("2026-11-11 09:00"))
    kb.record_view(article, user=desk.olivia, at=at("2026-11-11 09:00"))
    kb.record_view(article, user=desk.bob, at=at("2026-11-11 09:00"))
    kb.record_deflection(
        article=article, user=desk.alice, subject="报表打不开", at=at("2026-11-11 09:05")
    )
    kb.link_solved_with(t2, articles=[article], actor=desk.bob, at=at("2026-11-12 09:00"))
    kb.vote(article, user=desk.alice, helpful=True, at=at("2026-11-12 10:00"))
    kb.vote(article, user=desk.olivia, helpful=False, comment="没用", at=at("2026-11-12 11:00"))
    return {"t1": t1, "t2": t2, "t3": t3, "article": article}


def test_first_contact_and_escalation_for_all(desk: Desk, november) -> None:
    f = firstline.compute(scope_of("all"), NOVEMBER)
    assert (f.resolved, f.first_contact, f.escalated) == (3, 2, 1)
    assert f.first_contact_rate == pytest.approx(2 / 3)
    assert f.escalation_rate == pytest.approx(1 / 3)
    teams = {t.team: t for t in f.teams}
    assert (teams["一线支持"].first_contact, teams["一线支持"].escalated) == (2, 1)
    assert teams["一线支持"].first_contact_rate == pytest.approx(2 / 3)
    tickets = set(firstline.resolved_in(scope_of("all"), NOVEMBER, "first_contact"))
    assert tickets == {november["t1"], november["t2"]}
    assert list(firstline.resolved_in(scope_of("all"), NOVEMBER, "escalated")) == [november["t3"]]


def test_knowledge_use(desk: Desk, november) -> None:
    f = firstline.compute(scope_of("all"), NOVEMBER)
    assert (f.deflections, f.views, f.links, f.helpful, f.unhelpful) == (1, 4, 1, 1, 1)
    teams = {t.team: t for t in f.teams}
    # bob and lena are in 一线支持: bob read it once, linked T2, and owns the article.
    assert (teams["一线支持"].views, teams["一线支持"].links) == (1, 1)
    assert (teams["一线支持"].helpful, teams["一线支持"].unhelpful) == (1, 1)
    [use] = f.articles
    assert (use.number, use.views, use.links, use.deflections) == (
        november["article"].number,
        4,
        1,
        1,
    )


def test_an_organisation_sees_its_own_share(desk: Desk, november) -> None:
    f = firstline.compute(scope_of("organisation", "finance"), NOVEMBER)
    assert (f.resolved, f.first_contact, f.escalated) == (2, 2, 0)
    assert (f.deflections, f.views, f.helpful, f.unhelpful) == (1, 2, 1, 0)


def test_a_team_counts_what_it_escalated(desk: Desk, november) -> None:
    f = firstline.compute(scope_of("team", "l1"), NOVEMBER)
    assert (f.resolved, f.first_contact, f.escalated) == (3, 2, 1)
    assert list(firstline.resolved_in(scope_of("team", "l1"), NOVEMBER, "escalated")) == [
        november["t3"]
    ]
    second = firstline.compute(scope_of("team", "l2"), NOVEMBER)
    assert (second.first_contact, second.escalated) == (0, 0)


def test_the_page_links_each_rate_to_its_tickets(client, desk: Desk, november) -> None:
    client.force_login(desk.lena)
    page = client.get("/reports/knowledge/", {"month": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "66.7%" in html or "67%" in html
    drilled = client.get(
        "/reports/tickets/",
        {"scope": "all", "first": "2026-11-01", "last": "2026-11-30", "firstline": "escalated"},
    )
    assert november["t3"].number in drilled.content.decode()
    assert november["t1"].number not in drilled.content.decode()
    bad = client.get("/reports/tickets/", {"first": "2026-11-01", "firstline": "nonsense"})
    assert bad.status_code == 400


def test_requesters_cannot_read_it(client, desk: Desk) -> None:
    client.force_login(desk.alice)
    assert client.get("/reports/knowledge/").status_code == 403

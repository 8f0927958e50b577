"""The desk keeps the search index of tickets: a resolved ticket is found by agents'
searches, with its resolution; a reopened one is not, until it is resolved again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.search.query import Audience, search

from .conftest import Desk

AGENT = Audience(agent=True)


def hits(text: str) -> list[int]:
    return [h.object_id for h in search(text, audience=AGENT, kinds=("ticket",))]


def test_resolving_reopening_and_closing_keep_the_index(
    desk: Desk, django_capture_on_commit_callbacks
) -> None:
    def committed(action: Callable[..., Ticket], *args: Any, **kwargs: Any) -> Ticket:
        """The action, and what it leaves for after its commit (the index)."""
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    t = committed(
        actions.create_ticket,
        requester=desk.alice,
        subject="报表系统无法登录",
        description="月底结账前打不开",
        service=desk.erp,
        impact="medium",
        urgency="medium",
    )
    assert hits("报表") == []
    t = committed(actions.resolve, t, actor=desk.bob, resolution="清除了浏览器缓存")
    assert hits("报表") == [t.pk]
    assert hits("浏览器缓存") == [t.pk]  # the resolution is searched too
    t = committed(actions.reject, t, actor=desk.alice, reason="又打不开了")
    assert hits("报表") == []
    t = committed(actions.resolve, t, actor=desk.bob, resolution="重置了 ERP 密码")
    t = committed(actions.confirm, t, actor=desk.alice, rating=5)
    assert hits("erp 密码") == [t.pk]
    assert search("报表", audience=Audience(agent=False, organisation_id=desk.finance.pk)) == []

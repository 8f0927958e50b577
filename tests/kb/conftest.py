"""Knowledge articles on the small desk of tests/desk.

alice and amy request for finance, olivia for operations; bob (first line) and carol
(second line) are agents; max is the service manager. `write(desk, …)` is an article by
bob, `published(…)` one readers can find.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sladesk.desk import actions as desk_actions
from sladesk.desk.models import Ticket
from sladesk.kb import actions
from sladesk.kb.models import Article
from sladesk.people.models import ApiToken, User
from tests.desk import conftest as desk_conftest
from tests.desk.conftest import Desk

desk = desk_conftest.desk  # the service desk fixture, shared with tests/desk

REPORT_LOGIN = (
    "## 现象\n\n报表系统登录时提示“会话过期”。\n\n## 解决\n\n清除浏览器缓存后重新登录。\n"
)


def write(desk: Desk, **fields: Any) -> Article:
    fields.setdefault("title", "报表系统提示会话过期")
    fields.setdefault("body", REPORT_LOGIN)
    fields.setdefault("service", desk.erp)
    fields.setdefault("category", desk.software)
    return actions.create_article(actor=fields.pop("actor", desk.bob), **fields)


def published(desk: Desk, **fields: Any) -> Article:
    fields.setdefault("visibility", "public")
    return actions.publish(write(desk, **fields), actor=desk.bob)


def resolved_ticket(desk: Desk, **fields: Any) -> Ticket:
    """alice's ticket about the ERP, resolved by bob."""
    ticket = desk_actions.create_ticket(
        requester=fields.pop("requester", desk.alice),
        subject=fields.pop("subject", "报表系统无法登录"),
        description=fields.pop("description", "月结时提示“会话过期”，无法进入报表。"),
        service=desk.erp,
        category=desk.software,
    )
    return desk_actions.resolve(
        ticket, actor=desk.bob, resolution=fields.pop("resolution", "清除缓存后恢复。")
    )


def client_for(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def as_(desk: Desk):
    """as_("alice") is a test client logged in as alice, speaking English."""
    return lambda name, language="en": client_for(getattr(desk, name), language)


class Caller:
    """The API as one person, with their personal token."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        _token, secret = ApiToken.create(user=user, name="tests")
        self.headers = {"authorization": f"Bearer {secret}", "accept-language": "en"}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            path, body or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: dict):
        return self.client.patch(path, body, content_type="application/json", headers=self.headers)


@pytest.fixture
def api(desk: Desk):
    """api("bob").get("/api/kb/articles"): a request with bob's token."""
    callers: dict[str, Caller] = {}

    def as_user(name: str) -> Caller:
        if name not in callers:
            callers[name] = Caller(getattr(desk, name))
        return callers[name]

    return as_user

"""Calling the API as one of the desk's people, each with a personal token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from sladesk.people.models import ApiToken, User
from tests.desk import conftest as desk_conftest
from tests.desk.conftest import Desk

desk = desk_conftest.desk  # the service desk fixture, shared with tests/desk


class Caller:
    """The test client, sending one person's token with every request."""

    def __init__(self, client: Client, user: User) -> None:
        self.client = client
        self.user = user
        _token, secret = ApiToken.create(user=user, name="tests")
        self.headers = {"authorization": f"Bearer {secret}", "accept-language": "en"}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            path, body or {}, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(client):
    """`api(desk.bob).get("/api/tickets")`: a request with bob's token."""
    callers: dict[str, Caller] = {}

    def as_user(user: User) -> Caller:
        if user.username not in callers:
            callers[user.username] = Caller(client, user)
        return callers[user.username]

    return as_user


def open_ticket(desk: Desk, requester: User | None = None, **fields: Any) -> Ticket:
    """A P3 incident about the ERP (first line, assigned to bob), opened by alice."""
    fields.setdefault("subject", "报表系统无法登录")
    fields.setdefault("description", "影响月度结账")
    return actions.create_ticket(
        requester=requester or desk.alice, service=desk.erp, category=desk.software, **fields
    )


@pytest.fixture
def ticket(desk) -> Ticket:
    return open_ticket(desk)

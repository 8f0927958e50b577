"""The desk's pages through Django's test client, on the small desk of tests/desk.

Each person's client speaks English unless a test says otherwise, so assertions read
the English text; tests/desk_ui/test_languages.py checks the Chinese pages.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sladesk.desk import actions
from sladesk.desk.models import Ticket
from tests.desk.conftest import desk  # noqa: F401  (the fixture, for these tests too)


def client_for(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def as_(desk):  # noqa: F811
    """as_("alice") is a test client logged in as alice."""
    return lambda name, language="en": client_for(getattr(desk, name), language)


def open_ticket(desk, requester=None, **fields) -> Ticket:  # noqa: F811
    return actions.create_ticket(
        requester=requester or desk.alice,
        subject=fields.pop("subject", "报表系统无法登录"),
        description=fields.pop("description", "影响月度结账"),
        service=fields.pop("service", desk.erp),
        category=desk.software,
        **fields,
    )


def page_of(response) -> str:
    return response.content.decode()


def revision_in(html: str) -> int:
    """The revision the page was rendered with (every action form carries it)."""
    return int(re.search(r'name="revision" value="(\d+)"', html).group(1))


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags removed, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

"""The service desk of tests/desk, its people with e-mail addresses, and a support mailbox.

alice and amy request for finance, olivia for operations; bob works first line (which
takes the ERP service), carol second line, max is the service manager.
"""

from __future__ import annotations

import pytest

from sladesk.inbound.models import Mailbox
from tests.desk import conftest as desk_conftest
from tests.desk.conftest import Desk

desk = desk_conftest.desk  # the service desk fixture, shared with tests/desk


@pytest.fixture
def people(desk) -> Desk:
    """The desk, everyone with an address: alice@example.com, bob@example.com, …"""
    for user in (desk.alice, desk.amy, desk.olivia, desk.bob, desk.carol, desk.lena, desk.max):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return desk


@pytest.fixture
def mailbox(people) -> Mailbox:
    """support@desk.example: ERP incidents; strangers become requesters of finance."""
    return Mailbox.objects.create(
        name="support",
        address="support@desk.example",
        default_organisation=people.finance,
        service=people.erp,
    )

"""The desk of tests/desk, and an agreement between its IT department and finance."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sladesk.agreements import lifecycle
from sladesk.agreements.models import Agreement
from sladesk.people.models import Organisation
from sladesk.sla.versions import in_force
from tests.desk.conftest import Desk, desk  # noqa: F401 - a fixture, used by name

SIGNED = date(2025, 12, 20)


def draft(d: Desk, **options: Any) -> Agreement:
    """A one-year agreement for 2026 covering the ERP reports service, not yet signed."""
    fields = {
        "title": "财务部 IT 支持服务水平协议",
        "provider": Organisation.objects.get(code="it"),
        "customer": d.finance,
        "sla_version": in_force(),
        "effective_from": date(2026, 1, 1),
        "expires_on": date(2026, 12, 31),
        "services": [d.erp],
        "by": d.max,
    } | options
    return lifecycle.create(**fields)


def signed(d: Desk, **options: Any) -> Agreement:
    agreement = draft(d, **options)
    lifecycle.sign(agreement, signed_on=SIGNED, by=d.max, today=SIGNED)
    return agreement


@pytest.fixture
def agreement(desk: Desk) -> Agreement:  # noqa: F811 - the fixture above, by name
    return signed(desk)

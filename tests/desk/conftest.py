"""A small service desk to act on: one customer department, two teams, the default SLA.

alice and amy request for the finance department, olivia for operations; bob works first
line, carol second line, lena leads first line, max is the service manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sladesk.desk.models import Category, Service
from sladesk.people.models import Membership, Organisation, Role, Team, User
from sladesk.sla import versions

DEFAULT_SLA = Path(__file__).parents[2] / "sladesk" / "sla" / "default.yaml"


@dataclass
class Desk:
    finance: Organisation
    operations: Organisation
    alice: User
    amy: User
    olivia: User
    bob: User
    carol: User
    lena: User
    max: User
    first_line: Team
    second_line: Team
    erp: Service
    software: Category


def person(username: str, role: str, organisation: Organisation | None = None) -> User:
    return User.objects.create_user(
        username=username,
        password="pw",
        role=role,
        organisation=organisation,
        full_name=username.title(),
    )


@pytest.fixture
def desk(db) -> Desk:
    versions.apply(DEFAULT_SLA.read_text(encoding="utf-8"), file_name="default.yaml")
    it = Organisation.objects.create(name="信息技术部", code="it", kind="provider")
    finance = Organisation.objects.create(name="财务部", code="finance")
    operations = Organisation.objects.create(name="运营部", code="operations")
    bob, carol = person("bob", Role.AGENT, it), person("carol", Role.AGENT, it)
    lena = person("lena", Role.TEAM_LEAD, it)
    first = Team.objects.create(name="一线支持", code="l1", level=1, lead=lena)
    second = Team.objects.create(name="二线支持", code="l2", level=2)
    first.escalates_to = second
    first.save()
    for team, user in [(first, bob), (first, lena), (second, carol)]:
        Membership.objects.create(team=team, user=user)
    Membership.objects.filter(user=lena).update(on_duty=False)
    return Desk(
        finance=finance,
        operations=operations,
        alice=person("alice", Role.REQUESTER, finance),
        amy=person("amy", Role.REQUESTER, finance),
        olivia=person("olivia", Role.REQUESTER, operations),
        bob=bob,
        carol=carol,
        lena=lena,
        max=person("max", Role.SERVICE_MANAGER, it),
        first_line=first,
        second_line=second,
        erp=Service.objects.create(code="erp", name="报表系统", team=first),
        software=Category.objects.create(code="software", name="软件"),
    )

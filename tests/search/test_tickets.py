"""Resolved and closed tickets in the index (sladesk.search.tickets), and `sladesk search
reindex`, which rebuilds the index from the registered sources."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from sladesk.desk.models import Status, Ticket
from sladesk.people.models import Organisation, Role, User
from sladesk.search import index
from sladesk.search.index import Entry
from sladesk.search.models import Document
from sladesk.search.tickets import index_ticket

from .conftest import AGENT, FINANCE_REQUESTER, found

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 10, 12, 4, 0, tzinfo=UTC)


def ticket(number: int, subject: str, status: str, resolution: str = "") -> Ticket:
    finance, _ = Organisation.objects.get_or_create(name="财务部", code="finance")
    alice = User.objects.filter(username="alice").first() or User.objects.create_user(
        username="alice", role=Role.REQUESTER, organisation=finance
    )
    return Ticket.objects.create(
        number=f"INC-2026-{number:06d}",
        subject=subject,
        description="月底结账前报表打不开",
        resolution=resolution,
        requester=alice,
        organisation=finance,
        priority="P3",
        status=status,
        created_at=NOON,
        updated_at=NOON,
        resolved_at=NOON if status in (Status.RESOLVED, Status.CLOSED) else None,
    )


def test_a_resolved_ticket_is_found_by_its_subject_description_and_resolution():
    t = ticket(1, "报表系统无法登录", Status.RESOLVED, resolution="已清理浏览器缓存")
    index_ticket(t)
    for text in ("报表系统", "结账", "清理缓存"):
        assert found(text) == [f"T{t.pk}"], text
    document = Document.objects.get(kind="ticket", object_id=t.pk)
    assert document.owner_organisation == t.organisation_id
    assert found("报表系统", FINANCE_REQUESTER) == []  # never for requesters


def test_an_open_or_reopened_ticket_is_not_in_the_index():
    t = ticket(2, "VPN 连接不上", Status.CLOSED)
    index_ticket(t)
    assert found("vpn") == [f"T{t.pk}"]
    t.status = Status.IN_PROGRESS
    index_ticket(t)
    assert found("vpn") == []
    index_ticket(ticket(3, "打印机卡纸", Status.NEW))
    assert found("打印机") == []


def test_reindex_of_tickets_writes_the_resolved_and_closed_ones_again():
    resolved = ticket(4, "报表导出为空", Status.RESOLVED)
    closed = ticket(5, "邮箱容量已满", Status.CLOSED)
    ticket(6, "报表很慢", Status.IN_PROGRESS)
    index.put(kind="ticket", object_id=999, title="早已删除的工单", body="")
    call_command("search", "reindex", "--kind", "ticket", stdout=open_null())
    assert set(Document.objects.values_list("object_id", flat=True)) == {resolved.pk, closed.pk}


def test_reindex_without_a_kind_rebuilds_every_registered_source(monkeypatch):
    articles = [Entry(kind="article", object_id=1, title="VPN 使用指南", body="", public=True)]
    monkeypatch.setitem(index._sources, "article", lambda: iter(articles))
    t = ticket(7, "VPN 连接不上", Status.RESOLVED)
    call_command("search", "reindex", stdout=open_null())
    assert set(found("vpn", AGENT)) == {"A1", f"T{t.pk}"}


def test_a_source_must_yield_its_own_kind(monkeypatch):
    wrong = [Entry(kind="ticket", object_id=1, title="x", body="")]
    monkeypatch.setitem(index._sources, "article", lambda: iter(wrong))
    with pytest.raises(ValueError, match="article source yielded a ticket"):
        index.reindex("article")


def test_reindex_of_a_kind_no_app_registered_exits_with_status_2(monkeypatch):
    monkeypatch.delitem(index._sources, "article", raising=False)
    with pytest.raises(CommandError, match="no source of article documents") as error:
        call_command("search", "reindex", "--kind", "article")
    assert error.value.returncode == 2


def open_null():
    import io

    return io.StringIO()

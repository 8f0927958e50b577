"""Outages recorded for a service give its availability on its page and in the monthly
report; announcing planned maintenance tells its people and says when notice is short."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from sladesk.catalog import maintenance
from sladesk.catalog.models import Outage, OutageKind
from sladesk.notify.models import Channel, Notification
from sladesk.reports import figures
from sladesk.reports.scope import month, scope_of
from tests.desk.conftest import Desk

CN = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def erp(desk: Desk) -> Desk:
    desk.erp.calendar = "always"  # 24x7: October has 744 hours
    desk.erp.availability_goal = Decimal("0.999")
    desk.erp.max_outage = 4 * 60
    desk.erp.save()
    return desk


def down(desk: Desk, start: str, end: str, **kw: object) -> Outage:
    return Outage.objects.create(
        service=desk.erp,
        started_at=datetime.fromisoformat(start).replace(tzinfo=CN),
        ended_at=datetime.fromisoformat(end).replace(tzinfo=CN),
        **kw,
    )


def test_the_monthly_report_shows_the_services_availability(erp: Desk) -> None:
    # 5 h down on 24x7 in October: 1 - 5 / 744 = 99.328 %, under 99.9 %, and over 4 h.
    down(erp, "2026-10-12 10:00", "2026-10-12 15:00", cause="存储故障")
    now = datetime(2026, 11, 2, tzinfo=CN)
    report = figures.compute(scope_of("service", "erp"), month(date(2026, 10, 1)), now)
    [a] = report.availability
    assert a["availability"] == pytest.approx(1 - 5 / 744)
    assert a["unplanned_seconds"] == 5 * 3600 and a["service_seconds"] == 744 * 3600
    assert len(a["violations"]) == 2  # the availability goal and the longest outage


def test_the_availability_page_lists_months_and_outages(erp: Desk, client: Client) -> None:
    down(erp, "2026-10-31 22:00", "2026-11-01 02:00")  # 2 h in each month
    client.force_login(erp.max)
    page = client.get("/reports/availability/erp/?year=2026").content.decode()
    assert 'data-testid="year-total"' in page and 'data-testid="outages"' in page
    client.force_login(erp.alice)
    assert client.get("/reports/availability/erp/?year=2026").status_code == 403


def test_announcing_maintenance_tells_the_team_and_warns_of_short_notice(erp: Desk) -> None:
    Channel.objects.create(team=erp.first_line, kind="email", name="l1", address="l1@x.cn")
    soon = timezone.now() + timedelta(days=2)
    outage = Outage.objects.create(
        service=erp.erp,
        kind=OutageKind.PLANNED,
        started_at=soon,
        ended_at=soon + timedelta(hours=2),
        cause="数据库升级",
    )
    warning = maintenance.announce(outage)
    assert "7" in warning  # two days' notice where seven are required
    told = Notification.objects.get(kind="maintenance")
    assert told.channel.team == erp.first_line and "数据库升级" in told.text
    outage.refresh_from_db()
    assert outage.announced_at is not None


def test_an_agent_records_an_outage_from_the_incident(erp: Desk, client: Client) -> None:
    from sladesk.desk import actions

    ticket = actions.create_ticket(
        requester=erp.alice,
        subject="报表系统宕机",
        description="",
        service=erp.erp,
        impact="high",
        urgency="high",
    )
    client.force_login(erp.bob)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="submit-outage"' in page
    response = client.post(
        f"/tickets/{ticket.number}/outage/",
        {
            "revision": ticket.revision,
            "service": erp.erp.pk,
            "started_at": "2026-10-12T10:00",
            "ended_at": "2026-10-12T15:00",
            "major": "on",
            "cause": "存储故障",
        },
    )
    assert response.status_code == 303
    outage = Outage.objects.get()
    assert (outage.ticket, outage.source, outage.major) == (ticket, "incident", True)
    assert outage.ended_at - outage.started_at == timedelta(hours=5)
    assert ticket.events.filter(kind="note", public=False).exists()  # the history says so
    bad = client.post(
        f"/tickets/{ticket.number}/outage/",
        {
            "revision": ticket.revision + 1,
            "service": erp.erp.pk,
            "started_at": "2026-10-12T10:00",
            "ended_at": "2026-10-12T09:00",
            "cause": "x",
        },
    )
    assert bad.status_code == 400 and Outage.objects.count() == 1


def test_maintenance_is_announced_to_the_customers_of_agreements_covering_it(erp: Desk) -> None:
    from tests.agreements.conftest import signed

    agreement = signed(
        erp,
        effective_from=timezone.localdate() - timedelta(days=30),
        expires_on=timezone.localdate() + timedelta(days=300),
    )
    customer = Channel.objects.create(user=erp.amy, kind="email", name="a", address="a@x.cn")
    agreement.report_recipients.add(customer)
    start = timezone.now() + timedelta(days=10)
    outage = Outage.objects.create(
        service=erp.erp,
        kind=OutageKind.PLANNED,
        started_at=start,
        ended_at=start + timedelta(hours=1),
        cause="升级",
    )
    assert maintenance.announce(outage) == ""  # ten days' notice: in time
    assert Notification.objects.filter(kind="maintenance", channel=customer).exists()


def test_the_pdf_report_shows_the_availability(erp: Desk) -> None:
    from sladesk.reports import pdf

    down(erp, "2026-10-12 10:00", "2026-10-12 15:00", cause="存储故障")
    now = datetime(2026, 11, 2, tzinfo=CN)
    report = figures.compute(scope_of("service", "erp"), month(date(2026, 10, 1)), now)
    context = pdf.context(report)
    [row] = context["availability"]
    assert row["service"] == "报表系统" and row["down"] in ("5 h", "5 小时")
    assert pdf.render(report).startswith(b"%PDF")

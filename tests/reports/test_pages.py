"""Report pages: the dashboard and its links to the tickets behind each number, a kept
report with its notes, the yearly KPI; only team leads and managers see them."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.test import Client

from sladesk.reports.models import ServiceReport
from tests.desk.conftest import Desk
from tests.reports.test_figures import october

__all__ = ["october"]

OCTOBER = "/reports/?scope=all&month=2026-10"


@pytest.fixture
def lead(october: Desk, client: Client) -> Client:
    client.force_login(october.lena)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_only_team_leads_and_managers_see_reports(october: Desk, client: Client) -> None:
    client.force_login(october.bob)
    assert client.get(OCTOBER).status_code == 403
    client.force_login(october.alice)
    assert client.get("/reports/kpi/").status_code == 403
    client.force_login(october.max)
    assert client.get(OCTOBER).status_code == 200


def test_the_dashboard_shows_the_month_and_every_number_links_to_its_tickets(
    lead: Client,
) -> None:
    html = page(lead.get(OCTOBER))
    assert 'data-testid="total">5<' in html
    links = {unquote(h) for h in re.findall(r'href="(/reports/tickets/\?[^"]+)"', html)}
    assert links, "numbers link to their tickets"
    breached = next(
        h
        for h in links
        if "metric=response" in h and "priority=P1" in h and "outcome=breached" in h
    )
    listed = page(lead.get(breached.replace("&amp;", "&")))
    assert 'data-testid="drill-count">1 ' in listed
    assert "INC-2026-000003" in listed  # T2, answered after 20 minutes


def test_drilling_down_counts_what_the_report_counts(lead: Client) -> None:
    base = "/reports/tickets/?scope=all&first=2026-10-01&last=2026-10-31"

    def count(extra: str) -> int:
        html = page(lead.get(base + extra))
        return int(re.search(r'data-testid="drill-count">(\d+)', html).group(1))

    assert count("") == 5
    assert count("&priority=P1") == 2
    assert count("&metric=resolution&outcome=excluded") == 1
    assert count("&rating=5") == 2
    assert count("&state=open") == 1
    assert lead.get(base + "&outcome=lost").status_code == 400
    assert lead.get("/reports/tickets/?scope=team&code=nope&first=2026-10-01").status_code == 400


def test_bad_scopes_and_periods_are_form_errors(lead: Client) -> None:
    assert lead.get("/reports/?scope=organisation&code=nope").status_code == 400
    assert lead.get("/reports/?month=2026-13").status_code == 400
    assert lead.get("/reports/?first=2026-10-31&last=2026-10-01").status_code == 400


def test_a_kept_report_keeps_its_figures_and_its_notes(october: Desk, lead: Client) -> None:
    response = lead.post(
        "/reports/keep/", {"scope": "all", "first": "2026-10-01", "last": "2026-10-31"}
    )
    report = ServiceReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/kept/{report.pk}/"
    assert report.figures["tickets"] == 5
    notes = "P1级工单中2次因备件延迟，已增设备件库存"
    assert lead.post(f"/reports/kept/{report.pk}/", {"notes": notes}).status_code == 302
    html = page(lead.get(f"/reports/kept/{report.pk}/"))
    assert notes in html and 'data-testid="total">5<' in html
    # Keeping again refreshes the figures and leaves the notes alone.
    lead.post("/reports/keep/", {"scope": "all", "first": "2026-10-01", "last": "2026-10-31"})
    report.refresh_from_db()
    assert report.notes == notes and ServiceReport.objects.count() == 1
    assert "2026-10" in page(lead.get("/reports/kept/"))


def test_the_kpi_page_shows_the_attainment_and_the_months(lead: Client) -> None:
    html = page(lead.get("/reports/kpi/?scope=all&year=2026"))
    assert 'data-testid="attainment"' in html
    assert 'data-testid="month-2026-10"' in html


def test_downloads_of_the_dashboard_and_of_a_kept_report(lead: Client) -> None:
    html = page(lead.get(OCTOBER))
    assert html.count("<svg") >= 4  # the charts
    q = "scope=all&first=2026-10-01&last=2026-10-31"
    pdf = lead.get(f"/reports/export/pdf/?{q}")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert 'filename="sladesk-all-2026-10.pdf"' in pdf["Content-Disposition"]
    xlsx = lead.get(f"/reports/export/xlsx/?{q}")
    assert xlsx.content[:2] == b"PK"  # a zip, as XLSX files are
    csv = lead.get(f"/reports/export/csv/?{q}")
    assert csv.content.startswith("\ufeff".encode())
    assert lead.get(f"/reports/export/doc/?{q}").status_code == 404
    lead.post("/reports/keep/", {"scope": "all", "first": "2026-10-01", "last": "2026-10-31"})
    report = ServiceReport.objects.get()
    report.notes = "已增设备件库存"
    report.save()
    kept = lead.get(f"/reports/kept/{report.pk}/pdf/")
    assert kept.content.startswith(b"%PDF")

"""The agreement pages: service managers read and change every agreement, team leads read
them, requesters read their own organisation's signed agreements, agents see none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sladesk.agreements import lifecycle
from sladesk.agreements.models import Agreement
from tests.agreements.conftest import draft
from tests.desk.conftest import Desk


@pytest.fixture
def current(desk: Desk) -> Agreement:
    """An agreement in force today, whatever day the tests run."""
    today = timezone.localdate()
    agreement = draft(
        desk,
        effective_from=today - timedelta(days=200),
        expires_on=today + timedelta(days=200),
    )
    lifecycle.sign(agreement, signed_on=today - timedelta(days=210), by=desk.max, today=today)
    return agreement


def url(agreement: Agreement, action: str = "") -> str:
    return f"/agreements/{agreement.number}/{action + '/' if action else ''}"


def page(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_managers_and_team_leads_list_every_agreement(
    current: Agreement, desk: Desk, client: Client
) -> None:
    for who in (desk.max, desk.lena):
        client.force_login(who)
        assert current.number in page(client.get("/agreements/"))
        assert "status-active" in page(client.get(url(current)))


def test_requesters_read_their_organisations_agreements_only(
    current: Agreement, desk: Desk, client: Client
) -> None:
    client.force_login(desk.alice)  # finance, the customer
    assert current.number in page(client.get("/agreements/"))
    assert "v1" in page(client.get(url(current)))
    client.force_login(desk.olivia)  # operations
    assert current.number not in page(client.get("/agreements/"))
    assert client.get(url(current)).status_code == 404


def test_requesters_do_not_see_drafts(desk: Desk, client: Client) -> None:
    unsigned = draft(desk)
    client.force_login(desk.alice)
    assert client.get(url(unsigned)).status_code == 404
    client.force_login(desk.max)
    assert "status-draft" in page(client.get(url(unsigned)))


def test_agents_see_no_agreements(current: Agreement, desk: Desk, client: Client) -> None:
    client.force_login(desk.bob)
    assert client.get("/agreements/").status_code == 403
    assert client.get(url(current)).status_code == 403


def test_only_managers_change_agreements(current: Agreement, desk: Desk, client: Client) -> None:
    for who in (desk.lena, desk.alice):
        client.force_login(who)
        for action in ("amend", "objection", "review"):
            assert client.get(url(current, action)).status_code == 403
    client.force_login(desk.lena)
    assert 'data-testid="amend"' not in page(client.get(url(current)))


def test_the_amend_form_shows_and_enforces_the_earliest_date(
    current: Agreement, desk: Desk, client: Client
) -> None:
    today = timezone.localdate()
    earliest = lifecycle.earliest_effective(current, today)
    client.force_login(desk.max)
    assert earliest.isoformat() in page(client.get(url(current, "amend")))
    form = {
        "reason": "新增服务",
        "notice_given_on": today.isoformat(),
        "effective_on": (earliest - timedelta(days=1)).isoformat(),
        "title": "新标题",
        "services": ["erp"],
        "sla_version": "1",
        "calendar": "cn-5x8",
        "expires_on": current.expires_on.isoformat(),
        "auto_renew": "on",
        "renewal_months": "12",
        "objection_days": "30",
        "reminder_days": "60",
        "notice_working_days": "15",
        "review_every_months": "3",
        "penalty_terms": "",
        "terms": "",
    }
    refused = client.post(url(current, "amend"), form)
    assert refused.status_code == 400
    assert 'data-testid="error-effective_on"' in refused.content.decode()
    form["effective_on"] = earliest.isoformat()
    assert client.post(url(current, "amend"), form).status_code == 302
    v2 = current.versions.get(number=2)
    assert (v2.effective_on, v2.changes) == (earliest, {"title": "新标题"})
    assert "新标题" in page(client.get(url(current, "v2")))


def test_the_earliest_date_answers_as_the_notice_day_changes(
    current: Agreement, desk: Desk, client: Client
) -> None:
    client.force_login(desk.max)
    response = client.get(url(current, "earliest"), {"notice_given_on": "2026-09-25"})
    assert page(response) == "2026-10-23"


def test_an_objection_and_a_review_are_recorded_from_the_page(
    current: Agreement, desk: Desk, client: Client
) -> None:
    today = timezone.localdate().isoformat()
    client.force_login(desk.max)
    assert 'data-testid="deadline"' in page(client.get(url(current, "objection")))
    assert 'name="held_on"' in page(client.get(url(current, "review")))
    objection = {"party": "customer", "recorded_on": today, "note": "不再续签"}
    assert client.post(url(current, "objection"), objection).status_code == 302
    assert current.objections.get().note == "不再续签"
    review = {"held_on": today, "notes": "季度评审", "actions": "增设备件库存"}
    assert client.post(url(current, "review"), review).status_code == 302
    assert "增设备件库存" in page(client.get(url(current)))


def test_an_objection_after_the_deadline_is_refused_on_the_page(desk: Desk, client: Client) -> None:
    today = timezone.localdate()
    late = draft(desk, effective_from=today - timedelta(days=300), expires_on=today + timedelta(10))
    lifecycle.sign(late, signed_on=today - timedelta(days=300), today=today)
    client.force_login(desk.max)
    form = {"party": "customer", "recorded_on": today.isoformat()}
    response = client.post(url(late, "objection"), form)
    assert response.status_code == 400
    assert 'data-testid="error-recorded_on"' in response.content.decode()


def test_a_draft_is_signed_from_its_page(desk: Desk, client: Client) -> None:
    unsigned = draft(desk)
    client.force_login(desk.max)
    form = {"signed_on": timezone.localdate().isoformat()}
    assert client.post(url(unsigned, "sign"), form).status_code == 302
    unsigned.refresh_from_db()
    assert unsigned.status == "active"
    assert unsigned.versions.get().number == 1


def test_the_admin_numbers_new_agreements_and_shows_a_versions_diff(
    current: Agreement, desk: Desk, client: Client
) -> None:
    admin = desk.max
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert current.number in page(client.get("/admin/agreements/agreement/"))
    assert "readonly" in page(client.get(f"/admin/agreements/agreement/{current.pk}/change/"))
    v1 = current.versions.get()
    assert current.title in page(client.get(f"/admin/agreements/agreementversion/{v1.pk}/change/"))
    page(client.get("/admin/agreements/agreement/add/"))
    for model in ("agreementreview", "objection", "agreementevent"):
        page(client.get(f"/admin/agreements/{model}/"))

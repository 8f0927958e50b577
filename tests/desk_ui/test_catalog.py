"""The service catalog: requesters see what each service offers and its targets, and ask for
it from there; the admin edits the catalog entry."""

from __future__ import annotations

from django.test import Client

from sladesk.desk.models import Service
from sladesk.people.models import User
from tests.desk.conftest import Desk


def catalogued(desk: Desk) -> Service:
    erp = desk.erp
    erp.description = "财务报表与结账系统"
    erp.description_en = "Finance reporting and closing"
    erp.calendar = "cn-5x8"
    erp.modes = ["phone", "remote"]
    erp.channels = ["portal", "email"]
    erp.included = "账号、权限、报表问题"
    erp.excluded = "定制开发"
    erp.save()
    Service.objects.create(code="draft", name="未发布的服务", published=False)
    return erp


def test_requesters_see_the_published_services_and_their_targets(
    desk: Desk, client: Client
) -> None:
    catalogued(desk)
    client.force_login(desk.alice)
    listing = client.get("/portal/catalog/").content.decode()
    assert 'data-testid="service-erp"' in listing and "未发布的服务" not in listing
    page = client.get("/portal/catalog/erp/").content.decode()
    assert "财务报表与结账系统" in page and "定制开发" in page
    assert "09:00–12:00, 13:00–18:00" in page  # the cn-5x8 calendar's hours
    # the default SLA's targets: P1 15 min / 4 h ... P4 4 h / 72 h
    targets = page[page.index('data-testid="targets"') :]
    for text in ("P1", "15", "P4", "72"):
        assert text in targets
    assert client.get("/portal/catalog/draft/").status_code == 404


def test_asking_for_a_service_preselects_it(desk: Desk, client: Client) -> None:
    catalogued(desk)
    client.force_login(desk.alice)
    form = client.get("/portal/new/?service=erp").content.decode()
    assert f'<option value="{desk.erp.pk}" selected>' in form


def test_english_readers_get_the_english_description(desk: Desk, client: Client) -> None:
    catalogued(desk)
    desk.alice.language = "en"
    desk.alice.save()
    client.force_login(desk.alice)
    page = client.get("/portal/catalog/erp/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Finance reporting and closing" in page


def test_the_admin_edits_a_catalog_entry(desk: Desk, client: Client) -> None:
    client.force_login(User.objects.create_superuser("root", "r@x.cn", "pw"))
    page = client.get(f"/admin/desk/service/{desk.erp.pk}/change/")
    assert page.status_code == 200 and "maintenance_notice_days" in page.content.decode()

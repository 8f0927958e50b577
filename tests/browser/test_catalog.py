"""In a real browser: a requester browses the service catalog, reads what a service
includes and the targets it is held to, and asks for it with the service preselected."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sladesk.desk.models import Ticket

pytestmark = pytest.mark.browser


def test_a_requester_asks_for_a_service_from_the_catalog(desk, log_in):
    erp = desk.erp
    erp.description = "财务报表与月末结账系统"
    erp.calendar = "cn-5x8"
    erp.modes = ["phone", "remote"]
    erp.excluded = "定制开发"
    erp.save()
    alice = log_in("alice", locale="zh-CN")

    alice.get_by_test_id("nav-catalog").click()
    expect(alice.get_by_test_id("catalog")).to_contain_text("报表系统")
    alice.get_by_test_id("service-erp").get_by_role("link", name="报表系统").click()
    expect(alice.get_by_test_id("service-name")).to_have_text("报表系统")
    expect(alice.get_by_test_id("hours")).to_contain_text("09:00–12:00, 13:00–18:00")
    expect(alice.get_by_test_id("targets")).to_contain_text("P1")
    expect(alice.get_by_test_id("excluded")).to_contain_text("定制开发")

    alice.get_by_test_id("request-service").click()
    form = alice.get_by_test_id("new-ticket-form")
    expect(form.get_by_label("服务", exact=True)).to_have_value(str(erp.pk))
    form.get_by_label("标题").fill("月结报表打不开")
    form.get_by_label("描述").fill("点击月结报表后一直转圈")
    form.get_by_role("button", name="提交请求").click()

    expect(alice.get_by_role("heading", name="我们已收到您的请求")).to_be_visible()
    number = alice.get_by_test_id("received-number").inner_text()
    assert Ticket.objects.get(number=number).service == erp

"""The notifications page: people add channels for themselves and the teams they lead,
test them with a button, and turn them off; bad input is a form error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sladesk.notify.models import Channel
from tests.desk.conftest import Desk
from tests.notify.receivers import Receiver


@pytest.fixture
def lena(desk: Desk, client: Client) -> Client:
    client.force_login(desk.lena)  # leads first line
    return client


def test_a_team_lead_adds_a_robot_for_the_team_and_tests_it(
    desk: Desk, lena: Client, receiver: Receiver, settings: Any
) -> None:
    settings.SLADESK_ALLOW_PRIVATE_URLS = True
    form = {
        "owner": str(desk.first_line.pk),
        "kind": "dingtalk",
        "name": "一线群",
        "url": receiver.url + "/robot/send?access_token=t",
        "secret": "SECabc",
        "markup": "markdown",
        "language": "",
    }
    response = lena.post("/notifications/", form)
    assert response.status_code == 302
    channel = Channel.objects.get(name="一线群")
    assert channel.team == desk.first_line and channel.user is None
    page = lena.get("/notifications/").content.decode()
    assert "一线群" in page
    lena.post(f"/notifications/channels/{channel.pk}/test/")
    [request] = receiver.requests
    assert request.json["msgtype"] == "markdown"
    assert "sign" in request.query  # signed with the channel's secret
    page = lena.get("/notifications/").content.decode()
    assert "已通过“一线群”发送测试消息" in page  # the site speaks zh-Hans by default


def test_a_failing_test_message_says_why(desk: Desk, lena: Client) -> None:
    channel = Channel.objects.create(
        user=desk.lena,
        kind="webhook",
        name="hook",
        url="http://127.0.0.1:9/x",
        secret="whsec_" + "A" * 32,
    )
    response = lena.post(f"/notifications/channels/{channel.pk}/test/", follow=True)
    assert "127.0.0.1" in response.content.decode()  # a private address is refused


def test_bad_channels_are_form_errors_and_nothing_is_saved(desk: Desk, lena: Client) -> None:
    response = lena.post("/notifications/", {"owner": "me", "kind": "email", "name": "x"})
    assert response.status_code == 400
    response = lena.post(
        "/notifications/",
        {
            "owner": "me",
            "kind": "webhook",
            "name": "h",
            "url": "https://h.example/x",
            "secret": "not-a-secret",
        },
    )
    assert response.status_code == 400
    assert "whsec_" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_webhook_without_a_secret_gets_one(desk: Desk, lena: Client) -> None:
    lena.post(
        "/notifications/",
        {
            "owner": "me",
            "kind": "webhook",
            "name": "h",
            "url": "https://h.example/x",
            "markup": "markdown",
        },
    )
    assert Channel.objects.get().secret.startswith("whsec_")


def test_people_cannot_touch_channels_that_are_not_theirs(desk: Desk, client: Client) -> None:
    theirs = Channel.objects.create(team=desk.first_line, kind="email", name="t", address="t@x.cn")
    client.force_login(desk.bob)  # a member, not the lead
    assert client.post(f"/notifications/channels/{theirs.pk}/delete/").status_code == 404
    assert (
        client.post(
            "/notifications/",
            {"owner": str(desk.first_line.pk), "kind": "email", "name": "x", "address": "a@b.cn"},
        ).status_code
        == 400
    )
    assert Channel.objects.count() == 1


def test_turning_a_channel_off_and_removing_it(desk: Desk, lena: Client) -> None:
    channel = Channel.objects.create(user=desk.lena, kind="email", name="e", address="l@x.cn")
    lena.post(f"/notifications/channels/{channel.pk}/toggle/")
    channel.refresh_from_db()
    assert not channel.enabled
    lena.post(f"/notifications/channels/{channel.pk}/delete/")
    assert not Channel.objects.exists()


def test_the_same_address_twice_is_a_form_error(desk: Desk, lena: Client) -> None:
    form = {"owner": "me", "kind": "email", "name": "e", "address": "l@x.cn"}
    assert lena.post("/notifications/", form).status_code == 302
    assert lena.post("/notifications/", form | {"name": "again"}).status_code == 400
    assert Channel.objects.count() == 1

"""The outbox in the admin: attempts visible, dead letters sent again by a person."""

from __future__ import annotations

from django.test import Client

from sladesk.notify.models import Attempt, Channel, Notification, NotificationState
from sladesk.people.models import User
from tests.desk.conftest import Desk


def test_a_dead_letter_shows_its_attempts_and_can_be_sent_again(desk: Desk, client: Client) -> None:
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    channel = Channel.objects.create(user=desk.bob, kind="email", name="e", address="b@x.cn")
    dead = Notification.objects.create(
        key="k1",
        channel=channel,
        kind="breach",
        title="INC-1 breached",
        text="…",
        state=NotificationState.DEAD,
        attempts=10,
        last_error="SMTP: refused",
    )
    Attempt.objects.create(notification=dead, outcome="failed", reason="SMTP: refused")
    page = client.get(f"/admin/notify/notification/{dead.pk}/change/").content.decode()
    assert "SMTP: refused" in page
    listing = client.get("/admin/notify/notification/?state__exact=dead").content.decode()
    assert "INC-1 breached" in listing
    client.post(
        "/admin/notify/notification/",
        {"action": "send_again", "_selected_action": [dead.pk]},
    )
    dead.refresh_from_db()
    assert dead.state == NotificationState.PENDING


def test_every_notify_and_worker_admin_page_opens(desk: Desk, client: Client) -> None:
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    for page in ("notify/channel", "notify/notification", "notify/timer", "worker/periodicjob"):
        assert client.get(f"/admin/{page}/").status_code == 200

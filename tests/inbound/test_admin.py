"""The admin pages where mailboxes and alert sources are set up."""

import pytest

from sladesk.inbound.models import AlertSource, Mailbox
from sladesk.people.models import User


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize(
    "page",
    [
        "/admin/inbound/mailbox/",
        "/admin/inbound/mailbox/add/",
        "/admin/inbound/inboundmessage/",
        "/admin/inbound/alertsource/",
        "/admin/inbound/alertsource/add/",
        "/admin/inbound/alertgroup/",
    ],
)
def test_the_admin_pages_open(admin_client, page):
    assert admin_client.get(page).status_code == 200


def test_the_imap_password_is_never_shown_and_kept_when_left_empty(admin_client):
    box = Mailbox.objects.create(
        name="support", imap_host="imap.example.com", imap_user="desk", imap_password="s3cret"
    )
    page = admin_client.get(f"/admin/inbound/mailbox/{box.pk}/change/")
    assert "s3cret" not in page.content.decode()
    form = {
        "name": "support",
        "address": "",
        "enabled": "on",
        "imap_host": "imap.example.com",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "desk",
        "imap_password": "",
        "imap_folder": "INBOX",
        "after_processing": "seen",
        "processed_folder": "",
        "kind": "incident",
    }
    response = admin_client.post(f"/admin/inbound/mailbox/{box.pk}/change/", form)
    assert response.status_code == 302
    assert Mailbox.objects.get().imap_password == "s3cret"


def test_an_alert_source_needs_an_agent_as_its_account(db):
    from django.core.exceptions import ValidationError

    requester = User.objects.create_user("someone", role="requester")
    with pytest.raises(ValidationError) as caught:
        AlertSource(name="p", slug="p", account=requester).full_clean()
    assert "account" in caught.value.message_dict

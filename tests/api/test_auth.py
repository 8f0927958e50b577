"""Who may call the API: personal tokens (only their hash is stored), or the session."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sladesk.people.models import ApiToken, token_digest

TOKEN = re.compile(r"sld_[\w-]{40}")


def bearer(secret: str) -> dict:
    return {"authorization": f"Bearer {secret}"}


def test_a_token_authenticates_its_owner_and_only_its_hash_is_stored(client, desk):
    token, secret = ApiToken.create(user=desk.bob, name="monitoring")
    assert TOKEN.fullmatch(secret)
    assert token.digest == token_digest(secret) and secret not in (token.digest, token.prefix)
    assert secret.startswith(token.prefix)
    response = client.get("/api/tickets", headers=bearer(secret))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer"},
        {"authorization": "Bearer sld_not-a-token"},
        {"authorization": "Token sld_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
        {"authorization": "Basic Ym9iOnB3"},
    ],
    ids=["none", "empty", "unknown", "other-scheme", "basic"],
)
def test_no_or_a_wrong_token_is_401(client, desk, headers):
    response = client.get("/api/tickets", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_revoked_token_is_401(client, desk):
    token, secret = ApiToken.create(user=desk.bob)
    token.revoke()
    assert client.get("/api/tickets", headers=bearer(secret)).status_code == 401


def test_the_token_of_a_deactivated_person_is_401(client, desk):
    _token, secret = ApiToken.create(user=desk.bob)
    desk.bob.is_active = False
    desk.bob.save()
    assert client.get("/api/tickets", headers=bearer(secret)).status_code == 401


def test_a_wrong_token_is_refused_even_with_a_session(client, desk):
    client.force_login(desk.alice)
    response = client.get("/api/tickets", headers=bearer("sld_stolen-or-old"))
    assert response.status_code == 401


def test_use_is_recorded_in_last_used_at(client, desk):
    token, secret = ApiToken.create(user=desk.bob)
    assert token.last_used_at is None
    client.get("/api/services", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_browser_session_works_and_its_writes_need_the_csrf_token(desk, ticket):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.alice)
    assert browser.get(f"/api/tickets/{ticket.number}").status_code == 200
    path, body = f"/api/tickets/{ticket.number}/replies", {"body": "截图在附件"}
    refused = browser.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert ticket.events.filter(kind="reply").count() == 0
    browser.cookies["csrftoken"] = csrf = "a" * 32
    accepted = browser.post(
        path, body, content_type="application/json", headers={"x-csrftoken": csrf}
    )
    assert accepted.status_code == 200


def test_the_command_prints_a_new_token_once_lists_and_revokes_it(client, desk):
    out, err = StringIO(), StringIO()
    call_command("token", "create", "bob", "--name", "nagios", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert TOKEN.fullmatch(secret)
    assert "not shown again" in err.getvalue()
    assert client.get("/api/tickets", headers=bearer(secret)).status_code == 200

    listing = StringIO()
    call_command("token", "list", "bob", stdout=listing)
    assert secret[:12] in listing.getvalue() and secret not in listing.getvalue()
    assert "nagios" in listing.getvalue()

    call_command("token", "revoke", secret[:12], stdout=StringIO())
    assert client.get("/api/tickets", headers=bearer(secret)).status_code == 401


def test_the_command_refuses_an_unknown_person(desk):
    with pytest.raises(CommandError, match="no active person 'nobody'"):
        call_command("token", "create", "nobody", stdout=StringIO())


def test_the_admin_issues_a_token_and_shows_it_once(admin_client, desk):
    response = admin_client.post(
        "/admin/people/apitoken/add/",
        {"user": desk.bob.pk, "name": "报表导出"},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    (secret,) = TOKEN.findall(response.content.decode())
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.digest) == (desk.bob, "报表导出", token_digest(secret))
    change_page = admin_client.get(f"/admin/people/apitoken/{token.pk}/change/")
    assert secret not in change_page.content.decode()


def test_the_admin_revokes_tokens(admin_client, desk, client):
    token, secret = ApiToken.create(user=desk.bob)
    admin_client.post(
        "/admin/people/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked
    assert client.get("/api/tickets", headers=bearer(secret)).status_code == 401

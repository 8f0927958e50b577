"""Logging in and out, and each person's language and time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.test import Client

from sladesk.desk import actions

from .conftest import client_for, open_ticket, page_of


def test_the_login_page_logs_agents_into_the_queue_and_requesters_into_the_portal(desk):
    client = Client(headers={"accept-language": "en"})
    page = page_of(client.get("/login/"))
    assert 'id="id_username"' in page and 'id="id_password"' in page
    bad = client.post("/login/", {"username": "bob", "password": "wrong"})
    assert bad.status_code == 200 and 'data-testid="error"' in page_of(bad)
    response = client.post("/login/", {"username": "bob", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/queue/"
    client.post("/logout/")
    response = client.post("/login/", {"username": "alice", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"


def test_login_returns_to_the_page_asked_for(desk):
    ticket = open_ticket(desk)
    client = Client()
    asked = client.get(f"/tickets/{ticket.number}/")["location"]
    assert asked == f"/login/?next=/tickets/{ticket.number}/"
    response = client.post(asked, {"username": "alice", "password": "pw"})
    assert response["location"] == f"/tickets/{ticket.number}/"


def test_logging_out_is_a_post_and_goes_home(desk):
    client = client_for(desk.alice)
    assert 'data-testid="logout"' in page_of(client.get("/portal/"))
    response = client.post("/logout/")
    assert response["location"] == "/"
    assert client.get("/portal/").status_code == 302


def test_the_navigation_shows_the_portal_to_requesters_and_the_queue_to_agents(desk):
    requester = page_of(client_for(desk.alice).get("/"))
    assert 'data-testid="nav-portal"' in requester and 'data-testid="nav-queue"' not in requester
    assert 'data-testid="home-new"' in requester and 'href="/admin/"' in requester
    agent = page_of(client_for(desk.bob).get("/"))
    assert 'data-testid="nav-queue"' in agent and 'data-testid="home-queue"' in agent
    anonymous = page_of(Client().get("/"))
    assert 'data-testid="nav-login"' in anonymous and 'data-testid="home-login"' in anonymous


def test_a_person_sets_language_and_time_zone_in_the_profile(desk):
    client = client_for(desk.alice, language="zh-hans")
    response = client.post(
        "/profile/",
        {
            "full_name": "Alice Zhang",
            "email": "",
            "phone": "",
            "language": "en",
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    desk.alice.refresh_from_db()
    assert (desk.alice.language, desk.alice.time_zone) == ("en", "Europe/Berlin")
    page = page_of(client.get("/profile/"))  # the browser still asks for Chinese
    assert '<html lang="en">' in page and "Times in Europe/Berlin" in page


def test_every_person_sees_times_in_their_own_time_zone(desk):
    ticket = open_ticket(desk)
    actions.reply(ticket, actor=desk.bob, body="收到")
    desk.amy.time_zone = "America/New_York"
    desk.amy.save()
    due = ticket.clocks.get(metric="resolution").due
    shanghai = due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    new_york = due.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert shanghai != new_york
    assert f">{shanghai}</time>" in page_of(
        client_for(desk.alice).get(f"/tickets/{ticket.number}/")
    )
    assert f">{new_york}</time>" in page_of(client_for(desk.amy).get(f"/tickets/{ticket.number}/"))


def test_an_unknown_time_zone_in_the_profile_is_refused(desk):
    response = client_for(desk.alice).post(
        "/profile/",
        {"full_name": "", "email": "", "phone": "", "language": "", "time_zone": "Mars/Base"},
    )
    assert response.status_code == 200 and 'data-testid="error-time_zone"' in page_of(response)


def test_without_a_setting_the_browser_chooses_the_language(desk):
    assert '<html lang="zh-hans">' in page_of(client_for(desk.alice, "zh-CN").get("/portal/"))
    assert '<html lang="en">' in page_of(client_for(desk.alice, "en-US").get("/portal/"))


def test_the_language_switcher_keeps_a_logged_in_persons_choice(desk):
    client = client_for(desk.alice, "en")
    response = client.post("/language/", {"language": "zh-hans", "next": "/portal/"})
    assert response.status_code == 302 and response["location"] == "/portal/"
    desk.alice.refresh_from_db()
    assert desk.alice.language == "zh-hans"
    assert '<html lang="zh-hans">' in page_of(client_for(desk.alice, "en").get("/portal/"))


def test_a_person_changes_their_password(desk):
    client = client_for(desk.alice)
    response = client.post(
        "/profile/password/",
        {
            "old_password": "pw",
            "new_password1": "a-longer-pass-phrase",
            "new_password2": "a-longer-pass-phrase",
        },
    )
    assert response["location"] == "/profile/"
    desk.alice.refresh_from_db()
    assert desk.alice.check_password("a-longer-pass-phrase")

"""The requesters' portal: submit, follow their organisation's tickets, answer, confirm."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.desk import actions
from sladesk.desk.models import Ticket

from .conftest import open_ticket, page_of, revision_in


def test_a_request_without_a_subject_is_refused_with_the_reason_on_the_field(desk, as_):
    response = as_("alice").post(
        "/portal/new/", {"impact": "medium", "urgency": "medium", "subject": " "}
    )
    assert response.status_code == 400
    assert 'data-testid="error-subject">Give the ticket a subject.' in page_of(response)
    assert not Ticket.objects.exists()


def test_requesters_see_the_tickets_of_their_organisation_and_no_other(desk, as_):
    alices = open_ticket(desk, subject="alice 的工单")
    amys = open_ticket(desk, requester=desk.amy, subject="amy 的工单")
    olivias = open_ticket(desk, requester=desk.olivia, subject="olivia 的工单")
    portal = page_of(as_("alice").get("/portal/"))
    assert alices.number in portal and amys.number in portal
    assert olivias.number not in portal
    mine = page_of(as_("alice").get("/portal/?mine=1"))
    assert alices.number in mine and amys.number not in mine


def test_closed_tickets_are_under_closed(desk, as_):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="已处理")
    actions.confirm(ticket, actor=desk.alice)
    alice = as_("alice")
    assert ticket.number not in page_of(alice.get("/portal/"))
    assert ticket.number in page_of(alice.get("/portal/?show=closed"))


def test_olivia_gets_404_on_alices_ticket_and_its_attachments(desk, as_):
    ticket = open_ticket(
        desk, attachments=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4", "application/pdf")]
    )
    attachment = ticket.events.get(kind="created").attachments.get()
    url = f"/attachments/{attachment.pk}/invoice.pdf"
    assert as_("alice").get(url).status_code == 200
    olivia = as_("olivia")
    assert olivia.get(f"/tickets/{ticket.number}/").status_code == 404
    assert olivia.get(f"/tickets/{ticket.number}/received/").status_code == 404
    assert olivia.get(url).status_code == 404
    reply = olivia.post(f"/tickets/{ticket.number}/reply/", {"revision": 0, "body": "?"})
    assert reply.status_code == 404


def test_attachments_are_served_to_those_who_see_the_ticket_as_downloads(desk, as_):
    ticket = open_ticket(
        desk, attachments=[SimpleUploadedFile("log.txt", b"timeout", "text/plain")]
    )
    attachment = ticket.events.get(kind="created").attachments.get()
    response = as_("bob").get(f"/attachments/{attachment.pk}/log.txt")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"timeout"
    assert response["content-disposition"].startswith("attachment;")
    anonymous = as_("alice")
    anonymous.logout()
    assert anonymous.get(f"/attachments/{attachment.pk}/log.txt").status_code == 302


def test_a_requester_never_sees_internal_notes_nor_their_files(desk, as_):
    ticket = open_ticket(desk)
    actions.note(
        ticket,
        actor=desk.bob,
        body="数据库密码在保险柜",
        attachments=[SimpleUploadedFile("secret.txt", b"s3cret", "text/plain")],
    )
    actions.assign(ticket, actor=desk.bob, team=desk.first_line, assignee=desk.lena, reason="交接")
    secret = ticket.events.get(kind="note").attachments.get()
    for name in ("alice", "amy"):
        page = page_of(as_(name).get(f"/tickets/{ticket.number}/"))
        assert "数据库密码在保险柜" not in page
        assert "secret.txt" not in page
        assert "交接" not in page
        assert 'data-public="false"' not in page
        assert as_(name).get(f"/attachments/{secret.pk}/secret.txt").status_code == 404
    agent_page = page_of(as_("bob").get(f"/tickets/{ticket.number}/"))
    assert "数据库密码在保险柜" in agent_page and 'data-testid="internal-note"' in agent_page
    assert as_("bob").get(f"/attachments/{secret.pk}/secret.txt").status_code == 200


def test_a_requester_who_says_it_is_not_solved_must_say_what_is_wrong(desk, as_):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启")
    alice = as_("alice")
    page = page_of(alice.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="form-confirm"' in page and 'data-testid="form-reject"' in page
    empty = alice.post(
        f"/tickets/{ticket.number}/reject/", {"revision": revision_in(page), "reason": ""}
    )
    assert empty.status_code == 400
    assert 'data-testid="error-reason">Say what is still not working.' in page_of(empty)
    sent = alice.post(
        f"/tickets/{ticket.number}/reject/",
        {"revision": revision_in(page), "reason": "还是无法登录"},
    )
    assert sent.status_code == 303
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.clocks.get(metric="resolution").state == "running"


def test_only_the_requester_confirms_a_resolution(desk, as_):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启")
    amy = as_("amy")
    page = page_of(amy.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="form-confirm"' not in page
    refused = amy.post(f"/tickets/{ticket.number}/confirm/", {"revision": revision_in(page)})
    assert refused.status_code == 403
    assert Ticket.objects.get().status == "resolved"


def test_a_rating_can_be_given_after_closing_and_only_once(desk, as_):
    ticket = open_ticket(desk)
    actions.resolve(ticket, actor=desk.bob, resolution="重启")
    actions.confirm(ticket, actor=desk.alice)
    alice = as_("alice")
    page = page_of(alice.get(f"/tickets/{ticket.number}/"))
    none = alice.post(f"/tickets/{ticket.number}/rate/", {"revision": revision_in(page)})
    assert none.status_code == 400
    assert 'data-testid="error-rating">A rating is a whole number from 1 to 5.' in page_of(none)
    rated = alice.post(
        f"/tickets/{ticket.number}/rate/",
        {"revision": revision_in(page), "rating": "4", "comment": "还行"},
    )
    assert rated.status_code == 303
    page = page_of(alice.get(f"/tickets/{ticket.number}/"))
    assert 'data-testid="form-rate"' not in page
    assert Ticket.objects.get().rating == 4


def test_agents_are_taken_to_the_queue_and_requesters_kept_out_of_it(desk, as_):
    assert as_("bob").get("/portal/")["location"] == "/queue/"
    assert as_("alice").get("/queue/").status_code == 403
    assert as_("alice").get("/desk/")["location"] == "/portal/"
    assert as_("bob").get("/desk/")["location"] == "/queue/"


def test_anonymous_visitors_are_asked_to_log_in(client, desk):
    for url in ("/portal/", "/portal/new/", "/queue/", "/tickets/INC-2026-000001/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["location"].startswith("/login/?next=")

"""IMAP polling against a real (small) IMAP server on 127.0.0.1."""

from __future__ import annotations

import io
import socket

import pytest
from django.core.management import CommandError, call_command

from sladesk.desk.models import Ticket
from sladesk.inbound import imap
from sladesk.inbound.models import AfterProcessing, InboundMessage, Mailbox, Outcome, Security
from sladesk.sla import versions
from sladesk.sla.models import SlaVersion
from tests.desk.conftest import DEFAULT_SLA

from .imapserver import Server
from .mails import mail

SEEN, DELETED = "\\Seen", "\\Deleted"


@pytest.fixture
def server():
    with Server() as running:
        yield running


@pytest.fixture
def polled(mailbox, server) -> Mailbox:
    """The support mailbox, read from the test server; processed mail is marked read."""
    mailbox.imap_host, mailbox.imap_port = "127.0.0.1", server.port
    mailbox.imap_security = Security.NONE
    mailbox.imap_user, mailbox.imap_password = "desk", "secret"
    mailbox.save()
    return mailbox


def inbox(server: Server) -> dict[int, set[str]]:
    return {m.uid: m.flags for m in server.folders["INBOX"].messages}


def test_new_messages_become_tickets_and_are_marked_read(polled, server):
    first = server.deliver(mail(subject="打印机卡纸"))
    second = server.deliver(mail(subject="VPN 断线"))
    assert imap.poll_all() == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["VPN 断线", "打印机卡纸"]
    assert inbox(server) == {first: {SEEN}, second: {SEEN}}
    assert InboundMessage.objects.get(imap_uid=first).outcome == Outcome.CREATED
    assert any("BODY.PEEK[]" in c for c in server.commands)  # never marked read by fetching


def test_read_messages_are_not_read_again(polled, server):
    server.deliver(mail(), flags={SEEN})
    assert imap.poll_all() == 0
    assert not Ticket.objects.exists()


def test_a_message_that_fails_stays_unread_and_the_others_go_on(polled, server):
    broken = server.deliver(b"this is not an e-mail message at all\r\n")
    good = server.deliver(mail())
    assert imap.poll_all() == 1
    assert inbox(server) == {broken: set(), good: {SEEN}}


def test_a_failed_message_is_retried_by_the_next_poll(polled, server):
    SlaVersion.objects.all().delete()
    uid = server.deliver(mail())
    assert imap.poll_all() == 0
    assert inbox(server) == {uid: set()}
    assert InboundMessage.objects.get().outcome == Outcome.FAILED
    versions.apply(DEFAULT_SLA.read_text(encoding="utf-8"), file_name="default.yaml")
    assert imap.poll_all() == 1
    assert inbox(server) == {uid: {SEEN}}
    assert InboundMessage.objects.get().outcome == Outcome.CREATED


def test_a_message_read_before_is_only_marked(polled, server):
    raw = mail()
    server.deliver(raw)
    call_command(
        "mail", "ingest", "--mailbox", "support", stdin=io.BytesIO(raw), stdout=io.StringIO()
    )
    assert imap.poll_all() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_processed_messages_can_be_moved_to_a_folder(polled, move):
    with Server(move=move) as server:
        polled.imap_port = server.port
        polled.after_processing = AfterProcessing.MOVE
        polled.processed_folder = "已处理"
        polled.save()
        broken = server.deliver(b"not mail\r\n")
        server.deliver(mail(subject="打印机卡纸"))
        assert imap.poll_all() == 1
        assert [m.uid for m in server.folders["INBOX"].messages] == [broken]
        (moved,) = server.folders["已处理"].messages
        assert b"From: Alice" in moved.raw
        assert Ticket.objects.get().subject == "打印机卡纸"


def test_a_mailbox_that_cannot_be_read_is_remembered_and_the_others_polled(polled, server):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    Mailbox.objects.create(
        name="broken", imap_host="127.0.0.1", imap_port=closed_port,
        imap_security=Security.NONE, imap_user="x",
    )  # fmt: skip
    server.deliver(mail())
    assert imap.poll_all() == 1
    broken = Mailbox.objects.get(name="broken")
    assert "ConnectionRefusedError" in broken.last_error
    assert broken.last_polled_at is not None


def test_a_wrong_password_is_reported_by_the_command(polled):
    Mailbox.objects.filter(pk=polled.pk).update(imap_password="wrong")
    with pytest.raises(CommandError) as caught:
        call_command("mail", "poll", "--mailbox", "support", stdout=io.StringIO())
    assert caught.value.returncode == 1
    assert "invalid credentials" in str(caught.value)
    assert "invalid credentials" in Mailbox.objects.get(pk=polled.pk).last_error


def test_disabled_mailboxes_and_mta_mailboxes_are_not_polled(polled, server):
    Mailbox.objects.filter(pk=polled.pk).update(enabled=False)
    server.deliver(mail())
    assert imap.poll_all() == 0
    out = io.StringIO()
    call_command("mail", "poll", "--mailbox", "support", stdout=out)  # by name: tried out
    assert out.getvalue() == "processed 1 messages\n"


def test_the_task_polls_all_mailboxes(polled, server):
    from sladesk.inbound.tasks import poll_mailboxes

    server.deliver(mail())
    assert poll_mailboxes.call() == 1


def test_folder_names_are_quoted_in_modified_utf7():
    assert imap.quote("INBOX") == '"INBOX"'
    assert imap.quote("已处理") == '"&XfJZBHQG-"'
    assert imap.quote('A&B "x"') == '"A&-B \\"x\\""'

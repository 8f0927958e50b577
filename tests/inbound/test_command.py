"""`sladesk mail ingest` (an MTA's pipe) and `sladesk mail poll`, through the real command."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sladesk.desk.models import Ticket
from sladesk.inbound.models import InboundMessage, Mailbox, Outcome
from sladesk.sla.models import SlaVersion

from .mails import mail, message_id_of

SLADESK = Path(sys.executable).parent / "sladesk"


def run_mail(*args: str, stdin: bytes = b"") -> str:
    out = io.StringIO()
    call_command("mail", *args, stdin=io.BytesIO(stdin), stdout=out)
    return out.getvalue()


def refusal(*args: str, stdin: bytes = b"") -> CommandError:
    with pytest.raises(CommandError) as caught:
        run_mail(*args, stdin=stdin)
    assert "\n" not in str(caught.value)
    return caught.value


def test_ingest_opens_a_ticket_and_says_which(mailbox):
    raw = mail()
    out = run_mail("ingest", "--mailbox", "support", stdin=raw)
    ticket = Ticket.objects.get()
    assert out == f"{message_id_of(raw)}: created {ticket.number}\n"


def test_ingest_of_the_same_message_again_does_nothing(mailbox):
    raw = mail()
    run_mail("ingest", "--mailbox", "support", stdin=raw)
    out = run_mail("ingest", "--mailbox", "support", stdin=raw)
    assert "read before: created" in out
    assert Ticket.objects.count() == 1


def test_a_refused_message_is_recorded_and_not_bounced(mailbox):
    mailbox.default_organisation = None
    mailbox.save()
    out = run_mail("ingest", "--mailbox", "support", stdin=mail(sender="x@example.org"))
    assert ": refused: " in out


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["ingest", "--mailbox", "nosuch"], mail(), "there is no mailbox 'nosuch'"),
        (["ingest", "--mailbox", "support"], b"", "standard input is empty"),
        (["ingest", "--mailbox", "support"], b"  \n", "standard input is empty"),
        (["ingest", "--mailbox", "support"], b"\x00\x01garbage", "not an e-mail message"),
        (["ingest", "--mailbox", "support"], b"Subject: hi\n\nno sender", "no From address"),
        (["poll", "--mailbox", "nosuch"], b"", "there is no mailbox"),
        (["poll", "--mailbox", "support"], b"", "has no IMAP host"),
    ],
)
def test_bad_input_is_exit_status_2_with_one_line(mailbox, args, stdin, says):
    error = refusal(*args, stdin=stdin)
    assert error.returncode == 2
    assert says in str(error)
    assert not InboundMessage.objects.exists()


def test_a_message_that_fails_asks_the_mta_to_deliver_it_again(mailbox):
    SlaVersion.objects.all().delete()
    error = refusal("ingest", "--mailbox", "support", stdin=mail())
    assert error.returncode == 75  # EX_TEMPFAIL: postfix keeps it in its queue
    assert InboundMessage.objects.get().outcome == Outcome.FAILED


def test_a_disabled_mailbox_has_its_mail_delivered_later(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(enabled=False)
    assert refusal("ingest", "--mailbox", "support", stdin=mail()).returncode == 75
    assert not Ticket.objects.exists()


def test_the_console_script_reads_standard_input(tmp_path):
    """`sladesk mail ingest` as the MTA runs it: empty input is one line and status 2."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/sladesk.sqlite3"}
    result = subprocess.run(
        [SLADESK, "mail", "ingest", "--mailbox", "support"],
        input=b"",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "CommandError: standard input is empty: expected one e-mail"
    ]

"""`sladesk mail ingest --mailbox NAME`: one e-mail from standard input (an MTA's pipe,
e.g. the postfix alias `support: "|sladesk mail ingest --mailbox support"`), and
`sladesk mail poll [--mailbox NAME]`: read the IMAP mailboxes once.

Exit status of `ingest`: 0 when the message was recorded (a ticket, a reply, or refused or
ignored for a reason the record gives), 2 for bad input (one line on stderr), and 75
(EX_TEMPFAIL) when it failed for now: the MTA keeps the message and delivers it again later.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError

from sladesk.inbound import imap
from sladesk.inbound.mail import ingest
from sladesk.inbound.models import InboundMessage, Mailbox, Outcome
from sladesk.inbound.parse import NotAnEmail

USAGE_ERROR = 2
POLL_FAILED = 1
TEMPORARY_FAILURE = 75  # sysexits.h EX_TEMPFAIL: postfix and exim queue and retry


class Command(BaseCommand):
    help = "E-mail to ticket: ingest one message from standard input, or poll IMAP mailboxes."
    stealth_options = ("stdin",)  # call_command(..., stdin=BytesIO(raw)) in tests

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        ingest = commands.add_parser(
            "ingest", help="read one RFC 822 message from standard input into the desk"
        )
        ingest.add_argument("--mailbox", required=True, help="the mailbox it was sent to")
        poll = commands.add_parser("poll", help="read new messages of the IMAP mailboxes once")
        poll.add_argument(
            "--mailbox", help="only this mailbox (polled even if it is disabled, to try it out)"
        )

    def handle(self, *args, **options) -> None:
        if options["command"] == "ingest":
            stream = options.get("stdin") or sys.stdin.buffer
            self._ingest(options["mailbox"], stream)
        else:
            self._poll(options["mailbox"])

    def _ingest(self, name: str, stream: BinaryIO) -> None:
        raw = stream.read()
        if not raw.strip():
            raise CommandError("standard input is empty: expected one e-mail", returncode=2)
        mailbox = _mailbox(name)
        if not mailbox.enabled:
            raise CommandError(
                f"mailbox {name} is disabled; deliver again later", returncode=TEMPORARY_FAILURE
            )
        try:
            receipt = ingest(raw, mailbox=mailbox)
        except NotAnEmail as exc:
            raise CommandError(f"not an e-mail message: {exc}", returncode=USAGE_ERROR) from None
        message = receipt.message
        if receipt.duplicate:
            self.stdout.write(f"{message.message_id}: read before: {_summary(message)}")
        elif message.outcome == Outcome.FAILED:
            raise CommandError(
                f"{message.message_id}: failed, deliver again later: {message.detail}",
                returncode=TEMPORARY_FAILURE,
            )
        else:
            self.stdout.write(f"{message.message_id}: {_summary(message)}")

    def _poll(self, name: str | None) -> None:
        if name is None:
            self.stdout.write(f"processed {imap.poll_all()} messages")
            return
        mailbox = _mailbox(name)
        if not mailbox.polled:
            raise CommandError(
                f"mailbox {name} has no IMAP host: the MTA feeds it with `mail ingest`",
                returncode=USAGE_ERROR,
            )
        try:
            processed = imap.poll(mailbox)
        except imap.PollError as exc:
            raise CommandError(f"mailbox {name}: {exc}", returncode=POLL_FAILED) from None
        self.stdout.write(f"processed {processed} messages")


def _mailbox(name: str) -> Mailbox:
    mailbox = Mailbox.objects.filter(name=name).first()
    if mailbox is None:
        raise CommandError(f"there is no mailbox {name!r}", returncode=USAGE_ERROR)
    return mailbox


def _summary(message: InboundMessage) -> str:
    """ "created INC-2026-000123", "refused: <why>"."""
    ticket = f" {message.ticket.number}" if message.ticket_id else ""
    detail = f": {message.detail}" if message.detail else ""
    return f"{message.outcome}{ticket}{detail}".replace("\n", " ")

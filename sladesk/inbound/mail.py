"""E-mail to ticket: one raw message in, a new ticket or a reply on one out, and a record.

Whatever the transport (the MTA's pipe or an IMAP poll), every message goes through
`ingest`, which decides and records:

- Automatic messages (auto-replies, bounces, mailing lists, sladesk's own mail) and more
  than SENDER_LIMIT messages an hour from one address are ignored: answering them could
  start a mail loop. They never open tickets.
- A reply (In-Reply-To/References naming a message sladesk read for a ticket or one of
  sladesk's own `<sladesk.NUMBER.…@…>` ids, else a ticket number in the subject) is added
  to that ticket by its requester or by an agent who works it; from anyone else it is
  refused. A requester's reply to a closed ticket opens a new one that says it follows up.
- Any other message opens a ticket. A sender who is not a person of sladesk becomes a
  requester of the mailbox's default organisation, or is refused when it has none.

The record (InboundMessage) is written in the same transaction as the ticket change, so a
Message-ID seen twice is read once. A message that fails is recorded as failed and read
again next time (the IMAP poll leaves it unread; the MTA pipe exits with EX_TEMPFAIL).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk import actions
from sladesk.desk.models import EventKind, Status, Ticket, TicketEvent
from sladesk.desk.permissions import can_work
from sladesk.people.models import Role, User

from .models import InboundMessage, Mailbox, Outcome, message_key
from .parse import SLADESK_ID, TICKET_NUMBER, ParsedMail, Part, parse
from .text import strip_quoted

logger = logging.getLogger(__name__)

# More messages than this from one address within an hour are ignored: an auto-responder
# that sets none of the usual headers would otherwise ping-pong with our notifications.
SENDER_LIMIT = 30
SUBJECT_LENGTH = 200


class Receipt(NamedTuple):
    message: InboundMessage
    duplicate: bool  # the Message-ID had been read before: nothing was done this time


@dataclass
class _Decision:
    outcome: str
    detail: str = ""
    ticket: Ticket | None = None
    event: TicketEvent | None = None


class _Stop(Exception):  # not an error: how a decision ends early
    """The message is not added to the desk; `outcome` and `detail` say why."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def ingest(raw: bytes, *, mailbox: Mailbox, imap_uid: int | None = None) -> Receipt:
    """Read one raw message into the desk (parse.NotAnEmail if it is not one)."""
    mail = parse(raw)
    key = message_key(mail.message_id)
    if (done := _done(key)) is not None:
        return Receipt(done, duplicate=True)
    try:
        with transaction.atomic():
            # Two deliveries of one message at once (say the pipe and a poll): the second
            # waits for the first's record and then sees it.
            row = InboundMessage.objects.select_for_update().filter(message_id=key).first()
            if row is not None and row.outcome != Outcome.FAILED:
                return Receipt(row, duplicate=True)
            decision = _decide(mail, mailbox)
            return Receipt(_record(key, mail, mailbox, decision, imap_uid), duplicate=False)
    except _Stop as stop:
        decision = _Decision(stop.outcome, stop.detail)
    except IntegrityError:
        if (done := _done(key)) is not None:  # read at the same moment by another process
            return Receipt(done, duplicate=True)
        logger.exception("inbound mail %s from %s failed", mail.message_id, mail.sender)
        decision = _Decision(Outcome.FAILED, _("A database error; see the log."))
    except Exception as exc:
        # Never lose a message to a bug: record it as failed (it is retried) and log the
        # traceback for whoever fixes the bug.
        logger.exception("inbound mail %s from %s failed", mail.message_id, mail.sender)
        decision = _Decision(Outcome.FAILED, f"{type(exc).__name__}: {exc}")
    with transaction.atomic():
        return Receipt(_record(key, mail, mailbox, decision, imap_uid), duplicate=False)


def _done(key: str) -> InboundMessage | None:
    """The record of a message already read for good (a failed one is read again)."""
    return InboundMessage.objects.exclude(outcome=Outcome.FAILED).filter(message_id=key).first()


def _record(
    key: str, mail: ParsedMail, mailbox: Mailbox, decision: _Decision, imap_uid: int | None
) -> InboundMessage:
    fields = {
        "mailbox": mailbox,
        "sender": mail.sender[:254],
        "subject": mail.subject[:SUBJECT_LENGTH],
        "size": mail.size,
        "received_at": timezone.now(),
        "outcome": decision.outcome,
        "detail": decision.detail,
        "ticket": decision.ticket,
        "event": decision.event,
        "imap_uid": imap_uid,
    }
    updated = InboundMessage.objects.filter(message_id=key, outcome=Outcome.FAILED).update(
        attempts=F("attempts") + 1, **fields
    )
    if updated:
        return InboundMessage.objects.get(message_id=key)
    return InboundMessage.objects.create(message_id=key, **fields)


# -- deciding ---------------------------------------------------------------------------


def _decide(mail: ParsedMail, mailbox: Mailbox) -> _Decision:
    if mail.automatic:
        raise _Stop(Outcome.IGNORED, mail.automatic)
    if mail.sender in _own_addresses(mailbox):
        raise _Stop(Outcome.IGNORED, _("Sent from sladesk's own address."))
    recent = InboundMessage.objects.filter(
        sender=mail.sender, received_at__gte=timezone.now() - timedelta(hours=1)
    )
    if recent.count() >= SENDER_LIMIT:
        raise _Stop(
            Outcome.IGNORED,
            _("More than %d messages from this address within an hour: a mail loop?")
            % SENDER_LIMIT,
        )
    person = _person(mail.sender)
    ticket = _answered_ticket(mail)
    if ticket is not None:
        return _reply(mail, mailbox, ticket, person)
    return _open(mail, mailbox, person)


def _own_addresses(mailbox: Mailbox) -> set[str]:
    own = {a.lower() for _name, a in getaddresses([settings.DEFAULT_FROM_EMAIL]) if a}
    if mailbox.address:
        own.add(mailbox.address.lower())
    return own


def _person(address: str) -> User | None:
    """The person with this e-mail address; None if nobody has it."""
    people = list(User.objects.filter(email__iexact=address))
    if not people:
        return None
    active = [p for p in people if p.is_active]
    if not active:
        raise _Stop(Outcome.REFUSED, _("The account of %s is deactivated.") % address)
    if len(active) > 1:
        # We cannot tell who wrote: acting as either of them would be a guess.
        raise _Stop(Outcome.REFUSED, _("Several people have the address %s.") % address)
    return active[0]


def _answered_ticket(mail: ParsedMail) -> Ticket | None:
    """The ticket the message answers: by the ids it replies to, else the subject's number."""
    if mail.references:
        keys = {ref: message_key(ref) for ref in mail.references}
        known = dict(
            InboundMessage.objects.filter(
                message_id__in=keys.values(), ticket__isnull=False
            ).values_list("message_id", "ticket_id")
        )
        for ref in mail.references:
            if keys[ref] in known:
                return Ticket.objects.get(pk=known[keys[ref]])
            if (ours := SLADESK_ID.match(ref)) and (
                ticket := Ticket.objects.filter(number=ours.group(1)).first()
            ):
                return ticket
    for number in TICKET_NUMBER.findall(mail.subject):
        if ticket := Ticket.objects.filter(number=number).first():
            return ticket
    return None


def _reply(mail: ParsedMail, mailbox: Mailbox, ticket: Ticket, person: User | None) -> _Decision:
    """Add the reply to the ticket, if its sender is the requester or an agent of it."""
    if person is None:
        raise _Stop(
            Outcome.REFUSED,
            _("%(sender)s is not a person of sladesk and may not reply to %(number)s.")
            % {"sender": mail.sender, "number": ticket.number},
        )
    is_requester = person.pk == ticket.requester_id
    if not is_requester and not (person.is_agent and can_work(person, ticket)):
        raise _Stop(
            Outcome.REFUSED,
            _("%(person)s may not reply to %(number)s: only its requester and its agents may.")
            % {"person": person.username, "number": ticket.number},
        )
    if is_requester and not person.is_agent and ticket.status == Status.CLOSED:
        return _open(mail, mailbox, person, follows=ticket)
    files, body = _files_and_text(mail, strip_quoted(mail.text))
    if not body.strip():
        if not files:
            raise _Stop(Outcome.REFUSED, _("The reply is empty."))
        body = _("(see the attached files)")
    try:
        actions.reply(ticket, actor=person, body=body, attachments=files)
    except actions.ActionError as error:
        raise _Stop(Outcome.REFUSED, error.message) from None
    except PermissionDenied as denied:
        raise _Stop(Outcome.REFUSED, str(denied)) from None
    event = ticket.events.filter(kind=EventKind.REPLY, actor=person).order_by("-seq").first()
    return _Decision(Outcome.REPLIED, _dropped_note(mail), ticket, event)


def _open(
    mail: ParsedMail, mailbox: Mailbox, person: User | None, follows: Ticket | None = None
) -> _Decision:
    """Open a ticket for the sender (a new requester if the mailbox takes unknown senders)."""
    if person is None:
        person = _new_requester(mail, mailbox)
    text = mail.text
    if follows is not None:
        text = _("Follows up on %s, which is closed.") % follows.number + "\n\n" + text
    files, description = _files_and_text(mail, text)
    subject = mail.subject[:SUBJECT_LENGTH].strip() or _("(no subject)")
    try:
        ticket = actions.create_ticket(
            requester=person,
            subject=subject,
            description=description,
            service=mailbox.service,
            category=mailbox.category,
            kind=mailbox.kind,
            attachments=files,
        )
    except actions.ActionError as error:
        # No SLA in force is the desk's configuration, not the message: try again later.
        outcome = Outcome.FAILED if error.field == "sla" else Outcome.REFUSED
        raise _Stop(outcome, error.message) from None
    except PermissionDenied as denied:
        raise _Stop(Outcome.REFUSED, str(denied)) from None
    event = ticket.events.get(kind=EventKind.CREATED)
    return _Decision(Outcome.CREATED, _dropped_note(mail), ticket, event)


def _new_requester(mail: ParsedMail, mailbox: Mailbox) -> User:
    organisation = mailbox.default_organisation
    if organisation is None:
        raise _Stop(
            Outcome.REFUSED,
            _("%s is not a person of sladesk, and this mailbox opens no tickets for strangers.")
            % mail.sender,
        )
    person = User(
        username=_free_username(mail.sender),
        email=mail.sender,
        full_name=mail.sender_name[:150],
        role=Role.REQUESTER,
        organisation=organisation,
    )
    person.set_unusable_password()  # they reset it by mail if they want to use the portal
    person.save()
    logger.info("inbound mail: new requester %s in %s", person.username, organisation)
    return person


def _free_username(address: str) -> str:
    """The address as a username (characters Django's usernames refuse become "_")."""
    base = re.sub(r"[^\w.@+-]", "_", address)[:140]
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


# -- attachments ------------------------------------------------------------------------


def _too_large(part: Part) -> bool:
    return len(part.content) > actions.MAX_ATTACHMENT_BYTES


def _files_and_text(mail: ParsedMail, text: str) -> tuple[list[SimpleUploadedFile], str]:
    """The files the desk can keep, and the text with a line for each one it cannot."""
    files = [
        SimpleUploadedFile(part.name, part.content, part.content_type)
        for part in mail.attachments
        if not _too_large(part)
    ]
    note = _dropped_note(mail)
    return files, f"{text}\n\n{note}".strip() if note else text


def _dropped_note(mail: ParsedMail) -> str:
    """A line per attachment too large to keep (the message itself is kept without it)."""
    return "\n".join(
        _("Not kept: %(name)s (%(size)s), larger than the %(limit)s an attachment may be.")
        % {
            "name": part.name,
            "size": filesizeformat(len(part.content)),
            "limit": filesizeformat(actions.MAX_ATTACHMENT_BYTES),
        }
        for part in mail.attachments
        if _too_large(part)
    )

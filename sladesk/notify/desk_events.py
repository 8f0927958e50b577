"""Telling people what happened on their tickets: the requester hears of the response,
replies and the resolution; the agent (or the team) hears of new work and of the
requester's answers. Written into the outbox in the transaction of the change.

Nobody is told of their own action. E-mails about a ticket carry a Message-ID naming it,
so a requester's e-mail reply lands on the ticket (sladesk/inbound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from . import outbox, recipients
from .messages import Content, ticket_url

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket, TicketEvent
    from sladesk.people.models import User

# event kind -> who hears of it ("requester", or "assignee": the assignee, else the team)
AUDIENCE = {
    "created": ("requester", "assignee"),
    "assigned": ("assignee",),
    "escalated": ("assignee",),
    "reply": ("other",),  # the requester of an agent's reply, the assignee of theirs
    "resolved": ("requester",),
    "out_of_scope": ("requester",),
    "rejected": ("assignee",),
    "reopened": ("assignee",),
}


def after_change(ticket: Ticket, events: Iterable[TicketEvent], actor: User | None) -> None:
    """Write the notifications for the events a change recorded."""
    events = list(events)
    kinds = {e.kind for e in events}
    directory: recipients.Directory | None = None
    for event in events:
        if event.kind == "assigned" and kinds & {"created", "escalated"}:
            continue  # told with the creation or the escalation it is part of
        if not event.public and event.kind not in ("assigned", "escalated"):
            continue
        for role in AUDIENCE.get(event.kind, ()):
            role = _resolve(role, event, ticket)
            directory = directory or recipients.Directory([ticket], ["assignee", "requester"])
            users, teams = directory.people(ticket, [role])  # no assignee: the team
            if role != "requester" or event.kind != "created":  # acknowledged to its author
                users = [u for u in users if actor is None or u.pk != actor.pk]
            outbox.notify(
                directory.channels(users, teams),
                f"ticket.{event.kind}",
                f"event:{event.pk}:{role}",
                _content_for(ticket, event, role),
                ticket,
            )


def _resolve(role: str, event: TicketEvent, ticket: Ticket) -> str:
    if role != "other":
        return role
    by_requester = event.actor_id == ticket.requester_id
    return "assignee" if by_requester else "requester"


def _content_for(ticket: Ticket, event: TicketEvent, role: str) -> Callable[[str, str], Content]:
    def content(language: str, zone: str) -> Content:
        with translation.override(language):
            lead = _lead(ticket, event, role)
            title = f"[{ticket.number}] {ticket.subject}"
            facts = [
                (_("Ticket"), f"{ticket.number} {ticket.subject}"),
                (_("Priority"), ticket.priority),
                (_("Status"), str(ticket.get_status_display())),
            ]
            if event.body and event.public:
                facts.append((_("Message"), event.body))
            return Content(title, lead, facts, ticket_url(ticket))

    return content


def _lead(ticket: Ticket, event: TicketEvent, role: str) -> str:
    who = getattr(event.actor, "full_name", "") or str(event.actor or "sladesk")
    if event.kind == "created":
        if role == "requester":
            return _("We received your request; its number is %s.") % ticket.number
        return _("A new ticket is waiting for you.")
    if event.kind in ("assigned", "escalated"):
        return _("%s assigned this ticket to you.") % who
    if event.kind == "reply":
        return _("%s replied.") % who
    if event.kind == "resolved":
        return (
            _(
                "%s resolved your ticket. Please confirm the solution or say that the problem "
                "remains; otherwise it closes by itself."
            )
            % who
        )
    if event.kind == "out_of_scope":
        return _("%s closed your request as out of scope.") % who
    if event.kind == "rejected":
        return _("The requester says the problem is not solved.")
    return _("%s reopened the ticket.") % who

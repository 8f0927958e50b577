"""Resolved and closed tickets in the search index: agents find how a problem was solved
before. The desk calls index_ticket() whenever a ticket changes; `sladesk search reindex
--kind ticket` writes them all again from ticket_entries()."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models.functions import Coalesce

from sladesk.desk.models import Status, Ticket

from .index import Entry, drop, put_many
from .models import Kind

SEARCHABLE = (Status.RESOLVED, Status.CLOSED)
FIELDS = (
    "subject",
    "description",
    "resolution",
    "status",
    "organisation_id",
    "service_id",
    "resolved_at",
    "closed_at",
    "updated_at",
)


def index_ticket(ticket: Ticket) -> None:
    """Put a resolved or closed ticket in the index (again); drop any other (reopened)."""
    if ticket.status in SEARCHABLE:
        put_many([entry(ticket)])
    else:
        drop(kind=Kind.TICKET, object_id=ticket.pk)


def entry(ticket: Ticket) -> Entry:
    """A ticket as a search document: its subject, then its description and resolution."""
    body = "\n\n".join(part for part in (ticket.description, ticket.resolution) if part)
    return Entry(
        kind=Kind.TICKET,
        object_id=ticket.pk,
        title=ticket.subject,
        body=body,
        owner_organisation=ticket.organisation_id,
        service_id=ticket.service_id,
        updated_at=ticket.resolved_at or ticket.closed_at or ticket.updated_at,
    )


def ticket_entries() -> Iterator[Entry]:
    """Every resolved or closed ticket, the longest resolved first: the index's ids then
    follow resolution, and a search matching very many tickets ranks the newest."""
    tickets = (
        Ticket.objects.filter(status__in=SEARCHABLE)
        .only(*FIELDS)
        .order_by(Coalesce("resolved_at", "closed_at", "updated_at"), "id")
    )
    for ticket in tickets.iterator(chunk_size=2000):
        yield entry(ticket)

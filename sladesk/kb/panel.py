"""What the knowledge panel of a ticket page shows an agent: the articles the ticket was
solved with, the published articles of its service to link, and whether an article can be
made of it — read in one query, since the ticket page pins its query count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from sladesk.desk.models import Status as TicketStatus
from sladesk.desk.models import Ticket

from .models import Article, SolvedWith, Status

CHOICES = 200  # a select longer than this is no help: the numbers field is there


@dataclass
class TicketPanel:
    solved: list[Article]
    created: Article | None  # the article made from this ticket, if any
    choices: list[Article]
    can_create: bool


def _offered(ticket: Ticket) -> Q:
    """Published articles of the ticket's service (of any service when it has none)."""
    offered = Q(status=Status.PUBLISHED)
    if ticket.service_id is not None:
        offered &= Q(service_id=ticket.service_id)
    return offered


def link_choices(ticket: Ticket) -> QuerySet[Article]:
    """The articles offered to link, less those the ticket is linked to already."""
    return (
        Article.objects.filter(_offered(ticket)).exclude(solved__ticket=ticket).order_by("number")
    )


def panel(ticket: Ticket) -> TicketPanel:
    linked = SolvedWith.objects.filter(ticket=ticket, article=OuterRef("pk"))
    rows = (
        Article.objects.annotate(linked=Exists(linked))
        .filter(Q(linked=True) | Q(source_ticket=ticket) | _offered(ticket))
        .order_by("number")
    )
    solved, choices, created = [], [], None
    for article in rows:
        if article.linked:
            solved.append(article)
        elif _offered_to(article, ticket) and len(choices) < CHOICES:
            choices.append(article)
        if article.source_ticket_id == ticket.pk and created is None:
            created = article
    done = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    return TicketPanel(solved, created, choices, can_create=done and created is None)


def _offered_to(article: Article, ticket: Ticket) -> bool:
    """`_offered` in Python: the article made from the ticket is among the rows whatever
    its status and service, and is offered only when it would be anyway."""
    if article.status != Status.PUBLISHED:
        return False
    return ticket.service_id is None or article.service_id == ticket.service_id

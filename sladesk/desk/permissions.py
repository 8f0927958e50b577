"""Who sees and who works which tickets: one place for the UI and the API alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from sladesk.people.models import User

    from .models import Ticket


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Managers see all; agents their teams' and their own; requesters their organisation's."""
    from sladesk.people.models import Membership

    from .models import Ticket

    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if user.is_manager:
        return tickets
    if user.is_agent:
        # A subquery rather than a join: no DISTINCT, so the queue keeps its index order.
        teams = Membership.objects.filter(user=user).values("team_id")
        return tickets.filter(Q(team_id__in=teams) | Q(assignee=user))
    if user.organisation_id is None:
        return tickets.none()
    return tickets.filter(organisation_id=user.organisation_id)


def can_see(user: User, ticket: Ticket) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_manager:
        return True
    if user.is_agent:
        return can_work(user, ticket)
    return user.organisation_id is not None and ticket.organisation_id == user.organisation_id


def can_work(user: User, ticket: Ticket) -> bool:
    """Agents act on tickets of their teams (or assigned to them); managers on all."""
    if user.is_manager:
        return True
    if not user.is_agent:
        return False
    if ticket.assignee_id == user.pk:
        return True
    return ticket.team_id is not None and user.memberships.filter(team_id=ticket.team_id).exists()


def sees_internal(user: User) -> bool:
    """Internal notes and assignment details are for the support organisation only."""
    return user.is_authenticated and user.is_agent

"""Who takes a ticket: the team from its service or category, the agent with least work."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Q

from sladesk.people.models import Membership, Team, User

from .models import OPEN_STATUSES, Category, Service


def team_for(service: Service | None, category: Category | None) -> Team | None:
    """The service's team, else the category's, else the first first-line team."""
    if service is not None and service.team_id:
        return service.team
    if category is not None and category.team_id:
        return category.team
    return Team.objects.filter(level=Team.Level.FIRST_LINE).order_by("name").first()


def second_line_for(team: Team | None) -> Team | None:
    """Where a team's escalations go: its own choice, else the first second-line team."""
    if team is not None and team.escalates_to_id:
        return team.escalates_to
    return Team.objects.filter(level=Team.Level.SECOND_LINE).order_by("name").first()


def pick_agent(team: Team, at: datetime) -> User | None:
    """The agent on duty with the fewest open tickets; ties go round-robin.

    Call inside the transaction that assigns. The team row is locked first, so two tickets
    assigned at once (say an incident and a request, whose numbers do not serialise them)
    are counted one after the other instead of both going to the same agent.
    """
    list(Team.objects.select_for_update().filter(pk=team.pk).values_list("pk"))
    open_tickets = Count(
        "user__assigned_tickets", filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES)
    )
    choice = (
        Membership.objects.filter(team=team, on_duty=True, user__is_active=True)
        .annotate(load=open_tickets)
        .order_by("load", F("last_assigned_at").asc(nulls_first=True), "user_id")
        .first()
    )
    if choice is None:
        return None
    Membership.objects.filter(pk=choice.pk).update(last_assigned_at=at)
    return choice.user

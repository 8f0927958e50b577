"""Who a rule's recipients are for one ticket, and the channels they are told through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from sladesk.people.models import Role, Team, User

from .models import Channel, ChannelKind

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket


def people(ticket: Ticket, roles: Iterable[str]) -> tuple[list[User], list[Team]]:
    """The users and teams behind `roles` for `ticket`, each once.

    No assignee yet: the assignee's messages go to the ticket's team. No team lead: to the
    team. Service managers are every active user with that role.
    """
    users: dict[int, User] = {}
    teams: dict[int, Team] = {}
    for role in roles:
        if role == "assignee" and ticket.assignee is not None:
            users.setdefault(ticket.assignee.pk, ticket.assignee)
        elif role == "team_lead" and ticket.team is not None and ticket.team.lead is not None:
            users.setdefault(ticket.team.lead.pk, ticket.team.lead)
        elif role == "service_manager":
            for user in _service_managers():
                users.setdefault(user.pk, user)
        elif role == "requester":
            users.setdefault(ticket.requester.pk, ticket.requester)
        elif ticket.team is not None:  # team, or an assignee or lead the ticket lacks
            teams.setdefault(ticket.team.pk, ticket.team)
    return list(users.values()), list(teams.values())


def _service_managers() -> list[User]:
    return list(User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True))


def channels_of(users: Iterable[User], teams: Iterable[Team]) -> list[Channel]:
    """The enabled channels of these users and teams; a user with none gets one for e-mail."""
    users, teams = list(users), list(teams)
    found = list(
        Channel.objects.filter(enabled=True, user__in=users).select_related("user")
    ) + list(Channel.objects.filter(enabled=True, team__in=teams).select_related("team"))
    have = {c.user_id for c in found if c.user_id}
    bare = [u for u in users if u.pk not in have and u.email]
    if bare:
        # A person with no channel at all is told by e-mail. The channel is created so it
        # shows on their notifications page, where they can disable it or add others.
        had_any = set(
            Channel.objects.filter(user__in=bare).values_list("user_id", flat=True).distinct()
        )
        for user in bare:
            if user.pk not in had_any:
                found.append(default_email(user))
    return found


def default_email(user: User) -> Channel:
    channel, _created = Channel.objects.get_or_create(
        user=user,
        kind=ChannelKind.EMAIL,
        address=user.email,
        defaults={"name": _("E-mail")},
    )
    return channel


def language_of(channel: Channel) -> str:
    if channel.language:
        return channel.language
    if channel.user is not None and channel.user.language:
        return channel.user.language
    return settings.LANGUAGE_CODE

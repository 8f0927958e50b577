"""Who a rule's recipients are for one ticket, and the channels they are told through.

A `Directory` answers for a batch of tickets with a fixed number of queries (service
managers once, then every channel of every person and team involved at once), so firing
thousands of timers does not ask the database about each recipient again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from sladesk.people.models import Role, Team, User

from .models import Channel, ChannelKind

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket


class Directory:
    """People, teams and channels for a batch of tickets, read once."""

    def __init__(self, tickets: Iterable[Ticket], roles: Iterable[str]) -> None:
        tickets, roles = list(tickets), set(roles)
        self.managers: list[User] = []
        if "service_manager" in roles:
            self.managers = list(User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True))
        users = {u.pk: u for u in self.managers}
        teams = {}
        for ticket in tickets:
            for user in (ticket.assignee, ticket.team.lead if ticket.team else None):
                if user is not None:
                    users.setdefault(user.pk, user)
            users.setdefault(ticket.requester_id, ticket.requester)
            if ticket.team is not None:
                teams.setdefault(ticket.team.pk, ticket.team)
        self._load(users, teams)

    def _load(self, users: dict[int, User], teams: dict[int, Team]) -> None:
        self.by_user: dict[int, list[Channel]] = defaultdict(list)
        self.by_team: dict[int, list[Channel]] = defaultdict(list)
        self.has_any: set[int] = set()  # users with a channel, enabled or not
        rows = Channel.objects.filter(Q(user__in=list(users)) | Q(team__in=list(teams)))
        for channel in rows:
            if channel.user_id is not None:
                channel.user = users[channel.user_id]
                self.has_any.add(channel.user_id)
                if channel.enabled:
                    self.by_user[channel.user_id].append(channel)
            elif channel.enabled:
                channel.team = teams[channel.team_id]
                self.by_team[channel.team_id].append(channel)

    def people(self, ticket: Ticket, roles: Iterable[str]) -> tuple[list[User], list[Team]]:
        """The users and teams behind `roles` for `ticket`, each once.

        No assignee yet: the assignee's messages go to the ticket's team. No team lead: to
        the team. Service managers are every active user with that role.
        """
        users: dict[int, User] = {}
        teams: dict[int, Team] = {}
        for role in roles:
            if role == "assignee" and ticket.assignee is not None:
                users.setdefault(ticket.assignee.pk, ticket.assignee)
            elif role == "team_lead" and ticket.team is not None and ticket.team.lead is not None:
                users.setdefault(ticket.team.lead.pk, ticket.team.lead)
            elif role == "service_manager":
                for user in self.managers:
                    users.setdefault(user.pk, user)
            elif role == "requester":
                users.setdefault(ticket.requester.pk, ticket.requester)
            elif ticket.team is not None:  # team, or an assignee or lead the ticket lacks
                teams.setdefault(ticket.team.pk, ticket.team)
        return list(users.values()), list(teams.values())

    def channels(self, users: Iterable[User], teams: Iterable[Team]) -> list[Channel]:
        """Their enabled channels; a person who never had one is given one for e-mail."""
        found: list[Channel] = []
        for user in users:
            if user.pk in self.has_any:
                found.extend(self.by_user[user.pk])
            elif user.email:
                # Told by e-mail; the channel is created so it shows on their notifications
                # page, where they can turn it off or add others.
                channel = default_email(user)
                self.has_any.add(user.pk)
                self.by_user[user.pk].append(channel)
                found.append(channel)
        for team in teams:
            found.extend(self.by_team[team.pk])
        return found

    def channels_for(self, ticket: Ticket, roles: Iterable[str]) -> list[Channel]:
        return self.channels(*self.people(ticket, roles))


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

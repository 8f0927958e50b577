"""The agents' queue: open tickets, most urgent SLA deadline first, one page at a time.

A ticket's place in the queue is its lead clock: the running clock due first (overdue, i.e.
breached, clocks come first of all). The page is read straight off the clock table's
(state, due) index, joined to the tickets, with LIMIT: no scan of the open tickets however
many there are. Open tickets with no running clock (all paused, or not measured) follow,
breached ones first, then oldest first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from sladesk.people.models import User
from sladesk.sla import versions
from sladesk.sla.models import Clock, ClockState, SlaVersion

from .deadlines import Reading, read_stored
from .models import OPEN_STATUSES, Ticket
from .permissions import visible_tickets


@dataclass(frozen=True)
class Filters:
    """What the agent narrowed the queue to; empty values mean no filter."""

    team: int | None = None
    status: str = ""
    priority: str = ""
    breached: bool = False
    due_today: bool = False
    mine: bool = False

    @property
    def active(self) -> bool:
        return any(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass
class Row:
    """One ticket of the page, with its clocks read at the time of the request."""

    ticket: Ticket
    readings: list[Reading] = field(default_factory=list)

    @property
    def lead(self) -> Reading | None:
        """The clock that places the ticket: running and due first, else any breached one."""
        running = [r for r in self.readings if r.running and r.due is not None]
        if running:
            return min(running, key=lambda r: r.due)
        return next((r for r in self.readings if r.breached), None)

    @property
    def breached(self) -> bool:
        return any(r.breached for r in self.readings)


def _running_due() -> Q:
    return Q(state=ClockState.RUNNING, due__isnull=False)


def lead_clocks() -> QuerySet[Clock]:
    """Each ticket's running clock that is due first (ties: the lower id)."""
    earlier = Clock.objects.filter(_running_due(), ticket_id=OuterRef("ticket_id")).filter(
        Q(due__lt=OuterRef("due")) | Q(due=OuterRef("due"), pk__lt=OuterRef("pk"))
    )
    return Clock.objects.filter(_running_due()).filter(~Exists(earlier))


def breached(now: datetime) -> Q:
    """Tickets with a clock that breached, or a running clock past its due time."""
    # One small set read off the clock indexes, rather than a look-up per open ticket.
    return Q(pk__in=Clock.objects.breached(now).values("ticket_id"))


def end_of_today(now: datetime) -> datetime:
    """Midnight after `now` in the current time zone (the user's)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


class Queue:
    """The filtered queue as a sequence Django's Paginator can page through."""

    def __init__(self, user: User, filters: Filters, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.filters = filters
        tickets = visible_tickets(user).filter(status__in=OPEN_STATUSES)
        if filters.team:
            tickets = tickets.filter(team_id=filters.team)
        if filters.status:
            tickets = tickets.filter(status=filters.status)
        if filters.priority:
            tickets = tickets.filter(priority=filters.priority)
        if filters.mine:
            tickets = tickets.filter(assignee=user)
        if filters.breached:
            tickets = tickets.filter(breached(self.now))
        self.tickets = tickets
        leads = lead_clocks().filter(ticket__in=tickets.values("pk"))
        if filters.due_today:
            leads = leads.filter(due__lt=end_of_today(self.now))
        self.leads = leads.order_by("due", "ticket_id")

    @cached_property
    def _total(self) -> int:
        if self.filters.due_today:
            return self.leads.count()
        return self.tickets.count()

    def count(self) -> int:
        return self._total

    def __len__(self) -> int:
        return self._total

    def __getitem__(self, window: slice) -> list[Row]:
        start, stop = window.start or 0, window.stop
        size = stop - start
        related = ("ticket__team", "ticket__assignee", "ticket__requester__organisation")
        leads = list(self.leads.select_related(*related)[start:stop])
        tickets = [lead.ticket for lead in leads]
        if len(tickets) < size and not self.filters.due_today:
            tickets += self._unclocked(start, size, len(tickets))
        return self._rows(tickets)

    def _unclocked(self, start: int, size: int, found: int) -> list[Ticket]:
        """The page's share of the tickets that have no running clock."""
        # When the led tickets end on this page, the rest start at 0; past them, count them.
        offset = max(0, start - self.leads.count()) if start and not found else 0
        running = Clock.objects.filter(_running_due(), ticket_id=OuterRef("pk"))
        rest = (
            self.tickets.filter(~Exists(running))
            .select_related("team", "assignee", "requester__organisation")
            .alias(breached=ExpressionWrapper(breached(self.now), output_field=BooleanField()))
            .order_by("-breached", "created_at", "pk")
        )
        return list(rest[offset : offset + size - found])

    def _rows(self, tickets: list[Ticket]) -> list[Row]:
        """Each ticket with its clocks read now: one query for the clocks, one for the SLAs."""
        by_ticket: dict[int, list[Clock]] = defaultdict(list)
        for clock in Clock.objects.filter(ticket__in=[t.pk for t in tickets]).order_by("pk"):
            by_ticket[clock.ticket_id].append(clock)
        used = {t.sla_version_id for t in tickets if t.sla_version_id}
        configs = {
            v.pk: versions.config_of(v)
            for v in SlaVersion.objects.filter(pk__in=used).only("pk", "sha256", "source")
        }
        rows = []
        for ticket in tickets:
            config = configs.get(ticket.sla_version_id)
            readings = [
                read_stored(c, computed_at=ticket.updated_at, config=config, now=self.now)
                for c in by_ticket[ticket.pk]
                if config is not None
            ]
            rows.append(Row(ticket, readings))
        return rows

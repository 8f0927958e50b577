"""Every change to a ticket goes through here.

Each action runs in one transaction: it locks the ticket row, refuses a change made from
an older revision (ConflictError), appends history events, updates the ticket and
refreshes its SLA clocks through the engine. Views and the API only translate requests
into these calls; they never write tickets themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.notify import desk_events
from sladesk.people.models import Team, User
from sladesk.search import tickets as search_tickets
from sladesk.sla import clocks, versions

from . import assignment
from .models import (
    NUMBER_PREFIX,
    Attachment,
    Category,
    EventKind,
    Kind,
    NumberSequence,
    Service,
    Status,
    Ticket,
    TicketEvent,
)
from .permissions import can_see, can_work

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class ActionError(ValueError):
    """A request that cannot be done as asked; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ConflictError(Exception):
    """The ticket changed since the caller read it; `ticket` is its current state."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(
            _("Ticket %(number)s was changed by someone else (now revision %(revision)s).")
            % {"number": ticket.number, "revision": ticket.revision}
        )
        self.ticket = ticket


@dataclass
class _Change:
    """The ticket being changed, locked, with the instant and actor of the change."""

    ticket: Ticket
    actor: User | None
    at: datetime
    recorded: int = 0  # events appended; a change that records nothing saves nothing
    timed: bool = False  # one of them is an SLA event: the clocks must be recomputed
    events: list[TicketEvent] = field(default_factory=list)
    was: str = ""  # the status before the change

    def event(
        self,
        kind: str,
        *,
        public: bool = True,
        body: str = "",
        data: dict[str, Any] | None = None,
        sla: dict[str, Any] | None = None,
    ) -> TicketEvent:
        self.ticket.event_count += 1
        self.recorded += 1
        self.timed = self.timed or sla is not None
        event = TicketEvent.objects.create(
            ticket=self.ticket,
            seq=self.ticket.event_count,
            at=self.at,
            actor=self.actor,
            kind=kind,
            public=public,
            body=body,
            data=data or {},
            sla=sla,
        )
        self.events.append(event)
        return event

    def status(self, new: str) -> None:
        old = self.ticket.status
        if old == new:
            return
        self.ticket.status = new
        self.event(EventKind.STATUS, data={"from": old, "to": new}, sla=_status(new))


def _status(status: str) -> dict[str, Any]:
    return {"type": "status", "status": status}


# -- creating ---------------------------------------------------------------------------


def create_ticket(
    *,
    requester: User,
    subject: str,
    description: str,
    service: Service | None = None,
    category: Category | None = None,
    impact: str = "medium",
    urgency: str = "medium",
    kind: str = Kind.INCIDENT,
    priority: str = "",
    priority_reason: str = "",
    actor: User | None = None,
    attachments: Iterable[UploadedFile] = (),
    at: datetime | None = None,
) -> Ticket:
    """A new ticket, assigned to a team and an agent, with its clocks started."""
    actor = actor or requester
    at = _instant(at)
    if requester.organisation_id is None:
        raise ActionError("requester", _("The requester belongs to no organisation."))
    if actor != requester and not actor.is_agent:
        raise PermissionDenied(_("Only agents may open tickets for someone else."))
    if not subject.strip():
        raise ActionError("subject", _("Give the ticket a subject."))
    version = versions.in_force()
    if version is None:
        raise ActionError("sla", _("No SLA configuration is in force: run `sladesk sla apply`."))
    config = versions.config_of(version)
    sla_fields = {
        "kind": kind,
        "organisation": requester.organisation.code,
        "service": service.code if service else None,
        "category": category.code if category else None,
    }
    created: dict[str, Any] = {"type": "created", "status": Status.NEW, "fields": sla_fields}
    if priority:
        _check_override(config, priority, priority_reason, actor)
        created["priority"] = priority
    else:
        priority = config.priority_from(impact, urgency) or ""
        if not priority:
            raise ActionError("impact", _("The SLA has no priority for this impact and urgency."))
        created.update(impact=impact, urgency=urgency)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=_next_number(kind, at),
            kind=kind,
            subject=subject.strip(),
            description=description,
            requester=requester,
            organisation=requester.organisation,
            service=service,
            category=category,
            impact=impact,
            urgency=urgency,
            priority=priority,
            priority_overridden=bool(priority_reason),
            sla_version=version,
            created_at=at,
            updated_at=at,
        )
        change = _Change(ticket, actor, at)
        event = change.event(
            EventKind.CREATED,
            body=description,
            data={"subject": ticket.subject, "priority": priority, "reason": priority_reason},
            sla=created,
        )
        _attach(event, attachments)
        team = assignment.team_for(service, category)
        if team is not None:
            _assign(change, team, assignment.pick_agent(team, at), reason="")
        _finish(change)
    return ticket


def _next_number(kind: str, at: datetime) -> str:
    prefix = NUMBER_PREFIX[kind]
    year = timezone.localtime(at).year
    seq, _created = NumberSequence.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"


def _check_override(config: Any, priority: str, reason: str, actor: User | None) -> None:
    if priority not in config.priorities:
        allowed = ", ".join(config.priorities)
        raise ActionError("priority", _("Unknown priority; allowed: %s.") % allowed)
    if actor is None or not actor.is_agent:
        raise PermissionDenied(_("Only agents may set the priority by hand."))
    if not reason.strip():
        raise ActionError("reason", _("Say why the priority differs from the matrix."))


# -- the agent's actions ----------------------------------------------------------------


def reply(
    ticket: Ticket,
    *,
    actor: User,
    body: str,
    revision: int | None = None,
    attachments: Iterable[UploadedFile] = (),
    at: datetime | None = None,
) -> Ticket:
    """A public reply; an agent's first one is the response the SLA measures."""
    if not body.strip():
        raise ActionError("body", _("The reply is empty."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        if actor.is_agent:
            _require_open(t)
            event = _agent_reply(change, body)
            if t.status in (Status.NEW, Status.ASSIGNED):
                change.status(Status.IN_PROGRESS)
        else:
            event = change.event(EventKind.REPLY, body=body)
            if t.status == Status.WAITING_REQUESTER:
                change.status(Status.IN_PROGRESS)  # the requester answered: the clock runs
        _attach(event, attachments)
    return change.ticket


def note(
    ticket: Ticket,
    *,
    actor: User,
    body: str,
    revision: int | None = None,
    attachments: Iterable[UploadedFile] = (),
    at: datetime | None = None,
) -> Ticket:
    """An internal note, never shown to the requester."""
    _require_agent(actor)
    if not body.strip():
        raise ActionError("body", _("The note is empty."))
    with _changing(ticket, actor, revision, at) as change:
        event = change.event(EventKind.NOTE, public=False, body=body)
        _attach(event, attachments)
    return change.ticket


def set_status(
    ticket: Ticket,
    *,
    actor: User,
    status: str,
    reason: str = "",
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Start work, or wait on the requester or a vendor (the SLA may pause meanwhile)."""
    _require_agent(actor)
    allowed = (Status.IN_PROGRESS, Status.WAITING_REQUESTER, Status.WAITING_VENDOR)
    if status not in allowed:
        raise ActionError("status", _("Use resolve, confirm or reopen for that status."))
    with _changing(ticket, actor, revision, at) as change:
        _require_open(change.ticket)
        if change.ticket.status == status:
            raise ActionError("status", _("The ticket already has that status."))
        if reason.strip():  # what the requester is asked for is a reply like any other
            _agent_reply(change, reason)
        change.status(status)
    return change.ticket


def _agent_reply(change: _Change, body: str) -> TicketEvent:
    """An agent's public message: the first one is the response the SLA measures."""
    t = change.ticket
    responded = t.first_response_at is None
    sla = {"type": "responded" if responded else "updated"}
    event = change.event(EventKind.REPLY, body=body, sla=sla)
    if responded:
        t.first_response_at = change.at
    t.last_public_update_at = change.at
    return event


def change_priority(
    ticket: Ticket,
    *,
    actor: User,
    priority: str,
    reason: str,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """An agent's override of the matrix priority, with the reason kept in the history."""
    config = versions.config_of(ticket.sla_version)
    _check_override(config, priority, reason, actor)
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_open(t)
        if priority == t.priority:
            raise ActionError("priority", _("The ticket already has that priority."))
        change.event(
            EventKind.PRIORITY,
            body=reason,
            data={"from": t.priority, "to": priority},
            sla={"type": "priority", "priority": priority},
        )
        t.priority = priority
        t.priority_overridden = True
    return change.ticket


def assign(
    ticket: Ticket,
    *,
    actor: User,
    team: Team,
    assignee: User | None = None,
    reason: str = "",
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Reassign to a team and (or else the team's least busy agent) a person."""
    _require_agent(actor)
    if assignee is not None and not assignee.memberships.filter(team=team).exists():
        raise ActionError(
            "assignee", _("%(who)s is not in %(team)s.") % {"who": assignee, "team": team}
        )
    with _changing(ticket, actor, revision, at) as change:
        _require_open(change.ticket)
        who = assignee or assignment.pick_agent(team, change.at)
        _assign(change, team, who, reason)
    return change.ticket


def escalate(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    team: Team | None = None,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Functional escalation: first line hands the ticket to second line, with a reason."""
    _require_agent(actor)
    if not reason.strip():
        raise ActionError("reason", _("Say why the ticket is escalated."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_open(t)
        target = team or assignment.second_line_for(t.team)
        if target is None or target == t.team:
            raise ActionError("team", _("There is no second-line team to escalate to."))
        change.event(
            EventKind.ESCALATED,
            body=reason,
            data={"from_team": _name(t.team), "to_team": target.name, "level": target.level},
        )
        t.escalation_level = max(t.escalation_level, target.level)
        _assign(change, target, assignment.pick_agent(target, change.at), reason)
    return change.ticket


def resolve(
    ticket: Ticket,
    *,
    actor: User,
    resolution: str,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The agent's resolution; the requester then confirms it or says it is not solved."""
    _require_agent(actor)
    if not resolution.strip():
        raise ActionError("resolution", _("Describe the resolution."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_open(t)
        change.event(EventKind.RESOLVED, body=resolution, sla={"type": "resolved"})
        t.status = Status.RESOLVED
        t.resolution = resolution
        t.resolved_at = change.at
        t.last_public_update_at = change.at
        t.auto_close_at = _auto_close_at(t, change.at)
    return change.ticket


def _auto_close_at(ticket: Ticket, resolved_at: datetime) -> datetime:
    """The end of the n-th working day after resolution, on the resolution clock's calendar."""
    config = versions.config_of(ticket.sla_version)
    stored = ticket.clocks.filter(metric="resolution").exclude(calendar="").first()
    calendar = config.calendars.get(stored.calendar) if stored else None
    calendar = calendar or next(iter(config.calendars.values()))
    end = calendar.after_working_days(resolved_at.timestamp(), settings.SLADESK_CONFIRM_DAYS)
    return datetime.fromtimestamp(end, UTC)


def close_unconfirmed(now: datetime | None = None) -> int:
    """Close the resolved tickets whose confirmation period is over; returns how many."""
    now = now or timezone.now()
    due = Ticket.objects.filter(status=Status.RESOLVED, auto_close_at__lte=now)
    closed = 0
    for ticket in due.order_by("auto_close_at").iterator():
        closed += close_resolved(ticket, at=ticket.auto_close_at).status == Status.CLOSED
    return closed


# -- the requester's side ---------------------------------------------------------------


def confirm(
    ticket: Ticket,
    *,
    actor: User,
    rating: int | None = None,
    comment: str = "",
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The requester confirms the resolution (and may rate it): the ticket closes."""
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_requester(change)
        if t.status != Status.RESOLVED:
            raise ActionError("status", _("Only a resolved ticket can be confirmed."))
        change.event(EventKind.CONFIRMED, sla={"type": "closed"})
        t.status = Status.CLOSED
        t.auto_close_at = None
        t.closed_at = change.at
        if rating is not None:
            _rate(change, rating, comment)
    return change.ticket


def reject(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The requester says it is not solved: back to in progress, the clock resumes."""
    if not reason.strip():
        raise ActionError("reason", _("Say what is still not working."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_requester(change)
        if t.status != Status.RESOLVED:
            raise ActionError("status", _("Only a resolved ticket can be sent back."))
        change.event(EventKind.REJECTED, body=reason, sla={"type": "reopened"})
        t.status = Status.IN_PROGRESS
        t.resolved_at = t.auto_close_at = None
    return change.ticket


def reopen(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """A closed ticket comes back (the problem returned); its clocks resume."""
    if not reason.strip():
        raise ActionError("reason", _("Say why the ticket is reopened."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        if t.status not in (Status.RESOLVED, Status.CLOSED):
            raise ActionError("status", _("Only a resolved or closed ticket can be reopened."))
        change.event(EventKind.REOPENED, body=reason, sla={"type": "reopened"})
        t.status = Status.IN_PROGRESS
        t.resolved_at = t.closed_at = t.auto_close_at = None
    return change.ticket


def rate(
    ticket: Ticket,
    *,
    actor: User,
    rating: int,
    comment: str = "",
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The requester's satisfaction, 1 to 5, once the ticket is resolved or closed."""
    with _changing(ticket, actor, revision, at) as change:
        if change.ticket.status not in (Status.RESOLVED, Status.CLOSED):
            raise ActionError("rating", _("A ticket is rated once it is resolved."))
        _rate(change, rating, comment)
    return change.ticket


def mark_out_of_scope(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Close a request the service does not include, saying why; it is not measured.

    The reason is a public reply, so the requester learns where to turn instead.
    """
    _require_agent(actor)
    if not reason.strip():
        raise ActionError("reason", _("Say why the request is out of scope."))
    with _changing(ticket, actor, revision, at) as change:
        t = change.ticket
        _require_open(t)
        change.event(EventKind.OUT_OF_SCOPE, body=reason)
        change.event(EventKind.CLOSED, sla={"type": "closed"})
        t.out_of_scope = True
        t.status, t.closed_at, t.auto_close_at = Status.CLOSED, change.at, None
    return change.ticket


def close_resolved(ticket: Ticket, *, at: datetime | None = None) -> Ticket:
    """Closed by sladesk: the requester did not answer within the confirmation period."""
    with _changing(ticket, None, None, at) as change:
        if change.ticket.status != Status.RESOLVED:
            return change.ticket
        change.event(EventKind.CLOSED, data={"automatic": True}, sla={"type": "closed"})
        change.ticket.auto_close_at = None
        change.ticket.status = Status.CLOSED
        change.ticket.closed_at = change.at
    return change.ticket


def _rate(change: _Change, rating: int, comment: str) -> None:
    _require_requester(change)
    if change.ticket.rating is not None:
        raise ActionError("rating", _("This ticket has been rated already."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ActionError("rating", _("A rating is a whole number from 1 to 5."))
    change.event(EventKind.RATED, body=comment, data={"rating": rating})
    change.ticket.rating = rating
    change.ticket.rating_comment = comment


# -- shared steps -----------------------------------------------------------------------


@contextmanager
def _changing(
    ticket: Ticket, actor: User | None, revision: int | None, at: datetime | None
) -> Iterator[_Change]:
    """Lock the ticket, check who may change it and from which revision; save at the end."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if actor is not None:
            if not can_see(actor, locked):
                raise PermissionDenied(_("You cannot see this ticket."))
            if actor.is_agent and not can_work(actor, locked):
                raise PermissionDenied(_("This ticket belongs to a team you are not in."))
        if revision is not None and locked.revision != revision:
            raise ConflictError(locked)
        # History is in time order: a change is never recorded before the last one.
        change = _Change(locked, actor, max(_instant(at), locked.updated_at), was=locked.status)
        yield change
        _finish(change)


def _instant(at: datetime | None) -> datetime:
    """When a change happens, to the whole second: SLA history needs no finer, and the
    engine's bulk path (reports, what-if) reads whole seconds at full speed."""
    return (at or timezone.now()).replace(microsecond=0)


def _require_requester(change: _Change) -> None:
    if change.actor is None or change.actor.pk != change.ticket.requester_id:
        raise PermissionDenied(_("Only the ticket's requester can do this."))


def _finish(change: _Change) -> None:
    """Save the ticket with a new revision and bring its clocks up to date."""
    if not change.recorded:
        return
    t = change.ticket
    t.revision += 1
    t.updated_at = change.at
    # Stored clocks are read at the last SLA event, as `sla compute` reads the exported
    # events; a note or an assignment alone leaves them as they are. The refresh also sets
    # the ticket's SLA summary, saved with the rest of the ticket.
    if change.timed:
        clocks.refresh(t)
    t.save()
    desk_events.after_change(t, change.events, change.actor)
    if t.status != change.was and {t.status, change.was} & set(search_tickets.SEARCHABLE):
        # Resolved and closed tickets are found by agents' searches; reopened ones are not.
        transaction.on_commit(lambda: search_tickets.index_ticket(t))


def _assign(change: _Change, team: Team, who: User | None, reason: str) -> None:
    t = change.ticket
    change.event(
        EventKind.ASSIGNED,
        public=False,
        body=reason,
        data={
            "from_team": _name(t.team),
            "from_assignee": _name(t.assignee),
            "team": team.name,
            "assignee": _name(who),
        },
    )
    t.team, t.assignee = team, who
    if t.status == Status.NEW and who is not None:
        change.status(Status.ASSIGNED)


def _attach(event: TicketEvent, files: Iterable[UploadedFile]) -> None:
    for upload in files:
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise ActionError("attachments", _("%s is larger than 20 MB.") % upload.name)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        Attachment.objects.create(
            event=event,
            file=upload,
            name=upload.name,
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "",
            sha256=digest.hexdigest(),
        )


def _require_agent(actor: User | None) -> None:
    if actor is None or not actor.is_agent:
        raise PermissionDenied(_("Only agents can do this."))


def _require_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise ActionError("status", _("The ticket is %s.") % ticket.get_status_display())


def _name(obj: Any) -> str:
    return str(obj) if obj is not None else ""

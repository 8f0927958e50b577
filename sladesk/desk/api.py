"""The service desk's REST API: tickets, their history, the actions on them, SLA clocks.

Each endpoint finds the ticket among those the caller may see (`visible_tickets`): any
other number is 404, exactly like a number that does not exist, so nothing leaks. Then it
calls one function of `desk.actions`, which decides who may do what and records it; the
API adds no rule of its own. Errors are translated here into HTTP:

- actions.ActionError     -> 422, `{"detail": [{"loc": ["body", field], "msg": …}]}`
- actions.ConflictError   -> 409, `{"detail": …, "ticket": <its current state>}`
- PermissionDenied        -> 403, `{"detail": …}` (registered in sladesk/api.py)
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase, paginate
from pydantic import PlainSerializer

from sladesk.engine.explain import explain_dict, explain_text
from sladesk.people.models import Team, User
from sladesk.people.tokens import api_auth
from sladesk.sla import clocks
from sladesk.sla.models import Clock, ClockState

from . import actions
from .models import Category, Kind, Level, Service, Ticket, TicketEvent
from .models import Status as TicketStatus
from .permissions import sees_internal, visible_tickets

router = Router(auth=api_auth(), tags=["tickets"])


# -- schemas ----------------------------------------------------------------------------

# Instants are written in the site's time zone: "2026-10-12T09:15:00+08:00".
Instant = Annotated[
    datetime, PlainSerializer(lambda t: timezone.localtime(t).isoformat(), return_type=str)
]


class Person(Schema):
    username: str = Field(examples=["bob"])
    name: str = Field(examples=["Bob"])


class Ref(Schema):
    """An organisation, team, service or category, by its code."""

    code: str = Field(examples=["finance"])
    name: str = Field(examples=["财务部"])


class ClockSummary(Schema):
    """A stored clock as of the ticket's last change (GET …/sla reads it at this instant)."""

    metric: str = Field(examples=["resolution"])
    priority: str = Field(examples=["P3"])
    state: ClockState
    due: Instant | None
    met: bool | None
    breached_at: Instant | None


class TicketOut(Schema):
    number: str = Field(examples=["INC-2026-000123"])
    kind: Kind
    subject: str = Field(examples=["报表系统无法登录"])
    description: str
    status: TicketStatus
    status_label: str = Field(examples=["已分派"])
    impact: Level
    urgency: Level
    priority: str = Field(examples=["P3"])
    priority_overridden: bool
    requester: Person
    organisation: Ref
    service: Ref | None
    category: Ref | None
    team: Ref | None
    assignee: Person | None
    escalation_level: int = Field(description="1 first line, 2 second line")
    created_at: Instant
    updated_at: Instant
    first_response_at: Instant | None
    resolved_at: Instant | None
    closed_at: Instant | None
    resolution: str
    rating: int | None
    rating_comment: str
    revision: int = Field(
        description="Send it back with a change: a change from an older revision is 409."
    )
    next_due: Instant | None = Field(description="The earliest due time of a running clock.")
    breached: bool = Field(description="A clock has breached its target (or is past due).")
    clocks: list[ClockSummary]

    @staticmethod
    def resolve_status_label(ticket: Ticket) -> str:
        return ticket.get_status_display()

    @staticmethod
    def resolve_next_due(ticket: Ticket) -> datetime | None:
        return ticket.sla_due  # kept by sla.clocks.refresh

    @staticmethod
    def resolve_breached(ticket: Ticket) -> bool:
        now = timezone.now()
        return any(c.is_breached(now) for c in ticket.clocks.all())


class AttachmentOut(Schema):
    name: str
    size: int
    content_type: str
    sha256: str


class EventOut(Schema):
    seq: int = Field(examples=[3])
    at: Instant
    kind: str = Field(examples=["reply"])
    kind_label: str = Field(examples=["回复"])
    actor: Person | None = Field(description="Empty: sladesk itself.")
    public: bool = Field(description="False: an internal note, seen by the support staff only.")
    body: str
    data: dict[str, Any]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_kind_label(event: TicketEvent) -> str:
        return event.get_kind_display()


class ClockOut(Schema):
    """One SLA clock read now by the engine, with why it is met, breached or running."""

    metric: str = Field(examples=["response"])
    policy: str = Field(examples=["standard"])
    priority: str = Field(examples=["P3"])
    calendar: str = Field(examples=["cn-5x8"])
    state: ClockState
    elapsed: float = Field(description="Business seconds counted so far.", examples=[1800])
    target: int | None = Field(description="Business seconds allowed.", examples=[7200])
    remaining: float | None = Field(
        description="target - elapsed while the clock runs or waits (negative: over)."
    )
    due: Instant | None
    met: bool | None
    breached_at: Instant | None
    why: str = Field(examples=["running: 30m of 2h used, 1h30m left; due …"])
    timeline: list[dict[str, Any]]


class SlaOut(Schema):
    ticket: str = Field(examples=["INC-2026-000123"])
    sla_version: int | None = Field(examples=[3])
    policy: str | None
    now: Instant
    clocks: list[ClockOut]
    explanation: str = Field(description="The same text as `sladesk sla explain`.")


class ServiceOut(Schema):
    code: str = Field(examples=["erp"])
    name: str = Field(examples=["报表系统"])
    name_en: str = Field(examples=["Reporting"])
    description: str
    team: Ref | None


class CategoryOut(Schema):
    code: str = Field(examples=["software"])
    name: str = Field(examples=["软件"])
    name_en: str = Field(examples=["Software"])
    team: Ref | None


class Error(Schema):
    detail: str


class FieldError(Schema):
    type: str = Field(examples=["invalid"])
    loc: list[str | int] = Field(examples=[["body", "subject"]])
    msg: str = Field(examples=["Give the ticket a subject."])


class FieldErrors(Schema):
    detail: list[FieldError]


class Conflict(Schema):
    detail: str = Field(examples=["Ticket INC-2026-000123 was changed by someone else …"])
    ticket: TicketOut


# -- inputs ----------------------------------------------------------------------------


class Change(Schema):
    revision: int | None = Field(
        None,
        description="The revision the change was made from; omit to change whatever is there.",
        examples=[4],
    )


class TicketIn(Schema):
    subject: str = Field(max_length=200, examples=["报表系统无法登录"])
    description: str = Field("", examples=["月度结账时提示“会话过期”。"])
    service: str | None = Field(None, description="A service code.", examples=["erp"])
    category: str | None = Field(None, description="A category code.", examples=["software"])
    kind: Kind = Kind.INCIDENT
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    priority: str = Field(
        "", description="Agents only: instead of the SLA's matrix.", examples=["P1"]
    )
    priority_reason: str = Field("", description="Required with priority.")
    requester: str | None = Field(
        None, description="Agents only: the username of the person the ticket is for."
    )


class TextIn(Change):
    body: str = Field(examples=["已重置密码，请再试一次。"])


class StatusIn(Change):
    status: Literal["in_progress", "waiting_requester", "waiting_vendor"]
    reason: str = Field("", description="Shown to the requester when given.")


class PriorityIn(Change):
    priority: str = Field(examples=["P1"])
    reason: str = Field(examples=["全公司月结受影响"])


class EscalateIn(Change):
    reason: str = Field(examples=["需要数据库权限"])
    team: str | None = Field(None, description="A team code; default: second line.")


class AssignIn(Change):
    team: str = Field(description="A team code.", examples=["l1"])
    assignee: str | None = Field(
        None, description="A username; default: the team's agent on duty with least work."
    )
    reason: str = ""


class ResolveIn(Change):
    resolution: str = Field(examples=["重置了密码"])


class ConfirmIn(Change):
    rating: int | None = Field(None, description="1 to 5.", examples=[5])
    comment: str = ""


class ReasonIn(Change):
    reason: str = Field(examples=["还是无法登录"])


class RatingIn(Change):
    rating: int = Field(description="1 to 5.", examples=[4])
    comment: str = Field("", examples=["很快"])


class TicketFilters(Schema):
    status: list[TicketStatus] | None = Field(None, description="Repeat for several.")
    priority: list[str] | None = Field(None, examples=[["P1", "P2"]])
    team: str | None = Field(None, description="A team code.")
    organisation: str | None = Field(None, description="An organisation code.")
    assignee: str | None = Field(None, description="A username, or `me`.")
    breached: bool | None = Field(None, description="true: a clock breached or is past due.")
    due_before: datetime | None = Field(None, description="A running clock is due before.")
    q: str | None = Field(None, description="Text in the number or subject.")
    ordering: Literal["due", "-created", "created", "-updated", "priority"] = Field(
        "due", description="due: the earliest running clock first, as in the agent queue."
    )


# -- pagination --------------------------------------------------------------------------


class PageQuery(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


class Page(PaginationBase):
    """`?page=2&page_size=50`: the count of all matches, links to the pages around."""

    Input = PageQuery

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        items: list[Any]

    def paginate_queryset(self, queryset, pagination: PageQuery, request: HttpRequest, **params):
        size, page = pagination.page_size, pagination.page
        start = (page - 1) * size
        count = queryset.count()
        return {
            "count": count,
            "next": _page_url(request, page + 1) if start + size < count else None,
            "previous": _page_url(request, page - 1) if page > 1 else None,
            "items": queryset[start : start + size],
        }


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# -- reading -----------------------------------------------------------------------------

WRITE_ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Conflict, 422: FieldErrors}

# "due" is the agent queue's order: the earliest due running clock first (overdue ones are
# the earliest); then the tickets with no running clock, breached ones first, oldest first.
# Sorted on the ticket's own copy of its clocks (sla_due, sla_breached: one index), not on
# a subquery per ticket, which took seconds at 100,000 tickets.
ORDERINGS = {
    "due": (F("sla_due").asc(nulls_last=True), F("sla_breached").desc(), "created_at"),
    "created": ("created_at",),
    "-created": ("-created_at", "-pk"),  # instants are whole seconds: ties are common
    "-updated": ("-updated_at", "-pk"),
    "priority": ("priority", F("sla_due").asc(nulls_last=True)),
}


@router.get("/tickets", response=list[TicketOut], summary="List tickets")
@paginate(Page)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]):
    """The tickets the caller may see, most urgent first: the earliest due running clock."""
    user: User = request.auth
    tickets = _with_details(visible_tickets(user))
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    if filters.team:
        tickets = tickets.filter(team__code=filters.team)
    if filters.organisation:
        tickets = tickets.filter(organisation__code=filters.organisation)
    if filters.assignee:
        who = (
            Q(assignee=user) if filters.assignee == "me" else Q(assignee__username=filters.assignee)
        )
        tickets = tickets.filter(who)
    breached = Exists(Clock.objects.breached(timezone.now()).filter(ticket=OuterRef("pk")))
    if filters.breached is not None:
        tickets = tickets.filter(breached if filters.breached else ~breached)
    if filters.due_before:
        tickets = tickets.filter(sla_due__lt=_aware(filters.due_before))
    if filters.q:
        tickets = tickets.filter(Q(number__icontains=filters.q) | Q(subject__icontains=filters.q))
    return tickets.order_by(*ORDERINGS[filters.ordering], "pk")


@router.get("/tickets/{number}", response={200: TicketOut, 404: Error}, summary="Get a ticket")
def get_ticket(request: HttpRequest, number: str):
    return _details(_visible(request, number))


@router.get(
    "/tickets/{number}/events",
    response={200: list[EventOut], 404: Error},
    summary="History of a ticket",
)
@paginate(Page)
def list_events(request: HttpRequest, number: str):
    """The ticket's history in order; requesters see the public events only."""
    ticket = _visible(request, number)
    events = ticket.events.select_related("actor").prefetch_related("attachments")
    if not sees_internal(request.auth):
        events = events.filter(public=True)
    return events.order_by("seq")


@router.get(
    "/tickets/{number}/sla",
    response={200: SlaOut, 404: Error},
    tags=["sla"],
    summary="SLA clocks of a ticket, explained",
)
def ticket_sla(request: HttpRequest, number: str):
    """Each SLA clock as the engine reads it now, and why it is met, breached or running."""
    ticket = _visible(request, number)
    now = timezone.now()
    out = {
        "ticket": ticket.number,
        "sla_version": ticket.sla_version.number if ticket.sla_version else None,
        "policy": None,
        "now": now,
        "clocks": [],
        "explanation": "",
    }
    if ticket.sla_version is None:
        return out
    config, events, results = clocks.run(ticket, now, explain=True)
    explained = explain_dict(config, events, results, now.timestamp())
    policy = config.policy_for(events[0].data.get("fields") or {})
    metrics = {m.name: m for m in policy.metrics} if policy else {}
    for result, clock in zip(results, explained["clocks"], strict=True):
        waiting = result.target is not None and result.state != ClockState.STOPPED
        clock |= {
            "policy": explained["policy"],
            "calendar": metrics[result.metric].calendars.get(result.priority, ""),
            "remaining": result.target - result.elapsed if waiting else None,
        }
    out |= {
        "policy": explained["policy"],
        "clocks": explained["clocks"],
        "explanation": explain_text(config, events, results, now.timestamp()),
    }
    return out


@router.get("/services", response=list[ServiceOut], tags=["catalog"], summary="List services")
def list_services(request: HttpRequest):
    """The services a ticket may be raised against."""
    return Service.objects.filter(active=True).select_related("team").order_by("code")


@router.get("/categories", response=list[CategoryOut], tags=["catalog"], summary="List categories")
def list_categories(request: HttpRequest):
    return Category.objects.select_related("team").order_by("code")


# -- writing -----------------------------------------------------------------------------


@router.post(
    "/tickets",
    response={201: TicketOut, 403: Error, 422: FieldErrors},
    summary="Open a ticket",
)
def create_ticket(request: HttpRequest, payload: TicketIn):
    """Open a ticket for yourself, or (agents) for someone else; it is assigned at once."""
    user: User = request.auth
    requester = user
    if payload.requester and payload.requester != user.username:
        # Checked before the lookup, so a requester cannot probe which usernames exist.
        if not user.is_agent:
            raise PermissionDenied(_("Only agents may open tickets for someone else."))
        requester = _find(
            User.objects.filter(is_active=True), "requester", payload.requester, "username"
        )
    service = _find(Service.objects.filter(active=True), "service", payload.service)
    category = _find(Category.objects.all(), "category", payload.category)
    try:
        ticket = actions.create_ticket(
            requester=requester,
            actor=user,
            subject=payload.subject,
            description=payload.description,
            service=service,
            category=category,
            kind=payload.kind,
            impact=payload.impact,
            urgency=payload.urgency,
            priority=payload.priority,
            priority_reason=payload.priority_reason,
        )
    except actions.ActionError as error:
        raise _invalid(error, payload, {"reason": "priority_reason"}) from None
    return Status(201, _details(ticket))


@router.post(
    "/tickets/{number}/replies", response={200: TicketOut, **WRITE_ERRORS}, summary="Reply"
)
def reply(request: HttpRequest, number: str, payload: TextIn):
    """A public reply. An agent's first reply is the response the SLA measures; the
    requester's reply to a ticket waiting on them starts its clock again."""
    return _act(request, number, payload, actions.reply, body=payload.body)


@router.post(
    "/tickets/{number}/notes",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Add an internal note",
)
def note(request: HttpRequest, number: str, payload: TextIn):
    """An internal note (agents): never shown to the requester."""
    return _act(request, number, payload, actions.note, body=payload.body)


@router.post(
    "/tickets/{number}/status",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Start work or wait",
)
def set_status(request: HttpRequest, number: str, payload: StatusIn):
    """Start work, or wait on the requester or a vendor (agents); the SLA may pause."""
    return _act(
        request, number, payload, actions.set_status, status=payload.status, reason=payload.reason
    )


@router.post(
    "/tickets/{number}/priority",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Change the priority",
)
def change_priority(request: HttpRequest, number: str, payload: PriorityIn):
    """Override the matrix priority (agents), with the reason kept in the history."""
    return _act(
        request,
        number,
        payload,
        actions.change_priority,
        priority=payload.priority,
        reason=payload.reason,
    )


@router.post(
    "/tickets/{number}/escalate",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Escalate to second line",
)
def escalate(request: HttpRequest, number: str, payload: EscalateIn):
    """Hand the ticket to second line (agents), with a reason."""
    team = _find(Team.objects.all(), "team", payload.team)
    return _act(request, number, payload, actions.escalate, reason=payload.reason, team=team)


@router.post(
    "/tickets/{number}/assign", response={200: TicketOut, **WRITE_ERRORS}, summary="Reassign"
)
def assign(request: HttpRequest, number: str, payload: AssignIn):
    """Reassign to a team and one of its agents (agents)."""
    team = _find(Team.objects.all(), "team", payload.team)
    assignee = _find(User.objects.filter(is_active=True), "assignee", payload.assignee, "username")
    return _act(
        request,
        number,
        payload,
        actions.assign,
        team=team,
        assignee=assignee,
        reason=payload.reason,
    )


@router.post(
    "/tickets/{number}/resolve", response={200: TicketOut, **WRITE_ERRORS}, summary="Resolve"
)
def resolve(request: HttpRequest, number: str, payload: ResolveIn):
    """The agent's resolution; the requester then confirms or rejects it."""
    return _act(request, number, payload, actions.resolve, resolution=payload.resolution)


@router.post(
    "/tickets/{number}/confirm",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Confirm the resolution",
)
def confirm(request: HttpRequest, number: str, payload: ConfirmIn):
    """The requester confirms the resolution, and may rate it: the ticket closes."""
    return _act(
        request, number, payload, actions.confirm, rating=payload.rating, comment=payload.comment
    )


@router.post(
    "/tickets/{number}/reject",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Reject the resolution",
)
def reject(request: HttpRequest, number: str, payload: ReasonIn):
    """The requester says the resolution did not solve it: back to work, the clock resumes."""
    return _act(request, number, payload, actions.reject, reason=payload.reason)


@router.post(
    "/tickets/{number}/reopen", response={200: TicketOut, **WRITE_ERRORS}, summary="Reopen"
)
def reopen(request: HttpRequest, number: str, payload: ReasonIn):
    """A resolved or closed ticket comes back; its clocks resume."""
    return _act(request, number, payload, actions.reopen, reason=payload.reason)


@router.post("/tickets/{number}/rating", response={200: TicketOut, **WRITE_ERRORS}, summary="Rate")
def rate(request: HttpRequest, number: str, payload: RatingIn):
    """The requester's satisfaction, 1 to 5, once the ticket is resolved."""
    return _act(
        request, number, payload, actions.rate, rating=payload.rating, comment=payload.comment
    )


# -- shared steps ------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    number: str,
    payload: Change,
    action: Callable[..., Ticket],
    **arguments: Any,
) -> Any:
    """Call one action on a visible ticket; answer with its new state, 409 or 422."""
    ticket = _visible(request, number)
    try:
        action(ticket, actor=request.auth, revision=payload.revision, **arguments)
    except actions.ConflictError as conflict:
        return Status(409, {"detail": str(conflict), "ticket": _details(conflict.ticket)})
    except actions.ActionError as error:
        raise _invalid(error, payload) from None
    return _details(ticket)


def _visible(request: HttpRequest, number: str) -> Ticket:
    """The ticket if the caller may see it; 404 alike for one they may not and for none."""
    ticket = visible_tickets(request.auth).filter(number=number).first()
    if ticket is None:
        raise Http404(_("No such ticket."))
    return ticket


def _details(ticket: Ticket) -> Ticket:
    """The ticket as of now, with everything TicketOut reads (a fixed number of queries)."""
    return _with_details(Ticket.objects.filter(pk=ticket.pk)).get()


def _with_details(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related(
        "requester", "organisation", "service", "category", "team", "assignee"
    ).prefetch_related("clocks")


def _find(objects: QuerySet, field: str, key: str | None, by: str = "code") -> Any:
    """The object a code (or username) of the body names; 422 naming the field if none."""
    if key is None:
        return None
    found = objects.filter(**{by: key}).first()
    if found is None:
        raise _field_error(field, str(NOT_FOUND[field]), "not_found")
    return found


NOT_FOUND = {
    "service": gettext_lazy("There is no active service with this code."),
    "category": gettext_lazy("There is no category with this code."),
    "team": gettext_lazy("There is no team with this code."),
    "requester": gettext_lazy("There is no active person with this username."),
    "assignee": gettext_lazy("There is no active person with this username."),
}


def _invalid(error: actions.ActionError, payload: Schema, rename: dict | None = None):
    """An action's refusal in ninja's 422 shape. A field of the request is `["body", name]`;
    one the caller did not send (the ticket's status, say) is `["ticket", name]`."""
    field = (rename or {}).get(error.field, error.field)
    where = "body" if field in type(payload).model_fields else "ticket"
    return _field_error(field, error.message, "invalid", where)


def _field_error(field: str, msg: str, kind: str, where: str = "body") -> ValidationError:
    return ValidationError([{"type": kind, "loc": [where, field], "msg": msg}])


def _aware(t: datetime) -> datetime:
    return timezone.make_aware(t) if timezone.is_naive(t) else t

"""The people's side of the desk: the requesters' portal and the agents' workspace.

Views translate HTTP into calls of sladesk.desk.actions and render what they return:
ActionError becomes an error on the form field it names (400), ConflictError the current
state of the ticket with a conflict message (409), PermissionDenied a 403. A ticket that
the person cannot see is a 404, so its existence is not given away.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sladesk.notify import ticket_panel
from sladesk.people.models import Team
from sladesk.sla import versions

from . import actions, deadlines
from .forms import ACTIONS, ActionForm, NewTicketForm, QueueFilterForm, team_agents
from .models import Attachment, Kind, Service, Status, Ticket
from .permissions import can_see, can_work, sees_internal, visible_tickets
from .queue import Queue

QUEUE_PAGE_SIZE = 25
PORTAL_PAGE_SIZE = 20

DONE = {
    "reply": _("Your reply was sent."),
    "note": _("The internal note was added."),
    "wait-requester": _("The ticket is waiting on the requester; the resolution clock pauses."),
    "wait-vendor": _("The ticket is waiting on the vendor."),
    "resume": _("Work on the ticket has resumed."),
    "priority": _("The priority was changed."),
    "escalate": _("The ticket was escalated."),
    "assign": _("The ticket was reassigned."),
    "resolve": _("The ticket was resolved; the requester is asked to confirm."),
    "out-of-scope": _("The request was closed as out of scope; it is not measured."),
    "outage": _("The outage was recorded; it counts in the service's availability."),
    "confirm": _("Thank you: the ticket is closed."),
    "rate": _("Thank you for your rating."),
    "reject": _("The ticket is back with the support team."),
    "reopen": _("The ticket was reopened."),
}


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a person lands after logging in: agents in the queue, requesters in the portal."""
    return redirect("desk:queue" if request.user.is_agent else "desk:portal")


# -- the requesters' portal ---------------------------------------------------------------

PORTAL_VIEWS = {
    "open": (_("Open"), Q(status__in=[s for s in Status if s != Status.CLOSED])),
    "closed": (_("Closed"), Q(status=Status.CLOSED)),
    "all": (_("All"), Q()),
}


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The requester's organisation's tickets, theirs first to find with a filter."""
    user = request.user
    if user.is_agent:
        return redirect("desk:queue")
    show = request.GET.get("show", "open")
    show = show if show in PORTAL_VIEWS else "open"
    mine = request.GET.get("mine") == "1"
    tickets = visible_tickets(user).filter(PORTAL_VIEWS[show][1])
    if mine:
        tickets = tickets.filter(requester=user)
    tickets = tickets.select_related("requester", "service").order_by("-updated_at", "-pk")
    page = Paginator(tickets, PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/portal.html",
        {
            "nav": "portal",
            "page": page,
            "show": show,
            "mine": mine,
            "query": urlencode({"show": show, **({"mine": 1} if mine else {})}),
            "views": [(key, label) for key, (label, _q) in PORTAL_VIEWS.items()],
        },
    )


@login_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Submit a request; the acknowledgement page shows its deadlines."""
    chosen = Service.objects.filter(code=request.GET.get("service", ""), active=True).first()
    form = NewTicketForm(
        request.POST or None, request.FILES or None, initial={"service": chosen} if chosen else None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = form.create(request.user)
            except actions.ActionError as error:
                _add_error(form, error)
            else:
                return redirect("desk:received", number=ticket.number)
        status = 400
    return render(request, "desk/new_ticket.html", {"nav": "new", "form": form}, status=status)


@login_required
def received(request: HttpRequest, number: str) -> HttpResponse:
    """The acknowledgement: the ticket's number and its expected response and resolution."""
    ticket = _visible(request, number)
    now = timezone.now()
    config = ticket.sla_version and versions.config_of(ticket.sla_version)
    readings = [
        deadlines.read_stored(c, computed_at=ticket.updated_at, config=config, now=now)
        for c in ticket.clocks.order_by("pk")
        if config
    ]
    return render(request, "desk/received.html", {"ticket": ticket, "readings": readings})


# -- the agents' queue --------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open tickets, the most urgent SLA deadline first, with live countdowns."""
    if not request.user.is_agent:
        raise PermissionDenied(_("The queue is for the support team."))
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(Queue(request.user, filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "desk/queue.html",
        {
            "nav": "queue",
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": filters.active,
        },
    )


@login_required
def agents(request: HttpRequest) -> HttpResponse:
    """The agent choices of a team, for the reassignment form (htmx)."""
    if not request.user.is_agent:
        raise PermissionDenied
    team = request.GET.get("team", "")
    members = team_agents(int(team)) if team.isdigit() else team_agents(None).none()
    return render(request, "desk/_agent_options.html", {"agents": members})


# -- one ticket ---------------------------------------------------------------------------


@login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _ticket_page(request, _visible(request, number))


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action on the ticket, from the revision the page was rendered with."""
    form_class = ACTIONS.get(action)
    if form_class is None:
        raise Http404
    ticket = _visible(request, number)
    form = _form(form_class, action, ticket, request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, bound={action: form}, status=400)
    try:
        form.act(request.user)
    except actions.ConflictError as conflict:
        current = _visible(request, number)
        form.keep_after_conflict(current)
        seen = form.cleaned_data.get("seen")
        return _ticket_page(
            request, current, bound={action: form}, conflict=conflict, seen=seen, status=409
        )
    except actions.ActionError as error:
        _add_error(form, error)
        return _ticket_page(request, ticket, bound={action: form}, status=400)
    messages.success(request, DONE[action])
    done = HttpResponseRedirect(reverse("desk:ticket", args=[number]) + "#timeline")
    done.status_code = 303  # See Other: the browser GETs the ticket page
    return done


@login_required
def attachment(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """A file of the ticket's history, for those who may see the ticket and that event."""
    found = get_object_or_404(Attachment.objects.select_related("event__ticket"), pk=pk)
    user = request.user
    if not can_see(user, found.event.ticket) or not (found.event.public or sees_internal(user)):
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


# -- helpers ------------------------------------------------------------------------------


def _visible(request: HttpRequest, number: str) -> Ticket:
    tickets = visible_tickets(request.user).select_related(
        "requester__organisation",
        "organisation",
        "service",
        "category",
        "team",
        "assignee",
        "sla_version",
    )
    return get_object_or_404(tickets, number=number)


def _form(form_class: type[ActionForm], action: str, ticket: Ticket, *args) -> ActionForm:
    # Element ids name the action (id_reply_body, id_escalate_reason): unique on the page.
    return form_class(*args, ticket=ticket, auto_id=f"id_{action.replace('-', '_')}_%s")


def _add_error(form, error: actions.ActionError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def available_actions(user, ticket: Ticket) -> list[str]:
    """The actions the page offers this person now; the actions themselves decide."""
    if can_work(user, ticket):
        if not ticket.is_open:
            return ["note", "reopen"]
        offered = ["reply", "note"]
        waiting = {
            Status.WAITING_REQUESTER: "wait-requester",
            Status.WAITING_VENDOR: "wait-vendor",
            Status.IN_PROGRESS: "resume",
        }
        offered += [name for status, name in waiting.items() if ticket.status != status]
        offered += ["priority"]
        if ticket.team is None or ticket.team.level == Team.Level.FIRST_LINE:
            offered += ["escalate"]
        offered += ["outage"] if ticket.kind == Kind.INCIDENT else []
        return [*offered, "assign", "resolve", "out-of-scope"]
    if user.is_agent:
        return []
    requester = ticket.requester_id == user.pk
    if ticket.status == Status.RESOLVED:
        return ["reply", "confirm", "reject"] if requester else ["reply"]
    if ticket.status == Status.CLOSED:
        return ["rate", "reopen"] if requester and ticket.rating is None else ["reopen"]
    return ["reply"]


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, ActionForm] | None = None,
    conflict: actions.ConflictError | None = None,
    seen: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    internal = sees_internal(user)
    events = ticket.events.select_related("actor").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    if not internal:
        events = events.filter(public=True)
    bound = bound or {}
    forms = {
        name: bound.get(name) or _form(ACTIONS[name], name, ticket)
        for name in available_actions(user, ticket)
    }
    panel = deadlines.panel(ticket, timezone.now())
    context = {
        "ticket": ticket,
        "events": events.order_by("seq"),
        "internal": internal,
        "agent": can_work(user, ticket),
        "forms": forms,
        "open_form": next(iter(bound), ""),
        "panel": panel,
        "conflict": conflict,
        "seen": seen,
        "is_requester": ticket.requester_id == user.pk,
        "status_choices": Status,
        "alerts": ticket_panel.panel(ticket) if internal else None,
    }
    return render(request, "desk/ticket.html", context, status=status)

"""Outages recorded from an incident: the outage names its ticket, and the ticket's history
says that it was recorded (an internal note, so the requester is not told twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk import actions
from sladesk.desk.models import Service, Ticket
from sladesk.people.models import User

from .models import Outage, OutageKind, OutageSource


def from_incident(
    ticket: Ticket,
    *,
    actor: User,
    service: Service,
    started_at: datetime,
    ended_at: datetime | None,
    major: bool,
    cause: str,
    revision: int | None = None,
) -> Ticket:
    """Record that `service` was down because of this incident; returns the ticket."""
    if ended_at is not None and ended_at <= started_at:
        raise actions.ActionError("ended_at", _("The outage must end after it starts."))
    if started_at > timezone.now():
        raise actions.ActionError("started_at", _("An outage from an incident has started."))
    with transaction.atomic():
        Outage.objects.create(
            service=service,
            kind=OutageKind.UNPLANNED,
            started_at=started_at,
            ended_at=ended_at,
            major=major,
            cause=cause,
            ticket=ticket,
            source=OutageSource.INCIDENT,
            created_by=actor,
        )
        until = timezone.localtime(ended_at).strftime("%Y-%m-%d %H:%M") if ended_at else "…"
        text = _("Outage of %(service)s recorded: %(start)s – %(end)s. %(cause)s") % {
            "service": service,
            "start": timezone.localtime(started_at).strftime("%Y-%m-%d %H:%M"),
            "end": until,
            "cause": cause,
        }
        return actions.note(ticket, actor=actor, body=text.strip(), revision=revision)


def from_alerts(ticket: Ticket, service: Service, started_at: datetime, cause: str) -> Outage:
    """The outage of an incident a monitoring alert opened; it ends with the alerts."""
    return Outage.objects.create(
        service=service,
        kind=OutageKind.UNPLANNED,
        started_at=min(started_at, timezone.now()),
        cause=cause,
        ticket=ticket,
        source=OutageSource.ALERT,
    )


def alerts_resolved(ticket: Ticket, ended_at: datetime) -> int:
    """End the alert-recorded outages of `ticket` that are still open."""
    open_ = Outage.objects.filter(ticket=ticket, source=OutageSource.ALERT, ended_at__isnull=True)
    done = 0
    for outage in open_:
        outage.ended_at = max(ended_at, outage.started_at + timedelta(seconds=1))
        outage.save(update_fields=["ended_at"])
        done += 1
    return done

"""What a notification says, in the recipient's language and time zone.

Content is fixed when the notification is written (its cause's transaction), so a retry
days later sends what was true then, and the outbox shows exactly what went out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from sladesk.engine.durations import format_duration

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket
    from sladesk.sla.models import Clock

    from .models import Timer


@dataclass(frozen=True)
class Content:
    title: str
    lead: str  # one sentence: what happened and what to do
    facts: list[tuple[str, str]]
    url: str

    @property
    def text(self) -> str:
        lines = [self.lead, ""] + [f"{label}: {value}" for label, value in self.facts]
        return "\n".join(lines)

    @property
    def markdown(self) -> str:
        facts = "\n".join(f"- **{label}**: {value}" for label, value in self.facts)
        return f"{self.lead}\n\n{facts}"

    @property
    def html(self) -> str:
        return render_to_string("notify/email.html", {"content": self})


ContentFor = Callable[[str, str], "Content"]  # (language, time zone) -> what to say


def ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("desk:ticket", args=[ticket.number])


def metric_name(metric: str) -> str:
    from sladesk.desk.deadlines import METRIC_NAMES

    return str(METRIC_NAMES.get(metric, metric))


def for_timer(ticket: Ticket, timer: Timer, clock: Clock, language: str, zone: str) -> Content:
    """A warning, breach, escalation or reminder about one of the ticket's clocks."""
    with translation.override(language):
        v = {
            "head": f"[{ticket.priority}] {ticket.number}",
            "metric": metric_name(timer.metric),
            "target": format_duration(timer.data.get("target") or clock.target or 0),
        }
        if timer.kind == "warn":
            v["share"] = f"{timer.data['fraction']:.0%}"
            title = _("%(head)s %(metric)s: %(share)s of %(target)s used") % v
            lead = _("%(share)s of the %(metric)s target (%(target)s) is used.") % v
        elif timer.kind == "breach":
            title = _("%(head)s %(metric)s target missed (%(target)s)") % v
            lead = _("The %(metric)s target of %(target)s was not met.") % v
        elif timer.kind == "escalate":
            v["after"] = format_duration(timer.data.get("after", 0))
            title = _("%(head)s escalated to you: %(metric)s still open after %(after)s") % v
            lead = (
                _(
                    "The %(metric)s clock has run %(after)s of its %(target)s target; "
                    "the SLA brings it to you."
                )
                % v
            )
        else:
            v["quiet"] = format_duration(timer.data["elapsed"] - timer.data["since"])
            title = _("%(head)s: the requester has had no update for %(quiet)s") % v
            lead = _("Please tell the requester how the work is going.")
        facts = _facts(ticket, clock, zone)
        return Content(f"{title} · {ticket.subject}", lead, facts, ticket_url(ticket))


def _facts(ticket: Ticket, clock: Clock | None, zone: str) -> list[tuple[str, str]]:
    facts = [
        (_("Ticket"), f"{ticket.number} {ticket.subject}"),
        (_("Priority"), ticket.priority),
        (_("Status"), str(ticket.get_status_display())),
        (_("Requester"), f"{_person(ticket.requester)} ({ticket.organisation.name})"),
        (_("Team"), ticket.team.name if ticket.team else "—"),
        (_("Assignee"), _person(ticket.assignee) if ticket.assignee else "—"),
    ]
    if clock is not None and clock.due is not None:
        facts.append((_("Due"), _when(clock.due, zone)))
    return facts


def _person(user: object) -> str:
    return getattr(user, "full_name", "") or str(user)


def _when(t: datetime, zone: str) -> str:
    return t.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")

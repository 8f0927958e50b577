"""What the SLA rules have done and will do for one ticket, for its agents' side panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .messages import metric_name
from .models import Notification, Timer, TimerState

if TYPE_CHECKING:
    from sladesk.desk.models import Ticket

ROLES = {
    "assignee": gettext_lazy("assignee"),
    "team": gettext_lazy("team"),
    "team_lead": gettext_lazy("team lead"),
    "service_manager": gettext_lazy("service managers"),
}


@dataclass(frozen=True)
class Line:
    when: datetime
    what: str
    to: str
    state: str = ""


def describe(timer: Timer) -> str:
    metric = metric_name(timer.metric)
    if timer.kind == "warn":
        return _("%(metric)s: warning at %(share)s") % {
            "metric": metric,
            "share": f"{timer.data.get('fraction', 0):.0%}",
        }
    if timer.kind == "breach":
        return _("%s: breach notice") % metric
    if timer.kind == "escalate":
        return _("%(metric)s: escalation level %(level)d") % {
            "metric": metric,
            "level": timer.data.get("level", 0) + 1,
        }
    return _("%(metric)s: update reminder %(number)d") % {
        "metric": metric,
        "number": timer.data.get("number", 1),
    }


def panel(ticket: Ticket, limit: int = 10) -> dict[str, list[Line]]:
    """Upcoming timers and the latest notifications of the ticket."""
    pending = Timer.objects.filter(ticket=ticket, state=TimerState.PENDING).order_by("due_at")
    upcoming = [Line(t.due_at, describe(t), _roles(t.to)) for t in pending[:limit]]
    sent = (
        Notification.objects.filter(ticket=ticket)
        .select_related("channel__user", "channel__team")
        .order_by("-created_at", "-id")[:limit]
    )
    told = [
        Line(
            n.created_at, n.title, str(n.channel.owner) if n.channel else "–", n.get_state_display()
        )
        for n in sent
    ]
    return {"upcoming": upcoming, "told": told}


def _roles(to: list[str]) -> str:
    return ", ".join(str(ROLES.get(role, role)) for role in to)

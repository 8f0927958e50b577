"""The webhook that monitoring posts alerts to: `POST /api/alerts/alertmanager/{source}`.

Alertmanager authenticates with the API token of the source's service account
(`http_config.authorization.credentials`). No token or a wrong one: 401; the token of
anyone else: 403; no such source: 404; a payload that is not Alertmanager's version 4:
422 naming the field. When the desk cannot open the ticket (no SLA in force, say) the
answer is 503, which Alertmanager retries.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from sladesk.desk import actions
from sladesk.desk.api import Error, FieldErrors
from sladesk.people.tokens import api_auth

from . import alerts
from .models import AlertSource

# The API's usual authentication (a token, else the session with CSRF): Alertmanager sends
# the token; either way only the source's service account may post.
router = Router(auth=api_auth(), tags=["alerts"])


class AlertsOut(Schema):
    outcome: alerts.Outcome = Field(
        description="created: a new incident; updated: a note on it; unchanged: nothing new "
        "(a retry); ignored: resolved alerts of a group with no open incident."
    )
    ticket: str | None = Field(examples=["INC-2026-000123"])


@router.post(
    "/alertmanager/{source}",
    response={200: AlertsOut, 401: Error, 403: Error, 404: Error, 422: FieldErrors, 503: Error},
    summary="Alertmanager webhook",
)
def alertmanager(request: HttpRequest, source: str, payload: alerts.Notification):
    """An Alertmanager webhook notification (version 4): a firing group opens an incident,
    later notifications add notes to it (docs/inbound.md)."""
    found = AlertSource.objects.select_related("account").filter(slug=source).first()
    if found is None:
        raise Http404(_("No such alert source."))
    if request.auth.pk != found.account_id:
        raise PermissionDenied(_("This token may not post alerts to %s.") % found.slug)
    if not found.enabled:
        raise PermissionDenied(_("The alert source %s is disabled.") % found.slug)
    try:
        handled = alerts.handle(found, payload)
    except actions.ActionError as error:
        return Status(503, {"detail": error.message})
    return AlertsOut(
        outcome=handled.outcome, ticket=handled.ticket.number if handled.ticket else None
    )

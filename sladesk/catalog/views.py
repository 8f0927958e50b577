"""The service catalog as requesters see it: what each service offers, when, how, what it
does not include, and the targets it is held to; a request is one click from there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from sladesk.desk.models import SUPPORT_CHANNELS, SUPPORT_MODES, Service
from sladesk.sla.versions import config_of, in_force

from . import terms


def _published():
    return Service.objects.filter(active=True, published=True).select_related("team")


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    services = list(_published().order_by("name"))
    return render(request, "catalog/catalog.html", {"services": services, "nav": "catalog"})


@login_required
def service(request: HttpRequest, code: str) -> HttpResponse:
    found = get_object_or_404(_published(), code=code)
    version = in_force()
    config = config_of(version) if version else None
    calendar = None
    if config is not None:
        calendar = config.calendars.get(found.calendar) if found.calendar else None
    promised = terms.targets(config, found, request.user) if config else []
    rows: dict[str, dict[str, terms.Target]] = {}
    for target in promised:
        rows.setdefault(target.priority, {})[target.metric] = target
    context = {
        "service": found,
        "targets": rows,
        "hours": terms.hours(calendar) if calendar else "",
        "modes": [label for key, label in SUPPORT_MODES if key in found.modes],
        "channels": [label for key, label in SUPPORT_CHANNELS if key in found.channels],
        "nav": "catalog",
    }
    return render(request, "catalog/service.html", context)

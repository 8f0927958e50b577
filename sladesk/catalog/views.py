"""The service catalog as requesters see it: what each service offers, when, how, what it
does not include, and the targets it is held to; a request is one click from there."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk.models import SUPPORT_CHANNELS, SUPPORT_MODES, Service
from sladesk.reports.scope import Period
from sladesk.sla.versions import config_of, in_force

from . import availability, terms
from .models import Outage


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


@login_required
def availability_page(request: HttpRequest, code: str) -> HttpResponse:
    """A service's availability month by month, its outages and the goals they broke."""
    from sladesk.reports.views import can_report

    if not can_report(request.user):
        raise PermissionDenied
    found = get_object_or_404(Service, code=code)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        period = Period(date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        return HttpResponse(_("Give the year as 2026."), status=400)
    report = availability.measure(found, period)
    outages = {o.pk: o for o in Outage.objects.filter(service=found).select_related("ticket")}
    context = {
        "service": found,
        "year": year,
        "report": report,
        "outages": outages,
        "nav": "reports",
    }
    return render(request, "catalog/availability.html", context)

"""Announcing planned maintenance: written into the outbox for the people of the service
(its team and the service managers), and recorded on the outage, whose notice decides
whether it counts against availability."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sladesk.notify import outbox
from sladesk.notify.messages import Content, ContentFor
from sladesk.notify.models import Channel
from sladesk.people.models import Role, User

from .models import Outage


def announce(outage: Outage) -> str:
    """Announce it now; returns a warning when the notice is shorter than the service needs."""
    now = timezone.now()
    with transaction.atomic():
        outage.announced_at = now
        outage.save(update_fields=["announced_at"])
        outbox.notify(
            _audience(outage), "maintenance", f"maintenance:{outage.pk}", _content(outage)
        )
    notice = outage.started_at - now
    required = timedelta(days=outage.service.maintenance_notice_days)
    if notice >= required:
        return ""
    return _(
        "%(service)s: announced %(days).1f days ahead, %(required)d are required; it counts as "
        "unplanned downtime."
    ) % {
        "service": outage.service,
        "days": max(notice.total_seconds(), 0) / 86400,
        "required": outage.service.maintenance_notice_days,
    }


def _audience(outage: Outage) -> list[Channel]:
    """The service's team, the service managers, and the report recipients of the
    agreements in force that cover the service (its customers)."""
    from sladesk.agreements.models import Agreement

    managers = User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True)
    channels = Channel.objects.filter(enabled=True, user__in=managers)
    if outage.service.team_id:
        channels = channels | Channel.objects.filter(enabled=True, team=outage.service.team_id)
    today = timezone.localdate()
    covering = Agreement.objects.filter(
        services=outage.service, effective_from__lte=today, expires_on__gte=today
    ).exclude(status__in=["draft", "terminated", "expired"])
    customers = Channel.objects.filter(enabled=True, agreements__in=covering)
    return list((channels | customers).distinct().select_related("user", "team"))


def _content(outage: Outage) -> ContentFor:
    def content(language: str, zone: str) -> Content:
        with translation.override(language):
            local = timezone.localtime
            facts = [
                (_("Service"), str(outage.service)),
                (_("From"), f"{local(outage.started_at):%Y-%m-%d %H:%M}"),
                (
                    _("Until"),
                    f"{local(outage.ended_at):%Y-%m-%d %H:%M}" if outage.ended_at else "—",
                ),
                (_("What"), outage.cause or "—"),
            ]
            title = _("Planned maintenance of %(service)s on %(day)s") % {
                "service": outage.service,
                "day": f"{local(outage.started_at):%Y-%m-%d}",
            }
            lead = _("The service will be unavailable during planned maintenance.")
            url = settings.SITE_URL + reverse("catalog:service", args=[outage.service.code])
            return Content(title, lead, facts, url)

    return content

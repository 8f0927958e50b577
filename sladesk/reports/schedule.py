"""Monthly reports made and sent by the worker: on its day, each enabled schedule keeps last
month's report of its scope and tells its recipients through their channels, once."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sladesk.notify import outbox
from sladesk.notify.messages import Content

from . import formatting
from .figures import Figures, from_json
from .keeping import keep
from .models import ReportSchedule, ServiceReport
from .scope import last_month, scope_of


def send_due(today: date | None = None) -> int:
    """Make and send every report whose day has come this month; returns how many."""
    today = today or timezone.localdate()
    period = last_month(today)
    sent = 0
    for schedule in ReportSchedule.objects.filter(enabled=True, day__lte=today.day):
        if schedule.last_sent is not None and schedule.last_sent >= period.first:
            continue
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.last_sent is not None and locked.last_sent >= period.first:
                continue  # another worker sent it meanwhile
            scope = scope_of(locked.scope_kind, locked.scope_code)
            report = keep(scope, period)
            _announce(locked, report)
            locked.last_sent = period.first
            locked.save(update_fields=["last_sent"])
        sent += 1
    return sent


def _announce(schedule: ReportSchedule, report: ServiceReport) -> None:
    figures = from_json(report.figures)
    url = settings.SITE_URL + reverse("reports:report", args=[report.pk])

    def content(language: str, zone: str) -> Content:
        with translation.override(language):
            return _content(report, figures, url)

    key = f"report:{report.pk}:{report.first.isoformat()}"
    channels = set(schedule.recipients.filter(enabled=True))
    if report.scope_kind == "agreement":  # and the agreement's own report recipients
        from sladesk.agreements.models import Agreement

        agreement = Agreement.objects.filter(number=report.scope_code).first()
        if agreement is not None:
            channels |= set(agreement.report_recipients.filter(enabled=True))
    outbox.notify(sorted(channels, key=lambda c: c.pk), "report", key, content)


def _content(report: ServiceReport, f: Figures, url: str) -> Content:
    title = _("Service report %(period)s · %(scope)s") % {
        "period": f.period.label,
        "scope": report.scope_label,
    }
    missed = ", ".join(f"{formatting.metric(r.metric)} {r.priority}" for r in f.goals_missed)
    facts = [
        (_("Tickets"), str(f.tickets)),
        (_("Compliance"), formatting.percent(f.overall["all"].rate)),
        (_("Goals missed"), missed or "—"),
        (_("Satisfaction"), formatting.satisfaction(f.satisfaction)),
        (_("Service score"), formatting.score(f.score)),
    ]
    lead = _("The service report of %(period)s is ready.") % {"period": f.period.label}
    return Content(title, lead, facts, url)

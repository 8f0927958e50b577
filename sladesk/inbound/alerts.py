"""Prometheus Alertmanager to incident: one alert group, one open ticket.

- A firing group with no open ticket opens an incident, its priority from the severity
  label through the source's table (an override with the severity as its reason).
- While the ticket is open, a notification that brings new firing alerts, or resolves
  some, adds ONE internal note listing them. When every alert of the group is resolved the
  note says so; the ticket is resolved only if the source is configured to.
- A group whose ticket is resolved or closed opens a new incident when it fires.
- Each alert's last known state is kept (AlertGroup.alerts, by fingerprint), so a
  notification retried by Alertmanager, or sent twice by an HA pair, changes nothing more.

The recovery is an internal note, not a public reply: a public message by an agent is the
response the SLA measures, and a machine noticing that the alert stopped is not one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema

from sladesk.catalog import outages
from sladesk.desk import actions
from sladesk.desk.models import Kind, Ticket
from sladesk.sla import versions

from .models import AlertGroup, AlertSource, group_digest

logger = logging.getLogger(__name__)

FIRING, RESOLVED = "firing", "resolved"
SUBJECT_LENGTH = 200


# -- the webhook's payload (version 4) --------------------------------------------------
# Field names are Alertmanager's own (camelCase), so a 422 names the field as it was sent.


class Alert(Schema):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: str = Field("", description="Empty: derived from the labels.")

    def key(self) -> str:
        """The alert's identity: Alertmanager's fingerprint, or a digest of its labels."""
        if self.fingerprint:
            return self.fingerprint
        labels = json.dumps(self.labels, sort_keys=True, ensure_ascii=False)
        return "labels:" + hashlib.sha256(labels.encode()).hexdigest()[:16]


class Notification(Schema):
    version: Literal["4"]
    groupKey: str = Field(min_length=1)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    truncatedAlerts: int = 0
    alerts: list[Alert] = Field(min_length=1)


# -- handling a notification ------------------------------------------------------------


class Outcome(StrEnum):
    CREATED = "created"  # a new incident
    UPDATED = "updated"  # a note on the open incident (and maybe its resolution)
    UNCHANGED = "unchanged"  # nothing new: a retry, or a repeat of alerts already known
    IGNORED = "ignored"  # resolved alerts of a group with no open incident


@dataclass
class Handled:
    outcome: Outcome
    ticket: Ticket | None


def handle(source: AlertSource, notification: Notification) -> Handled:
    """Record one webhook notification of `source`; ActionError if the desk cannot."""
    with transaction.atomic():
        # One notification of a source at a time: an HA pair of Alertmanagers sends each
        # notification twice, at the same moment.
        AlertSource.objects.select_for_update().filter(pk=source.pk).first()
        group = (
            AlertGroup.objects.filter(
                source=source,
                key_digest=group_digest(notification.groupKey),
                group_key=notification.groupKey,
            )
            .select_related("ticket")
            .order_by("-created_at", "-pk")
            .first()
        )
        if group is not None and group.ticket.is_open:
            return _update(source, group, notification)
        firing = [a for a in notification.alerts if a.status == FIRING]
        if not firing:
            return Handled(Outcome.IGNORED, group.ticket if group else None)
        return Handled(Outcome.CREATED, _open_incident(source, notification, firing))


def _open_incident(source: AlertSource, n: Notification, firing: list[Alert]) -> Ticket:
    account = source.account
    priority, severity = _priority(source, n, firing)
    subject = _subject(n, firing)
    description = _description(source, n, firing)
    override = {}
    if priority:
        override = {
            "priority": priority,
            "priority_reason": _("Alertmanager: %(label)s=%(severity)s gives %(priority)s.")
            % {"label": source.severity_label, "severity": severity, "priority": priority},
        }
    ticket = actions.create_ticket(
        requester=account,
        actor=account,
        subject=subject,
        description=description,
        service=source.service,
        category=source.category,
        kind=Kind.INCIDENT,
        **override,
    )
    AlertGroup.objects.create(
        source=source,
        group_key=n.groupKey,
        key_digest=group_digest(n.groupKey),
        ticket=ticket,
        labels=n.groupLabels,
        alerts={a.key(): _state(a) for a in n.alerts},
        firing=True,
    )
    if source.record_outages and source.service is not None:
        outages.from_alerts(ticket, source.service, min(a.startsAt for a in firing), subject)
    logger.info("alert source %s: %s opened for %s", source.slug, ticket.number, n.groupKey)
    return ticket


def _update(source: AlertSource, group: AlertGroup, n: Notification) -> Handled:
    """Note what changed on the open incident; nothing at all if nothing did."""
    known = dict(group.alerts)
    fired, resolved = [], []
    for alert in n.alerts:
        before = known.get(alert.key())
        starts = alert.startsAt.isoformat()
        if alert.status == FIRING:
            # A resolved alert that fires again starts anew; the same start is a stale retry.
            if before is None or (before["status"] == RESOLVED and before["startsAt"] != starts):
                fired.append(alert)
                known[alert.key()] = _state(alert)
        elif before is None or before["status"] == FIRING:
            resolved.append(alert)
            known[alert.key()] = _state(alert)
    if n.status == RESOLVED:  # the group says every alert is resolved, listed or not
        for key, state in known.items():
            if state["status"] == FIRING:
                known[key] = {**state, "status": RESOLVED}
    all_resolved = all(state["status"] == RESOLVED for state in known.values())
    if known == group.alerts:
        return Handled(Outcome.UNCHANGED, group.ticket)
    account = source.account
    body = _changes(fired, resolved, all_resolved and group.firing)
    ticket = actions.note(group.ticket, actor=account, body=body) if body else group.ticket
    if all_resolved and group.firing and source.resolve_tickets:
        ticket = actions.resolve(
            ticket, actor=account, resolution=_("All alerts of this group are resolved.")
        )
    if all_resolved and group.firing:
        ends = [a.endsAt for a in n.alerts if a.endsAt and a.endsAt.year > 1]
        outages.alerts_resolved(group.ticket, max(ends, default=timezone.now()))
    group.alerts, group.firing, group.updated_at = known, not all_resolved, timezone.now()
    group.save(update_fields=["alerts", "firing", "updated_at"])
    return Handled(Outcome.UPDATED, ticket)


def _state(alert: Alert) -> dict:
    return {
        "status": alert.status,
        "startsAt": alert.startsAt.isoformat(),
        "endsAt": alert.endsAt.isoformat() if alert.endsAt and alert.endsAt.year > 1 else None,
        "labels": alert.labels,
        "annotations": alert.annotations,
    }


# -- priority and text ------------------------------------------------------------------


def _priority(source: AlertSource, n: Notification, firing: list[Alert]) -> tuple[str, str]:
    """The highest priority the firing alerts' severities give, with that severity; ("", "")
    leaves the priority to the SLA's matrix."""
    version = versions.in_force()
    if version is None:
        return "", ""  # create_ticket says why it cannot open the ticket
    known = versions.config_of(version).priorities
    best: tuple[int, str, str] | None = None
    for alert in firing:
        severity = alert.labels.get(source.severity_label) or n.commonLabels.get(
            source.severity_label, ""
        )
        priority = source.priority_for(severity)
        if priority not in known:
            if priority:
                logger.warning("alert source %s: no priority %r in the SLA", source.slug, priority)
            continue
        rank = known.index(priority)
        if best is None or rank < best[0]:
            best = (rank, priority, severity or "-")
    return (best[1], best[2]) if best else ("", "")


def _alert_name(n: Notification, firing: list[Alert]) -> str:
    for labels in (n.commonLabels, n.groupLabels, firing[0].labels):
        if labels.get("alertname"):
            return labels["alertname"]
    return _("Alert")


def _subject(n: Notification, firing: list[Alert]) -> str:
    name = _alert_name(n, firing)
    summary = n.commonAnnotations.get("summary", "")
    if not summary and len(firing) == 1:
        summary = firing[0].annotations.get("summary", "")
    if not summary and len(firing) > 1:
        summary = _("%d alerts firing") % len(firing)
    others = ", ".join(f"{k}={v}" for k, v in sorted(n.groupLabels.items()) if k != "alertname")
    subject = name + (f": {summary}" if summary else "") + (f" ({others})" if others else "")
    return subject[:SUBJECT_LENGTH]


def _description(source: AlertSource, n: Notification, firing: list[Alert]) -> str:
    lines = []
    about = n.commonAnnotations.get("description") or n.commonAnnotations.get("summary")
    if about:
        lines += [about, ""]
    lines.append(
        _("Alertmanager (%(source)s), receiver %(receiver)s, alert group %(group)s")
        % {"source": source.name, "receiver": n.receiver or "-", "group": n.groupKey}
    )
    if n.externalURL:
        lines.append(n.externalURL)
    if n.groupLabels:
        lines.append(_("Group labels: %s") % _labels(n.groupLabels))
    lines += ["", _("Firing alerts (%d):") % len(firing), *_listing(firing)]
    if n.truncatedAlerts:
        lines.append(_("… and %d alerts Alertmanager left out.") % n.truncatedAlerts)
    return "\n".join(lines)


def _changes(fired: list[Alert], resolved: list[Alert], all_resolved: bool) -> str:
    parts = []
    if fired:
        parts.append("\n".join([_("New firing alerts (%d):") % len(fired), *_listing(fired)]))
    if resolved:
        parts.append("\n".join([_("Resolved alerts (%d):") % len(resolved), *_listing(resolved)]))
    if all_resolved:
        parts.append(_("All alerts of this group are resolved."))
    return "\n\n".join(parts)


def _listing(alerts: list[Alert]) -> list[str]:
    """Each alert on a line with its labels, and its summary and source below."""
    lines = []
    for alert in alerts:
        labels = {k: v for k, v in alert.labels.items() if k != "alertname"}
        head = f"- {alert.labels.get('alertname', '')} {{{_labels(labels)}}} "
        since = _when(alert.startsAt)
        if alert.status == RESOLVED and alert.endsAt and alert.endsAt.year > 1:
            until = _when(alert.endsAt)
            lines.append(head + _("from %(start)s to %(end)s") % {"start": since, "end": until})
        else:
            lines.append(head + _("since %s") % since)
        for name in ("summary", "description"):
            if alert.annotations.get(name):
                lines.append(f"  {name}: {alert.annotations[name]}")
        if alert.generatorURL:
            lines.append(f"  {alert.generatorURL}")
    return lines


def _when(instant: datetime) -> str:
    """An instant in the site's time zone (Alertmanager sends UTC)."""
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, UTC)
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M:%S %z")


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))

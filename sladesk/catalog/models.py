"""Outages of services: what availability is measured from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutageKind(models.TextChoices):
    UNPLANNED = "unplanned", _("Unplanned")
    PLANNED = "planned", _("Planned maintenance")


class OutageSource(models.TextChoices):
    MANUAL = "manual", _("Recorded by hand")
    INCIDENT = "incident", _("From an incident")
    ALERT = "alert", _("From a monitoring alert")


class Outage(models.Model):
    """A time a service was (or will be) down. Planned maintenance counts as unplanned when
    it was announced with less notice than the service requires."""

    service = models.ForeignKey(
        "desk.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="outages"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=OutageKind, default=OutageKind.UNPLANNED
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty: still down.")
    )
    cause = models.TextField(_("cause"), blank=True)
    major = models.BooleanField(_("major incident"), default=False)
    announced_at = models.DateTimeField(
        _("announced"),
        null=True,
        blank=True,
        help_text=_("When the maintenance was announced to the service's customers."),
    )
    ticket = models.ForeignKey(
        "desk.Ticket",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outages",
    )
    source = models.CharField(
        _("recorded"), max_length=20, choices=OutageSource, default=OutageSource.MANUAL
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        indexes = [models.Index(fields=["service", "started_at"], name="outage_service_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="outage_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.started_at:%Y-%m-%d %H:%M}"

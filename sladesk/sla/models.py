"""Stored SLA configurations (versions of the SLA-as-code file) and stored clock results."""

from __future__ import annotations

import difflib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlaVersion(models.Model):
    """One applied version of the SLA configuration; the newest is in force."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    source = models.TextField(_("configuration (YAML)"))
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    applied_at = models.DateTimeField(_("applied"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("SLA version")
        verbose_name_plural = _("SLA versions")

    def __str__(self) -> str:
        return f"v{self.number}"

    def previous(self) -> SlaVersion | None:
        return SlaVersion.objects.filter(number__lt=self.number).order_by("-number").first()

    def diff(self) -> str:
        """Unified diff against the version before it (empty for the first)."""
        before = self.previous()
        old = before.source.splitlines(keepends=True) if before else []
        return "".join(
            difflib.unified_diff(
                old,
                self.source.splitlines(keepends=True),
                fromfile=str(before) if before else "(none)",
                tofile=str(self),
            )
        )


class ClockState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class ClockQuerySet(models.QuerySet):
    def breached(self, now: datetime) -> ClockQuerySet:
        """Clocks the engine found breached, and running clocks past their due time."""
        return self.filter(
            models.Q(breached_at__isnull=False) | models.Q(state=ClockState.RUNNING, due__lte=now)
        )


class Clock(models.Model):
    """A ticket's clock for one metric, as the engine computed it at the ticket's last event.

    Written only by `sladesk.sla.clocks.refresh`, in the transaction of the event. For a
    running clock, `due` is absolute, so the time left is `due - now` and needs no engine.
    """

    ticket = models.ForeignKey("desk.Ticket", on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("metric"), max_length=50)
    policy = models.CharField(_("policy"), max_length=100)
    priority = models.CharField(_("priority"), max_length=20)
    state = models.CharField(_("state"), max_length=20, choices=ClockState)
    elapsed = models.FloatField(_("elapsed business seconds"))
    target = models.PositiveIntegerField(_("target seconds"), null=True)
    calendar = models.CharField(_("calendar"), max_length=100, blank=True)
    due = models.DateTimeField(_("due"), null=True)
    met = models.BooleanField(_("met"), null=True)
    breached_at = models.DateTimeField(_("breached at"), null=True)
    # Whether the clock would be breached had it never paused: a met clock with this set
    # was saved by the time spent waiting on the requester, which reports show as excluded.
    breached_without_pauses = models.BooleanField(_("breached without pauses"), null=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ClockQuerySet.as_manager()

    class Meta:
        ordering = ["ticket", "metric"]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="one_clock_per_metric")
        ]
        indexes = [
            models.Index(fields=["state", "due"], name="clock_state_due"),
            models.Index(fields=["due"], name="clock_due"),
            models.Index(fields=["breached_at"], name="clock_breached"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}"

    def is_breached(self, now: datetime) -> bool:
        """As `Clock.objects.breached(now)`, for one clock already read."""
        if self.breached_at is not None:
            return True
        return self.state == ClockState.RUNNING and self.due is not None and self.due <= now

"""Reports kept: the figures as they were made, with the service manager's notes, and the
monthly schedules that make and send them."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scope import KINDS, Period, Scope

NAMES = {
    "all": _("All tickets"),
    "organisation": _("Organisation"),
    "service": _("Service"),
    "team": _("Team"),
    "agreement": _("Agreement"),
}
SCOPE_CHOICES = [(kind, NAMES[kind]) for kind in KINDS]


class ServiceReport(models.Model):
    """One report of one scope over one period: a snapshot of its figures and its notes."""

    scope_kind = models.CharField(_("scope"), max_length=20, choices=SCOPE_CHOICES)
    scope_code = models.CharField(_("code"), max_length=40, blank=True)
    scope_label = models.CharField(_("covers"), max_length=200)
    first = models.DateField(_("from"))
    last = models.DateField(_("to"))
    figures = models.JSONField(encoder=DjangoJSONEncoder)
    notes = models.TextField(
        _("main problems and improvement measures"),
        blank=True,
        help_text=_("Kept with the report and printed in it."),
    )
    generated_at = models.DateTimeField(_("figures as of"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-first", "scope_kind", "scope_code"]
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_code", "first", "last"], name="one_report_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.period.label}"

    @property
    def scope(self) -> Scope:
        return Scope(self.scope_kind, self.scope_code, self.scope_label)

    @property
    def period(self) -> Period:
        return Period(self.first, self.last)


class ReportSchedule(models.Model):
    """Make last month's report of a scope on a day of each month and send it."""

    scope_kind = models.CharField(_("scope"), max_length=20, choices=SCOPE_CHOICES)
    scope_code = models.CharField(_("code"), max_length=40, blank=True)
    day = models.PositiveSmallIntegerField(
        _("day of the month"), default=1, help_text=_("1–28: the report of the month before.")
    )
    recipients = models.ManyToManyField(
        "notify.Channel", verbose_name=_("send to"), related_name="report_schedules"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_sent = models.DateField(_("last month sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self) -> str:
        return f"{self.get_scope_kind_display()} {self.scope_code}".strip()

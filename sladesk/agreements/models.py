"""Service level agreements: the contract between a provider and a customer organisation,
its versions (signing, amendments, renewals), objections to renewal, reviews and events.

Every write goes through `sladesk.agreements.lifecycle`; these models hold the data and the
questions that need no writing (status on a day, the objection deadline, a version's diff).
"""

from __future__ import annotations

import difflib
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sladesk.people.models import Organisation

DEFAULT_CALENDAR = "cn-5x8"


class Status(models.TextChoices):
    """Stored states, and `expiring`, which `Agreement.current_status` computes and never stores."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


STORED_STATUSES = [(value, label) for value, label in Status.choices if value != Status.EXPIRING]
# In force: signed and neither expired nor terminated. RENEWED is ACTIVE on a renewed term.
IN_FORCE = (Status.ACTIVE, Status.RENEWED)


class Agreement(models.Model):
    """One agreement between a provider and a customer, with the terms in force today."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="agreements_provided",
    )
    customer = models.ForeignKey(
        Organisation,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    services = models.ManyToManyField(
        "desk.Service", verbose_name=_("services covered"), related_name="agreements", blank=True
    )
    sla_version = models.ForeignKey(
        "sla.SlaVersion",
        verbose_name=_("SLA version"),
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text=_("The SLA configuration (targets, calendars, scoring) this agreement binds."),
    )
    calendar = models.CharField(
        _("calendar"),
        max_length=100,
        blank=True,
        help_text=_(
            "A calendar of the bound SLA version, for working-day notice periods. "
            "Empty: the first service's calendar, else cn-5x8."
        ),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    expires_on = models.DateField(_("expires on"), help_text=_("The last day of the term."))
    status = models.CharField(
        _("status"), max_length=20, choices=STORED_STATUSES, default=Status.DRAFT
    )
    auto_renew = models.BooleanField(
        _("renews automatically"),
        default=True,
        help_text=_("Renewed for another term at expiry unless an objection was recorded."),
    )
    renewal_months = models.PositiveSmallIntegerField(_("renewal term (months)"), default=12)
    objection_days = models.PositiveSmallIntegerField(
        _("objection period (days)"),
        default=30,
        help_text=_("An objection to renewal must be recorded this many days before expiry."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("expiry reminders from (days)"),
        default=60,
        help_text=_("Shown as expiring, and reminded, from this many days before expiry."),
    )
    notice_working_days = models.PositiveSmallIntegerField(
        _("amendment notice (working days)"),
        default=15,
        help_text=_("Written notice an amendment needs, in working days on the calendar."),
    )
    review_every_months = models.PositiveSmallIntegerField(
        _("review every (months)"), default=3, help_text=_("0: no scheduled reviews.")
    )
    penalty_terms = models.TextField(
        _("penalty rules"),
        blank=True,
        help_text=_(
            "The penalty rules in words, as agreed. The monthly service score that applies "
            "them is computed from the reporting key of the bound SLA version."
        ),
    )
    terms = models.TextField(
        _("terms"),
        blank=True,
        help_text=_("The agreement's own clauses (Markdown, shown as text)."),
    )
    report_recipients = models.ManyToManyField(
        "notify.Channel",
        verbose_name=_("report recipients"),
        related_name="agreements",
        blank=True,
        help_text=_("Told of reports, reminders before expiry and reviews due."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-effective_from", "number"]
        verbose_name = _("service level agreement")
        verbose_name_plural = _("service level agreements")
        indexes = [models.Index(fields=["status", "expires_on"], name="agreement_status_expiry")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.number])

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def objection_deadline(self) -> date:
        """The last day an objection to renewal may be recorded."""
        return self.expires_on - timedelta(days=self.objection_days)

    def current_status(self, today: date) -> str:
        """The status on `today`: the stored one, or `expiring` / `expired` by the dates.

        Expiry is computed as well as stored, so the page is right even before the worker
        has run on the day after the last day."""
        if self.status not in IN_FORCE:
            return self.status
        if today > self.expires_on:
            return Status.EXPIRED
        if (self.expires_on - today).days <= self.reminder_days:
            return Status.EXPIRING
        return self.status

    def status_label(self, today: date) -> str:
        return str(Status(self.current_status(today)).label)

    def calendar_id(self) -> str:
        """The calendar named, else the first service's, else cn-5x8."""
        if self.calendar:
            return self.calendar
        if self.pk is not None:
            first = self.services.exclude(calendar="").order_by("pk").first()
            if first is not None:
                return first.calendar
        return DEFAULT_CALENDAR

    def snapshot(self) -> dict[str, Any]:
        """The terms as JSON: what a version keeps and compares."""
        return {
            "title": self.title,
            "provider": str(self.provider),
            "customer": str(self.customer),
            "services": sorted(self.services.values_list("code", flat=True)),
            "sla_version": self.sla_version.number,
            "calendar": self.calendar_id(),
            "signed_on": _iso(self.signed_on),
            "effective_from": _iso(self.effective_from),
            "expires_on": _iso(self.expires_on),
            "auto_renew": self.auto_renew,
            "renewal_months": self.renewal_months,
            "objection_days": self.objection_days,
            "reminder_days": self.reminder_days,
            "notice_working_days": self.notice_working_days,
            "review_every_months": self.review_every_months,
            "penalty_terms": self.penalty_terms,
            "terms": self.terms,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class ContactRole(models.TextChoices):
    PROVIDER_MANAGER = "provider_manager", _("Provider's manager")
    PROVIDER_CONTACT = "provider_contact", _("Provider's contact")
    CUSTOMER_REPRESENTATIVE = "customer_representative", _("Customer's representative")
    CUSTOMER_CONTACT = "customer_contact", _("Customer's contact")
    ESCALATION = "escalation", _("Escalation contact")
    TECHNICAL = "technical", _("Technical contact")


class AgreementContact(models.Model):
    """A person named by the agreement, in a role; a user of sladesk or only a name."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(_("role"), max_length=30, choices=ContactRole)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_contacts",
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["agreement", "role", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name or (str(self.user) if self.user else "")


class VersionKind(models.TextChoices):
    SIGNED = "signed", _("Signed")
    AMENDED = "amended", _("Amended")
    RENEWED = "renewed", _("Renewed")


# How a snapshot reads, in order: key and label.
SNAPSHOT_LABELS = [
    ("title", _("title")),
    ("provider", _("provider")),
    ("customer", _("customer")),
    ("services", _("services covered")),
    ("sla_version", _("SLA version")),
    ("calendar", _("calendar")),
    ("signed_on", _("signed on")),
    ("effective_from", _("effective from")),
    ("expires_on", _("expires on")),
    ("auto_renew", _("renews automatically")),
    ("renewal_months", _("renewal term (months)")),
    ("objection_days", _("objection period (days)")),
    ("reminder_days", _("expiry reminders from (days)")),
    ("notice_working_days", _("amendment notice (working days)")),
    ("review_every_months", _("review every (months)")),
    ("penalty_terms", _("penalty rules")),
    ("terms", _("terms")),
]


def render_snapshot(snapshot: dict[str, Any]) -> str:
    """A snapshot as text, one line per field and one per line of the long texts."""
    lines = []
    for key, label in SNAPSHOT_LABELS:
        if key not in snapshot:
            continue
        value = snapshot[key]
        if key in ("penalty_terms", "terms"):
            lines.append(f"{label}:")
            lines.extend(f"    {line}" for line in (value or "").splitlines())
            continue
        if key == "services":
            value = ", ".join(value) or "—"
        elif key == "sla_version":
            value = f"v{value}"
        elif isinstance(value, bool):
            value = gettext("yes") if value else gettext("no")
        lines.append(f"{label}: {'—' if value is None else value}")
    return "\n".join(lines) + "\n"


class AgreementVersion(models.Model):
    """The terms as of one signing, amendment or renewal; versions are never changed.

    An amendment takes effect on `effective_on`: until then the agreement keeps its terms,
    and the worker applies the version's `changes` on that day (`applied_at`)."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind)
    effective_on = models.DateField(_("effective on"))
    notice_given_on = models.DateField(_("notice given on"), null=True, blank=True)
    earliest_effective = models.DateField(
        _("earliest effective date"),
        null=True,
        blank=True,
        help_text=_("The notice given plus the notice period in working days, computed."),
    )
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    snapshot = models.JSONField(_("terms"))
    applied_at = models.DateTimeField(_("in force since"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_agreement_version")
        ]
        indexes = [models.Index(fields=["applied_at", "effective_on"], name="version_pending")]

    def __str__(self) -> str:
        return f"{self.agreement.number} v{self.number}"

    def previous(self) -> AgreementVersion | None:
        return (
            AgreementVersion.objects.filter(agreement_id=self.agreement_id, number__lt=self.number)
            .order_by("-number")
            .first()
        )

    def text(self) -> str:
        return render_snapshot(self.snapshot)

    def diff(self) -> str:
        """Unified diff of the terms against the version before (empty for the first)."""
        before = self.previous()
        if before is None:
            return ""
        return "".join(
            difflib.unified_diff(
                before.text().splitlines(keepends=True),
                self.text().splitlines(keepends=True),
                fromfile=f"v{before.number}",
                tofile=f"v{self.number}",
            )
        )


class AgreementReview(models.Model):
    """A periodic review (e.g. quarterly): scheduled with `due_on`, recorded when held."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="reviews"
    )
    due_on = models.DateField(
        _("due on"), null=True, blank=True, help_text=_("Empty: a review held off schedule.")
    )
    held_on = models.DateField(_("held on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    actions = models.TextField(_("actions"), blank=True, help_text=_("What was agreed to improve."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "due_on", "held_on"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "due_on"], name="one_review_per_due_date")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.due_on or self.held_on}"

    @property
    def held(self) -> bool:
        return self.held_on is not None


class Party(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    CUSTOMER = "customer", _("Customer")


class Objection(models.Model):
    """A party's objection to renewing the term that ends on `expires_on`."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="objections"
    )
    expires_on = models.DateField(_("term ending on"))
    party = models.CharField(_("objecting party"), max_length=20, choices=Party)
    recorded_on = models.DateField(_("received on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["agreement", "-expires_on"]
        verbose_name = _("objection to renewal")
        verbose_name_plural = _("objections to renewal")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "expires_on"], name="one_objection_a_term")
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.expires_on}"


class EventKind(models.TextChoices):
    APPLIED = "applied", _("Amendment in force")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    REMINDED = "reminded", _("Reminder sent")


class AgreementEvent(models.Model):
    """What happened to an agreement that is not a version of its terms.

    A reminder's `key` is unique: each reminder is written once, however often the worker
    runs and however many workers run."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind)
    on = models.DateField(_("on"))
    note = models.TextField(_("note"), blank=True)
    key = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["agreement", "-at"]
        verbose_name = _("agreement event")
        verbose_name_plural = _("agreement events")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="agreement_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.kind} {self.on}"

"""Tickets and their append-only history, with the categories and services they name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sladesk.people.models import Organisation, Team


class Category(models.Model):
    """What kind of problem: hardware, software, network, account/permissions, …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The team that takes tickets of this category (unless the service says)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


SUPPORT_MODES = [("phone", _("Phone")), ("remote", _("Remote")), ("onsite", _("On site"))]
SUPPORT_CHANNELS = [
    ("portal", _("Portal")),
    ("email", _("E-mail")),
    ("phone", _("Phone")),
    ("im", _("Instant messaging")),
]


class Service(models.Model):
    """A service of the catalog: what is offered, when, how, and the targets it is held to.

    Its availability goals (the vendor agreement's: ≥ 99.9 %, no unplanned outage over 4 h,
    …) are checked against its recorded outages on its calendar (sladesk/catalog)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The team that takes this service's tickets; wins over the category's."),
    )
    active = models.BooleanField(_("active"), default=True)
    published = models.BooleanField(
        _("in the catalog"), default=True, help_text=_("Shown to requesters in the portal.")
    )
    calendar = models.CharField(
        _("support hours"),
        max_length=100,
        blank=True,
        help_text=_(
            "A calendar of the SLA in force, e.g. cn-5x8; its availability is measured on it."
        ),
    )
    modes = models.JSONField(_("support modes"), default=list, blank=True)
    channels = models.JSONField(_("request channels"), default=list, blank=True)
    included = models.TextField(_("included"), blank=True)
    excluded = models.TextField(
        _("not included"),
        blank=True,
        help_text=_("Requests for these are marked out of scope and not measured."),
    )
    availability_goal = models.DecimalField(
        _("availability goal"),
        max_digits=6,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("A fraction of its support hours, e.g. 0.999 for 99.9 %."),
    )
    max_outage = models.PositiveIntegerField(
        _("longest unplanned outage (minutes)"), null=True, blank=True
    )
    max_major_per_year = models.PositiveSmallIntegerField(
        _("major incidents a year at most"), null=True, blank=True
    )
    recovery_hours = models.PositiveSmallIntegerField(
        _("disaster recovery within (hours)"), null=True, blank=True
    )
    max_unplanned_per_month = models.PositiveSmallIntegerField(
        _("unplanned interruptions a month at most"), null=True, blank=True
    )
    maintenance_notice_days = models.PositiveSmallIntegerField(
        _("maintenance notice (days)"), default=7
    )
    maintenance_notice_min_days = models.PositiveSmallIntegerField(
        _("maintenance notice, never under (days)"), default=3
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    """Impact and urgency: the rows and columns of the SLA's priority matrix."""

    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_REQUESTER = "waiting_requester", _("Waiting on requester")
    WAITING_VENDOR = "waiting_vendor", _("Waiting on vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.WAITING_REQUESTER,
    Status.WAITING_VENDOR,
)


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")


NUMBER_PREFIX = {Kind.INCIDENT: "INC", Kind.REQUEST: "REQ"}


class Ticket(models.Model):
    """The current state of a ticket; how it got there is in its events."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.INCIDENT)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    impact = models.CharField(_("impact"), max_length=20, choices=Level, default=Level.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Level, default=Level.MEDIUM)
    priority = models.CharField(_("priority"), max_length=20)
    priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    sla_version = models.ForeignKey(
        "sla.SlaVersion",
        verbose_name=_("SLA version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The SLA configuration in force when the ticket was created."),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_public_update_at = models.DateTimeField(
        _("last update to the requester"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    auto_close_at = models.DateTimeField(
        _("closes itself at"),
        null=True,
        blank=True,
        help_text=_("When a resolved ticket the requester has not confirmed closes itself."),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    # Asked for something the service does not include (its catalog entry says what):
    # closed with the reason, and left out of compliance.
    out_of_scope = models.BooleanField(_("out of scope"), default=False, db_default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("support line"), default=1)
    # Copied from the clocks by sla.clocks.refresh, so lists sort on an index of their own.
    sla_due = models.DateTimeField(
        _("next SLA due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The earliest due time of a running clock."),
    )
    sla_breached = models.BooleanField(
        _("SLA breached"), default=False, db_default=False, editable=False
    )
    # Optimistic locking: every change increments it; a change made from an older
    # revision is refused with the current state instead of silently overwriting.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    event_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "team"], name="ticket_status_team"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["organisation", "status"], name="ticket_org_status"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
            models.Index(fields=["-created_at"], name="ticket_created"),
            models.Index(fields=["status", "auto_close_at"], name="ticket_auto_close"),
            models.Index(
                fields=["sla_due", "-sla_breached", "created_at"], name="ticket_sla_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    PRIORITY = "priority", _("Priority changed")
    ESCALATED = "escalated", _("Escalated")
    CHANGED = "changed", _("Details changed")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Resolution confirmed")
    REJECTED = "rejected", _("Resolution rejected")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    RATED = "rated", _("Rated")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class HistoryIsAppendOnly(Exception):
    """Raised on an attempt to change or delete a ticket event."""


class TicketEvent(models.Model):
    """One entry of a ticket's history: who did what when. Never updated or deleted.

    `sla` holds the event exactly as the SLA engine reads it (`type` and its fields, without
    `ticket` and `at`), or is empty when the event does not concern the clocks; so
    `sladesk export events` is these rows, and every stored clock can be recomputed.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: sladesk itself (assignment, automatic close)."),
    )
    kind = models.CharField(max_length=20, choices=EventKind)
    public = models.BooleanField(default=True, help_text=_("Visible to the requester."))
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    sla = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_seq")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise HistoryIsAppendOnly(f"ticket event {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsAppendOnly(f"ticket event {self.pk} cannot be deleted")


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.event.ticket.number}/{instance.event.seq}/{filename}"


class Attachment(models.Model):
    """A file added with a reply or a note; part of the history like its event."""

    event = models.ForeignKey(TicketEvent, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """The last ticket number given per prefix and year (INC-2026-000123)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"

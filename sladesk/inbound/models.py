"""Where tickets come in from: mailboxes and the messages read from them, alert sources and
the alert groups they opened incidents for."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sladesk.desk.models import Category, Kind, Service, Ticket, TicketEvent
from sladesk.people.models import Organisation

# -- e-mail -----------------------------------------------------------------------------


class Security(models.TextChoices):
    SSL = "ssl", _("TLS from the start (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None: plain text (only for a server on this machine)")


class AfterProcessing(models.TextChoices):
    SEEN = "seen", _("Mark as read (\\Seen)")
    MOVE = "move", _("Move to a folder")


class Mailbox(models.Model):
    """A support address: where its mail comes from and what tickets it opens.

    Mail arrives through the MTA (`sladesk mail ingest --mailbox NAME` reading one message
    from a pipe) or by polling the mailbox's IMAP folder; a mailbox with no IMAP host is
    fed by the MTA only.
    """

    name = models.SlugField(
        _("name"), max_length=50, unique=True, help_text=_("As in `--mailbox NAME`.")
    )
    address = models.EmailField(
        _("address"), blank=True, help_text=_("The support address, e.g. support@example.com.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # IMAP: empty host means "fed by the MTA pipe only".
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security, default=Security.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.CharField(
        _("IMAP password"),
        max_length=255,
        blank=True,
        help_text=_("Stored as entered: use an application password of this mailbox only."),
    )
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    after_processing = models.CharField(
        _("processed messages"),
        max_length=10,
        choices=AfterProcessing,
        default=AfterProcessing.SEEN,
        help_text=_("A message that failed is left as it is, so that the next poll retries it."),
    )
    processed_folder = models.CharField(
        _("folder for processed messages"), max_length=255, blank=True
    )
    # What a new message opens.
    default_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation of unknown senders"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_(
            "A sender who is not a person of sladesk becomes a requester of this organisation. "
            "Empty: mail from unknown senders is refused (and recorded)."
        ),
    )
    kind = models.CharField(_("ticket kind"), max_length=20, choices=Kind, default=Kind.INCIDENT)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last polling error"), blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    @property
    def polled(self) -> bool:
        """Read over IMAP (else only the MTA pipe feeds it)."""
        return bool(self.imap_host)

    def clean(self) -> None:
        if self.after_processing == AfterProcessing.MOVE and not self.processed_folder.strip():
            raise ValidationError(
                {"processed_folder": _("Name the folder processed messages are moved to.")}
            )
        if self.imap_host and not self.imap_user:
            raise ValidationError({"imap_user": _("Give the IMAP user name.")})


class Outcome(models.TextChoices):
    CREATED = "created", _("Opened a ticket")
    REPLIED = "replied", _("Added to a ticket")
    IGNORED = "ignored", _("Ignored (automatic message)")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed (retried later)")


MESSAGE_ID_LENGTH = 255


def message_key(message_id: str) -> str:
    """What is stored of a Message-ID: itself, or its sha256 if it is too long for a key."""
    if len(message_id) <= MESSAGE_ID_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


class InboundMessage(models.Model):
    """One e-mail sladesk read, with what came of it. Its Message-ID is read only once."""

    message_id = models.CharField(_("Message-ID"), max_length=MESSAGE_ID_LENGTH, unique=True)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="messages",
    )
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome)
    detail = models.TextField(_("detail"), blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        TicketEvent,
        verbose_name=_("ticket event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imap_uid = models.PositiveBigIntegerField(_("IMAP UID"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_time")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"


# -- monitoring alerts ------------------------------------------------------------------


def default_priorities() -> dict[str, str]:
    return {"critical": "P1", "error": "P2", "warning": "P3", "info": "P4"}


class AlertSource(models.Model):
    """An Alertmanager (or a group of them) that opens incidents through its webhook.

    Its tickets are opened, noted and (if configured) resolved by `account`, a service
    account with an agent's role: only agents may set a priority by hand, and only those
    who work a ticket may add notes to it.
    """

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        help_text=_("The webhook is /api/alerts/alertmanager/<slug>."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Its API token authenticates the webhook; tickets are opened in its name. It must "
            "be an agent (not on duty) of the team that takes these tickets, or a manager."
        ),
    )
    severity_label = models.CharField(_("severity label"), max_length=100, default="severity")
    priorities = models.JSONField(
        _("priority of each severity"),
        default=default_priorities,
        blank=True,
        help_text=_('For example {"critical": "P1", "warning": "P3"}.'),
    )
    default_priority = models.CharField(
        _("default priority"),
        max_length=20,
        blank=True,
        default="P3",
        help_text=_("For a severity not in the table. Empty: the SLA's matrix decides."),
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    resolve_tickets = models.BooleanField(
        _("resolve the ticket when the alerts resolve"),
        default=False,
        help_text=_("Off: the recovery is only recorded; an agent resolves the ticket."),
    )
    record_outages = models.BooleanField(
        _("record outages of the service"),
        default=False,
        help_text=_(
            "Each incident opened also records an unplanned outage of the service, from the "
            "first alert's start until all its alerts are resolved."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.account_id is not None and not self.account.is_agent:
            raise ValidationError({"account": _("The service account must have an agent's role.")})
        if self.account_id is not None and self.account.organisation_id is None:
            raise ValidationError({"account": _("The service account needs an organisation.")})
        if not isinstance(self.priorities, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.priorities.items()
        ):
            raise ValidationError(
                {"priorities": _("A table of severity names to priorities, all text.")}
            )

    def priority_for(self, severity: str) -> str:
        """The priority of a severity, or the default ("" leaves it to the SLA's matrix)."""
        return (self.priorities or {}).get(severity, self.default_priority)


def group_digest(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


class AlertGroup(models.Model):
    """An Alertmanager alert group and the incident it opened, with each alert's state.

    A group whose ticket is resolved or closed opens a new incident (and a new row) when it
    fires again; so there are rows for one group key over time, the newest one current.
    """

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="groups")
    group_key = models.TextField(_("group key"))
    key_digest = models.CharField(max_length=64, editable=False)  # an index for a long key
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="+"
    )
    labels = models.JSONField(_("group labels"), default=dict)
    # fingerprint -> {"status", "startsAt", "endsAt", "labels", "annotations"}
    alerts = models.JSONField(_("alerts"), default=dict)
    firing = models.BooleanField(_("firing"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alert group")
        verbose_name_plural = _("alert groups")
        indexes = [
            models.Index(fields=["source", "key_digest", "-created_at"], name="alert_group_key")
        ]

    def __str__(self) -> str:
        return f"{self.group_key} → {self.ticket.number}"

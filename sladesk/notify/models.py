"""Channels people are told through, the outbox of notifications, and the clocks' timers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom group robot")
    FEISHU = "feishu", _("Feishu / Lark bot")


class Channel(models.Model):
    """Where a person or a team is told: an address, or a robot's or webhook's URL."""

    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind)
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
    )
    team = models.ForeignKey(
        "people.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
    )
    address = models.EmailField(_("e-mail address"), blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        blank=True,
        help_text=_("Signing secret: whsec_… for webhooks, SEC… for DingTalk, Feishu's key."),
    )
    markup = models.CharField(
        _("message format"),
        max_length=10,
        choices=[("markdown", "Markdown"), ("text", _("Plain text"))],
        default="markdown",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the person's language, or the site's for a team."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Rate limits: the vendor messages posted in the current minute, and a robot's block.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_posts = models.PositiveIntegerField(default=0, editable=False)
    # One worker at a time sends through a channel (so the limits hold across workers),
    # and none before `paused_until` (a robot that said "too fast" or blocked us).
    busy_until = models.DateTimeField(null=True, blank=True, editable=False)
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="channel_has_one_owner",
            ),
            # Two workers telling a person without channels at once must not give them two
            # e-mail channels (and every later message twice): the second create fails.
            models.UniqueConstraint(
                fields=["user", "kind", "address"],
                condition=models.Q(kind="email"),
                name="one_email_channel_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def owner(self) -> object:
        return self.user or self.team


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Failed (dead letter)")
    CANCELLED = "cancelled", _("Cancelled")


class Notification(models.Model):
    """One message to one channel, written in the transaction of its cause (the outbox).

    The worker sends it, retrying with backoff; `key` stays the same on every retry so the
    receiver can drop a repeat (a webhook's `webhook-id`, an e-mail's Message-ID).
    """

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "desk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    markdown = models.TextField(blank=True)
    html = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=NotificationState, default=NotificationState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker that took the notification owns it until then; if it dies, another retries.
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=120, blank=True)  # that worker's lease token
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="notification_due",
            ),
            models.Index(fields=["state", "created_at"], name="notification_state"),
        ]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    """One try at sending a notification, successful or not."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20)  # sent, retry, failed
    reason = models.TextField(_("reason"), blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class TimerState(models.TextChoices):
    PENDING = "pending", _("Pending")
    FIRED = "fired", _("Fired")


class Timer(models.Model):
    """A moment a clock's rules act at: a warning, the breach, an escalation, a reminder.

    Recomputed with the ticket's clocks at every SLA event (only pending timers change);
    a fired timer stays, so the same `key` never fires twice on a ticket.
    """

    ticket = models.ForeignKey("desk.Ticket", on_delete=models.CASCADE, related_name="timers")
    key = models.CharField(max_length=120)
    kind = models.CharField(_("kind"), max_length=20)
    metric = models.CharField(_("metric"), max_length=50)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=TimerState, default=TimerState.PENDING
    )
    to = models.JSONField(_("recipients"), default=list)
    data = models.JSONField(default=dict)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    fired_by = models.CharField(_("fired by"), max_length=100, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        constraints = [models.UniqueConstraint(fields=["ticket", "key"], name="one_timer_per_key")]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(state="pending"), name="timer_due"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.key}"

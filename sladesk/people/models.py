"""Organisations, people with their roles, support teams, and people's API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A customer, or an internal department, that requests support."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Internal department")
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Service provider")

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.DEPARTMENT)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD, Role.SERVICE_MANAGER, Role.ADMINISTRATOR})
MANAGER_ROLES = frozenset({Role.SERVICE_MANAGER, Role.ADMINISTRATOR})


class User(AbstractUser):
    """A person: requester or member of the support organisation."""

    # One field for the whole name: Chinese names do not split into first and last.
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.REQUESTER)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Empty: the site's time zone.")
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the browser's language."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)

    @property
    def is_agent(self) -> bool:
        """Works tickets (agents, team leads, service managers, administrators)."""
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """Sees every ticket and configures SLAs."""
        return self.role in MANAGER_ROLES or self.is_superuser


class Team(models.Model):
    """A support team: first line takes new tickets, second line takes escalations."""

    class Level(models.IntegerChoices):
        FIRST_LINE = 1, _("First line")
        SECOND_LINE = 2, _("Second line")

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level, default=Level.FIRST_LINE)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    escalates_to = models.ForeignKey(
        "self",
        verbose_name=_("escalates to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The second-line team that takes this team's escalations."),
    )
    members = models.ManyToManyField(
        User, through="Membership", related_name="teams", verbose_name=_("members")
    )

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An agent in a team; only agents on duty receive new tickets."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    on_duty = models.BooleanField(_("on duty"), default=True)
    # Ties between agents with equally few open tickets go round-robin: oldest first.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


TOKEN_PREFIX = "sld_"  # noqa: S105 (not a secret: what every token begins with)
TOKEN_SHOWN = 12  # characters kept in clear: "sld_" and 8 random ones, to tell tokens apart


def token_digest(secret: str) -> str:
    """What is stored of a token: a random secret needs no slow hash, sha256 is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def get_for_secret(self, secret: str) -> ApiToken | None:
        """The active token whose secret this is, with its user; None for any other string."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        return self.active().select_related("user").filter(digest=token_digest(secret)).first()


class ApiToken(models.Model):
    """A personal token for the REST API: `Authorization: Bearer sld_…`.

    Only the sha256 of the secret is stored; the secret is shown once, when it is issued.
    """

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("What the token is for.")
    )
    prefix = models.CharField(_("prefix"), max_length=TOKEN_SHOWN, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    # A token in use is stamped at most once a minute, not with a write on every request.
    LAST_USED_RESOLUTION = timedelta(minutes=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"

    def issue(self) -> str:
        """Give this (unsaved) token a new secret and return it: the only time it is seen."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
        self.prefix = secret[:TOKEN_SHOWN]
        self.digest = token_digest(secret)
        return secret

    @classmethod
    def create(cls, *, user: User, name: str = "") -> tuple[ApiToken, str]:
        token = cls(user=user, name=name)
        secret = token.issue()
        token.save()
        return token, secret

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self, now: datetime) -> None:
        """Record a use (a conditional update: concurrent requests write it once)."""
        last = self.last_used_at
        if last is not None and now - last < self.LAST_USED_RESOLUTION:
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(
            last_used_at__lt=now - self.LAST_USED_RESOLUTION
        )
        ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

"""Knowledge articles, their append-only versions, and what people do with them: the tickets
they solved, votes and comments, views and the requests they spared (deflections).

Every write goes through `sladesk.kb.actions`; who may read what is `sladesk.kb.permissions`.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sladesk.people.models import Organisation

NUMBER_PREFIX = "KB"


class Language(models.TextChoices):
    """The language an article is written in (the site's languages, by the same codes)."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (agents only)")
    PUBLIC = "public", _("Public (requesters too)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Article(models.Model):
    """The current text and settings of a knowledge article; how it got there is in its
    versions (one per change, `revision` of them)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    category = models.ForeignKey(
        "desk.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
    )
    service = models.ForeignKey(
        "desk.Service",
        verbose_name=_("service"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language, default=Language.ZH_HANS
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility, default=Visibility.INTERNAL
    )
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations"),
        blank=True,
        related_name="kb_articles",
        help_text=_("A public article for these organisations only; none: for everyone."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="kb_articles",
        help_text=_("The agent who keeps it correct: reviews it and reads its feedback."),
    )
    review_at = models.DateField(_("review by"))
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    # Optimistic locking, as on tickets; it is also the number of the latest version.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    source_ticket = models.ForeignKey(
        "desk.Ticket",
        verbose_name=_("created from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles_created",
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        indexes = [
            models.Index(fields=["status", "visibility"], name="kb_article_status"),
            models.Index(fields=["owner", "review_at"], name="kb_article_review"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("kb:article", args=[self.number])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class HistoryIsAppendOnly(Exception):
    """Raised on an attempt to change or delete an article version."""


class VersionKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")
    REVIEWED = "reviewed", _("Reviewed")


class ArticleVersion(models.Model):
    """The article as one change left it. Never updated or deleted.

    `meta` is the article's settings at this version (labels included, so an old version
    reads right after a service is renamed); `changes` is what this version changed,
    `{field: [before, after]}`, empty for the first.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    meta = models.JSONField(_("settings"), default=dict)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    edited_at = models.DateTimeField(_("edited"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number")
        ]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise HistoryIsAppendOnly(f"article version {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise HistoryIsAppendOnly(f"article version {self.pk} cannot be deleted")

    def text(self) -> str:
        """Title and body as one text, which is what the diff compares."""
        return f"# {self.title}\n\n{self.body}".rstrip() + "\n"

    def diff(self, before: ArticleVersion | None) -> str:
        """Unified diff of the text against `before` (empty when the text did not change)."""
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


class SolvedWith(models.Model):
    """A ticket was solved with an article (the article's share of first-line resolution)."""

    ticket = models.ForeignKey(
        "desk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="solved_with",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="solved"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked"))

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_solved_with_once")
        ]
        verbose_name = _("ticket solved with an article")
        verbose_name_plural = _("tickets solved with articles")

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.article_id}"


class Feedback(models.Model):
    """A vote on an article, helpful or not, with an optional comment for its owner.

    A person's newer vote replaces the older (`current` moves to it), but every comment is
    kept. The owner's review queue lists the comments they have not seen.
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="kb_feedback",
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"))
    current = models.BooleanField(_("current vote"), default=True)
    seen_at = models.DateTimeField(_("seen by the owner"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(current=True),
                name="kb_one_current_vote",
            )
        ]
        indexes = [models.Index(fields=["article", "seen_at"], name="kb_feedback_unseen")]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'} {self.user_id}"


class ArticleView(models.Model):
    """Someone read an article, on a day (at most one row per person, article and day), so
    that views per team, organisation and period can be counted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kb_views"
    )
    # The reader's organisation then (people move); teams are the reader's memberships.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("day"))
    at = models.DateTimeField(_("at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user", "day"], name="kb_view_per_day")
        ]
        indexes = [models.Index(fields=["day", "article"], name="kb_view_day")]
        verbose_name = _("article view")
        verbose_name_plural = _("article views")

    def __str__(self) -> str:
        return f"{self.article_id} {self.user_id} {self.day}"


class Deflection(models.Model):
    """A requester read an article suggested for what they were typing and did not open
    the ticket: a request the knowledge base answered."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="deflections"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="kb_deflections",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("what they typed"), max_length=200)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self) -> str:
        return f"{self.article_id} {self.subject}"

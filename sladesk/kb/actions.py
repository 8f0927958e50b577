"""Every change to the knowledge base goes through here.

An article changes in one transaction: the row is locked, a change made from an older
revision is refused (ConflictError), the article is saved and one version appended with
what changed; after the commit the search index is told. Views and the API only translate
requests into these calls. Errors a person can fix are desk's ActionError, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sladesk.desk.actions import ActionError
from sladesk.desk.models import Category, NumberSequence, Service, Ticket
from sladesk.desk.models import Status as TicketStatus
from sladesk.desk.permissions import can_see as can_see_ticket
from sladesk.notify import outbox, recipients
from sladesk.notify.messages import Content, ContentFor
from sladesk.notify.models import Channel
from sladesk.people.models import Organisation, User
from sladesk.search import index

from .models import (
    NUMBER_PREFIX,
    Article,
    ArticleVersion,
    ArticleView,
    Deflection,
    Feedback,
    Language,
    SolvedWith,
    Status,
    VersionKind,
    Visibility,
)
from .permissions import can_write, visible_to
from .rendering import plain_text

__all__ = ["ActionError", "ConflictError"]

# The headings of an article made from a ticket, in the article's language. They are the
# article's text, not the interface's: a Chinese article says 问题/现象 to every reader.
TICKET_HEADINGS = {
    Language.ZH_HANS: ("问题/现象", "原因/解决方法"),
    Language.EN: ("Problem / symptoms", "Cause / solution"),
}


class ConflictError(Exception):
    """The article changed since the caller read it; `article` is its current state."""

    def __init__(self, article: Article) -> None:
        super().__init__(
            _("Article %(number)s was changed by someone else (now revision %(revision)s).")
            % {"number": article.number, "revision": article.revision}
        )
        self.article = article


class _Keep:
    """The value of an argument that was not given: leave the field as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# -- writing articles ---------------------------------------------------------------------


def create_article(
    *,
    actor: User,
    title: str,
    body: str = "",
    language: str = Language.ZH_HANS,
    visibility: str = Visibility.INTERNAL,
    organisations: Iterable[Organisation] = (),
    category: Category | None = None,
    service: Service | None = None,
    owner: User | None = None,
    review_at: date | None = None,
    source_ticket: Ticket | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """A new draft, owned by `owner` (else its author), to be reviewed by `review_at`."""
    _require_writer(actor)
    at = at or timezone.now()
    organisations = list(organisations)
    article = Article(
        title=title.strip(),
        body=body,
        language=language,
        visibility=visibility,
        category=category,
        service=service,
        owner=owner or actor,
        review_at=review_at or default_review_date(at),
        status=Status.DRAFT,
        created_at=at,
        updated_at=at,
        revision=1,
        source_ticket=source_ticket,
    )
    _check(article, organisations)
    with transaction.atomic():
        article.number = _next_number()
        article.save()
        article.organisations.set(organisations)
        _append_version(article, VersionKind.CREATED, actor, at, note, before=None)
    return article


def edit_article(
    article: Article,
    *,
    actor: User,
    revision: int | None = None,
    title: str = KEEP,
    body: str = KEEP,
    language: str = KEEP,
    visibility: str = KEEP,
    organisations: Iterable[Organisation] = KEEP,
    category: Category | None = KEEP,
    service: Service | None = KEEP,
    owner: User = KEEP,
    review_at: date = KEEP,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """Change the text or settings; the previous text stays readable as a version.

    A change that changes nothing records nothing (and keeps the revision)."""
    given = {
        "title": title.strip() if isinstance(title, str) else title,
        "body": body,
        "language": language,
        "visibility": visibility,
        "category": category,
        "service": service,
        "owner": owner,
        "review_at": review_at,
    }
    with _changing(article, actor, revision) as locked:
        before = _state(locked)
        for name, value in given.items():
            if value is not KEEP:
                setattr(locked, name, value)
        scoped = list(locked.organisations.all()) if organisations is KEEP else list(organisations)
        _check(locked, scoped)
        if organisations is not KEEP:
            locked.organisations.set(scoped)
        if _state(locked) == before:
            return locked
        _save(locked, VersionKind.EDITED, actor, at, note, before)
    return locked


def publish(
    article: Article,
    *,
    actor: User,
    revision: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """Make the article readable by its audience (agents, or the requesters it is for)."""
    with _changing(article, actor, revision) as locked:
        if locked.status == Status.PUBLISHED:
            raise ActionError("status", _("The article is already published."))
        if not locked.body.strip():
            raise ActionError("body", _("Write the article before publishing it."))
        before = _state(locked)
        locked.status = Status.PUBLISHED
        _save(locked, VersionKind.PUBLISHED, actor, at, note, before)
    return locked


def retire(
    article: Article,
    *,
    actor: User,
    revision: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """Take the article out of use; it stays readable to agents, with its history."""
    with _changing(article, actor, revision) as locked:
        if locked.status == Status.RETIRED:
            raise ActionError("status", _("The article is already retired."))
        before = _state(locked)
        locked.status = Status.RETIRED
        _save(locked, VersionKind.RETIRED, actor, at, note, before)
    return locked


def mark_reviewed(
    article: Article,
    *,
    actor: User,
    revision: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """The article was checked and is still right: the next review is a period away."""
    at = at or timezone.now()
    with _changing(article, actor, revision) as locked:
        if locked.status == Status.RETIRED:
            raise ActionError("status", _("A retired article needs no review."))
        before = _state(locked)
        locked.review_at = default_review_date(at)
        _save(locked, VersionKind.REVIEWED, actor, at, note, before)
    return locked


def default_review_date(at: datetime | None = None) -> date:
    """When an article written or reviewed at `at` is due for its next review."""
    today = timezone.localdate(at or timezone.now())
    return today + timedelta(days=settings.SLADESK_KB_REVIEW_DAYS)


# -- articles and tickets -----------------------------------------------------------------


def create_from_ticket(ticket: Ticket, *, actor: User, at: datetime | None = None) -> Article:
    """An internal draft made of a resolved ticket's description and resolution, linked to it.

    Written in the requester's language (else the agent's, else the site's), owned by the
    agent, who edits it into shape and publishes it.
    """
    _require_ticket(ticket, actor)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ActionError("status", _("Only a resolved or closed ticket becomes an article."))
    made = ticket.kb_articles_created.order_by("pk").first()
    if made is not None:
        raise ActionError(
            "ticket",
            _("Article %(number)s was already created from this ticket.") % {"number": made.number},
        )
    language = _language_for(ticket, actor)
    problem, solution = TICKET_HEADINGS[language]
    body = (
        f"## {problem}\n\n{ticket.description.strip()}\n\n"
        f"## {solution}\n\n{ticket.resolution.strip()}\n"
    )
    with transaction.atomic():
        article = create_article(
            actor=actor,
            title=ticket.subject,
            body=body,
            language=language,
            category=ticket.category,
            service=ticket.service,
            source_ticket=ticket,
            note=_("Created from ticket %(number)s.") % {"number": ticket.number},
            at=at,
        )
        SolvedWith.objects.create(
            ticket=ticket, article=article, linked_by=actor, linked_at=article.created_at
        )
    return article


def link_solved_with(
    ticket: Ticket, *, articles: Iterable[Article], actor: User, at: datetime | None = None
) -> list[SolvedWith]:
    """Record that the ticket was solved with these articles; returns the new links."""
    _require_ticket(ticket, actor)
    articles = list(articles)
    if not articles:
        raise ActionError("articles", _("Choose an article."))
    for article in articles:
        if article.status == Status.RETIRED:
            raise ActionError("articles", _("%(number)s is retired.") % {"number": article.number})
    at = at or timezone.now()
    made = []
    with transaction.atomic():
        linked = set(ticket.solved_with.values_list("article_id", flat=True))
        for article in articles:
            if article.pk in linked:
                continue
            linked.add(article.pk)
            made.append(
                SolvedWith.objects.create(
                    ticket=ticket, article=article, linked_by=actor, linked_at=at
                )
            )
    return made


def unlink_solved_with(ticket: Ticket, *, article: Article, actor: User) -> bool:
    """Undo a link made by mistake; False when there was none."""
    _require_ticket(ticket, actor)
    deleted, _rows = SolvedWith.objects.filter(ticket=ticket, article=article).delete()
    return bool(deleted)


# -- readers ------------------------------------------------------------------------------


def vote(
    article: Article,
    *,
    user: User,
    helpful: bool,
    comment: str = "",
    at: datetime | None = None,
) -> Feedback:
    """The reader's vote, replacing their earlier one; a comment is sent to the owner."""
    if not visible_to(user).filter(pk=article.pk).exists():
        raise PermissionDenied(_("You cannot see this article."))
    if not isinstance(helpful, bool):
        raise ActionError("helpful", _("Say whether the article helped: yes or no."))
    at = at or timezone.now()
    comment = comment.strip()
    with transaction.atomic():
        # Votes of one person on one article are taken one at a time (the article's lock),
        # so the "one current vote" constraint never fails under a double click.
        locked = Article.objects.select_for_update().select_related("owner").get(pk=article.pk)
        Feedback.objects.filter(article=locked, user=user, current=True).update(current=False)
        feedback = Feedback.objects.create(
            article=locked,
            user=user,
            helpful=helpful,
            comment=comment,
            at=at,
            # Nothing for the owner to read: a bare vote, or their own comment.
            seen_at=at if not comment or user.pk == locked.owner_id else None,
        )
        if feedback.seen_at is None:
            _tell_owner(locked, feedback)
    return feedback


def mark_feedback_seen(*, user: User, feedback: Iterable[int] | None = None) -> int:
    """The owner read these comments on their articles (all when None); returns how many."""
    unseen = Feedback.objects.filter(article__owner=user, seen_at__isnull=True)
    if feedback is not None:
        unseen = unseen.filter(pk__in=list(feedback))
    return unseen.update(seen_at=timezone.now())


def record_view(article: Article, *, user: User, at: datetime | None = None) -> bool:
    """Count one reading by `user` today (once a day at most); True when newly counted."""
    if not user.is_authenticated:
        return False
    at = at or timezone.now()
    try:
        with transaction.atomic():
            _view, created = ArticleView.objects.get_or_create(
                article=article,
                user=user,
                day=timezone.localdate(at),
                defaults={"at": at, "organisation_id": user.organisation_id},
            )
    except IntegrityError:
        return False  # the same person's other tab counted it a moment ago
    return created


def record_deflection(
    *, article: Article, user: User, subject: str, at: datetime | None = None
) -> Deflection:
    """A requester read this suggested article instead of opening a ticket about `subject`."""
    if not visible_to(user).filter(pk=article.pk).exists():
        raise PermissionDenied(_("You cannot see this article."))
    return Deflection.objects.create(
        article=article,
        user=user,
        organisation_id=user.organisation_id,
        subject=subject.strip()[:200],
        at=at or timezone.now(),
    )


# -- the search index ---------------------------------------------------------------------


def index_fields(article: Article, organisations: Iterable[int] | None = None) -> dict[str, Any]:
    """What the search index keeps of an article (it applies the access rules with these)."""
    if organisations is None:
        organisations = article.organisations.values_list("pk", flat=True)
    return {
        "kind": "article",
        "object_id": article.pk,
        "title": article.title,
        "body": plain_text(article.body),
        "language": article.language,
        "published": article.status == Status.PUBLISHED,
        "public": article.visibility == Visibility.PUBLIC,
        "organisations": sorted(organisations),
        "service_id": article.service_id,
        "updated_at": article.updated_at,
    }


def index_entries() -> Iterable[index.Entry]:
    """Every article as the index wants it, for a full reindex."""
    articles = Article.objects.prefetch_related("organisations").order_by("pk")
    for article in articles.iterator(chunk_size=500):
        ids = [o.pk for o in article.organisations.all()]
        yield index.Entry(**index_fields(article, ids))


def _reindex(article: Article) -> None:
    """Tell the index once the change is committed: never about a change rolled back."""
    fields = index_fields(article)
    transaction.on_commit(lambda: index.put(**fields))


# -- shared steps -------------------------------------------------------------------------


@contextmanager
def _changing(article: Article, actor: User, revision: int | None) -> Iterator[Article]:
    """Lock the article and check the revision the caller read; yields the locked row."""
    _require_writer(actor)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if revision is not None and locked.revision != revision:
            raise ConflictError(locked)
        yield locked


def _save(
    article: Article,
    kind: str,
    actor: User,
    at: datetime | None,
    note: str,
    before: dict[str, Any],
) -> None:
    article.revision += 1
    article.updated_at = at or timezone.now()
    article.save()
    _append_version(article, kind, actor, article.updated_at, note, before)


def _append_version(
    article: Article,
    kind: str,
    actor: User,
    at: datetime,
    note: str,
    before: dict[str, Any] | None,
) -> ArticleVersion:
    after = _state(article)
    changes = {}
    if before is not None:
        changes = {
            name: [before[name], value]
            for name, value in after.items()
            if name != "body" and before[name] != value
        }
    meta = {name: value for name, value in after.items() if name not in ("title", "body")}
    version = ArticleVersion.objects.create(
        article=article,
        number=article.revision,
        kind=kind,
        title=article.title,
        body=article.body,
        meta=meta,
        changes=changes,
        edited_by=actor,
        edited_at=at,
        note=note.strip()[:300],
    )
    _reindex(article)
    return version


def _state(article: Article) -> dict[str, Any]:
    """The article's text and settings as plain values, names included (for versions)."""

    def ref(obj: Any) -> dict[str, Any] | None:
        return None if obj is None else {"id": obj.pk, "name": str(obj)}

    scoped = article.organisations.order_by("pk") if article.pk else []
    return {
        "title": article.title,
        "body": article.body,
        "category": ref(article.category),
        "service": ref(article.service),
        "language": article.language,
        "visibility": article.visibility,
        "organisations": [ref(o) for o in scoped],
        "status": article.status,
        "owner": ref(article.owner),
        "review_at": article.review_at.isoformat(),
    }


def _check(article: Article, organisations: list[Organisation]) -> None:
    """The rules of an article's fields, each broken one named."""
    if not article.title:
        raise ActionError("title", _("Give the article a title."))
    if len(article.title) > 200:
        raise ActionError("title", _("A title has at most 200 characters."))
    if article.language not in Language.values:
        raise ActionError("language", _("Choose a language: zh-hans or en."))
    if article.visibility not in Visibility.values:
        raise ActionError("visibility", _("Choose internal or public."))
    if organisations and article.visibility != Visibility.PUBLIC:
        raise ActionError(
            "organisations", _("Only a public article is meant for chosen organisations.")
        )
    owner = article.owner
    if owner is None or not owner.is_active or not owner.is_agent:
        raise ActionError("owner", _("The owner must be an active agent."))
    if not isinstance(article.review_at, date):
        raise ActionError("review_at", _("Give the review date as 2026-12-31."))


def _next_number() -> str:
    """KB-000123: one sequence for all years (desk's sequence table, year 0)."""
    seq, _created = NumberSequence.objects.select_for_update().get_or_create(
        prefix=NUMBER_PREFIX, year=0
    )
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{NUMBER_PREFIX}-{seq.last:06d}"


def _language_for(ticket: Ticket, actor: User) -> str:
    chosen = ticket.requester.language or actor.language or settings.LANGUAGE_CODE
    return Language.EN if chosen.startswith("en") else Language.ZH_HANS


def _require_writer(actor: User | None) -> None:
    if actor is None or not can_write(actor):
        raise PermissionDenied(_("Only agents write knowledge articles."))


def _require_ticket(ticket: Ticket, actor: User) -> None:
    _require_writer(actor)
    if not can_see_ticket(actor, ticket):
        raise PermissionDenied(_("You cannot see this ticket."))


# -- telling the owner --------------------------------------------------------------------


def _tell_owner(article: Article, feedback: Feedback) -> None:
    """The comment goes to the owner's channels, in the transaction of the vote."""
    outbox.notify(
        _channels_of(article.owner),
        "kb.feedback",
        f"kb.feedback:{feedback.pk}",
        _feedback_content(article, feedback),
    )


def _channels_of(user: User) -> list[Channel]:
    """A person's enabled channels; one who never had any is told by e-mail, as on tickets."""
    channels = list(Channel.objects.filter(user=user).select_related("user"))
    if channels:
        return [c for c in channels if c.enabled]
    return [recipients.default_email(user)] if user.email else []


def _feedback_content(article: Article, feedback: Feedback) -> ContentFor:
    who = feedback.user
    organisation = who.organisation.name if who.organisation_id else ""

    def content(language: str, zone: str) -> Content:
        with translation.override(language):
            verdict = _("helpful") if feedback.helpful else _("not helpful")
            title = _("%(number)s %(title)s: feedback") % {
                "number": article.number,
                "title": article.title,
            }
            lead = _("%(who)s found your article %(verdict)s and left a comment.") % {
                "who": who.name,
                "verdict": verdict,
            }
            facts = [
                (_("Article"), f"{article.number} {article.title}"),
                (_("From"), f"{who.name} ({organisation})" if organisation else who.name),
                (_("Comment"), feedback.comment),
            ]
            url = settings.SITE_URL + reverse("kb:article", args=[article.number])
            return Content(title, lead, facts, url)

    return content

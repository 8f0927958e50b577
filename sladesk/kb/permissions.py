"""Who reads which knowledge article: one queryset for every page, the FAQ and the API.

Agents read every article, drafts and retired ones included. A requester reads an article
only when it is published, public, and meant for everyone or for their organisation. Any
other article does not exist for them: a 404 exactly like a number that was never given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from .models import Article, Status, Visibility

if TYPE_CHECKING:
    from sladesk.people.models import User


def visible_to(user: User) -> QuerySet[Article]:
    """The articles `user` may read."""
    articles = Article.objects.all()
    if not user.is_authenticated or not user.is_active:
        return articles.none()
    if user.is_agent:
        return articles
    scoped = Article.organisations.through.objects.filter(article=OuterRef("pk"))
    # Subqueries rather than a join on the organisations: one row per article, no DISTINCT.
    for_them = ~Exists(scoped)
    if user.organisation_id is not None:
        for_them |= Exists(scoped.filter(organisation_id=user.organisation_id))
    return articles.filter(for_them, status=Status.PUBLISHED, visibility=Visibility.PUBLIC)


def faq_for(user: User) -> QuerySet[Article]:
    """The published public articles `user` may read: the requesters' FAQ."""
    return visible_to(user).filter(status=Status.PUBLISHED, visibility=Visibility.PUBLIC)


def can_write(user: User) -> bool:
    """Agents write the knowledge base (any agent may improve any article)."""
    return user.is_authenticated and user.is_active and user.is_agent

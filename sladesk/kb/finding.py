"""Finding articles and resolved tickets through the search index, for the knowledge base's
pages and API, and the articles suggested while a requester types a new request.

The index applies the access rules itself (`sladesk.search.query`); every hit is then
joined with the article or ticket it is about, read through the same permission functions
as the pages (`kb.permissions`, `desk.permissions`). So a hit whose index entry is stale —
an article retired a moment ago, a ticket reopened — or a ticket of another team is left
out rather than shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from sladesk.desk.models import Service, Ticket
from sladesk.desk.permissions import visible_tickets
from sladesk.people.models import User
from sladesk.search.query import MAX_LIMIT, Audience, Hit, search
from sladesk.search.terms import query_words
from sladesk.search.tickets import SEARCHABLE

from .models import Article
from .permissions import faq_for, visible_to

ARTICLE, TICKET = "article", "ticket"
KINDS = (ARTICLE, TICKET)
MAX_QUERY = 200  # characters of a query: a subject's length; the rest is not searched
SUGGESTIONS = 5
RELAXED_UP_TO = 5  # a subject of at most this many words is also searched less one word
SENTENCE_END = re.compile(r"[。\uff01\uff1f!?\uff1b;\n]|\.\s")  # full stops, ! ? ; (both widths)


@dataclass(frozen=True)
class Found:
    """A hit with the article or the ticket it is about (exactly one of them)."""

    hit: Hit
    article: Article | None = None
    ticket: Ticket | None = None

    @property
    def kind(self) -> str:
        return self.hit.kind

    @property
    def number(self) -> str:
        return self.article.number if self.article is not None else self.ticket.number


def find(
    text: str,
    *,
    user: User,
    kinds: Sequence[str] = KINDS,
    service: Service | None = None,
    limit: int = 20,
) -> list[Found]:
    """What `user` may read that matches `text`, best first (titles first), at most `limit`.

    Requesters find published public articles of their scope and never tickets; agents
    find every article and the resolved or closed tickets they may open.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    wanted = [k for k in KINDS if k in kinds and (k == ARTICLE or user.is_agent)]
    if not wanted:
        return []
    # Tickets of other teams are dropped after the search: ask for more to fill the page.
    more = TICKET in wanted and not user.is_manager
    hits = search(
        text[:MAX_QUERY],
        audience=Audience.of(user),
        kinds=wanted,
        limit=MAX_LIMIT if more else limit,
        service_id=service.pk if service is not None else None,
    )
    articles = visible_to(user) if user.is_agent else faq_for(user)
    return _joined(hits, articles, user)[:limit]


def suggest(subject: str, description: str = "", *, user: User) -> list[Found]:
    """Up to SUGGESTIONS published public articles for a request being typed.

    A search finds only documents holding every word, and people describe one problem in
    many words: so the subject is searched, then the description's first sentence, then
    (for a short subject) the subject less one word each time — until five are found.
    """
    found: list[Found] = []
    seen: set[int] = set()
    # Agents' searches find internal articles and drafts too, dropped below: ask for more.
    limit = MAX_LIMIT if user.is_agent else SUGGESTIONS
    for text in _attempts(subject[:MAX_QUERY], description[: MAX_QUERY * 5]):
        hits = search(text, audience=Audience.of(user), kinds=[ARTICLE], limit=limit)
        fresh = [h for h in hits if h.object_id not in seen]
        for item in _joined(fresh, faq_for(user), user):
            seen.add(item.hit.object_id)
            found.append(item)
        if len(found) >= SUGGESTIONS:
            break
    return found[:SUGGESTIONS]


def typed_subject(subject: str, description: str = "") -> str:
    """What a deflection records as the request not filed: the subject, else the
    description's first sentence."""
    return " ".join(subject.split())[:200] or first_sentence(description)[:200]


def first_sentence(text: str) -> str:
    return " ".join(SENTENCE_END.split(text.strip(), maxsplit=1)[0].split())


def _attempts(subject: str, description: str) -> Iterator[str]:
    subject = " ".join(subject.split())
    if subject:
        yield subject
    sentence = first_sentence(description)
    if sentence and sentence != subject:
        yield sentence
    words = [w.text for w in query_words(subject)]
    if 2 <= len(words) <= RELAXED_UP_TO:
        for i in range(len(words)):
            yield " ".join(words[:i] + words[i + 1 :])


def _joined(hits: list[Hit], articles: QuerySet[Article], user: User) -> list[Found]:
    """The hits whose article or ticket `user` may read, in the order of the hits."""
    ids = {kind: [h.object_id for h in hits if h.kind == kind] for kind in KINDS}
    readable = {
        ARTICLE: articles.filter(pk__in=ids[ARTICLE]).select_related("service").in_bulk()
        if ids[ARTICLE]
        else {},
        TICKET: visible_tickets(user)
        .filter(pk__in=ids[TICKET], status__in=SEARCHABLE)
        .select_related("service")
        .in_bulk()
        if ids[TICKET] and user.is_agent
        else {},
    }
    out = []
    for hit in hits:
        obj = readable.get(hit.kind, {}).get(hit.object_id)
        if obj is not None:
            out.append(Found(hit, **{hit.kind: obj}))
    return out

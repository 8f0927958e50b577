"""Searching the index: who searches (Audience), what they get (Hit), and search() itself.

A query's words (terms.py) must all occur in a document. Documents whose **title** holds
every word come first, then the others; within each, by the database's relevance (ts_rank
on PostgreSQL, bm25 on SQLite), then newest first. Requesters only ever get published,
public articles of their organisation's scope; agents get everything indexed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connections, router

from . import postgres, sqlite
from .models import Document, Kind
from .snippets import Span, excerpt, marks
from .terms import Word, query_words

MAX_LIMIT = 100


@dataclass(frozen=True)
class Audience:
    """Who is searching: an agent, or a requester of an organisation (or of none)."""

    agent: bool
    organisation_id: int | None = None

    @classmethod
    def of(cls, user) -> Audience:
        if getattr(user, "is_agent", False):
            return cls(agent=True)
        return cls(agent=False, organisation_id=getattr(user, "organisation_id", None))


@dataclass(frozen=True)
class Hit:
    """One document found. `snippet` is plain text around the first match; `marks` and
    `title_marks` are the (start, end) character spans of the matched words in the
    snippet and in the title, for the caller to highlight after escaping."""

    kind: str
    object_id: int
    title: str
    snippet: str
    score: float
    in_title: bool
    marks: tuple[Span, ...] = field(default=())
    title_marks: tuple[Span, ...] = field(default=())


def search(
    text: str,
    *,
    audience: Audience,
    kinds: Sequence[str] = ("article", "ticket"),
    limit: int = 20,
    service_id: int | None = None,
) -> list[Hit]:
    """Best first: documents whose title matches all the query's words before the others,
    then by relevance. Requesters only ever get published public articles of their scope."""
    unknown = sorted(set(kinds) - set(Kind.values))
    if unknown:
        raise ValueError(f"kinds must be among {', '.join(Kind.values)}, not {unknown}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    words = query_words(text)
    wanted = set(kinds) if audience.agent else set(kinds) & {Kind.ARTICLE}
    if not words or not wanted:
        return []
    access, params = _access(audience, wanted, service_id)
    alias = router.db_for_read(Document)
    with connections[alias].cursor() as cursor:
        find = _matcher(connections[alias].vendor, audience, alias)
        titled = find(
            cursor, words, title=True, access=access, params=params, exclude=(), limit=limit
        )
        rest: list[tuple[int, float]] = []
        if len(titled) < limit:
            rest = find(
                cursor,
                words,
                title=False,
                access=access,
                params=params,
                exclude=[i for i, _ in titled],
                limit=limit - len(titled),
            )
    return _hits(words, [(*row, True) for row in titled] + [(*row, False) for row in rest])


def _matcher(vendor: str, audience: Audience, alias: str):
    if vendor == "postgresql":

        def find(cursor, words, **kwargs):
            return postgres.candidates(
                cursor, words, requesters=not audience.agent, alias=alias, **kwargs
            )

        return find
    if vendor == "sqlite":
        return sqlite.candidates
    raise NotImplementedError(f"search needs SQLite or PostgreSQL, not {vendor}")


def _access(audience: Audience, kinds: set[str], service_id: int | None) -> tuple[str, list]:
    """The SQL condition on `d` (search_document) of what this audience may find."""
    clauses: list[str] = []
    params: list = []
    if audience.agent:
        if kinds != set(Kind.values):
            clauses.append(f"d.kind IN ({', '.join(['%s'] * len(kinds))})")
            params.extend(sorted(kinds))
    else:
        clauses.append("d.for_requesters")
        if audience.organisation_id is None:
            clauses.append("NOT d.scoped")
        else:
            clauses.append(
                "(NOT d.scoped OR EXISTS (SELECT 1 FROM search_scope s "
                "WHERE s.document_id = d.id AND s.organisation_id = %s))"
            )
            params.append(audience.organisation_id)
    if service_id is not None:
        clauses.append("d.service_id = %s")
        params.append(service_id)
    return " AND ".join(clauses) or "TRUE", params


def _hits(words: list[Word], found: list[tuple[int, float, bool]]) -> list[Hit]:
    documents = Document.objects.only("kind", "object_id", "title", "body").in_bulk(
        [i for i, _, _ in found]
    )
    hits = []
    for pk, score, in_title in found:
        document = documents.get(pk)
        if document is None:  # replaced or dropped since it was matched
            continue
        snippet, spans = excerpt(document.body, words)
        hits.append(
            Hit(
                kind=document.kind,
                object_id=document.object_id,
                title=document.title,
                snippet=snippet,
                score=float(score),
                in_title=in_title,
                marks=spans,
                title_marks=marks(document.title, words),
            )
        )
    return hits

"""Writing the search index: add, replace and drop documents, in bulk, and rebuild it from
its sources (the knowledge base's articles, the desk's resolved tickets).

Every write replaces the document's row: the new one gets a new id, and ids are the
index's order of recency (query.py ranks the newest matches when a query matches very
many documents).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import transaction

from .models import Document, Kind, Scope, Terms
from .terms import document_terms

BATCH = 2000  # documents written per statement by put_many


@dataclass(frozen=True)
class Entry:
    """One document to index, with put()'s fields."""

    kind: str
    object_id: int
    title: str
    body: str
    language: str = ""
    published: bool = True
    public: bool = False
    organisations: tuple[int, ...] = field(default=())
    owner_organisation: int | None = None
    service_id: int | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in Kind.values:
            raise ValueError(f"kind must be one of {', '.join(Kind.values)}, not {self.kind!r}")
        # Any iterable of ids (a queryset's values_list, a set) is kept as a sorted tuple.
        object.__setattr__(self, "organisations", tuple(sorted(set(self.organisations))))

    @property
    def for_requesters(self) -> bool:
        """Requesters may find it at all: a published, public article (then its scope)."""
        return self.kind == Kind.ARTICLE and self.published and self.public


def put(
    *,
    kind: str,
    object_id: int,
    title: str,
    body: str,
    language: str = "",
    published: bool = True,
    public: bool = False,
    organisations: Iterable[int] = (),
    owner_organisation: int | None = None,
    service_id: int | None = None,
    updated_at: datetime | None = None,
) -> None:
    """Add or replace one document. kind is "article" or "ticket". An article is visible to
    requesters only when published and public, and then only to requesters of
    `organisations` (empty = every organisation). Tickets are never shown to requesters.
    owner_organisation is the ticket requester's organisation (for agents' filters)."""
    put_many(
        [
            Entry(
                kind=kind,
                object_id=object_id,
                title=title,
                body=body,
                language=language,
                published=published,
                public=public,
                organisations=tuple(organisations),
                owner_organisation=owner_organisation,
                service_id=service_id,
                updated_at=updated_at,
            )
        ]
    )


def drop(*, kind: str, object_id: int) -> None:
    """Remove a document from the index; nothing happens if it is not there."""
    Document.objects.filter(kind=kind, object_id=object_id).delete()


def put_many(entries: Iterable[Entry]) -> int:
    """Add or replace many documents, BATCH per statement; returns how many were written.
    Within one batch the last entry of an object wins."""
    written = 0
    stream = iter(entries)
    while batch := list(islice(stream, BATCH)):
        written += _write(batch)
    return written


def _write(batch: list[Entry]) -> int:
    latest = {(e.kind, e.object_id): e for e in batch}
    with transaction.atomic():
        for kind in {k for k, _ in latest}:
            ids = [object_id for k, object_id in latest if k == kind]
            Document.objects.filter(kind=kind, object_id__in=ids).delete()
        documents = Document.objects.bulk_create(_document(e) for e in latest.values())
        Scope.objects.bulk_create(
            Scope(document_id=document.pk, organisation_id=organisation)
            for document, entry in zip(documents, latest.values(), strict=True)
            for organisation in entry.organisations
        )
    return len(documents)


def _document(entry: Entry) -> Document:
    terms = Terms(tuple(document_terms(entry.title)), tuple(document_terms(entry.body)))
    return Document(
        kind=entry.kind,
        object_id=entry.object_id,
        title=entry.title,
        body=entry.body,
        language=entry.language,
        published=entry.published,
        public=entry.public,
        scoped=bool(entry.organisations),
        for_requesters=entry.for_requesters,
        owner_organisation=entry.owner_organisation,
        service_id=entry.service_id,
        updated_at=entry.updated_at,
        title_terms=terms,
        terms=terms,
    )


# -- sources: where `sladesk search reindex` finds each kind's documents ----------------

Source = Callable[[], Iterable[Entry]]
_sources: dict[str, Source] = {}


def register_source(kind: str, function: Source) -> None:
    """Name the function that yields every document of `kind` to index (called by
    `sladesk search reindex`); the apps register theirs in AppConfig.ready()."""
    if kind not in Kind.values:
        raise ValueError(f"kind must be one of {', '.join(Kind.values)}, not {kind!r}")
    _sources[kind] = function


def sources() -> dict[str, Source]:
    return dict(_sources)


def reindex(kind: str) -> int:
    """Rebuild the index of one kind from its source, in one transaction: searches see
    the old documents until the new ones are all written. Returns how many."""
    source = _sources.get(kind)
    if source is None:
        raise LookupError(f"no source of {kind!r} documents is registered")
    with transaction.atomic():
        Document.objects.filter(kind=kind).delete()
        return put_many(_checked(kind, source()))


def _checked(kind: str, entries: Iterable[Entry]) -> Iterator[Entry]:
    for entry in entries:
        if entry.kind != kind:
            raise ValueError(f"the {kind} source yielded a {entry.kind} ({entry.object_id})")
        yield entry

"""The search index: one row per searchable document (an article or a resolved ticket),
with who may see it and its index terms.

The index is derived data: `sladesk search reindex` rebuilds it from the articles and
tickets. So it refers to organisations and services by id only, without foreign keys: a
deleted organisation must not widen an article's scope (its id simply matches no one),
and nothing here may stop a ticket or an organisation from being deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ARTICLE = "article", _("Article")
    TICKET = "ticket", _("Ticket")


@dataclass(frozen=True)
class Terms:
    """A document's index terms (sladesk.search.terms.document_terms), title and body."""

    title: tuple[str, ...]
    body: tuple[str, ...]


# PostgreSQL keeps at most 256 positions of a lexeme, and positions up to 16383.
MAX_POSITIONS = 256
MAX_POSITION = 16383


class TermsField(models.Field):
    """Index terms as the database searches them: a `tsvector` on PostgreSQL (title
    positions weighted A), on SQLite the terms separated by spaces, which the FTS5 table
    `search_fts` indexes (see migrations/0002_full_text.py). `part` is "title" (the
    title's terms only) or "all" (title and body). Written, never read back."""

    description = "search index terms"

    def __init__(self, *args: Any, part: str = "all", **kwargs: Any) -> None:
        if part not in ("title", "all"):
            raise ValueError(f"part must be 'title' or 'all', not {part!r}")
        self.part = part
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.part != "all":
            kwargs["part"] = self.part
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder_sql(self, value: Any, compiler, connection) -> tuple[str, tuple]:
        return ("%s::tsvector" if connection.vendor == "postgresql" else "%s"), (value,)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if not isinstance(value, Terms):
            return value
        body = value.body if self.part == "all" else ()
        if connection.vendor == "postgresql":
            return tsvector(value.title, body)
        return " ".join((*value.title, *body))

    def from_db_value(self, value: Any, expression, connection) -> Any:
        return value


def tsvector(title: tuple[str, ...] | list[str], body: tuple[str, ...] | list[str]) -> str:
    """The tsvector literal of the terms: positions in order, the title's weighted A, and
    one position left out between title and body, so no phrase spans the two. Terms are
    letters and digits only (terms.py), so they need no escaping inside the quotes."""
    positions: dict[str, list[str]] = {}
    for n, term in enumerate(title, start=1):
        positions.setdefault(term, []).append(_TITLE_AT[min(n, MAX_POSITION)])
    for n, term in enumerate(body, start=len(title) + 2):
        positions.setdefault(term, []).append(_AT[n] if n < MAX_POSITION else _AT[-1])
    return " ".join(
        f"'{term}':{','.join(at if len(at) <= MAX_POSITIONS else at[:MAX_POSITIONS])}"
        for term, at in positions.items()
    )


# Positions as text, made once: building the literal is most of the cost of indexing.
_AT = tuple(str(n) for n in range(MAX_POSITION + 1))
_TITLE_AT = tuple(f"{n}A" for n in range(MAX_POSITION + 1))


class Document(models.Model):
    """A searchable article or ticket, and who may find it."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    object_id = models.BigIntegerField(_("object id"))
    title = models.TextField(_("title"))
    body = models.TextField(_("body"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    published = models.BooleanField(_("published"), default=True)
    public = models.BooleanField(_("public"), default=False)
    # Empty scope: every organisation's requesters; otherwise those of the Scope rows.
    scoped = models.BooleanField(_("limited to some organisations"), default=False)
    # Precomputed: an article requesters may find at all (before its scope), indexed.
    for_requesters = models.BooleanField(default=False, editable=False)
    owner_organisation = models.BigIntegerField(_("organisation"), null=True, blank=True)
    service_id = models.BigIntegerField(_("service"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    title_terms = TermsField(part="title", null=True)
    terms = TermsField(null=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_per_object")
        ]
        # Newest first within what the searcher may see: a query that matches very many
        # documents ranks the newest of them (docs/search.md), walking one of these.
        indexes = [
            models.Index(fields=["kind", "-id"], name="search_kind_newest"),
            models.Index(fields=["service_id", "-id"], name="search_service_newest"),
            models.Index(
                fields=["-id"],
                name="search_requesters_newest",
                condition=models.Q(for_requesters=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class Scope(models.Model):
    """An organisation whose requesters may find a scoped article."""

    # The database deletes a document's scope with it: a delete is one statement.
    document = models.ForeignKey(Document, on_delete=models.DB_CASCADE, related_name="scope")
    organisation_id = models.BigIntegerField(_("organisation"))

    class Meta:
        verbose_name = _("search scope")
        verbose_name_plural = _("search scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organisation_id"], name="search_scope_once"
            )
        ]
        indexes = [models.Index(fields=["organisation_id", "document"], name="search_scope_org")]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.organisation_id}"

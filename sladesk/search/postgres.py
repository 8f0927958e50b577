"""Matching on PostgreSQL: `tsvector` columns with GIN indexes (migrations/0002_full_text.py),
queried with `tsquery` built from our own terms, ranked by ts_rank.

Ranking every match of a word that a third of all documents contain means reading a third
of the table: far beyond the 100 ms a search box may take with a million documents. So
each query is planned from the column statistics that ANALYZE keeps (the most common
lexemes and their frequencies):

- few matches expected: **exact**, every match found through the GIN index and ranked;
- very many: **newest**, the newest documents the searcher may see are read in id order
  until CANDIDATES match (at most a bounded number of rows), and those are ranked. If the
  words are each common but rarely together, too few are found, and exact follows.

Without statistics (a new or small index) every query is exact. docs/search.md has the
figures behind the thresholds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .terms import Word

CANDIDATES = 50  # newest matches ranked when a query matches very many documents
EXACT_UP_TO = 2000  # expected matches that exact ranks quickly enough
WALK_LIMIT = 20_000  # rows the newest plan reads at most before it gives up
STATISTICS_TTL = 300.0  # seconds the column statistics are kept in this process
RANK_NORMALISATION = 1  # ts_rank divides by 1 + log(document length)


def tsquery(words: Sequence[Word]) -> str:
    """The tsquery literal of the words: phrases of terms (<->) or prefixes (:*), ANDed."""
    parts = []
    for word in words:
        if word.prefix:
            parts.append(f"'{_quote(word.terms[0])}':*")
        else:
            parts.append("(" + " <-> ".join(f"'{_quote(t)}'" for t in word.terms) + ")")
    return " & ".join(parts)


def _quote(term: str) -> str:
    return term.replace("\\", "\\\\").replace("'", "''")


@dataclass(frozen=True)
class Statistics:
    """What ANALYZE knows of the index: documents, and lexeme frequencies per column."""

    documents: float
    for_requesters: float
    frequencies: dict[str, dict[str, float]]  # column → lexeme → share of documents
    floors: dict[str, float]  # column → the share below which a lexeme is not listed
    read_at: float

    def share(self, column: str, words: Sequence[Word]) -> float:
        """An upper bound of the share of documents that contain every word: the share
        of the rarest word, each word as common as its rarest term."""
        known = self.frequencies.get(column, {})
        floor = self.floors.get(column, 0.0)
        shares = []
        for word in words:
            if word.prefix:
                first = word.terms[0]
                listed = sum(f for lexeme, f in known.items() if lexeme.startswith(first))
                shares.append(min(1.0, max(listed, floor)))
            else:
                shares.append(min(known.get(t, floor) for t in word.terms))
        return min(shares, default=0.0)


_statistics: dict[str, Statistics] = {}


def statistics(cursor, alias: str) -> Statistics | None:
    """The index's statistics, read at most every STATISTICS_TTL seconds; None before
    the first ANALYZE."""
    cached = _statistics.get(alias)
    if cached is not None and time.monotonic() - cached.read_at < STATISTICS_TTL:
        return cached
    cursor.execute(
        """SELECT attname, most_common_elems::text::text[], most_common_elem_freqs
           FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'search_document'
           AND attname IN ('title_terms', 'terms') AND most_common_elems IS NOT NULL"""
    )
    frequencies, floors = {}, {}
    for column, lexemes, shares in cursor.fetchall():
        # The frequencies are followed by their minimum, maximum and the null share.
        frequencies[column] = dict(zip(lexemes, shares[: len(lexemes)], strict=True))
        floors[column] = min(shares[: len(lexemes)], default=0.0)
    cursor.execute(
        """SELECT (SELECT reltuples FROM pg_class WHERE oid = 'search_document'::regclass),
                  (SELECT reltuples FROM pg_class
                   WHERE oid = 'search_requesters_newest'::regclass)"""
    )
    documents, for_requesters = cursor.fetchone()
    if not frequencies or documents <= 0:
        return None  # asked again at the next search: the index may just have been filled
    found = Statistics(documents, max(for_requesters, 0), frequencies, floors, time.monotonic())
    _statistics[alias] = found
    return found


def forget_statistics() -> None:
    """Read the statistics again at the next search (after a bulk load and ANALYZE)."""
    _statistics.clear()


def candidates(
    cursor,
    words: Sequence[Word],
    *,
    title: bool,
    access: str,
    params: list,
    exclude: Sequence[int],
    limit: int,
    requesters: bool,
    alias: str,
) -> list[tuple[int, float]]:
    """(document id, score) of the best `limit` documents matching every word, in the
    title only or anywhere, best first; `access` is the SQL that says who may see them."""
    column = "title_terms" if title else "terms"
    query = tsquery(words)
    excluded = ""
    if exclude:
        excluded = f" AND d.id NOT IN ({', '.join(['%s'] * len(exclude))})"
    filters = (access + excluded, [*params, *exclude])
    stats = statistics(cursor, alias)
    if stats is not None:
        share = stats.share(column, words)
        documents = stats.for_requesters if requesters else stats.documents
        if prefers_newest(share, documents):
            walk = min(WALK_LIMIT, math.ceil(4 * CANDIDATES / share))
            found = _newest(cursor, column, query, filters, walk, limit)
            if len(found) >= min(limit, CANDIDATES):
                return found
    return _exact(cursor, column, query, filters, limit)


def prefers_newest(share: float, documents: float) -> bool:
    """Whether reading the newest documents costs less than ranking every match: exact
    reads share x documents rows, newest about CANDIDATES / share."""
    expected = share * documents
    return expected > EXACT_UP_TO and expected > CANDIDATES / share


def _exact(cursor, column: str, query: str, filters: tuple[str, list], limit: int):
    where, params = filters
    cursor.execute(
        f"""SELECT d.id, ts_rank(d.terms, q, {RANK_NORMALISATION}) AS score
            FROM search_document d, CAST(%s AS tsquery) q
            WHERE d.{column} @@ q AND {where}
            ORDER BY score DESC, d.id DESC LIMIT %s""",  # noqa: S608 - only our own fragments
        [query, *params, limit],
    )
    return cursor.fetchall()


def _newest(cursor, column: str, query: str, filters: tuple[str, list], walk: int, limit: int):
    where, params = filters
    cursor.execute(
        f"""SELECT c.id, ts_rank(d.terms, q, {RANK_NORMALISATION}) AS score
            FROM (SELECT w.id FROM (SELECT d.id, d.{column} AS v FROM search_document d
                                    WHERE {where} ORDER BY d.id DESC LIMIT %s) w,
                                   CAST(%s AS tsquery) q
                  WHERE w.v @@ q LIMIT %s) c
            JOIN search_document d ON d.id = c.id, CAST(%s AS tsquery) q
            ORDER BY score DESC, c.id DESC LIMIT %s""",  # noqa: S608 - only our own fragments
        [*params, walk, query, CANDIDATES, query, limit],
    )
    return cursor.fetchall()

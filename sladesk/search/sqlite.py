"""Matching on SQLite: the FTS5 table `search_fts` (migrations/0002_full_text.py), whose
columns are the documents' title terms and all their terms, ranked by FTS5's bm25."""

from __future__ import annotations

from collections.abc import Sequence

from .terms import Word

# bm25 weights of the columns (title_terms, terms): a title's terms count once more in
# `terms` too, so a title match weighs 1 + 4 where a body match weighs 1.
WEIGHTS = (4.0, 1.0)


def fts_query(words: Sequence[Word], column: str) -> str:
    """An FTS5 query: every word, each a phrase of its terms or a prefix, in `column`."""
    parts = []
    for word in words:
        if word.prefix:
            parts.append(f'"{word.terms[0]}"*')
        else:
            parts.append('"' + " ".join(word.terms) + '"')
    return f"{column} : (" + " AND ".join(parts) + ")"


def candidates(
    cursor,
    words: Sequence[Word],
    *,
    title: bool,
    access: str,
    params: list,
    exclude: Sequence[int],
    limit: int,
) -> list[tuple[int, float]]:
    """(document id, score) of the best `limit` documents matching every word, in the
    title only or anywhere, best first; `access` is the SQL that says who may see them."""
    excluded = ""
    if exclude:
        excluded = f" AND d.id NOT IN ({', '.join(['%s'] * len(exclude))})"
    cursor.execute(
        f"""SELECT d.id, -bm25(search_fts, {WEIGHTS[0]}, {WEIGHTS[1]}) AS score
            FROM search_fts JOIN search_document d ON d.id = search_fts.rowid
            WHERE search_fts MATCH %s AND {access}{excluded}
            ORDER BY score DESC, d.id DESC LIMIT %s""",  # noqa: S608 - only our own fragments
        [fts_query(words, "title_terms" if title else "terms"), *params, *exclude, limit],
    )
    return cursor.fetchall()

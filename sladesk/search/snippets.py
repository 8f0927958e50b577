"""Where a query's words occur in a text, and the excerpt of a body around the first one.

Plain text in, plain text and character spans out: the caller escapes the text and marks
the spans (e.g. with <mark>), so nothing here produces HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from .terms import Word, normalise

Span = tuple[int, int]
WIDTH = 120  # characters of an excerpt
BEFORE = 30  # of which at most these come before the first match
ELLIPSIS = "…"


def marks(text: str, words: Sequence[Word]) -> tuple[Span, ...]:
    """The (start, end) spans of `text` where the words occur, sorted and merged; matched
    as the index does (NFKC, lower case), so full-width ERP and Erp are marked for erp."""
    folded, origin = _folded(text)
    spans: list[Span] = []
    for needle in {w.text for w in words if w.text}:
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(needle, end)
    return tuple(_merged(sorted(spans)))


def excerpt(text: str, words: Sequence[Word]) -> tuple[str, tuple[Span, ...]]:
    """About WIDTH characters of `text` around the first match (its beginning if none),
    whitespace collapsed, with "…" where it was cut; and the matches' spans in it."""
    flat = " ".join(text.split())
    found = marks(flat, words)
    start = max(0, found[0][0] - BEFORE) if found else 0
    end = min(len(flat), start + WIDTH)
    start = max(0, min(start, end - WIDTH))
    piece = flat[start:end]
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(flat) else ""
    shift = len(lead) - start
    inside = tuple(
        (max(a, start) + shift, min(b, end) + shift) for a, b in found if a < end and b > start
    )
    return lead + piece + tail, inside


def _folded(text: str) -> tuple[str, list[int]]:
    """The text normalised character by character, and for each normalised character the
    index of the original one it came from (NFKC may turn one character into several)."""
    parts, origin = [], []
    for i, char in enumerate(text):
        folded = normalise(char)
        parts.append(folded)
        origin.extend([i] * len(folded))
    return "".join(parts), origin


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out

"""Template helpers of the knowledge base: the ticket page's panel, a version's changes,
search results with their matches highlighted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sladesk.desk.models import Ticket
from sladesk.kb import panel
from sladesk.kb.models import ArticleVersion, Language, Status, Visibility

register = template.Library()

FIELD_NAMES = {
    "title": gettext_lazy("Title"),
    "category": gettext_lazy("Category"),
    "service": gettext_lazy("Service"),
    "language": gettext_lazy("Language"),
    "visibility": gettext_lazy("Visibility"),
    "organisations": gettext_lazy("Organisations"),
    "status": gettext_lazy("Status"),
    "owner": gettext_lazy("Owner"),
    "review_at": gettext_lazy("Review by"),
}
CHOICES = {"language": Language, "visibility": Visibility, "status": Status}


@register.simple_tag
def kb_panel(ticket: Ticket) -> panel.TicketPanel:
    """The knowledge panel's content for the ticket page (the desk's view stays as it is)."""
    return panel.panel(ticket)


@register.filter
def described(value: Any, field: str) -> str:
    """A setting as stored in a version, as a person reads it."""
    if value is None or value == "":
        return "—"
    if field in CHOICES:
        try:
            return str(CHOICES[field](value).label)
        except ValueError:
            return str(value)
    if field == "organisations":
        return ", ".join(o["name"] for o in value) or _("everyone")
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


@register.filter
def changes_of(version: ArticleVersion) -> list[tuple[str, str, str]]:
    """What a version changed in the settings and title: (what, before, after)."""
    return [
        (str(FIELD_NAMES.get(name, name)), described(old, name), described(new, name))
        for name, (old, new) in version.changes.items()
    ]


@register.filter
def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff's lines with a kind each (add, del, hunk, head or same), to colour."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "head"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        out.append((kind, line))
    return out


@register.filter
def highlight(text: str, spans: Sequence[tuple[int, int]]) -> SafeString:
    """`text` escaped, with the (start, end) spans of a search hit in <mark>."""
    pieces, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        pieces.append(escape(text[at:start]))
        pieces.append(format_html("<mark>{}</mark>", escape(text[start:end])))
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece was escaped above

"""Article text (Markdown) to HTML that is safe to put in a page.

Two locks, each enough on its own: markdown-it renders CommonMark with raw HTML turned off
(a stored `<script>` comes out as text) and refuses `javascript:` links; nh3 (the Rust
sanitizer ammonia) then keeps only an allow-list of tags, attributes and URL schemes, and
gives every link rel="noopener noreferrer".
"""

from __future__ import annotations

import html
from functools import cache

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},  # markdown-it aligns table columns with text-align, nothing else
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )


def render(text: str) -> SafeString:
    """The HTML of an article's Markdown, sanitised."""
    html = _parser().render(text or "")
    return mark_safe(_cleaner().clean(html))  # noqa: S308 - sanitised by nh3 just above


def plain_text(text: str) -> str:
    """An article's Markdown as the words a reader sees, without its markup (`##`, `**`,
    link targets): what the search index matches and quotes in its snippets."""
    return html.unescape(strip_tags(_parser().render(text or ""))).strip()

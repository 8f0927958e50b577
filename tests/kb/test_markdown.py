"""Stored Markdown renders inert: no script, no event handler, no javascript: link, on the
agents' page, in the portal and in the API."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from sladesk.kb.rendering import _cleaner, render

from .conftest import published

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](java\tscript:alert(1))",
    "![图](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '[x](https://example.com "t" onmouseover=alert(1))',
]


class Tags(HTMLParser):
    """The elements of a piece of HTML with their attributes, as a browser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def dangers(html: str) -> list[str]:
    """What in `html` could run script: a script-like element, an event handler, a style
    other than text alignment, or a link or source that is not http(s), mailto or relative."""
    found = []
    for tag, attrs in Tags(html).found:
        if tag in ("script", "iframe", "object", "embed", "style", "svg", "math", "form"):
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag} {name}")
            if name == "style" and not re.fullmatch(r"text-align:\s*\w+;?", value):
                found.append(f"{tag} style={value}")
            schemed = re.match(r"\s*[a-z][a-z0-9+.-]*:", value, re.I)
            safe = re.match(r"\s*(https?|mailto):", value, re.I)
            if name in ("href", "src") and schemed and not safe:
                found.append(f"{tag} {name}={value}")
    return found


def test_the_danger_detector_detects():
    assert dangers('<a href="javascript:x">a</a><img src=x onerror=y><script></script>') == [
        "a href=javascript:x",
        "img onerror",
        "script",
    ]
    assert dangers("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []


@pytest.mark.parametrize("text", ATTACKS)
def test_an_attack_in_the_text_comes_out_as_text(text):
    assert dangers(str(render(text))) == []


def test_the_sanitiser_alone_also_strips_what_markdown_would_never_make():
    cleaned = _cleaner().clean(
        '<p onclick="x()">a</p><script>alert(1)</script><a href="javascript:alert(1)">b</a>'
        '<img src="x" onerror="alert(1)"><td style="color:red;text-align:right">c</td>'
    )
    assert "onclick" not in cleaned and "<script" not in cleaned and "onerror" not in cleaned
    assert "javascript" not in cleaned and "color" not in cleaned


def test_ordinary_markdown_is_kept_and_links_open_safely():
    html = str(
        render(
            "## 解决方法\n\n1. 打开 **设置**\n2. 运行 `ipconfig /flushdns`\n\n"
            "见 [说明](https://example.com/help)。\n\n| 步骤 | 说明 |\n|---|--:|\n| 1 | 重启 |\n"
        )
    )
    assert "<h2>解决方法</h2>" in html and "<strong>设置</strong>" in html
    assert "<code>ipconfig /flushdns</code>" in html
    assert '<a href="https://example.com/help" rel="noopener noreferrer">说明</a>' in html
    assert '<td style="text-align:right">重启</td>' in html


def test_pages_and_the_api_show_stored_attacks_inert(desk, as_, api):
    article = published(desk, body="\n\n".join(ATTACKS))
    for client, url, part in [
        (as_("bob"), f"/kb/{article.number}/", "article-body"),
        (as_("bob"), f"/kb/{article.number}/v2/", "version-text"),
        (as_("alice"), f"/portal/faq/{article.number}/", "article-body"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        shown = response.content.decode()
        body = shown[shown.index(f'data-testid="{part}"') :]
        body = body[: body.index("</article>")]
        assert dangers(body) == [], url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    html = api("alice").get(f"/api/kb/articles/{article.number}").json()["html"]
    assert dangers(html) == [] and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

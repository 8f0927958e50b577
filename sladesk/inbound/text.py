"""The text of an e-mail: HTML made plain, and the quoted tail of a reply cut off."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Their content is never text a person wrote to us (and scripts must never reach a page).
SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
BLOCKS = frozenset(
    {
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5",
        "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer",
    }
)  # fmt: skip


class _Text(HTMLParser):
    """Collects the visible text; quoted blocks come out as "> " lines, as in plain mail."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skipping = 0
        self.quote_depth = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self._newline()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.lines[-1] = "- "

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.lines[-1] += first
            for line in rest:
                self._newline(force=True)
                self.lines[-1] += line
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip(" >-"):
            text = text.lstrip()
        if text:
            if not self.lines[-1]:
                self.lines[-1] = "> " * self.quote_depth
            self.lines[-1] += text

    def _newline(self, force: bool = False) -> None:
        if force or self.lines[-1].strip():
            self.lines[-1] = self.lines[-1].rstrip()
            self.lines.append("")
        else:
            self.lines[-1] = ""


def html_to_text(html: str) -> str:
    """The visible text of an HTML mail body, paragraphs on lines of their own."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return _tidy("\n".join(parser.lines))


def _tidy(text: str) -> str:
    """No trailing spaces, at most one empty line in a row, none at either end."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# -- the quoted tail of a reply ---------------------------------------------------------

# The line a mail client writes above the message it quotes. Each is specific enough that
# a person's own text does not match it by chance.
QUOTE_HEADERS = [
    re.compile(r"^-{2,}\s*(original message|原始邮件|邮件原件)\s*-{2,}$", re.IGNORECASE),
    re.compile(r"^(在|于).{0,200}写道\s*[:：]$"),  # Apple Mail, Foxmail, Gmail in Chinese
    re.compile(r"^.{1,200}于.{0,100}写道\s*[:：]$"),  # Gmail: 张三 <a@b> 于2026年…写道：
    re.compile(r"^On .{1,250} wrote:$", re.DOTALL),
    re.compile(r"^_{20,}$"),  # Outlook's rule above "From: … Sent: …"
]
# Outlook without a rule: "From:" then "Sent:" (or the Chinese 发件人/发送时间) just below.
OUTLOOK_FROM = re.compile(r"^\*?(from|发件人)\s*\*?\s*[:：]", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\*?(sent|date|发送时间|时间|日期)\s*\*?\s*[:：]", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The reply without the message it quotes, where the quote is clearly marked.

    Cut at the first quote header ("On … wrote:", "在…写道：", "-----Original Message-----",
    "-----原始邮件-----", Outlook's From/Sent block); otherwise drop the trailing block of
    "> " lines. Text interleaved with quotes is kept as it is. If nothing would be left,
    the text is kept whole: better a quote too many than a reply lost.
    """
    lines = _tidy(text).split("\n")
    cut = _quote_header(lines)
    kept = lines[:cut] if cut is not None else lines
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip("\n")
    return result if result.strip() else _tidy(text)


def _quote_header(lines: list[str]) -> int | None:
    """The index of the first line of the quote header, if there is one."""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        # Gmail wraps a long "On …, Name <address> wrote:" onto two lines.
        pair = f"{line} {lines[i + 1].strip()}" if i + 1 < len(lines) else line
        if any(p.match(line) for p in QUOTE_HEADERS):
            return i
        if line.startswith("On ") and QUOTE_HEADERS[3].match(pair):
            return i
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_SENT.match(n.strip()) for n in lines[i + 1 : i + 4]
        ):
            return i
    return None

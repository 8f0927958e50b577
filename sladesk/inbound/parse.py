"""One raw e-mail (RFC 822 bytes) read into what the desk needs: who, about what, which
ticket it answers, its text and files. No database here.

Headers are decoded by hand rather than by the email package's modern policy: Chinese
mail clients still label text "gb2312" that holds GBK characters (and some send raw 8-bit
headers), which the standard decoder turns into replacement characters. We decode every
GB label as GB18030, the superset.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from sladesk.desk.models import NUMBER_PREFIX

from .text import html_to_text

# Labels that mean "some Chinese encoding": decode them all as the superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "ks_c_5601-1987": "cp949",
}

# Not \b: in "工单INC-2026-000123" the Chinese character before the number is a word
# character, so \b would not match there.
_PREFIXES = "|".join(sorted(NUMBER_PREFIX.values()))
TICKET_NUMBER = re.compile(rf"(?<![A-Za-z0-9])(?:{_PREFIXES})-\d{{4}}-\d{{6}}(?![0-9])")
# The Message-IDs of sladesk's own mail: <sladesk.INC-2026-000123.anything@domain>.
SLADESK_ID = re.compile(r"^<sladesk\.([A-Z]+-\d{4}-\d{6})\.[^@>]*@[^>]+>$")
MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


class NotAnEmail(ValueError):
    """The bytes are not an e-mail message we can read."""


@dataclass
class Part:
    """An attached file."""

    name: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str  # with its angle brackets; made up from the content when missing
    sender: str  # the From address, lower case
    sender_name: str
    subject: str
    text: str
    sent_at: datetime | None
    references: list[str]  # In-Reply-To first, then References from the newest
    attachments: list[Part] = field(default_factory=list)
    automatic: str = ""  # why this is an automatic message (auto-reply, bounce, list)
    size: int = 0

    def ticket_numbers(self) -> list[str]:
        """Ticket numbers this mail answers: from sladesk's Message-IDs, then the subject."""
        numbers = [m.group(1) for ref in self.references if (m := SLADESK_ID.match(ref))]
        return numbers + TICKET_NUMBER.findall(self.subject)


def parse(raw: bytes) -> ParsedMail:
    """Read one message; NotAnEmail if it has no sender address."""
    if not raw.strip():
        raise NotAnEmail("the message is empty")
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    name, sender = _address(header(msg, "From"))
    if "@" not in sender:
        raise NotAnEmail("the message has no From address")
    message_id = _first_id(header(msg, "Message-ID"))
    if not message_id:
        # Without an id, the same bytes delivered twice must still be read once.
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()}@sladesk.invalid>"
    text, attachments = _body(msg)
    return ParsedMail(
        message_id=message_id,
        sender=sender,
        sender_name=name,
        subject=" ".join(header(msg, "Subject").split()),
        text=text,
        sent_at=_date(header(msg, "Date")),
        references=_references(msg),
        attachments=attachments,
        automatic=automatic(msg, sender, message_id),
        size=len(raw),
    )


# -- headers ----------------------------------------------------------------------------


def header(msg: Message, name: str) -> str:
    """A header decoded to text (RFC 2047 words, raw 8-bit bytes), or ""."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return decode_words(_raw_text(value))
    return ""


def _raw_text(value: object) -> str:
    """The header as text; raw 8-bit bytes arrive as surrogates and are decoded here."""
    text = str(value)
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (=?gb2312?B?…?=) with the charsets Chinese mail uses."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except ValueError:  # a malformed encoded word: keep the header as it came
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            out.append(decode_bytes(chunk, charset))
    return "".join(out)


def codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if the label is unknown."""
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text in its declared charset; undeclared or wrong, UTF-8 then GB18030 are tried."""
    name = codec(charset)
    for candidate in (name, "utf-8", "gb18030"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode(name or "utf-8", "replace")


def _address(value: str) -> tuple[str, str]:
    found = [(n, a) for n, a in getaddresses([value]) if "@" in a]
    if not found:
        return "", ""
    name, address = found[0]
    return name.strip(), address.strip().lower()


def _first_id(value: str) -> str:
    found = MESSAGE_IDS.findall(value)
    return found[0] if found else ""


def _references(msg: Message) -> list[str]:
    """The ids this mail answers, the most specific first: In-Reply-To, then References
    from the newest (its last) to the oldest."""
    ids = MESSAGE_IDS.findall(header(msg, "In-Reply-To"))
    ids += reversed(MESSAGE_IDS.findall(header(msg, "References")))
    return list(dict.fromkeys(ids))


def _date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


# -- mail loops -------------------------------------------------------------------------

AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


def automatic(msg: Message, sender: str, message_id: str) -> str:
    """Why the message was sent by a machine (so answering it could loop), or ""."""
    auto_submitted = header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "List-Id"):
        if header(msg, name):
            return f"{name} header"
    if msg.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    if header(msg, "Return-Path").strip() == "<>":
        return "a bounce (empty Return-Path)"
    if AUTOMATIC_SENDERS.match(sender):
        return f"sent by {sender}"
    if message_id.startswith("<sladesk."):
        return "sladesk's own message"
    return ""


# -- body and attachments ---------------------------------------------------------------


def _body(msg: Message) -> tuple[str, list[Part]]:
    """The text (text/plain preferred, else HTML made plain) and the attached files."""
    plain = html = None
    files: list[Part] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        name = _file_name(part)
        is_text = kind in ("text/plain", "text/html") and disposition != "attachment"
        if is_text and not name:
            if kind == "text/plain" and plain is None:
                plain = part
            elif kind == "text/html" and html is None:
                html = part
            continue
        if kind == "message/rfc822" or name or disposition == "attachment":
            content = _content(part)
            files.append(Part(_safe_name(name, kind, len(files) + 1), kind, content))
    if plain is not None:
        return _text_of(plain).strip("\n"), files
    if html is not None:
        return html_to_text(_text_of(html)), files
    return "", files


def _text_of(part: Message) -> str:
    return decode_bytes(_content(part), part.get_content_charset())


def _content(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        # A forwarded message: its payload is a parsed message; keep it as an .eml file.
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes()
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _file_name(part: Message) -> str:
    name = part.get_filename() or part.get_param("name") or ""
    if isinstance(name, tuple):  # RFC 2231 with a charset, as get_param returns it
        name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return decode_words(_raw_text(name)).strip()


def _safe_name(name: str, content_type: str, index: int) -> str:
    """A file name with no folder and no control characters; made up if there is none."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        if content_type == "message/rfc822":
            extension = ".eml"
        name = f"attachment-{index}{extension}"
    return name[-150:]

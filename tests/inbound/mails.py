"""Raw e-mails as mail clients send them, built with the standard email package."""

from __future__ import annotations

import base64
import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

_ids = itertools.count(1)


def mail(
    *,
    sender: str = "Alice <alice@example.com>",
    to: str = "support@desk.example",
    subject: str = "报表系统无法登录",
    body: str | None = "登录时提示会话过期。",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """A message: text and/or HTML, then attachments (name, content type, content)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(f"m{next(_ids)}", domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for name, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def gbk_mail(subject: str, body: str, *, sender: str = "alice@example.com") -> bytes:
    """As Chinese mail clients send it: labelled gb2312, encoded in GBK (a superset)."""
    encoded_subject = base64.b64encode(subject.encode("gbk")).decode()
    return (
        f"From: =?gb2312?B?{base64.b64encode('张三'.encode('gbk')).decode()}?= <{sender}>\r\n"
        f"To: support@desk.example\r\n"
        f"Subject: =?gb2312?B?{encoded_subject}?=\r\n"
        f"Message-ID: <gbk.{next(_ids)}@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
    ).encode() + base64.encodebytes(body.encode("gbk"))


def message_id_of(raw: bytes) -> str:
    for line in raw.split(b"\r\n") if b"\r\n" in raw else raw.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise ValueError("no Message-ID")

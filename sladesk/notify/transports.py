"""Outgoing channels: one small class per channel, all with the same `send(messages)`.

The notification worker hands a transport every message pending for one destination. The
transport merges them into as few vendor messages as the channel's size limit allows
(`batch`), posts them, and answers with a `Result` the worker can act on: mark delivered,
back off for `retry_after` seconds, or dead-letter with the reason.

Rate limits are respected by batching, never by dropping: ten alerts for one DingTalk robot
become one markdown message, not ten posts of which half are refused. One `send` call posts
at most `posts_per_call` vendor messages; whatever is left comes back as a retry.

Adding a channel is adding a class with `post_one`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from http.client import HTTPException
from typing import Any, ClassVar
from urllib.parse import quote_plus

from django.core.mail import EmailMultiAlternatives

from sladesk.notify import http

TRUNCATED = "… (truncated; see sladesk)"


@dataclass(frozen=True, kw_only=True)
class Message:
    title: str
    text: str  # plain text
    markdown: str = ""  # falls back to `text`
    html: str | None = None  # e-mail only
    idempotency_key: str  # the outbox row's key: the same on every retry of this message
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    url: str = ""  # link to the full ticket in sladesk, shown when a message is truncated
    message_id: str = ""  # e-mail only: the Message-ID, stable across retries


class Status(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: try again after `retry_after` seconds
    FAILED = "failed"  # permanent: retrying will not help (bad URL, signature, keyword…)


@dataclass(frozen=True)
class Result:
    status: Status
    reason: str = ""
    retry_after: float | None = None
    # Idempotency keys of the messages that did reach the channel, even when the result as a
    # whole is a retry or a failure: the worker marks those delivered and keeps the rest.
    delivered: tuple[str, ...] = ()
    posts: int = 0  # vendor messages posted, counted against the channel's rate limit
    deferred: bool = False  # the rest waits for the next rate window: not a failed attempt

    @property
    def sent(self) -> bool:
        return self.status == Status.SENT


class Transport:
    """A destination. Subclasses set the limits and implement `post_one`."""

    per_minute: ClassVar[int | None] = None  # vendor messages per minute per destination
    per_second: ClassVar[int | None] = None
    max_bytes: ClassVar[int | None] = None  # UTF-8 bytes of one vendor message's body
    markup: ClassVar[str] = "markdown"  # "markdown" or "text": what `batch` renders
    default_retry_after: ClassVar[float] = 60
    separators: ClassVar[dict[str, str]] = {"markdown": "\n\n---\n\n", "text": "\n\n"}

    @property
    def posts_per_call(self) -> int | None:
        return self.per_second or self.per_minute

    def send(
        self,
        messages: Sequence[Message],
        budget: int | None = None,
        on_delivered: Callable[[list[str]], None] | None = None,
    ) -> Result:
        """Post `messages`, at most `budget` vendor messages (default: one window's worth).

        `on_delivered` hears the keys of each vendor message's contents as soon as it is
        accepted, so the caller can record them before the next post (a crash mid-batch
        then repeats at most the message in flight).
        """
        delivered: list[str] = []
        groups = self.groups(messages)
        if budget is None:
            budget = self.posts_per_call
        for number, group in enumerate(groups):
            if budget is not None and number >= budget:
                window = 1 if self.per_second else 60
                reason = "rate limit: the rest goes in the next window"
                return Result(Status.RETRY, reason, window, tuple(delivered), number, True)
            try:
                result = self.post_one(self.merge(group))
            except http.RefusedAddress as exc:
                result = Result(Status.FAILED, str(exc))
            except (OSError, HTTPException) as exc:
                result = Result(Status.RETRY, f"network: {exc}", self.default_retry_after)
            if not result.sent:
                posts = number + 1  # a refused post counts against the limit too
                status, reason, after = result.status, result.reason, result.retry_after
                return Result(status, reason, after, tuple(delivered), posts)
            keys = [message.idempotency_key for message in group]
            delivered.extend(keys)
            if on_delivered is not None:
                on_delivered(keys)
        return Result(Status.SENT, delivered=tuple(delivered), posts=len(groups))

    def post_one(self, message: Message) -> Result:
        raise NotImplementedError

    # Batching -----------------------------------------------------------------------------

    def batch(self, messages: Sequence[Message]) -> list[Message]:
        """As few messages as the size limit allows, with every input message in one of them."""
        return [self.merge(group) for group in self.groups(messages)]

    def groups(self, messages: Sequence[Message]) -> list[list[Message]]:
        if self.max_bytes is None:
            return [[message] for message in messages]
        separator = len(self.separators[self.markup].encode())
        groups: list[list[Message]] = []
        size = 0
        for message in messages:
            piece = len(self.render(message).encode())
            if groups and size + separator + piece <= self.max_bytes:
                groups[-1].append(message)
                size += separator + piece
            else:
                groups.append([message])
                size = piece  # a piece over the limit alone in its group is truncated in merge
        return groups

    def render(self, message: Message) -> str:
        if self.markup == "markdown":
            piece = f"### {message.title}\n\n{message.markdown or message.text}"
            return piece + (f"\n\n[Open in sladesk]({message.url})" if message.url else "")
        return f"{message.title}\n{message.text}" + (f"\n{message.url}" if message.url else "")

    def merge(self, group: list[Message]) -> Message:
        """One message whose `text` and `markdown` hold the channel-ready body of `group`."""
        if self.max_bytes is None and len(group) == 1:
            return group[0]
        pieces = [self.render(message) for message in group]
        if len(pieces) == 1 and self.max_bytes and len(pieces[0].encode()) > self.max_bytes:
            pieces = [truncate(pieces[0], self.max_bytes, group[0].url)]
        body = self.separators[self.markup].join(pieces)
        first = group[0]
        title = first.title if len(group) == 1 else f"sladesk: {len(group)} alerts"
        return Message(
            title=title,
            text=body,
            markdown=body,
            idempotency_key=" ".join(message.idempotency_key for message in group),
            created_at=first.created_at,
            url=first.url if len(group) == 1 else "",
        )

    # Vendor answers ----------------------------------------------------------------------

    def http_result(self, response: http.Response) -> Result | None:
        """The verdict of the HTTP status alone; None when the body must decide (2xx)."""
        if 200 <= response.status < 300:
            return None
        reason = f"HTTP {response.status}: {response.text[:200]}"
        if response.status in (408, 429) or response.status >= 500:
            return Result(Status.RETRY, reason, retry_after(response, self.default_retry_after))
        return Result(Status.FAILED, reason)  # other 4xx, and 3xx: redirects are not followed


def truncate(piece: str, max_bytes: int, url: str = "") -> str:
    """Cut `piece` to `max_bytes` UTF-8 bytes, on a character boundary, with a marker."""
    marker = "\n" + TRUNCATED + (f" {url}" if url else "")
    room = max(max_bytes - len(marker.encode()), 0)
    kept = piece.encode()[:room].decode("utf-8", errors="ignore")
    return kept + marker


def retry_after(response: http.Response, default: float) -> float:
    """Seconds from a Retry-After header (seconds or an HTTP date), else `default`."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0)
    except (TypeError, ValueError):
        return default


def errcode(response: http.Response) -> tuple[Any, str]:
    """DingTalk's and WeCom's answer: {"errcode": 0, "errmsg": "ok"} on success."""
    answer = response.json if isinstance(response.json, dict) else {}
    code = answer.get("errcode")
    return code, f"errcode {code}: {answer.get('errmsg', response.text[:200])}"


def hmac_sha256_base64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


# Channels ------------------------------------------------------------------------------------


class EmailTransport(Transport):
    """One e-mail per message, plain text with an HTML alternative, through Django's mail."""

    def __init__(self, recipients: Sequence[str], from_email: str | None = None) -> None:
        self.recipients = list(recipients)
        self.from_email = from_email  # None: settings.DEFAULT_FROM_EMAIL

    def post_one(self, message: Message) -> Result:
        email = EmailMultiAlternatives(
            subject=message.title,
            body=message.text + (f"\n\n{message.url}" if message.url else ""),
            from_email=self.from_email,
            to=self.recipients,
            headers={"X-Sladesk-Key": message.idempotency_key}
            | ({"Message-ID": message.message_id} if message.message_id else {}),
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            return Result(Status.FAILED, f"recipients refused: {exc.recipients}")
        except (smtplib.SMTPException, OSError) as exc:
            return Result(Status.RETRY, f"SMTP: {exc}", self.default_retry_after)
        return Result(Status.SENT)


class WebhookTransport(Transport):
    """A JSON POST per message, signed the Standard Webhooks way.

    Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    (https://www.standardwebhooks.com/). Headers `webhook-id` (the idempotency key, the same
    on retries so receivers can deduplicate), `webhook-timestamp` (Unix seconds) and
    `webhook-signature` = "v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), where
    key is the secret after its "whsec_" prefix, base64-decoded. Receivers can check it with
    any Standard Webhooks library.
    """

    event_type = "sladesk.notification"

    def __init__(self, url: str, secret: str, *, allow_private: bool = False) -> None:
        self.url = url
        self.key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        self.allow_private = allow_private

    def signature(self, webhook_id: str, timestamp: int, body: bytes) -> str:
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        return "v1," + hmac_sha256_base64(self.key, signed)

    def payload(self, message: Message) -> dict[str, Any]:
        return {
            "type": self.event_type,
            "timestamp": message.created_at.isoformat(),
            "data": {
                "title": message.title,
                "text": message.text,
                "markdown": message.markdown or message.text,
                "html": message.html,
                "url": message.url or None,
            },
        }

    def post_one(self, message: Message) -> Result:
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "webhook-id": message.idempotency_key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": self.signature(message.idempotency_key, timestamp, body),
        }
        response = http.post_json(self.url, body, headers, allow_private=self.allow_private)
        return self.http_result(response) or Result(Status.SENT)


class DingTalkTransport(Transport):
    """DingTalk custom robot, markdown messages, optionally signed ("加签").

    Signing, https://open.dingtalk.com/document/robots/customize-robot-security-settings :
    string_to_sign = f"{timestamp}\\n{secret}" with timestamp in milliseconds (within an hour
    of DingTalk's clock); sign = urlEncode(base64(HmacSHA256(key=secret, string_to_sign))),
    both appended to the webhook URL as &timestamp=…&sign=….
    Limit: 20 messages a minute per robot; exceeding it blocks the robot for 10 minutes
    (errcode 130101), hence the long retry.
    """

    per_minute = 20
    # DingTalk documents no markdown length; 18 000 bytes keeps a message inside the ~20 KB
    # request body it is reported to accept, like Feishu's documented 20 KB.
    max_bytes = 18_000
    blocked_for = 600
    too_fast = {130101}

    def __init__(self, url: str, secret: str = "", *, allow_private: bool = False) -> None:
        self.url = url
        self.secret = secret
        self.allow_private = allow_private

    def sign(self, timestamp_ms: int) -> str:
        string_to_sign = f"{timestamp_ms}\n{self.secret}".encode()
        return quote_plus(hmac_sha256_base64(self.secret.encode(), string_to_sign))

    def signed_url(self, timestamp_ms: int) -> str:
        if not self.secret:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}timestamp={timestamp_ms}&sign={self.sign(timestamp_ms)}"

    def post_one(self, message: Message) -> Result:
        markdown = {"title": message.title, "text": message.markdown}
        body = {"msgtype": "markdown", "markdown": markdown}
        url = self.signed_url(int(time.time() * 1000))
        response = http.post_json(url, body, allow_private=self.allow_private)
        if verdict := self.http_result(response):
            return verdict
        code, reason = errcode(response)
        if code == 0:
            return Result(Status.SENT)
        if code in self.too_fast:
            return Result(Status.RETRY, reason, self.blocked_for)
        return Result(Status.FAILED, reason)  # 310000 keyword/sign/IP, 300001 token, …


class WeComTransport(Transport):
    """WeCom (企业微信) group robot: webhook URL with ?key=…, markdown (≤4096 bytes) or text.

    https://developer.work.weixin.qq.com/document/path/91770 : no signature (the key in the URL
    is the secret), 20 messages a minute per robot, errcode 45009 when exceeded; markdown
    content at most 4096 UTF-8 bytes, text at most 2048.
    """

    per_minute = 20
    limits = {"markdown": 4096, "text": 2048}
    busy = {45009, -1}  # frequency limit; "system busy"

    def __init__(self, url: str, markup: str = "markdown", *, allow_private: bool = False) -> None:
        if markup not in self.limits:
            raise ValueError(f"markup must be one of {sorted(self.limits)}")
        self.url = url
        self.markup = markup
        self.max_bytes = self.limits[markup]
        self.allow_private = allow_private

    def post_one(self, message: Message) -> Result:
        content = message.markdown if self.markup == "markdown" else message.text
        body = {"msgtype": self.markup, self.markup: {"content": content}}
        response = http.post_json(self.url, body, allow_private=self.allow_private)
        if verdict := self.http_result(response):
            return verdict
        code, reason = errcode(response)
        if code == 0:
            return Result(Status.SENT)
        if code in self.busy:
            return Result(Status.RETRY, reason, self.default_retry_after)
        return Result(Status.FAILED, reason)  # 93000 bad key, 40008 bad message type, …


class FeishuTransport(Transport):
    """Feishu / Lark custom bot: an interactive card with a markdown element, optionally signed.

    Signing, https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (签名校验):
    string_to_sign = f"{timestamp}\\n{secret}" with timestamp in seconds, used as the HMAC
    *key* over an empty message — unlike DingTalk — then base64; sent in the body as
    "timestamp" and "sign". Limits: 100 a minute and 5 a second per bot (codes 9499 and 11232
    when exceeded), request body at most 20 KB.
    """

    per_minute = 100
    per_second = 5
    max_bytes = 18_000  # of markdown, leaving room for the card around it in 20 KB
    too_fast = {9499, 11232}

    def __init__(self, url: str, secret: str = "", *, allow_private: bool = False) -> None:
        self.url = url
        self.secret = secret
        self.allow_private = allow_private

    def sign(self, timestamp: int) -> str:
        return hmac_sha256_base64(f"{timestamp}\n{self.secret}".encode(), b"")

    def payload(self, message: Message, timestamp: int) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.secret:
            body |= {"timestamp": str(timestamp), "sign": self.sign(timestamp)}
        return body | {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": message.title}},
                "elements": [{"tag": "markdown", "content": message.markdown}],
            },
        }

    def post_one(self, message: Message) -> Result:
        body = self.payload(message, int(time.time()))
        response = http.post_json(self.url, body, allow_private=self.allow_private)
        if verdict := self.http_result(response):
            return verdict
        answer = response.json if isinstance(response.json, dict) else {}
        code = answer.get("code", answer.get("StatusCode"))
        reason = f"code {code}: {answer.get('msg', answer.get('StatusMessage'))}"
        if code == 0:
            return Result(Status.SENT)
        if code in self.too_fast:
            return Result(Status.RETRY, reason, self.default_retry_after)
        return Result(Status.FAILED, reason)  # 19021 sign, 19024 keyword, 19022 IP, …

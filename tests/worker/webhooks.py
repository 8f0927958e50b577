"""A slow Standard Webhooks receiver on 127.0.0.1 that records every delivery it gets.

It checks each signature as a receiver would (written from the spec, not from sladesk),
notes the `webhook-id`, and only then, after `delay` seconds, answers 200: so a sender
killed while waiting has delivered the message without learning that it did.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

TOLERANCE = 5 * 60  # seconds of clock skew a receiver accepts on webhook-timestamp


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    at: float  # time.monotonic() when it arrived
    signed: bool


def webhook_secret() -> str:
    """A new signing secret as Standard Webhooks writes it: whsec_ and a base64 key."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    """The Standard Webhooks check: v1 = base64(HMAC-SHA256(key, f"{id}.{ts}.{body}"))."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        webhook_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
        signatures = headers["webhook-signature"].split(" ")
    except KeyError:
        return False
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE:
        return False
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (entry.partition(",") for entry in signatures)
    )


class SlowReceiver:
    """`with SlowReceiver(secret, delay) as receiver:` serves on receiver.url."""

    def __init__(self, secret: str, delay: float) -> None:
        self.secret = secret
        self.delay = delay
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.in_flight = 0  # requests read whose answer is not written yet
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sladesk"

    def __enter__(self) -> SlowReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        with self.lock:
            return [d.webhook_id for d in self.deliveries]

    def counts(self) -> Counter[str]:
        return Counter(self.ids())

    def busy(self) -> bool:
        with self.lock:
            return self.in_flight > 0

    def unsigned(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if not d.signed]

    def _arrived(self, headers: dict[str, str], body: bytes) -> None:
        signed = verify(self.secret, headers, body, time.time())
        with self.lock:
            self.deliveries.append(
                Delivery(headers.get("webhook-id", ""), time.monotonic(), signed)
            )
            self.in_flight += 1

    def _answered(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver._arrived({k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    time.sleep(receiver.delay)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone: it never learns that the message arrived
                finally:
                    receiver._answered()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

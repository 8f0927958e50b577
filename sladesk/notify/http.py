"""The one HTTP helper every outgoing channel uses: POST a JSON body, get status and JSON back.

Webhook, DingTalk, WeCom and Feishu URLs are typed in by users. Without a guard, a user could
point a "webhook" at http://127.0.0.1:5432/, http://10.0.0.5/admin or the cloud metadata
service at http://169.254.169.254/ and make sladesk call internal services on their behalf
(server-side request forgery). So `post_json` refuses any host that resolves to an address
that is not globally routable — private, loopback, link-local, shared, reserved, multicast
or unspecified — unless the caller passes `allow_private=True` (tests, or an operator who
deliberately configured an internal endpoint).

The check happens when the socket is opened, on the addresses actually connected to, so a
DNS answer cannot change between "checked" and "used". Redirects are never followed: a
public URL cannot bounce the request to an internal one.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 1024 * 1024  # vendors answer with a few hundred bytes; never read more


class RefusedAddress(ValueError):
    """The URL's host is, or resolves to, a non-public address and private ones are not allowed.

    A ValueError rather than an OSError on purpose: it is a configuration problem, so the
    worker should not retry it as if it were a network hiccup.
    """


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    json: Any  # the parsed body, or None when it was empty or not JSON
    text: str


def post_json(
    url: str,
    body: bytes | dict[str, Any] | list[Any],
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    *,
    allow_private: bool = False,
) -> Response:
    """POST `body` (bytes sent as they are, anything else serialised as UTF-8 JSON) to `url`.

    `timeout` bounds connecting and each read. Raises RefusedAddress for a non-public host
    (see the module docstring), ValueError for a URL that is not http(s), and OSError
    (including TimeoutError) when the network fails.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    all_headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "sladesk"}
    all_headers.update(headers or {})

    connection_class = _GuardedHTTPS if parts.scheme == "https" else _GuardedHTTP
    port = parts.port or (443 if parts.scheme == "https" else 80)  # explicit: IPv6 literals
    connection = connection_class(parts.hostname, port, timeout=timeout)
    connection.allow_private = allow_private
    try:
        connection.request("POST", path, body=body, headers=all_headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES)
        response_headers = {name.lower(): value for name, value in response.getheaders()}
        status = response.status
    finally:
        connection.close()

    text = raw.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    return Response(status=status, headers=response_headers, json=parsed, text=text)


def is_public(address: str) -> bool:
    """True when `address` (an IP literal) is globally routable."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def _open_socket(host: str, port: int, timeout: float, allow_private: bool) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        refused = sorted({info[4][0] for info in infos if not is_public(info[4][0])})
        if refused:
            # Refuse the host if any of its addresses is internal, not only the first.
            raise RefusedAddress(f"{host} resolves to a non-public address ({', '.join(refused)})")
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"cannot resolve {host}")


class _GuardedHTTP(http.client.HTTPConnection):
    allow_private = False

    def connect(self) -> None:
        self.sock = _open_socket(self.host, self.port, self.timeout, self.allow_private)


class _GuardedHTTPS(http.client.HTTPSConnection):
    allow_private = False

    def __init__(self, host: str, port: int | None = None, timeout: float = 10) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)

    def connect(self) -> None:
        sock = _open_socket(self.host, self.port, self.timeout, self.allow_private)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)

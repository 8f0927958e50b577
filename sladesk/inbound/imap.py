"""Polling mailboxes over IMAP (Python's imaplib: the handful of commands we need do not
justify a dependency).

Which messages are read: in a mailbox that marks processed mail as read, the unread ones
(UNSEEN); in one that moves processed mail away, every message left in the folder. Either
way a message that failed stays where it was, unread, and the next poll tries it again;
one read twice (say the connection dropped before it was marked) is recognised by its
Message-ID and only marked or moved. Messages are fetched with BODY.PEEK[], which does not
mark them read by itself: only a message sladesk has recorded is marked.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl
from base64 import b64encode

from django.utils import timezone

from .mail import ingest
from .models import AfterProcessing, Mailbox, Outcome, Security
from .parse import NotAnEmail

logger = logging.getLogger(__name__)

TIMEOUT = 60  # seconds for connecting and for each answer of the server

# What a connection or a server can go wrong with, as opposed to a bug of ours.
IMAP_ERRORS = (imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError, EOFError)


class PollError(Exception):
    """The mailbox could not be read (connection, login, folder); nothing was processed."""


def poll_all() -> int:
    """Poll every enabled mailbox that has an IMAP host; returns the messages processed.

    A mailbox that cannot be read is logged and remembered in its `last_error`; the others
    are polled all the same.
    """
    processed = 0
    for mailbox in Mailbox.objects.filter(enabled=True).exclude(imap_host=""):
        try:
            processed += poll(mailbox)
        except PollError:
            continue  # logged and stored by poll(); the other mailboxes still get their turn
    return processed


def poll(mailbox: Mailbox) -> int:
    """Read the new messages of one mailbox into the desk; returns how many were processed."""
    try:
        with _open(mailbox) as conn:
            _login(conn, mailbox)
            processed = _poll_folder(conn, mailbox)
    except IMAP_ERRORS as exc:
        message = f"{mailbox.imap_host}: {type(exc).__name__}: {exc}"
        logger.warning("mailbox %s: %s", mailbox.name, message)
        _remember(mailbox, message)
        raise PollError(message) from exc
    _remember(mailbox, "")
    return processed


def _remember(mailbox: Mailbox, error: str) -> None:
    mailbox.last_polled_at = timezone.now()
    mailbox.last_error = error
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=mailbox.last_polled_at, last_error=error
    )


def _open(mailbox: Mailbox) -> imaplib.IMAP4:
    """A connection (closed by its `with` block, which logs out)."""
    host, port = mailbox.imap_host, mailbox.imap_port
    if mailbox.imap_security == Security.SSL:
        context = ssl.create_default_context()
        return imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT)
    return imaplib.IMAP4(host, port, timeout=TIMEOUT)


def _login(conn: imaplib.IMAP4, mailbox: Mailbox) -> None:
    if mailbox.imap_security == Security.STARTTLS:
        conn.starttls(ssl.create_default_context())
    conn.login(mailbox.imap_user, mailbox.imap_password)


def _poll_folder(conn: imaplib.IMAP4, mailbox: Mailbox) -> int:
    _ok(conn.select(quote(mailbox.imap_folder)), "SELECT")
    criteria = (
        "UNSEEN UNDELETED" if mailbox.after_processing == AfterProcessing.SEEN else "UNDELETED"
    )
    uids = _ok(conn.uid("SEARCH", criteria), "SEARCH")
    processed = 0
    for uid in (int(u) for u in b" ".join(uids).split()):
        if _process(conn, mailbox, uid):
            processed += 1
    if mailbox.after_processing == AfterProcessing.MOVE and b"MOVE" not in _capabilities(conn):
        _ok(conn.expunge(), "EXPUNGE")
    return processed


def _process(conn: imaplib.IMAP4, mailbox: Mailbox, uid: int) -> bool:
    """Ingest one message and mark or move it; False if it failed (it stays as it is)."""
    raw = _fetch(conn, uid)
    if raw is None:
        return False  # gone meanwhile (another client moved it)
    try:
        receipt = ingest(raw, mailbox=mailbox, imap_uid=uid)
    except NotAnEmail as exc:
        # Nothing to record it under (no sender); left unread for a person to look at.
        logger.warning("mailbox %s: UID %s is not an e-mail: %s", mailbox.name, uid, exc)
        return False
    except Exception:
        # A bug reading this one message must not keep the others from the desk: it stays
        # unread, the traceback goes to the log, and the next poll tries it again.
        logger.exception("mailbox %s: UID %s could not be read", mailbox.name, uid)
        return False
    if receipt.message.outcome == Outcome.FAILED:
        return False
    _done(conn, mailbox, uid)
    return True


def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _ok(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _done(conn: imaplib.IMAP4, mailbox: Mailbox, uid: int) -> None:
    """Mark a processed message read, or move it to the folder for processed mail."""
    _ok(conn.uid("STORE", str(uid), "+FLAGS", r"(\Seen)"), "STORE")
    if mailbox.after_processing != AfterProcessing.MOVE:
        return
    folder = quote(mailbox.processed_folder)
    if b"MOVE" in _capabilities(conn):
        _ok(conn.uid("MOVE", str(uid), folder), "MOVE")
    else:  # RFC 3501 only: copy, then delete (expunged at the end of the poll)
        _ok(conn.uid("COPY", str(uid), folder), "COPY")
        _ok(conn.uid("STORE", str(uid), "+FLAGS", r"(\Deleted)"), "STORE")


def _capabilities(conn: imaplib.IMAP4) -> set[bytes]:
    return {c.encode().upper() for c in conn.capabilities}


def _ok(answer: tuple[str, list], command: str) -> list:
    status, data = answer
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise imaplib.IMAP4.error(f"{command} failed: {detail}")
    return data


# -- folder names -----------------------------------------------------------------------


def quote(folder: str) -> str:
    """A folder name as an IMAP quoted string, in IMAP's modified UTF-7 (RFC 3501 5.1.3):
    imaplib sends arguments as they are, so "已处理" or "Sent Items" need this."""
    encoded = utf7_encode(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def utf7_encode(name: str) -> str:
    """Modified UTF-7: printable ASCII as is ("&" as "&-"), the rest as &base64-."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)

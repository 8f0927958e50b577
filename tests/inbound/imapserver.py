"""A small real IMAP4rev1 server for the polling tests: just what imaplib needs.

CAPABILITY, LOGIN, SELECT, UID SEARCH (ALL, UNSEEN, UNDELETED), UID FETCH (BODY.PEEK[],
BODY[], RFC822), UID STORE ±FLAGS, UID MOVE (when MOVE is offered), UID COPY, EXPUNGE,
NOOP, LOGOUT. One user, folders in memory, on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    messages: list[Stored] = field(default_factory=list)
    next_uid: int = 1

    def add(self, raw: bytes, flags: set[str] | None = None) -> Stored:
        stored = Stored(self.next_uid, raw, set(flags or ()))
        self.next_uid += 1
        self.messages.append(stored)
        return stored


TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')


def tokens(line: str) -> list[str]:
    """Atoms, quoted strings (unquoted) and parenthesised lists (kept whole)."""
    out = []
    for quoted, listed, atom in TOKEN.findall(line):
        if quoted or (not listed and not atom):
            out.append(re.sub(r"\\(.)", r"\1", quoted))
        else:
            out.append(listed or atom)
    return out


def decode_folder(name: str) -> str:
    """IMAP's modified UTF-7, decoded through Python's standard UTF-7 codec."""

    def part(match: re.Match) -> str:
        if match.group(1) == "":
            return "&"
        return ("+" + match.group(1).replace(",", "/") + "-").encode().decode("utf-7")

    return re.sub(r"&([^-]*)-", part, name)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, user: str = "desk", password: str = "secret", move: bool = True):  # noqa: S107
        super().__init__(("127.0.0.1", 0), Handler)
        self.user, self.password = user, password
        self.capabilities = ["IMAP4rev1"] + (["MOVE"] if move else [])
        self.folders: dict[str, Folder] = {"INBOX": Folder()}
        self.lock = threading.Lock()
        self.commands: list[str] = []

    @property
    def port(self) -> int:
        return self.server_address[1]

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: set[str] | None = None) -> int:
        with self.lock:
            return self.folders.setdefault(folder, Folder()).add(raw, flags).uid

    def __enter__(self) -> Server:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def handle(self) -> None:
        self.selected: Folder | None = None
        self.authenticated = False
        self.send(b"* OK [CAPABILITY IMAP4rev1] test server ready")
        while line := self.rfile.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.server.commands.append(text)
            tag, _space, rest = text.partition(" ")
            command, _space, args = rest.partition(" ")
            try:
                if not self.dispatch(tag, command.upper(), args):
                    return
            except (ValueError, IndexError, KeyError) as exc:
                self.send(f"{tag} BAD {exc}".encode())

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        with self.server.lock:
            if command == "LOGOUT":
                self.send(b"* BYE logging out", f"{tag} OK LOGOUT completed".encode())
                return False
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY {' '.join(self.server.capabilities)}".encode())
            elif command == "NOOP":
                pass
            elif command == "LOGIN":
                user, password = tokens(args)[:2]
                if (user, password) != (self.server.user, self.server.password):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials".encode())
                    return True
                self.authenticated = True
            elif not self.authenticated:
                self.send(f"{tag} NO log in first".encode())
                return True
            elif command == "SELECT":
                return self.select(tag, decode_folder(tokens(args)[0]))
            elif command == "UID" and self.selected is not None:
                self.uid(*tokens(args))
            elif command == "EXPUNGE" and self.selected is not None:
                self.expunge(self.selected, lambda m: "\\Deleted" in m.flags)
            else:
                self.send(f"{tag} BAD unknown command {command}".encode())
                return True
            self.send(f"{tag} OK {command} completed".encode())
            return True

    def select(self, tag: str, name: str) -> bool:
        folder = self.server.folders.get(name)
        if folder is None:
            self.send(f"{tag} NO [NONEXISTENT] no folder {name}".encode())
            return True
        self.selected = folder
        self.send(
            f"* {len(folder.messages)} EXISTS".encode(),
            b"* 0 RECENT",
            b"* FLAGS (\\Seen \\Deleted \\Flagged \\Answered \\Draft)",
            b"* OK [UIDVALIDITY 1] UIDs valid",
            f"* OK [UIDNEXT {folder.next_uid}] predicted next UID".encode(),
            f"{tag} OK [READ-WRITE] SELECT completed".encode(),
        )
        return True

    def uid(self, command: str, *args: str) -> None:
        folder = self.selected
        assert folder is not None
        command = command.upper()
        if command == "SEARCH":
            found = [m.uid for m in folder.messages if self.matches(m, [a.upper() for a in args])]
            self.send(("* SEARCH " + " ".join(map(str, found))).strip().encode())
            return
        wanted = {int(u) for u in args[0].split(",")}
        for seq, message in list(enumerate(folder.messages, start=1)):
            if message.uid not in wanted:
                continue
            if command == "FETCH":
                if "PEEK" not in args[1].upper():
                    message.flags.add("\\Seen")
                head = f"* {seq} FETCH (UID {message.uid} BODY[] {{{len(message.raw)}}}\r\n"
                self.wfile.write(head.encode() + message.raw + b")\r\n")
            elif command == "STORE":
                flags = set(args[2].strip("()").split())
                if args[1].upper().startswith("+"):
                    message.flags |= flags
                else:
                    message.flags -= flags
                self.send(
                    f"* {seq} FETCH (UID {message.uid} FLAGS ({' '.join(message.flags)}))".encode()
                )
            elif command in ("COPY", "MOVE"):
                target = self.server.folders.setdefault(decode_folder(args[1]), Folder())
                target.add(message.raw, message.flags - {"\\Deleted"})
                if command == "MOVE":
                    self.expunge(folder, lambda m, uid=message.uid: m.uid == uid)
            else:
                raise ValueError(f"UID {command} is not supported")

    def matches(self, message: Stored, criteria: list[str]) -> bool:
        checks = {
            "ALL": True,
            "UNSEEN": "\\Seen" not in message.flags,
            "SEEN": "\\Seen" in message.flags,
            "UNDELETED": "\\Deleted" not in message.flags,
        }
        return all(checks[c] for c in criteria)

    def expunge(self, folder: Folder, gone) -> None:
        for seq in range(len(folder.messages), 0, -1):
            if gone(folder.messages[seq - 1]):
                del folder.messages[seq - 1]
                self.send(f"* {seq} EXPUNGE".encode())

    def send(self, *lines: bytes) -> None:
        self.wfile.write(b"".join(line + b"\r\n" for line in lines))

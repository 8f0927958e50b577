"""`sla compute` for a whole event stream at once: numpy columns instead of per-event objects.

`compute_json` gives, byte for byte, what `read_events` + `run_ticket` + `json_lines` give
(and leaves the same coverage warnings), several times faster on a large stream:

1. **Reading**, in blocks of whole lines (about 2 MB, so that they stay in the processor's
   cache; two threads where there are two processors). Every `"` of a block is found,
   paired per line into strings, and the bytes between two strings classified (`:`, `,`,
   `:{`, `}` ...), so a line that is one flat object of strings, with at most one flat
   object of strings as its last value (`fields`), is read without a Python object per
   event. Timestamps `YYYY-MM-DDTHH:MM:SS+HH:MM` are converted in bulk. Every other line
   (other spacing, escapes, numbers, null, another timestamp form, a blank line ...) goes
   through `orjson.loads` and `events._event`, as in `read_events`.
2. **Clocks.** Events are grouped by ticket (a sort of string hashes, checked byte for byte)
   and put in time order; each ticket gets one more step, at `now` (or at its last event if
   that is later). Each rule of `clock.run_clock` becomes a whole-array expression, over
   chunks of tickets: started / stopped / paused after each step, the priority in force (a
   stopped clock keeps its own until resumed), business time per segment from
   `Calendar.positions`, elapsed time as a cumulative sum per ticket, and the breach as the
   first step of each ticket at which the scalar loop would set `breached_at`.
3. **Writing.** Each output line is a row of a byte matrix, each field a fixed-width column
   padded with NUL bytes (which JSON output never contains); `translate` removes them.

Whatever this path is not sure to reproduce exactly makes `compute_json` return None, and
the caller runs the scalar path, which also words the error for bad input: a line the
scalar path rejects, an instant with a fraction of a second (positions are then floats
whose rounding depends on the order of calendar queries), instants outside 1900-2199, a UTC
offset with seconds, a `CalendarError`, a metric that states its `reopen` policy (cycles,
holds and the extra output fields are left to the scalar path; docs/sla-extensions.md).
Declared event types (`events:`) are read here like the built-in ones.

Coverage warnings of calendars with official holiday data (`holidays_from`,
`holiday_files`) are those of the scalar path: the instants the scalar clocks would look up
are gathered, and the calendar is asked once in each local year among them.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache

if "numpy" not in sys.modules:  # no linear algebra here: spare the start of BLAS threads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import orjson
from numpy.lib.stride_tricks import as_strided

from .calendar import Calendar
from .config import EVENT_TYPES, Config, Metric
from .events import _event, priority_of

__all__ = ["compute_json", "keep_freed_memory"]


def keep_freed_memory() -> None:
    """Let glibc keep and reuse freed memory instead of giving it back to the system.

    The bulk path allocates and frees arrays of tens of megabytes; by default each one is
    mapped afresh, and touching new pages costs more than the computation on them. Meant
    for a short process (the CLI); a no-op elsewhere than glibc.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt(-4, 0)  # M_MMAP_MAX: big blocks from the heap too, not from fresh mappings
        mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD: do not give the heap back
    except (OSError, AttributeError):
        pass


# Event types are coded by their place in config.event_types: the built-in ones first (the
# same codes in every configuration), then the declared ones.
_KIND = {kind: code for code, kind in enumerate(EVENT_TYPES)}
_CREATED, _STATUS, _PRIORITY = _KIND["created"], _KIND["status"], _KIND["priority"]
_NO_EVENT = 127  # the step at `now`: above every event type's code (int8)
_SETS_STATUS = {"resolved": "resolved", "reopened": "open", "closed": "closed"}
_START, _STOP, _RESUME = 1, 2, 3  # Metric.roles
_NOT_STARTED, _RUNNING, _PAUSED, _STOPPED = 0, 1, 2, 3
_STATES = ("not_started", "running", "paused", "stopped")
_LO = datetime.fromisoformat("1900-01-02T00:00:00+00:00").timestamp()
_HI = datetime.fromisoformat("2199-12-30T00:00:00+00:00").timestamp()
_SHIFT = 36  # sort key: ticket << _SHIFT | seconds since the earliest instant


class _Unsure(Exception):
    """The scalar path must decide (bad input, or a case this path does not reproduce)."""


def compute_json(config: Config, data: bytes, name: str, now: float) -> bytearray | None:
    """`sla compute --format json` of an event stream, or None: then use the scalar path.

    After None, calendars may have grown and recorded coverage warnings: a caller that
    falls back should load the configuration again.
    """
    if len(config.event_types) >= _NO_EVENT or any(
        metric.reopen_fields for policy in config.policies for metric in policy.metrics
    ):
        return None
    try:
        return _compute(config, _read(data, name, config), now)
    except Exception:  # _Unsure, EventError, CalendarError, or a bug: the scalar path decides
        return None


# -- reading ----------------------------------------------------------------------------

# Bytes between two strings of a line, by what they mean.
_KV, _NEXT, _OPEN, _END0, _END1, _ENDEMPTY, _BAD = range(7)
_GAPS = {
    b":": _KV,
    b": ": _KV,
    b",": _NEXT,
    b", ": _NEXT,
    b":{": _OPEN,
    b": {": _OPEN,
    b"}": _END0,
    b"}}": _END1,
    b":{}}": _ENDEMPTY,
    b": {}}": _ENDEMPTY,
}
_LINE_START = 7
_IS_END = np.array([c in (_END0, _END1, _ENDEMPTY) for c in range(8)])
_ONE_BYTE_GAP = np.full(256, _BAD, dtype=np.int8)
_ONE_BYTE_GAP[list(b":,}")] = [_KV, _NEXT, _END0]


def _bad_pairs() -> np.ndarray:
    """[before * 8 + after]: a string between these two gaps breaks the grammar.

    A string after `{`, `,` or `:{` is a key, and must be followed by `:`, `:{` or `:{}}`;
    a string after `:` is a value, followed by `,` or a closing `}` / `}}`.
    """
    out = np.ones(64, dtype=bool)
    for before in range(8):
        for after in range(8):
            key = before in (_LINE_START, _NEXT, _OPEN)
            value = before == _KV
            if (key and after in (_KV, _OPEN, _ENDEMPTY)) or (
                value and after in (_NEXT, _END0, _END1)
            ):
                out[before * 8 + after] = False
    return out


_BAD_PAIR = _bad_pairs()
_KEYS = (b"ticket", b"at", b"type", b"priority", b"status", b"impact", b"urgency", b"fields")
_TICKET, _AT, _TYPE, _PRIO, _STAT, _IMPACT, _URGENCY, _FIELDS = range(8)


def _gap_code(gap: bytes) -> int:
    return int.from_bytes(gap, "little") | len(gap) << 56


_GAP_CODES = np.array(sorted(_gap_code(g) for g in _GAPS), dtype=np.uint64)
_GAP_CATS = np.array([_GAPS[g] for g in sorted(_GAPS, key=_gap_code)] + [_BAD], dtype=np.int8)


@dataclass
class _Events:
    """Events in file order (blank lines left out), and the tickets they name."""

    line: np.ndarray  # 1-based line number
    ticket: np.ndarray  # index into `tickets`
    t: np.ndarray  # POSIX seconds (int64)
    kind: np.ndarray  # index into config.event_types
    prio: np.ndarray  # priority set by created/priority events, else -1
    status: np.ndarray  # status set by the event (created: its initial status), else -1
    offset: np.ndarray  # UTC offset of `at`, seconds
    policy: np.ndarray  # created events: index of the ticket's policy (-1: none)
    ticket_json: np.ndarray  # (tickets, width): each ticket id as JSON, NUL-padded
    statuses: list[str]
    grouped: np.ndarray | None  # the events ticket by ticket, in file order (if known)


class _Buffer:
    """The event file as bytes and as a numpy array, with fixed-width row reads."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.a = np.frombuffer(data, dtype=np.uint8)
        self._u8: np.ndarray | None = None

    def rows(self, starts: np.ndarray, lengths: np.ndarray | None, width: int) -> np.ndarray:
        """(n, width) bytes from each start; zero from each length on (if lengths)."""
        n = len(self.a)
        if n >= width:
            view = as_strided(self.a, shape=(n - width + 1, width), strides=(1, 1))
            out = view[np.minimum(starts, n - width)]
        else:
            out = np.zeros((len(starts), width), dtype=np.uint8)
        late = np.flatnonzero(starts > n - width)
        for i in late.tolist():  # the last few bytes of the file
            chunk = self.data[int(starts[i]) : int(starts[i]) + width]
            out[i] = np.frombuffer(chunk.ljust(width, b"\0"), dtype=np.uint8)
        if lengths is not None:
            out &= _byte_masks(width)[np.minimum(lengths, width)]
        return out

    def word(self, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The first (up to) 8 bytes at each start, as a little-endian integer."""
        n = len(self.a)
        if n < 8:
            return self.words(starts, lengths, 8)[:, 0]
        if self._u8 is None:  # every 8-byte window of the file, unaligned
            self._u8 = np.ndarray((n - 7,), dtype="<u8", buffer=self.data, strides=(1,))
        out = self._u8[np.minimum(starts, n - 8)]
        late = np.flatnonzero(starts > n - 8)
        if late.size:
            out[late] = self.words(starts[late], np.full(late.size, 8), 8)[:, 0]
        return out & _WORD_MASKS[np.clip(lengths, 0, 8)]

    def words(self, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
        """The strings at (starts, lengths) as little-endian 64-bit words, zero-padded."""
        return self.rows(starts, lengths, width).view("<u8")


_WORD_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


@cache
def _byte_masks(width: int) -> np.ndarray:
    """Row k: k bytes 0xFF, then zeros."""
    return (np.arange(width)[None, :] < np.arange(width + 1)[:, None]).astype(np.uint8) * 255


def _lookup(buf: _Buffer, starts: np.ndarray, lengths: np.ndarray, vocab: list[bytes]):
    """Index in `vocab` of each string at (starts, lengths); -1 if not in it."""
    first = [int.from_bytes(v[:8], "little") for v in vocab]
    if len(set(first)) == len(first):  # told apart by their first 8 bytes (and length)
        table = np.array(first, dtype=np.uint64)
        order = np.argsort(table)
        key = buf.word(starts, lengths)
        j = order[np.minimum(np.searchsorted(table[order], key), len(vocab) - 1)]
        sizes = np.array([len(v) for v in vocab])
        found = (table[j] == key) & (sizes[j] == lengths)
        longer = np.flatnonzero(found & (sizes[j] > 8))
        for w in range(1, max(sizes) // 8 + 1 if longer.size else 1):  # the rest of long ones
            rest = [int.from_bytes(v[8 * w : 8 * w + 8], "little") for v in vocab]
            k = longer
            word = buf.word(starts[k] + 8 * w, lengths[k] - 8 * w)
            found[k] &= word == np.array(rest, dtype=np.uint64)[j[k]]
        return np.where(found, j, -1)
    nw = -(-max(len(v) for v in vocab) // 8)
    words = np.stack([buf.word(starts + 8 * j, lengths - 8 * j) for j in range(nw)], axis=1)
    table = np.zeros((len(vocab), nw * 8), dtype=np.uint8)
    for i, v in enumerate(vocab):
        table[i, : len(v)] = np.frombuffer(v, dtype=np.uint8)
    table = table.view("<u8")
    key, tkey = _hash(words), _hash(table)
    order = np.argsort(tkey, kind="stable")
    j = order[np.minimum(np.searchsorted(tkey[order], key), len(vocab) - 1)]
    found = (table[j] == words).all(axis=1)
    return np.where(found & (lengths <= nw * 8), j, -1)


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93] * 16,
    dtype=np.uint64,
)


def _hash(words: np.ndarray) -> np.ndarray:
    h = np.zeros(len(words), dtype=np.uint64)
    for j in range(words.shape[1]):
        h ^= words[:, j] * _MIX[j]
        h = (h << np.uint64(29)) | (h >> np.uint64(35))
    return h


def _intern(buf: _Buffer, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the strings at (starts, lengths), and where each code first occurs."""
    codes, first, _ = _group(buf, starts, lengths)
    return codes, first


def _group(buf: _Buffer, starts: np.ndarray, lengths: np.ndarray):
    """Codes of equal strings, where each code first occurs, and the strings grouped by code
    (a permutation: code by code, in file order within a code)."""
    if not len(starts):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    width = max(8, -(-int(lengths.max()) // 8) * 8)
    if width > 128:  # long strings: Python hashes them
        raw = [buf.data[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
        index: dict[bytes, int] = {}
        codes = np.array([index.setdefault(r, len(index)) for r in raw], dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        new = np.ones(len(codes), dtype=bool)
        np.not_equal(codes[order][1:], codes[order][:-1], out=new[1:])
        return codes, order[new], order
    if width <= 32:
        words = np.stack([buf.word(starts + j, lengths - j) for j in range(0, width, 8)], axis=1)
    else:
        words = buf.words(starts, lengths, width)
    h = _hash(words)
    n = len(h)
    if n < 1 << 24:  # sort (hash, position) packed in one integer: faster than an argsort
        packed = np.sort((h >> np.uint64(24) << np.uint64(24)) | np.arange(n, dtype=np.uint64))
        order = (packed & np.uint64((1 << 24) - 1)).astype(np.int64)
        hs = packed >> np.uint64(24)
    else:
        order = np.argsort(h, kind="stable")
        hs = h[order]
    new = np.ones(n, dtype=bool)
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    if not _same_within(words[order], new):  # two strings with one hash (a 40-bit one,
        order = np.argsort(h, kind="stable")  # above): try all 64 bits
        hs = h[order]
        np.not_equal(hs[1:], hs[:-1], out=new[1:])
        if not _same_within(words[order], new):
            raise _Unsure("hash collision")
    run = np.cumsum(new) - 1
    first = order[new]
    codes = np.empty(n, dtype=np.int64)
    codes[order] = run
    return codes, first, order


def _same_within(words: np.ndarray, new: np.ndarray) -> bool:
    """Each row equals the one before it, except where a new run begins."""
    return bool(((words[1:] == words[:-1]).all(axis=1) | new[1:]).all())


def _decode(buf: _Buffer, starts: np.ndarray, lengths: np.ndarray) -> list[str]:
    return [
        buf.data[s : s + n].decode() for s, n in zip(starts.tolist(), lengths.tolist(), strict=True)
    ]


@dataclass
class _Tokens:
    """The lines of the file, and the strings of the lines that look like flat objects."""

    starts: np.ndarray  # of each line
    ends: np.ndarray
    fast: np.ndarray  # the line is read here (else by orjson and events._event)
    opens: np.ndarray  # opening quote of each string
    closes: np.ndarray  # closing quote
    first: np.ndarray  # first string of each line
    count: np.ndarray  # strings in each line
    cat: np.ndarray  # what follows each string (_KV, _NEXT, ...)


def _tokens(buf: _Buffer) -> _Tokens:
    a, data = buf.a, buf.data
    n = len(a)
    # Quotes and newlines in one pass.
    marks = a == 34
    marks |= a == 10
    pos = np.flatnonzero(marks)
    is_nl = a[pos] == 10
    nl_at = np.flatnonzero(is_nl)
    nl = pos[nl_at]
    q = pos[~is_nl]
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [n]))
    qi = np.concatenate(([0], nl_at - np.arange(len(nl_at))))  # first quote of each line
    if n == 0 or data.endswith(b"\n"):
        starts, ends, qi = starts[:-1], ends[:-1], qi[:-1]
    nq = np.diff(qi, append=len(q))
    lengths = ends - starts
    fast = lengths >= 2
    fast[fast] = (a[starts[fast]] == 123) & (a[ends[fast] - 1] == 125)  # { ... }
    if data.find(b"\\") >= 0:  # escapes: orjson reads those lines
        fast[_lines_of(np.flatnonzero(a == 92), starts)] = False
    if np.count_nonzero(a < 32) != len(nl):  # control bytes: orjson says what is wrong
        fast[_lines_of(np.flatnonzero((a < 32) & (a != 10)), starts)] = False
    fast &= (nq >= 2) & (nq % 2 == 0)
    if not fast.all():
        q = q[np.repeat(fast, nq)]
        nq = np.where(fast, nq, 0)
    opens, closes = q[0::2], q[1::2]
    nt = nq // 2  # strings per line
    first = np.cumsum(nt) - nt
    fl = np.flatnonzero(fast)
    first_tok, last_tok = first[fl], first[fl] + nt[fl] - 1
    fast[fl] = opens[first_tok] == starts[fl] + 1  # `{"` opens the line

    # The bytes after each string: up to the next string, or to the end of the line.
    gap_end = np.empty(len(opens), dtype=np.int64)
    gap_end[:-1] = opens[1:]
    gap_end[last_tok] = ends[fl]
    glen = gap_end - closes
    after = closes + 1
    cat = _ONE_BYTE_GAP[a[after]]  # `:`, `,` or `}`; a fast line ends with `}` after a string
    longer = np.flatnonzero(glen != 2)
    if longer.size:
        glen, after = glen[longer] - 1, after[longer]
        code = a[after].astype(np.uint64) | glen.astype(np.uint64) << np.uint64(56)
        for j in range(1, 5):
            more = np.flatnonzero(glen > j)
            code[more] |= a[after[more] + j].astype(np.uint64) << np.uint64(8 * j)
        j = np.minimum(np.searchsorted(_GAP_CODES, code), len(_GAP_CODES) - 1)
        cat[longer] = np.where((_GAP_CODES[j] == code) & (glen > 0), _GAP_CATS[j], _BAD)
    # Keys and values alternate: a key before `:`, `:{`, `:{}}`; a value before `,`, `}`.
    before = np.empty(len(cat), dtype=np.int8)  # what came before each string
    before[1:] = cat[:-1]
    before[first_tok] = _LINE_START
    bad = _BAD_PAIR[before * 8 + cat]  # (a string after a closing `}` too)
    bad[last_tok] |= ~_IS_END[cat[last_tok]]
    if bad.any():
        fast[_lines_of(np.flatnonzero(bad), first, fl)] = False
    # At most one nested object, the last value of the line: `:{` ... `}}`.
    op_line = _lines_of(np.flatnonzero(cat == _OPEN), first, fl)
    fast[op_line[1:][op_line[1:] == op_line[:-1]]] = False
    nested = np.zeros(len(starts), dtype=bool)
    nested[op_line] = True
    fast[fl] &= nested[fl] == (cat[last_tok] == _END1)
    return _Tokens(starts, ends, fast, opens, closes, first, nt, cat)


_BLOCK_BYTES = 1 << 21  # the file is tokenised in blocks of whole lines of about this size


def _read(data: bytes, name: str, config: Config) -> _Events:
    if b"\r" in data:  # other line ends: splitlines() decides
        raise _Unsure("carriage return")
    if not data.isascii():
        try:
            data.decode()
        except UnicodeDecodeError:
            raise _Unsure("not UTF-8") from None
    policies = config.policies
    keys = sorted({k for p in policies for k in p.match}) if policies and policies[0].match else []
    blocks = []  # whole lines, about _BLOCK_BYTES each: they stay in the processor's cache
    b0 = 0
    while b0 < len(data):
        b1 = data.find(b"\n", b0 + _BLOCK_BYTES)
        b1 = len(data) if b1 < 0 else b1 + 1
        blocks.append((b0, b1))
        b0 = b1
    parts = _map(lambda block: _read_block(data, *block, config, keys), blocks)
    buf = _Buffer(data)
    ev = _Part.concat(parts, len(keys))
    del parts

    # Statuses and tickets, over the whole file.
    sel = np.flatnonzero(ev.st_start >= 0)
    s_codes, s_first = _intern(buf, ev.st_start[sel], ev.st_len[sel])
    status = np.full(len(ev.line), -1, dtype=np.int64)
    status[sel] = s_codes
    statuses = _decode(buf, ev.st_start[sel][s_first], ev.st_len[sel][s_first])
    status_index = {st: i for i, st in enumerate(statuses)}

    def status_code(st: str) -> int:
        return status_index.setdefault(st, len(status_index))

    kinds = ev.kind
    is_created = kinds == _CREATED
    status[is_created & (status < 0)] = status_code("new")
    for k, st in _SETS_STATUS.items():
        status[kinds == _KIND[k]] = status_code(st)
    policy = np.full(len(ev.line), -1, dtype=np.int64)
    if not policies:
        pass
    elif not keys:
        policy[is_created] = 0
    else:
        policy[is_created] = _policy_codes(buf, ev.match[:, :, is_created], keys, config)
    tk_start, tk_len = ev.tk_start, ev.tk_len
    tk_codes, tk_first, grouped = _group(buf, tk_start, tk_len)
    # The tickets as JSON: the quoted strings as they are in the file (no escapes in them).
    jw = int(tk_len.max()) + 2 if len(tk_len) else 2
    ticket_json = buf.rows(tk_start[tk_first] - 1, tk_len[tk_first] + 2, jw)

    line, t, offset, prio = ev.line + 1, ev.t, ev.offset, ev.prio
    del ev.match, ev.st_start, ev.st_len
    extra = _slow_lines(data, ev.slow_start, ev.slow_end, ev.slow_line + 1, name, config)
    if extra:
        tickets = _decode(buf, tk_start[tk_first], tk_len[tk_first])
        ticket_index = {tid: i for i, tid in enumerate(tickets)}
        s_line, s_tk, s_t, s_kind, s_prio, s_status, s_off, s_pol = zip(*extra, strict=True)
        s_tk_codes = [ticket_index.setdefault(tid, len(ticket_index)) for tid in s_tk]
        more = [orjson.dumps(tid) for tid in list(ticket_index)[len(tickets) :]]
        if more:
            jw = max(jw, *map(len, more))
            ticket_json = np.concatenate(
                (
                    np.pad(ticket_json, ((0, 0), (0, jw - ticket_json.shape[1]))),
                    np.array(more, dtype=f"S{jw}").view(np.uint8).reshape(len(more), jw),
                )
            )
        s_status_codes = [-1 if st is None else status_code(st) for st in s_status]
        line = np.concatenate((line, np.array(s_line, dtype=np.int64)))
        order = np.argsort(line, kind="stable")
        cols = [
            np.concatenate((x, np.array(y, dtype=np.int64)))[order]
            for x, y in (
                (tk_codes, s_tk_codes),
                (t, s_t),
                (kinds, s_kind),
                (prio, s_prio),
                (status, s_status_codes),
                (offset, s_off),
                (policy, s_pol),
            )
        ]
        line = line[order]
        tk_codes, t, kinds, prio, status, offset, policy = cols
        grouped = None
    return _Events(
        line=line,
        ticket=tk_codes,
        t=t,
        kind=kinds,
        prio=prio,
        status=status,
        offset=offset,
        policy=policy,
        ticket_json=ticket_json,
        statuses=list(status_index),
        grouped=grouped,
    )


@dataclass
class _Part:
    """What one block of lines gives: the lines read here, and the others."""

    nlines: int
    line: np.ndarray  # 0-based line of each event read here
    kind: np.ndarray
    t: np.ndarray
    offset: np.ndarray
    prio: np.ndarray
    st_start: np.ndarray  # status given (created, status events): where in the file; else -1
    st_len: np.ndarray
    tk_start: np.ndarray
    tk_len: np.ndarray
    match: np.ndarray  # (2, keys, events): start and length of each matched field, or -1
    slow_line: np.ndarray  # lines left to orjson and events._event
    slow_start: np.ndarray
    slow_end: np.ndarray

    @staticmethod
    def concat(parts: list[_Part], nkeys: int) -> _Part:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return _Part(0, *[empty] * 9, np.zeros((2, nkeys, 0), dtype=np.int64), *[empty] * 3)
        line0 = np.cumsum([0] + [p.nlines for p in parts[:-1]])
        for p, n in zip(parts, line0.tolist(), strict=True):  # number the lines of the file
            p.line += n
            p.slow_line += n
        cols = {}
        for name in _Part.__dataclass_fields__:
            if name == "nlines":
                continue
            axis = 2 if name == "match" else 0
            cols[name] = np.concatenate([getattr(p, name) for p in parts], axis=axis)
        return _Part(sum(p.nlines for p in parts), **cols)


def _read_block(data: bytes, b0: int, b1: int, config: Config, keys: list[str]) -> _Part:
    """The events of the lines in data[b0:b1] (whole lines); lines numbered from 0."""
    buf = _Buffer(data[b0:b1])
    tok = _tokens(buf)
    fast, opens, closes, cat = tok.fast, tok.opens, tok.closes, tok.cat
    nlines = len(tok.starts)

    # Keys of the outer object, one slot at a time; values are the next strings.
    fl = np.flatnonzero(fast)
    value = np.full((8, nlines), -1, dtype=np.int64)  # string index of each known key's value
    # Most exports begin with "ticket", "at" and "type", in this order: those at once.
    first = tok.first[fl]
    canon = tok.count[fl] >= 6
    for slot, name in enumerate((b"ticket", b"at", b"type")):
        k = np.where(canon, first + 2 * slot, 0)
        s0 = opens[k] + 1
        canon &= (closes[k] - s0 == len(name)) & (cat[k] == _KV)
        canon &= buf.word(s0, closes[k] - s0) == int.from_bytes(name, "little")
        if slot < 2:
            canon &= cat[np.where(canon, k + 1, 0)] == _NEXT
    lines, f = fl[canon], first[canon]
    value[_TICKET, lines], value[_AT, lines], value[_TYPE, lines] = f + 1, f + 3, f + 5
    more = cat[f + 5] == _NEXT
    act = np.concatenate((fl[~canon], lines[more]))
    at = np.concatenate((first[~canon], f[more] + 6))
    while act.size:
        kstart = opens[at] + 1
        kid = _lookup(buf, kstart, closes[at] - kstart, _KEYS)
        c = cat[at]
        known = kid >= 0
        ka, kk, kt, kc = act[known], kid[known], at[known], c[known]
        clash = value[kk, ka] >= 0  # a key given twice: orjson keeps the last one
        wrong = ((kc != _KV) & (kk != _FIELDS)) | ((kc == _KV) & (kk == _FIELDS))
        fast[ka[clash | wrong]] = False
        value[kk, ka] = np.where(kc == _KV, kt + 1, kt)  # fields: its key (`:{` or `:{}}`)
        go = c == _KV
        go[go] = cat[at[go] + 1] == _NEXT
        act, at = act[go], at[go] + 2

    fl = np.flatnonzero(fast)
    v = value[:, fl]
    ok = (v[_TICKET] >= 0) & (v[_AT] >= 0) & (v[_TYPE] >= 0)
    if not fl.size:
        v = np.zeros((8, 0), dtype=np.int64)
        opens = closes = np.zeros(1, dtype=np.int64)
    # type
    tt = np.where(ok, v[_TYPE], 0)
    tstart = opens[tt] + 1
    kinds = _lookup(buf, tstart, closes[tt] - tstart, _types(config))
    ok &= kinds >= 0
    # at
    ta = np.where(ok, v[_AT], 0)
    astart = opens[ta] + 1
    ok &= closes[ta] - astart == 25
    t, offset, ok_t = _instants(buf.rows(astart, None, 25))
    ok &= ok_t
    # ticket: a non-empty string
    tk = np.where(ok, v[_TICKET], 0)
    ok &= closes[tk] - opens[tk] > 1
    # what each kind needs
    is_created, is_prio, is_status = kinds == _CREATED, kinds == _PRIORITY, kinds == _STATUS
    sets_prio = is_created | is_prio
    has_prio = v[_PRIO] >= 0
    has_matrix = (v[_IMPACT] >= 0) & (v[_URGENCY] >= 0)
    one_of = (v[_IMPACT] >= 0) != (v[_URGENCY] >= 0)
    ok &= ~sets_prio | has_prio | (has_matrix & (config.matrix is not None))
    ok &= ~(sets_prio & ~has_prio & one_of)
    ok &= ~is_status | (v[_STAT] >= 0)
    ok &= ~(is_created & (v[_FIELDS] >= 0) & (cat[np.maximum(v[_FIELDS], 0)] == _KV))
    prio = np.full(len(fl), -1, dtype=np.int64)
    sel = np.flatnonzero(ok & sets_prio & has_prio)
    prio[sel] = _vocab_codes(buf, opens, closes, v[_PRIO, sel], list(config.priorities))
    ok[sel[prio[sel] < 0]] = False
    sel = np.flatnonzero(ok & sets_prio & ~has_prio)
    if sel.size:
        prio[sel] = _matrix_codes(buf, opens, closes, v[:, sel], config)
        ok[sel[prio[sel] < 0]] = False
    # status: a non-empty string
    given = (is_status | is_created) & (v[_STAT] >= 0)
    st = np.where(given, v[_STAT], 0)
    st_start = np.where(given, opens[st] + 1, -1)
    st_len = closes[st] - opens[st] - 1
    ok &= ~given | (st_len > 0)

    # The lines read here are final; the others go through orjson and events._event.
    keep = np.flatnonzero(ok)
    fast[fl[~ok]] = False
    fl, v, is_created = fl[keep], v[:, keep], is_created[keep]
    match = np.full((2, len(keys), len(fl)), -1, dtype=np.int64)
    if keys:
        created = np.flatnonzero(is_created)
        match[:, :, created] = _match_values(buf, opens, closes, cat, v[_FIELDS, created], keys)
        match[0] += np.where(match[0] >= 0, b0, 0)
    slow = np.flatnonzero(~fast)
    return _Part(
        nlines=nlines,
        line=fl.astype(np.int32),
        kind=kinds[keep].astype(np.int8),
        t=t[keep],
        offset=offset[keep].astype(np.int32),
        prio=prio[keep].astype(np.int16),
        st_start=np.where(st_start[keep] >= 0, st_start[keep] + b0, -1),
        st_len=st_len[keep].astype(np.int32),
        tk_start=opens[v[_TICKET]] + 1 + b0,
        tk_len=(closes[v[_TICKET]] - opens[v[_TICKET]] - 1).astype(np.int32),
        match=match,
        slow_line=slow,
        slow_start=tok.starts[slow] + b0,
        slow_end=tok.ends[slow] + b0,
    )


def _types(config: Config) -> list[bytes]:
    return [k.encode() for k in config.event_types]


def _kinds(config: Config) -> dict[str, int]:
    """The code of each event type of the configuration."""
    return {kind: code for code, kind in enumerate(config.event_types)}


def _map(func, items: list) -> list:
    """[func(x) for x in items], on two threads where there are two processors (numpy
    releases the GIL in its loops). Results in order; the error of the first failing item."""
    if len(items) < 2 or (os.cpu_count() or 1) < 2:
        return [func(x) for x in items]
    results: list = [None] * len(items)
    errors: list[tuple[int, BaseException]] = []
    todo = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                results[i] = func(items[i])
            except BaseException as exc:  # raised again below, in item order
                errors.append((i, exc))
                return

    helper = threading.Thread(target=work)
    helper.start()
    work()
    helper.join()
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return results


def _lines_of(positions: np.ndarray, starts: np.ndarray, lines: np.ndarray | None = None):
    """The line (index into `starts`, or into `lines` then mapped) of each position."""
    i = np.searchsorted(starts if lines is None else starts[lines], positions, side="right") - 1
    return i if lines is None else lines[i]


def _vocab_codes(buf, opens, closes, strings, vocab: list[str]) -> np.ndarray:
    """Index in `vocab` of each string (by string index); -1 if not in it."""
    if not len(strings):
        return np.zeros(0, dtype=np.int64)
    s = opens[strings] + 1
    n = closes[strings] - s
    return _lookup(buf, s, n, [w.encode() for w in vocab])


def _matrix_codes(buf, opens, closes, v, config: Config) -> np.ndarray:
    """Priorities from impact and urgency (-1 where the matrix has none)."""
    index = {p: i for i, p in enumerate(config.priorities)}
    (ic, iv), (uc, uv) = (_strings(buf, opens, closes, v[key]) for key in (_IMPACT, _URGENCY))
    table = np.array(
        [[index.get(config.priority_from(i, u), -1) for u in uv] for i in iv], dtype=np.int64
    ).reshape(len(iv), len(uv))
    return table[ic, uc]


def _strings(buf, opens, closes, strings) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values of some strings (by string index)."""
    s = opens[strings] + 1
    n = closes[strings] - s
    codes, first = _intern(buf, s, n)
    return codes, _decode(buf, s[first], n[first])


def _match_values(buf, opens, closes, cat, fields_key, keys: list[str]) -> np.ndarray:
    """(2, keys, events): where the value of each key of `fields` is (start, length), or -1."""
    out = np.full((2, len(keys), len(fields_key)), -1, dtype=np.int64)
    nested = np.flatnonzero((fields_key >= 0) & (cat[np.maximum(fields_key, 0)] == _OPEN))
    vocab = [k.encode() for k in keys]
    tok = fields_key[nested] + 1
    act = nested
    while act.size:  # nested keys, one slot at a time; the last of a repeated key wins
        s = opens[tok] + 1
        kid = _lookup(buf, s, closes[tok] - s, vocab)
        hit = kid >= 0
        out[0, kid[hit], act[hit]] = opens[tok[hit] + 1] + 1
        out[1, kid[hit], act[hit]] = closes[tok[hit] + 1] - opens[tok[hit] + 1] - 1
        go = cat[tok + 1] == _NEXT
        act, tok = act[go], tok[go] + 2
    return out


def _policy_codes(buf: _Buffer, match: np.ndarray, keys: list[str], config: Config):
    """Policy index of each created event, from the values of its matched fields."""
    columns = []  # per key: code of the value (0: absent), and the values
    for k in range(len(keys)):
        sel = np.flatnonzero(match[0, k] >= 0)
        codes, first = _intern(buf, match[0, k, sel], match[1, k, sel])
        col = np.zeros(match.shape[2], dtype=np.int64)
        col[sel] = codes + 1
        values = _decode(buf, match[0, k, sel][first], match[1, k, sel][first])
        columns.append((col, [None, *values]))
    combos = np.stack([c for c, _ in columns], axis=1)
    uniq, inverse = np.unique(combos, axis=0, return_inverse=True)
    result = []
    for row in uniq.tolist():
        fields = {k: vals[c] for k, c, (_, vals) in zip(keys, row, columns, strict=True) if c}
        policy = config.policy_for(fields)
        result.append(-1 if policy is None else config.policies.index(policy))
    return np.array(result, dtype=np.int64)[inverse.reshape(-1)]


def _pairs() -> np.ndarray:
    """Value of two ASCII digits (first * 256 + second); -1 if not two digits."""
    out = np.full(65536, -1, dtype=np.int64)
    for i in range(100):
        out[(48 + i // 10) * 256 + 48 + i % 10] = i
    return out


_PAIR = _pairs()
_SEPARATORS = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 22: b":"}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _instants(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """POSIX seconds and UTC offsets of `YYYY-MM-DDTHH:MM:SS±HH:MM` rows, and which parsed."""

    def pair(col: int) -> np.ndarray:
        return _PAIR[rows[:, col].astype(np.int64) << 8 | rows[:, col + 1]]

    century, yy, month, day = pair(0), pair(2), pair(5), pair(8)
    hour, minute, second, oh, om = pair(11), pair(14), pair(17), pair(20), pair(23)
    ok = (century >= 19) & (century <= 21) & (yy >= 0)
    for col, sep in _SEPARATORS.items():
        ok &= rows[:, col] == sep[0]
    sign = rows[:, 19]
    ok &= (sign == 43) | (sign == 45)
    year = century * 100 + yy
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mdays = _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays)
    ok &= (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59)
    ok &= (second >= 0) & (second <= 59) & (oh >= 0) & (oh <= 23) & (om >= 0) & (om <= 59)
    offset = np.where(sign == 45, -1, 1) * (oh * 3600 + om * 60)
    t = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return t, offset, ok


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _slow_lines(data, starts, ends, numbers, name: str, config: Config) -> list[tuple]:
    """Lines the columns did not read, as events.read_events reads them."""
    out = []
    policies = config.policies
    codes = _kinds(config)
    for s, e, number in zip(starts.tolist(), ends.tolist(), numbers.tolist(), strict=True):
        raw = data[s:e]
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Unsure("not JSON") from None
        event = _event(obj, name, number, config)
        if event.t != int(event.t):
            raise _Unsure("fractional seconds")
        kind = event.type
        prio = status = None
        policy = -1
        if kind == "created" or kind == "priority":
            prio = config.priorities.index(priority_of(event, config))
        if kind == "created":
            status = obj.get("status") or "new"
            found = config.policy_for(obj.get("fields") or {})
            policy = -1 if found is None else policies.index(found)
        elif kind == "status":
            status = obj["status"]
        else:
            status = _SETS_STATUS.get(kind)
        out.append(
            (
                number,
                obj["ticket"],
                int(event.t),
                codes[kind],
                -1 if prio is None else prio,
                status,
                event.offset,
                policy,
            )
        )
    return out


# -- the clocks -------------------------------------------------------------------------


@dataclass
class _Steps:
    """Each ticket's events in time order, then one step at `now`; ticket by ticket."""

    t: np.ndarray
    kind: np.ndarray
    prio: np.ndarray  # the ticket's priority after the step
    status: np.ndarray  # the ticket's status after the step
    first: np.ndarray  # the step is a ticket's created event
    group: np.ndarray  # ticket (0 .. number of tickets - 1, in sorted order)
    last: np.ndarray  # index of each ticket's step at `now`

    def __post_init__(self) -> None:
        n = len(self.t)
        self.idx = np.arange(n, dtype=np.int32)
        self.gstart = np.maximum.accumulate(np.where(self.first, self.idx, 0))
        self.seg = np.empty(n, dtype=bool)  # time moves on before this step
        if n:
            self.seg[0] = False
            np.greater(self.t[1:], self.t[:-1], out=self.seg[1:])
            self.seg &= ~self.first
        self.t_prev = _shift(self.t, self.first, 0)
        self.real = self.kind != _NO_EVENT


def _compute(config: Config, ev: _Events, now: float) -> bytearray:
    if now != int(now) or not _LO <= now <= _HI:
        raise _Unsure("now")
    if not len(ev.t):
        return bytearray()
    if int(ev.t.min()) < _LO or int(ev.t.max()) > _HI:
        raise _Unsure("instant out of range")
    # Sort by (ticket, instant, line); the stable sort keeps the file order at one instant.
    order = ev.grouped
    if order is None or not _in_time_order(ev.t[order], ev.ticket[order]):
        key = ev.ticket << _SHIFT | (ev.t - ev.t.min())
        order = np.argsort(key, kind="stable")
    g = ev.ticket[order]
    first = np.empty(len(g), dtype=bool)
    first[0] = True
    np.not_equal(g[1:], g[:-1], out=first[1:])
    kind = ev.kind[order]
    if not (kind[first] == _CREATED).all() or np.count_nonzero(
        kind == _CREATED
    ) != np.count_nonzero(first):
        raise _Unsure("created events")  # read_events says which ticket and line
    gs = np.flatnonzero(first)  # first event of each ticket
    ticket_of_group = g[gs]
    ngroups = len(gs)
    idx = np.arange(len(g))
    fill = np.maximum.accumulate(np.where(ev.prio[order] >= 0, idx, 0))
    prio = ev.prio[order][fill]
    fill = np.maximum.accumulate(np.where(ev.status[order] >= 0, idx, 0))
    status = ev.status[order][fill]
    t = ev.t[order]
    line = ev.line[order]
    policy = ev.policy[order][gs]
    offset = ev.offset[order][gs]
    first_line = np.minimum.reduceat(line, gs)

    # One more step per ticket, at now (or at its last event if that is later).
    rank = np.cumsum(first) - 1
    n_steps = len(g) + ngroups
    at = idx + rank
    ge = np.append(gs[1:], len(g))  # end of each ticket's events
    last = ge + np.arange(ngroups)
    steps = _Steps(
        t=_scatter(n_steps, at, t, last, np.maximum(t[ge - 1], int(now))),
        kind=_scatter(n_steps, at, kind.astype(np.int8), last, _NO_EVENT),
        prio=_scatter(n_steps, at, prio.astype(np.int32), last, prio[ge - 1]),
        status=_scatter(n_steps, at, status.astype(np.int32), last, status[ge - 1]),
        first=_scatter(n_steps, at, first, last, False),
        group=_scatter(n_steps, at, rank.astype(np.int32), last, np.arange(ngroups)),
        last=last,
    )

    ticket_json, statuses = ev.ticket_json, ev.statuses
    ev.__dict__.clear()  # the events are in `steps` now: free their memory for what follows
    del order, g, first, kind, idx, fill, prio, status, t, line, rank, at

    # Output rows: tickets in order of first appearance, each with its policy's metrics.
    sizes = np.array([len(p.metrics) for p in config.policies] + [0], dtype=np.int64)
    shown = np.argsort(first_line, kind="stable")
    n_rows = sizes[policy[shown]]
    row0 = np.empty(ngroups, dtype=np.int64)
    row0[shown] = np.cumsum(n_rows) - n_rows
    total = int(n_rows.sum())
    rows = _Rows(total)
    rows.group = np.zeros(total, dtype=np.int64)
    cals = list(config.calendars.values())
    cal_index = {cid: i for i, cid in enumerate(config.calendars)}
    queries: dict[int, list[np.ndarray]] = {}
    metric_names: list[str] = []
    tasks = []  # (policy, its tickets, steps of some of them): chunks that stay in the cache
    for p_index, pol in enumerate(config.policies):
        groups = np.flatnonzero(policy == p_index)
        for m_index, metric in enumerate(pol.metrics):
            r = row0[groups] + m_index
            rows.group[r] = groups
            rows.metric[r] = len(metric_names)
            metric_names.append(metric.name)
        if not groups.size:
            continue
        sub = steps if groups.size == ngroups else _subset(steps, groups, ngroups)
        cuts = np.searchsorted(sub.last, np.arange(_CHUNK, len(sub.t), _CHUNK))
        bounds = [0, *np.unique(cuts).tolist(), len(groups)]
        for g0, g1 in itertools.pairwise(bounds):
            if g1 > g0:
                tasks.append((pol, groups[g0:g1], _chunk(sub, g0, g1)))

    timelines = {
        c: _Timeline(cals[c], float(steps.t.min()), float(steps.t.max()) + 86400)
        for c in sorted(
            {
                cal_index[cid]
                for pol in config.policies
                for metric in pol.metrics
                for cid in metric.calendars.values()
            }
        )
        if cals[c].spec.covered_years is None
    }

    def run(task: tuple) -> list[dict[str, np.ndarray]]:
        pol, _, chunk = task
        positions: dict[int, np.ndarray] = {}  # by calendar: position at every step
        return [
            _clock(metric, chunk, config, cals, cal_index, queries, statuses, positions, timelines)
            for metric in pol.metrics
        ]

    for (_, groups, _), results in zip(tasks, _map(run, tasks), strict=True):
        for m_index, res in enumerate(results):
            r = row0[groups] + m_index
            for name_, col in res.items():
                getattr(rows, name_)[r] = col
    _check_coverage(cals, queries)
    rows.offset = offset[rows.group]
    rows.group = ticket_of_group[rows.group]
    return _render(rows, ticket_json, metric_names, list(config.priorities))


def _in_time_order(t: np.ndarray, ticket: np.ndarray) -> bool:
    """Each ticket's events are in time order (as a live feed writes them)."""
    return bool(((t[1:] >= t[:-1]) | (ticket[1:] != ticket[:-1])).all())


def _scatter(n: int, at: np.ndarray, values, last: np.ndarray, last_values) -> np.ndarray:
    out = np.empty(n, dtype=np.asarray(values).dtype)
    out[at] = values
    out[last] = last_values
    return out


_CHUNK = 1 << 15  # steps of the tickets whose clocks are run together


def _chunk(steps: _Steps, g0: int, g1: int) -> _Steps:
    """The steps of tickets g0 .. g1 - 1 (views), renumbered from 0."""
    s0 = int(steps.last[g0 - 1]) + 1 if g0 else 0
    s1 = int(steps.last[g1 - 1]) + 1
    return _Steps(
        t=steps.t[s0:s1],
        kind=steps.kind[s0:s1],
        prio=steps.prio[s0:s1],
        status=steps.status[s0:s1],
        first=steps.first[s0:s1],
        group=steps.group[s0:s1] - g0,
        last=steps.last[g0:g1] - s0,
    )


def _subset(steps: _Steps, groups: np.ndarray, ngroups: int) -> _Steps:
    """The steps of some tickets, renumbered 0 .. len(groups) - 1."""
    keep = np.zeros(ngroups, dtype=bool)
    keep[groups] = True
    sel = keep[steps.group]
    renumber = np.cumsum(keep) - 1
    kept = np.flatnonzero(sel)
    where = np.full(len(sel), -1, dtype=np.int64)
    where[kept] = np.arange(len(kept))
    return _Steps(
        t=steps.t[sel],
        kind=steps.kind[sel],
        prio=steps.prio[sel],
        status=steps.status[sel],
        first=steps.first[sel],
        group=renumber[steps.group[sel]],
        last=where[steps.last[groups]],
    )


class _Rows:
    def __init__(self, n: int) -> None:
        self.group = np.zeros(n, dtype=np.int64)
        self.metric = np.zeros(n, dtype=np.int64)
        self.priority = np.zeros(n, dtype=np.int64)
        self.state = np.zeros(n, dtype=np.int64)
        self.elapsed = np.zeros(n, dtype=np.int64)
        self.target = np.zeros(n, dtype=np.int64)  # -1: null
        self.due = np.zeros(n, dtype=np.int64)
        self.has_due = np.zeros(n, dtype=bool)
        self.met = np.zeros(n, dtype=np.int64)  # 0 false, 1 true, 2 null
        self.breached = np.zeros(n, dtype=np.int64)
        self.has_breached = np.zeros(n, dtype=bool)
        self.offset = np.zeros(n, dtype=np.int64)


def _shift(x: np.ndarray, first: np.ndarray, fill) -> np.ndarray:
    """x of the previous step of the same ticket (`fill` at a ticket's first step)."""
    out = np.empty_like(x)
    out[1:] = x[:-1]
    out[first] = fill
    return out


def _clock(
    metric: Metric,
    s: _Steps,
    config: Config,
    cals: list[Calendar],
    cal_index: dict[str, int],
    queries: dict[int, list[np.ndarray]],
    statuses: list[str],
    positions: dict[int, np.ndarray],
    timelines: dict[int, _Timeline],
) -> dict[str, np.ndarray]:
    """`clock.run_clock` of one metric for every ticket of `s`, as columns by ticket."""
    n = len(s.t)
    idx = s.idx
    t, first, last = s.t, s.first, s.last
    roles = np.zeros(_NO_EVENT + 1, dtype=np.int8)
    codes = _kinds(config)
    for kind, role in metric.roles.items():
        roles[codes[kind]] = role
    role = roles[s.kind]
    prios = config.priorities
    tgt_of = np.array([metric.targets.get(p, np.nan) for p in prios], dtype=np.float64)
    cal_of = np.array(
        [cal_index[metric.calendars[p]] if p in metric.calendars else -1 for p in prios],
        dtype=np.int32,
    )
    pause_of = np.array([st in metric.pause for st in statuses], dtype=bool)

    gstart, seg, t_prev = s.gstart, s.seg, s.t_prev
    ss = role == _STOP
    started = np.maximum.accumulate(np.where(ss | (role == _START), idx, -1)) >= gstart
    lsr = np.maximum.accumulate(np.where(ss | (role == _RESUME), idx, -1))
    stopped = (lsr >= gstart) & ss[lsr]
    del lsr
    stopped_prev = _shift(stopped, first, False)
    started_prev = _shift(started, first, False)
    live = ~stopped_prev | (role == _RESUME)  # the clock takes the ticket's priority
    cp = s.prio[np.maximum.accumulate(np.where(live, idx, 0))]
    del live
    paused = pause_of[s.status]
    tgt = tgt_of[cp]
    cal = cal_of[cp]

    running_prev = started_prev & ~stopped_prev
    paused_prev = _shift(paused, first, False)
    cal_prev = _shift(cal, first, -1)
    tgt_prev = _shift(tgt, first, np.nan)
    counting = seg & running_prev & ~paused_prev & (cal_prev >= 0)
    counted = np.zeros(n, dtype=np.float64)

    def at_steps(c: int) -> np.ndarray:  # position of every step on calendar c (cached)
        if c not in positions:
            positions[c] = timelines[c].positions(t)
        return positions[c]

    for c in np.unique(cal_prev[counting]).tolist():
        k = np.flatnonzero(counting & (cal_prev == c))
        if c in timelines:  # no warnings: look up every step once
            p = at_steps(c)
            counted[k] = p[k] - p[k - 1]
        else:  # only the instants run_clock looks up, so that the warnings are its own
            with _CALENDARS:
                counted[k] = cals[c].positions(t[k]) - cals[c].positions(t[k - 1])
    total = np.cumsum(counted)
    elapsed = total - total[gstart]
    reach = started & ~stopped & (elapsed >= tgt)  # no time left: breached once time moves on
    el_prev = _shift(elapsed, first, 0.0)
    cand_a = seg & _shift(reach, first, False)
    cross = counting & (counted > 0) & (el_prev < tgt_prev) & (tgt_prev <= elapsed)
    due_cross = np.zeros(n, dtype=np.float64)
    for c in np.unique(cal_prev[cross]).tolist():
        k = np.flatnonzero(cross & (cal_prev == c))
        if c in timelines:
            due_cross[k] = timelines[c].instants(at_steps(c)[k - 1] + tgt_prev[k] - el_prev[k])
        else:
            with _CALENDARS:
                due_cross[k] = cals[c].add_many(t[k - 1], tgt_prev[k] - el_prev[k])
    cand = cand_a | (cross & (due_cross < t))
    breach_value = np.where(cand_a, t_prev, due_cross)

    ngroups = len(last)
    ci = np.flatnonzero(cand)
    cg = s.group[ci]
    firsts = np.ones(len(ci), dtype=bool)
    np.not_equal(cg[1:], cg[:-1], out=firsts[1:])
    has_b = np.zeros(ngroups, dtype=bool)
    has_b[cg[firsts]] = True
    breached = np.zeros(ngroups, dtype=np.int64)
    breached[cg[firsts]] = breach_value[ci[firsts]]

    f_started, f_stopped, f_paused = started[last], stopped[last], paused[last]
    f_tgt, f_cal, f_el, f_t = tgt[last], cal[last], elapsed[last], t[last]
    eff_stop = ss & ~stopped_prev
    stop_step = np.maximum.accumulate(np.where(eff_stop, idx, 0))[last]
    stopped_at = t[stop_step]
    measured = ~has_b & ~np.isnan(f_tgt) & (f_cal >= 0) & f_started
    rem = f_tgt - f_el
    due = breached.astype(np.float64)
    has_due = has_b.copy()
    stop_case = measured & f_stopped
    due[stop_case] = stopped_at[stop_case]
    has_due |= stop_case
    reach_case = measured & ~f_stopped & reach[last]
    due[reach_case] = f_t[reach_case]
    has_due |= reach_case
    run_case = measured & ~f_stopped & ~reach[last] & ~f_paused
    has_due |= run_case
    add_stop = stop_case & (rem > 0)
    add_from = np.where(add_stop, stopped_at, f_t)
    adding = add_stop | run_case
    add_step = np.where(add_stop, stop_step, last)
    for c in np.unique(f_cal[adding]).tolist():
        k = np.flatnonzero(adding & (f_cal == c))
        if c in timelines:
            due[k] = timelines[c].instants(at_steps(c)[add_step[k]] + rem[k])
        else:
            with _CALENDARS:
                due[k] = cals[c].add_many(add_from[k], rem[k])

    if any(cals[c].spec.covered_years is not None for c in set(cal_of.tolist()) if c >= 0):
        # The instants run_clock would look up, for the coverage warnings.
        real = s.real
        ask = seg & running_prev & (cal_prev >= 0) & (real | ~paused_prev)
        _ask(queries, cal_prev[ask], t[ask])
        new_cal = cal_of[s.prio]
        cp_prev = _shift(cp, first, -1)
        ask = real & ~first & (s.prio != cp_prev) & ~stopped_prev & started_prev & (new_cal >= 0)
        _ask(queries, new_cal[ask], t[ask])
        effective = (role == _START) & ~started_prev | (role == _RESUME) & stopped_prev
        ask = real & effective & (cal >= 0)
        _ask(queries, cal[ask], t[ask])
        _ask(queries, cal_prev[cross], due_cross[cross].astype(np.int64))
        _ask(queries, f_cal[adding], add_from[adding])
        _ask(queries, f_cal[adding], due[adding].astype(np.int64))

    state = np.where(
        ~f_started,
        _NOT_STARTED,
        np.where(f_stopped, _STOPPED, np.where(f_paused, _PAUSED, _RUNNING)),
    )
    met = np.where(has_b, 0, np.where(stop_case, 1, 2))
    return {
        "priority": cp[last],
        "state": state,
        "elapsed": f_el.astype(np.int64),
        "target": np.where(np.isnan(f_tgt), -1, np.nan_to_num(f_tgt)).astype(np.int64),
        "due": due.astype(np.int64),
        "has_due": has_due,
        "met": met,
        "breached": breached,
        "has_breached": has_b,
    }


_CALENDARS = threading.Lock()  # calendars grow, and record warnings, as they are asked


class _Timeline:
    """A calendar's working intervals from `lo` on, as arrays: `Calendar.position` and
    `Calendar.instant` in bulk, measured from `lo`. Only for calendars without coverage
    warnings, whose answers do not depend on which instants are asked."""

    def __init__(self, cal: Calendar, lo: float, hi: float) -> None:
        self.cal, self.lo = cal, lo
        self._grow = threading.Lock()
        self._build(hi)

    def _build(self, hi: float) -> None:
        with _CALENDARS:
            spans = self.cal.intervals(self.lo, hi)
        a = np.array(spans, dtype=np.float64).reshape(-1, 2)
        size = a[:, 1] - a[:, 0]
        cum_end = np.cumsum(size)
        self.arrays = (hi, a[:, 0].copy(), a[:, 1].copy(), cum_end - size, cum_end)

    def positions(self, t: np.ndarray) -> np.ndarray:
        hi, starts, ends, cum, _ = self.arrays  # one consistent snapshot
        if not len(starts):
            return np.zeros(len(t))
        if t.size and t.max() > hi:
            raise _Unsure("instant after the timeline")
        i = np.searchsorted(starts, t, side="right") - 1
        j = np.maximum(i, 0)
        return np.where(i >= 0, cum[j] + np.minimum(t, ends[j]) - starts[j], 0.0)

    def instants(self, pos: np.ndarray) -> np.ndarray:
        """Earliest instant at each position (an interval's end, not the next start)."""
        top = pos.max() if pos.size else 0.0
        with self._grow:
            while not len(self.arrays[4]) or self.arrays[4][-1] < top:
                hi = self.arrays[0]
                self._build(hi + max(hi - self.lo, 86400.0))  # CalendarError if never
        _, starts, _, cum, cum_end = self.arrays
        j = np.searchsorted(cum_end, pos, side="left")
        return starts[j] + pos - cum[j]


def _ask(queries: dict[int, list[np.ndarray]], cal: np.ndarray, t: np.ndarray) -> None:
    for c in np.unique(cal).tolist():
        queries.setdefault(c, []).append(t[cal == c])


def _check_coverage(cals: list[Calendar], queries: dict[int, list[np.ndarray]]) -> None:
    """Query each calendar once in each local year the scalar clocks would have queried it."""
    for c, parts in queries.items():
        cal = cals[c]
        if cal.spec.covered_years is None:
            continue
        t = np.concatenate(parts)
        if not t.size:
            continue
        lo = datetime.fromtimestamp(float(t.min()), cal.tz).year
        hi = datetime.fromtimestamp(float(t.max()), cal.tz).year
        bounds = np.array([datetime(y, 1, 1, tzinfo=cal.tz).timestamp() for y in range(lo, hi + 2)])
        present = np.bincount(np.searchsorted(bounds, t, side="right") - 1, minlength=hi - lo + 1)
        for i in np.flatnonzero(present).tolist():
            cal.position(float(bounds[i]))


# -- writing ----------------------------------------------------------------------------


def _render(rows: _Rows, tickets: np.ndarray, metrics: list[str], prios: list[str]) -> bytearray:
    """The JSON Lines: a byte matrix, one row per line, NUL-padded fields, NULs removed."""
    n = len(rows.group)
    if not n:
        return bytearray()
    if (rows.offset % 60 != 0).any():
        raise _Unsure("UTC offset with seconds")
    fields: list[tuple[np.ndarray, np.ndarray] | bytes] = [
        b'{"ticket":',
        (tickets, rows.group),
        b',"metric":',
        (_table([orjson.dumps(m) for m in metrics]), rows.metric),
        b',"priority":',
        (_table([orjson.dumps(p) for p in prios]), rows.priority),
        b',"state":',
        (_table([orjson.dumps(s) for s in _STATES]), rows.state),
        b',"elapsed":',
        *_integers(rows.elapsed, None),
        b',"target":',
        *_integers(rows.target, rows.target >= 0),
        b',"due":',
        *_isos(rows.due, rows.offset, rows.has_due),
        b',"met":',
        (_table([b"false", b"true", b"null"]), rows.met),
        b',"breached_at":',
        *_isos(rows.breached, rows.offset, rows.has_breached),
        b"}\n",
    ]
    template = bytearray()  # the constant bytes; NUL where a field goes
    columns = []  # (first column, table, codes)
    for f in fields:
        if isinstance(f, bytes):
            template += f
        else:
            table, codes = f
            columns.append((len(template), table, codes))
            template += bytes(table.shape[1])
    row = np.frombuffer(bytes(template), dtype=np.uint8)
    # The length of each line, to place each block of lines in the output at once.
    size = np.full(n, np.count_nonzero(row), dtype=np.int64)
    for _, table, codes in columns:
        size += np.count_nonzero(table, axis=1)[codes]
    starts = list(range(0, n, _BLOCK))
    where = np.concatenate(([0], np.cumsum(np.add.reduceat(size, starts))))
    out = bytearray(int(where[-1]))

    def fill(i: int) -> None:
        """Block by block, so that a block stays in the processor's cache while it is filled."""
        lo, hi = starts[i], min(n, starts[i] + _BLOCK)
        b = np.empty((hi - lo, len(row)), dtype=np.uint8)
        b[:] = row
        for col, table, codes in columns:
            b[:, col : col + table.shape[1]] = table[codes[lo:hi]]
        text = b.tobytes().translate(None, b"\0")
        if len(text) != where[i + 1] - where[i]:
            raise _Unsure("NUL byte in a field")
        out[where[i] : where[i + 1]] = text

    _map(fill, list(range(len(starts))))
    return out


_BLOCK = 4096


def _table(values: list[bytes]) -> np.ndarray:
    width = max(len(v) for v in values)
    return np.array(values, dtype=f"S{width}").view(np.uint8).reshape(len(values), width)


_EMPTY, _NULL_ROW, _ZERO = 20000, 20001, 20002


@cache
def _digit_table() -> np.ndarray:
    """Four-byte pieces of numbers: rows 0-9999 without leading zeros (NUL-padded on the
    left), rows 10000-19999 with them, then nothing, `null` and a lone `0`."""
    x = np.arange(10000)
    zeros = np.stack([x // 1000 % 10, x // 100 % 10, x // 10 % 10, x % 10], axis=1) + 48
    plain = zeros.copy()
    for j in range(3):
        plain[x < 10 ** (3 - j), j] = 0
    rest = [[0, 0, 0, 0], list(b"null"), [0, 0, 0, 48]]
    return np.concatenate((plain, zeros, rest)).astype(np.uint8)


def _integers(
    values: np.ndarray, present: np.ndarray | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Non-negative integers in decimal (null where not present), as 4-digit pieces."""
    shown = values if present is None else values[present]
    if shown.size and (shown.min() < 0 or shown.max() >= 10**16):
        raise _Unsure("number")
    top = int(shown.max()) if shown.size else 0
    pieces = max(1, -(-len(str(top)) // 4))
    x = values if present is None else np.where(present, values, 0)
    table = _digit_table()
    out = []
    for j in range(pieces):
        above = x // 10 ** (4 * (pieces - 1 - j))  # this piece and the ones before it
        code = np.where(above >= 10000, 10000 + above % 10000, np.where(above > 0, above, _EMPTY))
        if j == pieces - 1:
            code[x == 0] = _ZERO
        if present is not None:
            code[~present] = _NULL_ROW if j == 0 else _EMPTY
        out.append((table, code))
    return out


@cache
def _clock_table() -> np.ndarray:
    """Row s (second of the day): `THH:MM:SS`."""
    s = np.arange(86400)
    out = np.empty((86400, 9), dtype=np.uint8)
    out[:, 0] = ord("T")
    out[:, 3] = out[:, 6] = ord(":")
    for col, value in ((1, s // 3600), (4, s // 60 % 60), (7, s % 60)):
        out[:, col] = value // 10 + 48
        out[:, col + 1] = value % 10 + 48
    return out


def _isos(
    t: np.ndarray, offset: np.ndarray, present: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`"YYYY-MM-DDTHH:MM:SS+HH:MM"` in each row's UTC offset, or null."""
    local = np.where(present, t + offset, 0)
    days, sod = np.divmod(local, 86400)
    shown = days[present]
    lo = int(shown.min()) if shown.size else 0
    hi = int(shown.max()) if shown.size else 0
    if hi - lo > 400 * 366:
        raise _Unsure("dates too far apart")
    year, month, day = _civil_from_days(np.arange(lo, hi + 1))
    if ((year < 1000) | (year > 9999)).any():
        raise _Unsure("year")
    dates = np.empty((hi - lo + 2, 11), dtype=np.uint8)  # `"YYYY-MM-DD`; last row: `null`
    dates[:-1, 0] = 34
    dates[:-1, 5] = dates[:-1, 8] = ord("-")
    for col, value, width in ((1, year, 4), (6, month, 2), (9, day, 2)):
        for j in range(width - 1, -1, -1):
            dates[:-1, col + j] = value % 10 + 48
            value = value // 10
    dates[-1] = 0
    dates[-1, :4] = np.frombuffer(b"null", dtype=np.uint8)
    date_code = np.where(present, days - lo, hi - lo + 1)
    clock = np.concatenate((_clock_table(), np.zeros((1, 9), dtype=np.uint8)))
    clock_code = np.where(present, sod, 86400)
    offsets, off_code = np.unique(offset, return_inverse=True)
    zones = np.zeros((len(offsets) + 1, 7), dtype=np.uint8)  # `+HH:MM"`
    for i, off in enumerate(offsets.tolist()):
        a = abs(off)
        zones[i] = np.frombuffer(
            f'{"-" if off < 0 else "+"}{a // 3600:02d}:{a // 60 % 60:02d}"'.encode(), np.uint8
        )
    off_code = np.where(present, off_code.reshape(-1), len(offsets))
    return [(dates, date_code), (clock, clock_code), (zones, off_code)]


def _civil_from_days(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = z + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day

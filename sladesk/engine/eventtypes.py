"""Event types: the contract's built-in ones, and those SLA-as-code declares (`events:`).

A declared type (e.g. `dispatched`, `arrived`) is one more word metrics may start, stop
and resume on. It carries no status and no priority: to the clock it is a moment, nothing
else. Its labels name it in the interface and in explanations. See docs/sla-extensions.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from .yamlsource import Path

EVENT_TYPES = (
    "created",
    "status",
    "priority",
    "acknowledged",
    "responded",
    "updated",
    "resolved",
    "reopened",
    "closed",
)
LANGUAGES = ("zh-Hans", "en")  # every declared type is labelled in each of them
NAME_LENGTH = 50
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{NAME_LENGTH - 1}}}")


class _Checker(Protocol):
    def problem(self, path: Path, message: str) -> None: ...
    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None: ...
    def keys(self, value: dict[str, Any], path: Path, allowed: tuple[str, ...]) -> None: ...


@dataclass(frozen=True)
class EventType:
    """A declared event type and its labels by language (zh-Hans, en)."""

    name: str
    labels: dict[str, str]

    def label(self, language: str) -> str:
        """The label in `language` (`zh-Hans`, `zh-hans`, `en-us` …), else the English one."""
        wanted = language.lower()
        for lang, text in self.labels.items():
            if lang.lower() == wanted or wanted.startswith(lang.lower() + "-"):
                return text
        return self.labels.get("en", self.name)


def parse_event_types(v: _Checker, value: Any) -> dict[str, EventType]:
    """The `events:` mapping of a configuration, by name, in file order."""
    path: Path = ("events",)
    body = v.mapping(value, path, "event types by name, each with labels in zh-Hans and en")
    if body is None:
        return {}
    out: dict[str, EventType] = {}
    for name, labels in body.items():
        where = (*path, name)
        if name in EVENT_TYPES:
            v.problem(where, f"{name!r} is a built-in event type; declare only new ones")
            continue
        if not _NAME.fullmatch(name):
            v.problem(
                where,
                f"{name!r} is not a simple name: lowercase letters, digits and _, "
                f"starting with a letter, at most {NAME_LENGTH} characters",
            )
            continue
        texts = _labels(v, labels, where)
        if texts is not None:
            out[name] = EventType(name, texts)
    return out


def _labels(v: _Checker, value: Any, path: Path) -> dict[str, str] | None:
    body = v.mapping(value, path, "labels such as {zh-Hans: 已派工程师, en: Engineer dispatched}")
    if body is None:
        return None
    v.keys(body, path, LANGUAGES)
    out = {}
    for lang in LANGUAGES:
        text = body.get(lang)
        if lang not in body:
            v.problem(path, f"missing label {lang!r}; label every event type in {_both()}")
        elif not isinstance(text, str) or not text.strip():
            v.problem((*path, lang), f"expected a label (text), got {text!r}")
        else:
            out[lang] = text.strip()
    return out if len(out) == len(LANGUAGES) else None


def _both() -> str:
    return " and ".join(LANGUAGES)

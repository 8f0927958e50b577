"""JSON Schema of the SLA configuration format, for editors (`sladesk sla schema`).

The engine's own validation (config.py) is stricter (overlaps, unknown calendars,
priorities that exist) and gives better messages; tests keep the two in agreement on
every example and on the shapes they both reject.
"""

from __future__ import annotations

from typing import Any

from .config import REOPEN_POLICIES, WEEKDAYS
from .eventtypes import EVENT_TYPES, LANGUAGES, NAME_LENGTH
from .rules import RECIPIENTS

_DURATION = {
    "description": "business time: 90s, 15m, 4h, 1h30m or whole seconds (no days)",
    "oneOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": r"^(\d+|(\d+h)?(\d+m)?(\d+s)?)$", "minLength": 1},
    ],
}
_PERCENT = {
    "description": "a percentage such as 98% or 99.9%, or a fraction 0..1",
    "oneOf": [
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
        {"type": "number", "minimum": 0, "maximum": 1},
    ],
}
_RECIPIENTS = {
    "description": "who is told: " + ", ".join(RECIPIENTS),
    "oneOf": [
        {"type": "string", "enum": list(RECIPIENTS)},
        {"type": "array", "items": {"type": "string", "enum": list(RECIPIENTS)}},
    ],
}
_DURATION_BY_PRIORITY = {
    "oneOf": [_DURATION, {"type": "object", "additionalProperties": _DURATION}],
}
_NOTIFY = {
    "type": "object",
    "description": "who is told at the metric's warn fractions and at a breach",
    "additionalProperties": False,
    "properties": {"warn": _RECIPIENTS, "breach": _RECIPIENTS},
}
_ESCALATE = {
    "type": "array",
    "description": "escalation levels: after business time on the clock or % of the target",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["after", "to"],
        "properties": {
            "after": {
                "oneOf": [_DURATION, {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"}]
            },
            "priorities": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
            "to": _RECIPIENTS,
        },
    },
}
_UPDATES = {
    "type": "object",
    "description": "remind when the requester has had no public update for `every`",
    "additionalProperties": False,
    "required": ["every"],
    "properties": {
        "every": _DURATION_BY_PRIORITY,
        "after": _DURATION_BY_PRIORITY,
        "then": _DURATION_BY_PRIORITY,
        "to": _RECIPIENTS,
    },
}
_POINTS = {"type": "number", "minimum": 0}
_REPORTING = {
    "type": "object",
    "description": "how the agreement is judged over time (reports only)",
    "additionalProperties": False,
    "properties": {
        "attainment_goal": _PERCENT,
        "score": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "start": _POINTS,
                "per_breach": {
                    "oneOf": [_POINTS, {"type": "object", "additionalProperties": _POINTS}]
                },
                "per_missed_goal": _POINTS,
            },
        },
        "consecutive_misses": {"type": "integer", "minimum": 1},
    },
}
_INTERVAL = {
    "type": "string",
    "description": "HH:MM-HH:MM, start < end, end may be 24:00",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$",
}
_DAY_HOURS = {"oneOf": [_INTERVAL, {"type": "array", "items": _INTERVAL}]}
_DATE_OR_RANGE = {
    "type": "string",
    "description": "YYYY-MM-DD or an inclusive range YYYY-MM-DD..YYYY-MM-DD",
    "pattern": r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$",
}
_NAME_PATTERN = rf"^[a-z][a-z0-9_]{{0,{NAME_LENGTH - 1}}}$"
# A built-in type (offered by editors), or one declared under `events` (config.py checks that).
_EVENT_TYPE = {
    "anyOf": [
        {"type": "string", "enum": list(EVENT_TYPES)},
        {"type": "string", "pattern": _NAME_PATTERN, "description": "a type declared in events"},
    ]
}
_EVENT_LIST = {"oneOf": [_EVENT_TYPE, {"type": "array", "items": _EVENT_TYPE}]}
_DECLARED_EVENTS = {
    "type": "object",
    "description": "event types beyond the built-in ones, each labelled in zh-Hans and en",
    "propertyNames": {"pattern": _NAME_PATTERN, "not": {"enum": list(EVENT_TYPES)}},
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": list(LANGUAGES),
        "properties": {lang: {"type": "string", "minLength": 1} for lang in LANGUAGES},
    },
}
_REOPEN = {
    "enum": list(REOPEN_POLICIES),
    "description": "what reopening does: continue the clock (default), restart a new cycle, "
    "or pause: the time resolved counts as a pause, decided at close",
}
_REOPEN_LEVEL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["after", "to"],
    "properties": {"after": {"type": "integer", "minimum": 1}, "to": _RECIPIENTS},
}
_ESCALATE_ON_REOPEN = {
    "description": "escalate a ticket reopened `after` times",
    "oneOf": [_REOPEN_LEVEL, {"type": "array", "minItems": 1, "items": _REOPEN_LEVEL}],
}
_BY_PRIORITY = {"type": "object", "additionalProperties": _DURATION}

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:sladesk:sla-config",
    "title": "sladesk SLA configuration",
    "type": "object",
    "additionalProperties": False,
    "required": ["calendars", "priorities", "policies"],
    "properties": {
        "calendars": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["timezone", "hours"],
                "properties": {
                    "timezone": {"type": "string", "description": "IANA name, e.g. Asia/Shanghai"},
                    "hours": {
                        "oneOf": [
                            {"const": "24x7"},
                            {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": dict.fromkeys(WEEKDAYS, _DAY_HOURS),
                            },
                        ]
                    },
                    "holidays": {"type": "array", "items": _DATE_OR_RANGE},
                    "workdays": {"type": "array", "items": _DATE_OR_RANGE},
                    "workday_hours": _DAY_HOURS,
                    "holidays_from": {"enum": ["CN"]},
                    "holiday_files": {
                        "oneOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "string"}},
                        ],
                        "description": ".ics or holiday-cn .json files, relative to this file",
                    },
                },
            },
        },
        "priorities": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1},
            "description": "most urgent first",
        },
        "matrix": {
            "type": "object",
            "description": "impact (rows) x urgency (columns) -> priority",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
        },
        "events": _DECLARED_EVENTS,
        "reporting": _REPORTING,
        "policies": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "metrics"],
                "properties": {
                    "id": {"type": ["string", "integer"]},
                    "name": {"type": "string"},
                    "match": {
                        "type": "object",
                        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                    },
                    "metrics": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["start", "stop", "calendar", "target"],
                            "properties": {
                                "start": _EVENT_LIST,
                                "stop": _EVENT_LIST,
                                "resume": _EVENT_LIST,
                                "pause": {
                                    "oneOf": [
                                        {"type": "string"},
                                        {"type": "array", "items": {"type": "string"}},
                                    ]
                                },
                                "calendar": {
                                    "oneOf": [
                                        {"type": "string"},
                                        {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                    ]
                                },
                                "target": _BY_PRIORITY,
                                "goal": {"type": "object", "additionalProperties": _PERCENT},
                                "warn": {"type": "array", "items": _PERCENT},
                                "notify": _NOTIFY,
                                "escalate": _ESCALATE,
                                "updates": _UPDATES,
                                "reopen": _REOPEN,
                                "escalate_on_reopen": _ESCALATE_ON_REOPEN,
                            },
                        },
                    },
                },
            },
        },
    },
}

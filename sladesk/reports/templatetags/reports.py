"""Report figures in templates: formatted as everywhere else, and linked to their tickets."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from sladesk.reports import formatting

register = template.Library()

for _name in ("duration", "percent", "availability", "score", "satisfaction", "metric", "priority"):
    register.filter(_name, getattr(formatting, _name))


@register.simple_tag
def drill(q: str, **filters: object) -> str:
    """The URL of the tickets behind a number: the report's scope and period, and filters."""
    extra = {k: v for k, v in filters.items() if v not in (None, "", "all")}
    return reverse("reports:tickets") + "?" + q + ("&" + urlencode(extra) if extra else "")


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key)


@register.filter
def violation(v: object) -> str:
    from sladesk.catalog.availability import violation_text

    return violation_text(v)


@register.filter
def reason(value: str) -> str:
    from sladesk.catalog.availability import reason_label

    return reason_label(value)

"""Keeping a report: its figures as of now, stored for its scope and period (notes stay)."""

from __future__ import annotations

from typing import Any

from . import figures
from .models import ServiceReport
from .scope import Period, Scope


def keep(scope: Scope, period: Period, user: Any = None) -> ServiceReport:
    """The report of `scope` and `period` with fresh figures (its notes stay)."""
    data = figures.compute(scope, period)
    report, _created = ServiceReport.objects.update_or_create(
        scope_kind=scope.kind,
        scope_code=scope.code,
        first=period.first,
        last=period.last,
        defaults={
            "scope_label": scope.label,
            "figures": data.as_json(),
            "generated_at": data.generated_at,
            "generated_by": user,
        },
    )
    return report

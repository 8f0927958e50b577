"""What a report covers: which tickets (all, or one organisation, service or team) and when
(a period of whole days in the site's time zone, usually a calendar month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk.models import Service, Ticket
from sladesk.people.models import Organisation, Team

KINDS = ("all", "organisation", "service", "team", "agreement")


class ScopeError(ValueError):
    """A scope or period that does not exist; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scope:
    kind: str = "all"  # one of KINDS
    code: str = ""  # the organisation's, service's or team's code, or the agreement's number
    label: str = ""
    # An agreement covers its customer's tickets on its services, judged by its SLA version.
    customer: str = ""
    services: tuple[str, ...] = ()
    version: int | None = None

    def tickets(self) -> QuerySet[Ticket]:
        return Ticket.objects.filter(self.q())

    def q(self, prefix: str = "") -> Q:
        """The filter on tickets (`prefix` "ticket__" when filtering their clocks)."""
        if self.kind == "all":
            return Q()
        if self.kind == "agreement":
            q = Q(**{f"{prefix}organisation__code": self.customer})
            if self.services:
                q &= Q(**{f"{prefix}service__code__in": list(self.services)})
            return q
        return Q(**{f"{prefix}{self.kind}__code": self.code})


def scope_of(kind: str, code: str = "") -> Scope:
    """The scope named by `kind` and `code`; raises ScopeError."""
    if kind not in KINDS:
        raise ScopeError(
            "scope",
            _("Unknown scope %(kind)s; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
        )
    if kind == "all":
        return Scope("all", "", _("All tickets"))
    if kind == "agreement":
        return _agreement(code)
    model = {"organisation": Organisation, "service": Service, "team": Team}[kind]
    found = model.objects.filter(code=code).first()
    if found is None:
        raise ScopeError(
            "code",
            _("There is no %(kind)s with the code %(code)s.")
            % {"kind": kind, "code": code or "''"},
        )
    return Scope(kind, code, str(getattr(found, "name", found)))


def _agreement(number: str) -> Scope:
    from sladesk.agreements.models import Agreement

    found = (
        Agreement.objects.filter(number=number).select_related("customer", "sla_version").first()
    )
    if found is None:
        raise ScopeError("code", _("There is no agreement %s.") % (number or "''"))
    services = tuple(sorted(found.services.values_list("code", flat=True)))
    return Scope(
        "agreement",
        found.number,
        f"{found.number} {found.title}",
        customer=found.customer.code,
        services=services,
        version=found.sla_version.number if found.sla_version else None,
    )


@dataclass(frozen=True)
class Period:
    first: date  # first day, inclusive
    last: date  # last day, inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), timezone.get_default_timezone())

    @property
    def end(self) -> datetime:
        return datetime.combine(
            self.last + timedelta(days=1), time(), timezone.get_default_timezone()
        )

    @property
    def is_month(self) -> bool:
        return (
            self.first.day == 1
            and (self.last + timedelta(days=1)).day == 1
            and (self.first.month == self.last.month)
        )

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.first:%Y-%m}"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def earlier(self, count: int) -> list[Period]:
        """The `count` periods before this one, oldest first (months for a month)."""
        out: list[Period] = []
        period = self
        for _step in range(count):
            period = period.previous()
            out.insert(0, period)
        return out

    def previous(self) -> Period:
        if self.is_month:
            return month(self.first - timedelta(days=1))
        length = (self.last - self.first).days + 1
        return Period(self.first - timedelta(days=length), self.first - timedelta(days=1))


def month(day: date) -> Period:
    """The calendar month of `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def last_month(today: date | None = None) -> Period:
    today = today or datetime.now(timezone.get_default_timezone()).date()
    return month(today.replace(day=1) - timedelta(days=1))


def period_of(first: str, last: str = "") -> Period:
    """`2026-10` (a month) or two ISO dates; raises ScopeError."""
    try:
        if not last and len(first) == 7:
            return month(date.fromisoformat(first + "-01"))
        period = Period(date.fromisoformat(first), date.fromisoformat(last or first))
    except ValueError:
        raise ScopeError(
            "period", _("Give a month as 2026-10 or two dates as 2026-10-01.")
        ) from None
    if period.last < period.first:
        raise ScopeError("period", _("The period ends before it starts."))
    return period

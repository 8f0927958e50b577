"""An agreement's dates: months added the contract way, working-day notice periods on the
agreement's calendar, the review schedule. Reads only; the writes are in lifecycle.py."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from sladesk.sla.versions import config_of

if TYPE_CHECKING:
    from sladesk.engine.calendar import Calendar

    from .models import Agreement


class AgreementError(ValueError):
    """A change that cannot be made as asked; `field` names the input at fault ("" for none)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it is shorter (31 Jan → 28 Feb)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def renewed_expiry(agreement: Agreement) -> date:
    """The last day of the next term: the new term starts the day after the old one ends."""
    start = agreement.expires_on + timedelta(days=1)
    return add_months(start, agreement.renewal_months) - timedelta(days=1)


def working_calendar(agreement: Agreement) -> Calendar:
    """The engine calendar the agreement counts working days on (from its SLA version)."""
    calendar_id = agreement.calendar_id()
    calendars = config_of(agreement.sla_version).calendars
    if calendar_id not in calendars:
        raise AgreementError(
            "calendar",
            _("SLA version v%(version)s has no calendar %(calendar)s; it has: %(known)s.")
            % {
                "version": agreement.sla_version.number,
                "calendar": calendar_id,
                "known": ", ".join(sorted(calendars)),
            },
        )
    return calendars[calendar_id]


def earliest_effective(agreement: Agreement, notice_given_on: date) -> date:
    """The first day an amendment noticed on `notice_given_on` may take effect.

    The notice runs for `notice_working_days` whole working days after the day it is
    given (that day does not count, as in "15 working days' notice"); the change may apply
    from the day after the last of them."""
    days = agreement.notice_working_days
    if days <= 0:
        return notice_given_on
    calendar = working_calendar(agreement)
    # Noon of the notice day in the calendar's zone: after_working_days counts from its
    # local date, and noon is on that date whatever the zone's offset.
    given = datetime.combine(notice_given_on, time(12), tzinfo=calendar.tz).timestamp()
    last_day_end = calendar.after_working_days(given, days)
    # A second before the end is on the last working day itself, also when that day's
    # hours run to midnight (24x7), where the end is already the next date.
    last_day = datetime.fromtimestamp(last_day_end - 1, calendar.tz).date()
    return last_day + timedelta(days=1)


def next_review_due(agreement: Agreement, after: date, last_due: date | None) -> date | None:
    """The next review date on the schedule (every N months from `effective_from`) that is
    on or after `after` and later than `last_due`; None without a schedule."""
    every = agreement.review_every_months
    if every <= 0:
        return None
    n = 1
    while True:
        due = add_months(agreement.effective_from, n * every)
        if due >= after and (last_due is None or due > last_due):
            return due
        n += 1

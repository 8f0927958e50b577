"""Reminders about agreements: which one is due on a day, who hears it, and what it says.

Each reminder has a key naming the agreement, the term (its expiry date) or review, and the
occasion, so it is sent once: `lifecycle.daily` records the key as an event with a unique
constraint and writes the notifications in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from sladesk.notify import recipients
from sladesk.notify.messages import Content, ContentFor
from sladesk.notify.models import Channel

from .models import Agreement, AgreementReview

EXPIRY_REMINDERS = (60, 30, 7)  # days before expiry, besides the agreement's reminder_days
OBJECTION_NOTICE_DAYS = 7  # the objection deadline is announced this long ahead
REVIEW_NOTICE_DAYS = 7  # a review is announced this long before it is due, to arrange it


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str  # the notification's kind
    content_for: ContentFor


def expiry_threshold(agreement: Agreement, today: date) -> int | None:
    """The most urgent expiry reminder whose day has come (days before expiry), if any.

    Only the most urgent is sent: a reminder skipped while the worker was stopped, or for
    an agreement signed late in its term, is superseded by the next one."""
    left = (agreement.expires_on - today).days
    if left < 0:
        return None
    limit = agreement.reminder_days
    passed = [d for d in {limit, *EXPIRY_REMINDERS} if d <= limit and left <= d]
    return min(passed) if passed else None


def due(agreement: Agreement, today: date, open_review: AgreementReview | None) -> list[Reminder]:
    """The reminders of one agreement in force whose day has come (sent or not)."""
    found = []
    term = agreement.expires_on.isoformat()
    days = expiry_threshold(agreement, today)
    if days is not None:
        found.append(
            Reminder(
                f"agreement:{agreement.pk}:expiry:{term}:{days}",
                "agreement_expiry",
                lambda lang, zone: expiry_content(agreement, lang),
            )
        )
    deadline = agreement.objection_deadline
    if (
        agreement.auto_renew
        and deadline - timedelta(days=OBJECTION_NOTICE_DAYS) <= today <= deadline
        and not agreement.objections.filter(expires_on=agreement.expires_on).exists()
    ):
        found.append(
            Reminder(
                f"agreement:{agreement.pk}:objection:{term}",
                "agreement_objection",
                lambda lang, zone: objection_content(agreement, lang),
            )
        )
    # The open review always has a due date: reviews held off schedule are never open.
    review_day = open_review.due_on if open_review is not None else None
    if review_day is not None and today >= review_day - timedelta(days=REVIEW_NOTICE_DAYS):
        found.append(
            Reminder(
                f"agreement:{agreement.pk}:review:{open_review.pk}",
                "agreement_review",
                lambda lang, zone: review_content(agreement, open_review, lang),
            )
        )
    return found


class Audience:
    """Who hears about agreements: each one's report recipients and its provider's service
    managers (every service manager, if the provider has none), read once per run."""

    def __init__(self) -> None:
        self.directory = recipients.Directory([], ["service_manager"])

    def channels(self, agreement: Agreement) -> list[Channel]:
        managers = self.directory.managers
        ours = [m for m in managers if m.organisation_id == agreement.provider_id] or managers
        found: dict[int, Channel] = {}
        for channel in agreement.report_recipients.filter(enabled=True).select_related(
            "user", "team"
        ):
            found[channel.pk] = channel
        for channel in self.directory.channels(ours, []):
            found.setdefault(channel.pk, channel)
        return list(found.values())


# -- what they say -------------------------------------------------------------------------


def _url(agreement: Agreement) -> str:
    return settings.SITE_URL + agreement.get_absolute_url()


def _day(day: date) -> str:
    return formats.date_format(day, "Y-m-d")


def _facts(agreement: Agreement) -> list[tuple[str, str]]:
    renewal = (
        _("automatic, for %(months)s months") % {"months": agreement.renewal_months}
        if agreement.auto_renew
        else _("not automatic")
    )
    return [
        (_("Agreement"), str(agreement)),
        (_("Provider"), str(agreement.provider)),
        (_("Customer"), str(agreement.customer)),
        (_("Expires on"), _day(agreement.expires_on)),
        (_("Renewal"), renewal),
        (_("Objection deadline"), _day(agreement.objection_deadline)),
    ]


def expiry_content(agreement: Agreement, language: str) -> Content:
    with translation.override(language):
        v = {"number": agreement.number, "date": _day(agreement.expires_on)}
        title = _("%(number)s expires on %(date)s") % v
        if agreement.auto_renew:
            lead = (
                _(
                    "The agreement ends on %(date)s and renews automatically unless an objection "
                    "is recorded by the deadline."
                )
                % v
            )
        else:
            lead = _("The agreement ends on %(date)s and does not renew by itself.") % v
        return Content(title, lead, _facts(agreement), _url(agreement))


def objection_content(agreement: Agreement, language: str) -> Content:
    with translation.override(language):
        v = {"number": agreement.number, "date": _day(agreement.objection_deadline)}
        title = _("%(number)s: objections to renewal close on %(date)s") % v
        lead = (
            _(
                "Record an objection by %(date)s if the agreement should not renew; "
                "otherwise it renews for another term."
            )
            % v
        )
        return Content(title, lead, _facts(agreement), _url(agreement))


def review_content(agreement: Agreement, review: AgreementReview, language: str) -> Content:
    with translation.override(language):
        v = {"number": agreement.number, "date": _day(review.due_on)}
        title = _("%(number)s: service review due on %(date)s") % v
        lead = (
            _(
                "A review of the agreement is due on %(date)s: arrange it with the customer and "
                "record its notes and actions."
            )
            % v
        )
        return Content(title, lead, _facts(agreement), _url(agreement))

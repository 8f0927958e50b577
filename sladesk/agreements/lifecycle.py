"""Every change to an agreement: drafting, signing, amending, objecting, reviewing,
terminating, and the worker's daily pass (amendments coming into force, renewal or expiry,
reminders, the review schedule).

Each function runs in one transaction with the agreement's row locked. Changes of the terms
are versions (signed, amended, renewed) whose snapshot is the whole terms and whose
`changes` is what they change; the rest (an amendment coming into force, renewal, expiry,
termination, reminders sent) are events. Renewal keeps the agreement and its number: the
term is extended, a "renewed" version records the new expiry, and the status becomes
`renewed`, which is in force exactly like `active`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.desk.models import NumberSequence, Service
from sladesk.notify import outbox
from sladesk.people.models import Organisation, User
from sladesk.sla.models import SlaVersion

from . import reminders
from .dates import (
    AgreementError,
    earliest_effective,
    next_review_due,
    renewed_expiry,
    working_calendar,
)
from .models import (
    IN_FORCE,
    Agreement,
    AgreementEvent,
    AgreementReview,
    AgreementVersion,
    EventKind,
    Objection,
    Party,
    Status,
    VersionKind,
)

NUMBER_PREFIX = "SLA"

# The terms an amendment may change. The parties and the start of the agreement are not
# among them: another provider or customer is another agreement.
AMENDABLE = (
    "title",
    "services",
    "sla_version",
    "calendar",
    "expires_on",
    "auto_renew",
    "renewal_months",
    "objection_days",
    "reminder_days",
    "notice_working_days",
    "review_every_months",
    "penalty_terms",
    "terms",
)
_NUMBERS = (
    "renewal_months",
    "objection_days",
    "reminder_days",
    "notice_working_days",
    "review_every_months",
)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("sla_version").get(pk=agreement.pk)


# -- drafting and signing --------------------------------------------------------------------


def next_number(today: date | None = None) -> str:
    """SLA-2026-001: the next agreement number of the year (call inside a transaction)."""
    year = _today(today).year
    seq, _created = NumberSequence.objects.select_for_update().get_or_create(
        prefix=NUMBER_PREFIX, year=year
    )
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{NUMBER_PREFIX}-{year}-{seq.last:03d}"


def create(
    *,
    title: str,
    provider: Organisation,
    customer: Organisation,
    sla_version: SlaVersion,
    effective_from: date,
    expires_on: date,
    services: Iterable[Service] = (),
    by: User | None = None,
    **options: Any,
) -> Agreement:
    """A draft with its number; `options` are the other fields (auto_renew, terms, …)."""
    if expires_on < effective_from:
        raise AgreementError("expires_on", _("The agreement expires before it takes effect."))
    with transaction.atomic():
        agreement = Agreement.objects.create(
            number=next_number(),
            title=title,
            provider=provider,
            customer=customer,
            sla_version=sla_version,
            effective_from=effective_from,
            expires_on=expires_on,
            created_by=by,
            **options,
        )
        agreement.services.set(services)
    return agreement


def sign(
    agreement: Agreement, *, signed_on: date, by: User | None = None, today: date | None = None
) -> AgreementVersion:
    """Draft → active: the terms as signed become version 1, and the first review is set."""
    today = _today(today)
    with transaction.atomic():
        a = _locked(agreement)
        if a.status != Status.DRAFT:
            raise AgreementError("", _("Only a draft can be signed."))
        if signed_on > today:
            raise AgreementError("signed_on", _("The signing date cannot be in the future."))
        if a.expires_on < a.effective_from:
            raise AgreementError("expires_on", _("The agreement expires before it takes effect."))
        a.calendar = a.calendar_id()  # fixed at signing: later services do not move it
        working_calendar(a)  # the calendar must exist in the bound SLA version
        a.signed_on, a.status = signed_on, Status.ACTIVE
        a.save(update_fields=["calendar", "signed_on", "status"])
        version = AgreementVersion.objects.create(
            agreement=a,
            number=1,
            kind=VersionKind.SIGNED,
            effective_on=a.effective_from,
            snapshot=a.snapshot(),
            applied_at=timezone.now(),
            created_by=by,
        )
        _schedule_review(a, max(today, a.effective_from))
    agreement.refresh_from_db()
    return version


# -- amendments ------------------------------------------------------------------------------


def amend(
    agreement: Agreement,
    *,
    changes: dict[str, Any],
    notice_given_on: date,
    effective_on: date | None = None,
    reason: str = "",
    by: User | None = None,
    today: date | None = None,
) -> AgreementVersion:
    """A new version changing `changes`, effective no earlier than the notice period allows.

    `effective_on` defaults to the earliest date. An amendment whose day has come is in
    force at once; a later one is applied by `daily` on its day."""
    today = _today(today)
    with transaction.atomic():
        a = _locked(agreement)
        if a.status not in IN_FORCE:
            raise AgreementError("", _("Only an agreement in force can be amended."))
        if notice_given_on > today:
            raise AgreementError(
                "notice_given_on", _("Notice cannot be given on a day still to come.")
            )
        latest = a.versions.order_by("-number").first()
        base = latest.snapshot if latest else a.snapshot()
        changed = _changed(base, changes)
        earliest = earliest_effective(a, notice_given_on)
        effective_on = effective_on or earliest
        _check_effective(a, effective_on, earliest, notice_given_on, latest)
        snapshot = base | changed
        if date.fromisoformat(snapshot["expires_on"]) < effective_on:
            raise AgreementError(
                "expires_on", _("The agreement would expire before the amendment takes effect.")
            )
        version = AgreementVersion.objects.create(
            agreement=a,
            number=(latest.number + 1) if latest else 1,
            kind=VersionKind.AMENDED,
            effective_on=effective_on,
            notice_given_on=notice_given_on,
            earliest_effective=earliest,
            reason=reason,
            changes=changed,
            snapshot=snapshot,
            created_by=by,
        )
        if effective_on <= today:
            _apply(a, version, today)
    agreement.refresh_from_db()
    return version


def _check_effective(
    a: Agreement,
    effective_on: date,
    earliest: date,
    notice_given_on: date,
    latest: AgreementVersion | None,
) -> None:
    if effective_on < earliest:
        raise AgreementError(
            "effective_on",
            _(
                "With %(days)s working days' notice given on %(given)s, the amendment can "
                "take effect on %(earliest)s at the earliest."
            )
            % {
                "days": a.notice_working_days,
                "given": notice_given_on.isoformat(),
                "earliest": earliest.isoformat(),
            },
        )
    if latest is not None and effective_on < latest.effective_on:
        raise AgreementError(
            "effective_on",
            _("Version %(number)s takes effect on %(date)s; a later version cannot before it.")
            % {"number": latest.number, "date": latest.effective_on.isoformat()},
        )


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The changes in snapshot form, only those that differ from `base`."""
    unknown = sorted(set(changes) - set(AMENDABLE))
    if unknown:
        raise AgreementError(
            "changes", _("These cannot be amended: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    out = {}
    for field, value in changes.items():
        value = _snapshot_value(field, value)
        if base.get(field) != value:
            out[field] = value
    if not out:
        raise AgreementError("changes", _("The amendment changes nothing."))
    return out


def _snapshot_value(field: str, value: Any) -> Any:
    if field == "services":
        codes = sorted(s.code if isinstance(s, Service) else str(s) for s in value)
        missing = set(codes) - set(
            Service.objects.filter(code__in=codes).values_list("code", flat=True)
        )
        if missing:
            raise AgreementError(
                "services", _("Unknown services: %s.") % ", ".join(sorted(missing))
            )
        return codes
    if field == "sla_version":
        number = value.number if isinstance(value, SlaVersion) else int(value)
        if not SlaVersion.objects.filter(number=number).exists():
            raise AgreementError("sla_version", _("There is no SLA version v%s.") % number)
        return number
    if field == "expires_on":
        return (
            value.isoformat() if isinstance(value, date) else date.fromisoformat(value).isoformat()
        )
    if field == "auto_renew":
        return bool(value)
    if field in _NUMBERS:
        if int(value) < 0:
            raise AgreementError(field, _("Cannot be negative."))
        return int(value)
    return str(value)


def _apply(a: Agreement, version: AgreementVersion, today: date) -> None:
    """Write a version's changes onto the agreement (its row is locked by the caller)."""
    for field, value in version.changes.items():
        if field == "services":
            a.services.set(Service.objects.filter(code__in=value))
        elif field == "sla_version":
            a.sla_version = SlaVersion.objects.get(number=value)
        elif field == "expires_on":
            a.expires_on = date.fromisoformat(value)
        else:
            setattr(a, field, value)
    working_calendar(a)  # a new SLA version or calendar must still name a calendar
    a.save()
    version.applied_at = timezone.now()
    version.save(update_fields=["applied_at"])
    _event(a, EventKind.APPLIED, today, _("Version %s in force.") % version.number)
    if "review_every_months" in version.changes:
        a.reviews.filter(held_on__isnull=True, due_on__isnull=False).delete()
    _schedule_review(a, today)


# -- objection, review, termination ----------------------------------------------------------


def record_objection(
    agreement: Agreement,
    *,
    party: str = Party.CUSTOMER,
    recorded_on: date | None = None,
    note: str = "",
    by: User | None = None,
    today: date | None = None,
) -> Objection:
    """A party's objection to renewal, received on `recorded_on`: then the term ends."""
    today = _today(today)
    recorded_on = recorded_on or today
    with transaction.atomic():
        a = _locked(agreement)
        if a.status not in IN_FORCE:
            raise AgreementError("", _("Only an agreement in force can be objected to."))
        if recorded_on > today:
            raise AgreementError("recorded_on", _("The objection cannot be dated in the future."))
        if recorded_on > a.objection_deadline:
            raise AgreementError(
                "recorded_on",
                _(
                    "Objections to renewal had to be received by %(deadline)s, %(days)s days "
                    "before the agreement expires on %(expires)s."
                )
                % {
                    "deadline": a.objection_deadline.isoformat(),
                    "days": a.objection_days,
                    "expires": a.expires_on.isoformat(),
                },
            )
        if a.objections.filter(expires_on=a.expires_on).exists():
            raise AgreementError("", _("An objection to this renewal is already recorded."))
        return Objection.objects.create(
            agreement=a,
            expires_on=a.expires_on,
            party=party,
            recorded_on=recorded_on,
            note=note,
            recorded_by=by,
        )


def record_review(
    agreement: Agreement,
    *,
    held_on: date,
    notes: str,
    actions: str = "",
    by: User | None = None,
    today: date | None = None,
) -> AgreementReview:
    """The review held on `held_on`: it completes the open scheduled review, if any."""
    today = _today(today)
    if held_on > today:
        raise AgreementError("held_on", _("A review cannot be recorded before it is held."))
    if not notes.strip() and not actions.strip():
        raise AgreementError("notes", _("Say what the review found or decided."))
    with transaction.atomic():
        a = _locked(agreement)
        if a.status == Status.DRAFT:
            raise AgreementError("", _("A draft has no reviews yet."))
        review = a.reviews.filter(held_on__isnull=True).order_by("due_on").first()
        review = review or AgreementReview(agreement=a)
        review.held_on, review.notes, review.actions = held_on, notes, actions
        review.recorded_by, review.recorded_at = by, timezone.now()
        review.save()
        if a.status in IN_FORCE:
            _schedule_review(a, today)
    return review


def terminate(
    agreement: Agreement,
    *,
    reason: str,
    by: User | None = None,
    today: date | None = None,
) -> None:
    """End the agreement today, before its term (e.g. after three bad months, 步骤5)."""
    today = _today(today)
    if not reason.strip():
        raise AgreementError("reason", _("Say why the agreement ends."))
    with transaction.atomic():
        a = _locked(agreement)
        if a.status not in IN_FORCE:
            raise AgreementError("", _("Only an agreement in force can be terminated."))
        a.status = Status.TERMINATED
        a.save(update_fields=["status"])
        a.reviews.filter(held_on__isnull=True).delete()
        _event(a, EventKind.TERMINATED, today, reason, by)
    agreement.refresh_from_db()


# -- the worker's daily pass -----------------------------------------------------------------


def daily(today: date | None = None) -> dict[str, int]:
    """Everything a day brings; safe to run any number of times a day. Returns counts."""
    today = _today(today)
    counts = {"applied": 0, "renewed": 0, "expired": 0, "reviews_scheduled": 0, "reminded": 0}
    pending = AgreementVersion.objects.filter(
        applied_at__isnull=True, effective_on__lte=today, agreement__status__in=IN_FORCE
    ).order_by("agreement_id", "number")
    for version in pending:
        counts["applied"] += _apply_due(version, today)
    for agreement in Agreement.objects.filter(status__in=IN_FORCE, expires_on__lte=today):
        outcome = _end_of_term(agreement, today)
        if outcome:
            counts[outcome] += 1
    audience = reminders.Audience()
    for agreement in Agreement.objects.filter(status__in=IN_FORCE).select_related(
        "provider", "customer", "sla_version"
    ):
        counts["reviews_scheduled"] += _schedule_review(agreement, today)
        counts["reminded"] += _remind(agreement, today, audience)
    return counts


def _apply_due(version: AgreementVersion, today: date) -> int:
    with transaction.atomic():
        a = _locked(version.agreement)
        locked = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        if locked.applied_at is not None or a.status not in IN_FORCE:
            return 0  # another worker applied it meanwhile
        _apply(a, locked, today)
        return 1


def _end_of_term(agreement: Agreement, today: date) -> str:
    """On the last day, renew (auto_renew and no objection); after it, expire. "" if neither."""
    with transaction.atomic():
        a = _locked(agreement)
        if a.status not in IN_FORCE or a.expires_on > today:
            return ""
        objected = a.objections.filter(expires_on=a.expires_on).exists()
        if a.auto_renew and a.renewal_months > 0 and not objected:
            _renew(a, today)
            return "renewed"
        if today > a.expires_on:
            a.status = Status.EXPIRED
            a.save(update_fields=["status"])
            a.reviews.filter(held_on__isnull=True).delete()
            why = _("An objection was recorded.") if objected else _("Not renewed automatically.")
            _event(a, EventKind.EXPIRED, today, why)
            return "expired"
        return ""


def _renew(a: Agreement, today: date) -> None:
    """Renewed on the term's last day, so it is never shown as expired in between."""
    old = a.expires_on
    a.expires_on, a.status = renewed_expiry(a), Status.RENEWED
    a.save(update_fields=["expires_on", "status"])
    latest = a.versions.order_by("-number").first()
    changes = {"expires_on": a.expires_on.isoformat()}
    AgreementVersion.objects.create(
        agreement=a,
        number=(latest.number + 1) if latest else 1,
        kind=VersionKind.RENEWED,
        effective_on=old + timedelta(days=1),
        reason=_("Renewed for %(months)s months: no objection by %(deadline)s.")
        % {
            "months": a.renewal_months,
            "deadline": (old - timedelta(days=a.objection_days)).isoformat(),
        },
        changes=changes,
        snapshot=(latest.snapshot if latest else a.snapshot()) | changes,
        applied_at=timezone.now(),
    )
    _event(a, EventKind.RENEWED, today, _("Now expires on %s.") % a.expires_on.isoformat())


def _schedule_review(a: Agreement, today: date) -> int:
    """Set the next review on the schedule if none is open; 1 if one was set."""
    if a.reviews.filter(held_on__isnull=True, due_on__isnull=False).exists():
        return 0
    last = a.reviews.exclude(due_on=None).order_by("-due_on").values_list("due_on", flat=True)
    due = next_review_due(a, today, last.first())
    if due is None or due > a.expires_on:
        return 0  # after a renewal, the next pass schedules it
    _created = AgreementReview.objects.get_or_create(agreement=a, due_on=due)[1]
    return int(_created)


def _remind(a: Agreement, today: date, audience: reminders.Audience) -> int:
    open_review = a.reviews.filter(held_on__isnull=True).exclude(due_on=None).first()
    sent = 0
    for reminder in reminders.due(a, today, open_review):
        if AgreementEvent.objects.filter(key=reminder.key).exists():
            continue
        try:
            with transaction.atomic():
                _event(a, EventKind.REMINDED, today, reminder.kind, key=reminder.key)
                outbox.notify(
                    audience.channels(a), reminder.kind, reminder.key, reminder.content_for
                )
        except IntegrityError:
            continue  # another worker sent it a moment ago
        sent += 1
    return sent


def _event(
    a: Agreement, kind: str, on: date, note: str = "", by: User | None = None, key: str = ""
) -> AgreementEvent:
    return AgreementEvent.objects.create(agreement=a, kind=kind, on=on, note=note, by=by, key=key)

"""An agreement's life: numbering, status by date, amendments with working-day notice on
the CN calendar, objections, renewal or expiry, reminders once each, quarterly reviews."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone, translation

from sladesk.agreements import lifecycle
from sladesk.agreements.lifecycle import AgreementError
from sladesk.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementVersion,
    Status,
    VersionKind,
)
from sladesk.notify.models import Channel, Notification
from tests.agreements.conftest import draft, signed
from tests.desk.conftest import Desk

# -- numbering and status -------------------------------------------------------------------


def test_agreements_are_numbered_per_year(desk: Desk) -> None:
    year = timezone.localdate().year
    first, second = draft(desk), draft(desk)
    assert first.number == f"SLA-{year}-001"
    assert second.number == f"SLA-{year}-002"
    assert first.status == Status.DRAFT


def test_signing_makes_version_one_with_the_terms(desk: Desk) -> None:
    agreement = signed(desk)
    assert agreement.status == Status.ACTIVE
    assert agreement.calendar == "cn-5x8"  # the service names none: the default
    v1 = agreement.versions.get()
    assert (v1.number, v1.kind, v1.effective_on) == (1, VersionKind.SIGNED, date(2026, 1, 1))
    assert v1.snapshot["services"] == ["erp"]
    assert v1.diff() == ""


def test_a_draft_cannot_be_amended_and_a_signed_agreement_not_signed_again(
    agreement: Agreement, desk: Desk
) -> None:
    with pytest.raises(AgreementError):
        lifecycle.sign(agreement, signed_on=date(2026, 1, 2), today=date(2026, 1, 2))
    with pytest.raises(AgreementError):
        lifecycle.amend(
            draft(desk),
            changes={"title": "x"},
            notice_given_on=date(2026, 1, 2),
            today=date(2026, 1, 2),
        )


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 6, 1), Status.ACTIVE),
        (date(2026, 10, 31), Status.ACTIVE),  # 61 days left
        (date(2026, 11, 1), Status.EXPIRING),  # 60 days left: the reminder window
        (date(2026, 12, 31), Status.EXPIRING),  # the last day
        (date(2027, 1, 1), Status.EXPIRED),  # even before the worker has run
    ],
)
def test_status_follows_the_dates(agreement: Agreement, today: date, status: str) -> None:
    assert agreement.current_status(today) == status


def test_a_draft_stays_a_draft_whatever_the_date(desk: Desk) -> None:
    assert draft(desk).current_status(date(2027, 6, 1)) == Status.DRAFT


# -- amendments: notice in working days on the agreement's calendar --------------------------

MID_AUTUMN = date(2026, 9, 25)  # a public holiday (chinesecalendar: Mid-autumn Festival)


def test_fifteen_working_days_notice_across_national_day(agreement: Agreement) -> None:
    # Notice given on 25 Sep 2026, a holiday; the working days after it on cn-5x8:
    #  1-3  Mon 28, Tue 29, Wed 30 Sep     (1-7 Oct: National Day holidays)
    #  4-6  Thu 8, Fri 9, Sat 10 Oct       (Sat 10 Oct is a make-up working day, 调休)
    #  7-11 Mon 12 … Fri 16 Oct
    # 12-15 Mon 19 … Thu 22 Oct            → the notice has run at the end of 22 Oct.
    assert lifecycle.earliest_effective(agreement, MID_AUTUMN) == date(2026, 10, 23)


def test_notice_counts_every_day_on_a_24x7_calendar(desk: Desk) -> None:
    agreement = signed(desk, calendar="always")
    # 26 Sep … 10 Oct are the 15 days after the notice: effective from 11 Oct.
    assert lifecycle.earliest_effective(agreement, MID_AUTUMN) == date(2026, 10, 11)


def test_a_make_up_saturday_counts_as_a_working_day(desk: Desk) -> None:
    agreement = signed(desk, notice_working_days=3)
    # After Wed 30 Sep: Thu 8, Fri 9 and Sat 10 Oct (调休) are the three working days.
    assert lifecycle.earliest_effective(agreement, date(2026, 9, 30)) == date(2026, 10, 11)


def test_an_amendment_takes_effect_on_the_earliest_date_by_default(agreement: Agreement) -> None:
    v2 = lifecycle.amend(
        agreement,
        changes={"terms": "第 1 条 服务时间为工作日 9:00-18:00。"},
        notice_given_on=MID_AUTUMN,
        reason="服务时间写入协议",
        today=MID_AUTUMN,
    )
    assert (v2.number, v2.kind) == (2, VersionKind.AMENDED)
    assert v2.effective_on == v2.earliest_effective == date(2026, 10, 23)
    assert v2.changes == {"terms": "第 1 条 服务时间为工作日 9:00-18:00。"}
    assert "+    第 1 条 服务时间为工作日 9:00-18:00。" in v2.diff()


def test_an_effective_date_before_the_notice_has_run_is_refused(agreement: Agreement) -> None:
    with pytest.raises(AgreementError) as refused:
        lifecycle.amend(
            agreement,
            changes={"title": "新标题"},
            notice_given_on=MID_AUTUMN,
            effective_on=date(2026, 10, 22),
            today=MID_AUTUMN,
        )
    assert refused.value.field == "effective_on"
    assert "2026-10-23" in refused.value.message
    assert not AgreementVersion.objects.filter(number=2).exists()


def test_an_amendment_applies_on_its_day_and_old_versions_stay_readable(
    agreement: Agreement,
) -> None:
    lifecycle.amend(
        agreement,
        changes={"title": "新标题", "objection_days": 45},
        notice_given_on=MID_AUTUMN,
        today=MID_AUTUMN,
    )
    lifecycle.daily(date(2026, 10, 22))
    agreement.refresh_from_db()
    assert agreement.title != "新标题"  # not yet: the old terms hold until the day
    assert lifecycle.daily(date(2026, 10, 23))["applied"] == 1
    agreement.refresh_from_db()
    assert (agreement.title, agreement.objection_days) == ("新标题", 45)
    v1 = agreement.versions.get(number=1)
    assert v1.snapshot["title"] == "财务部 IT 支持服务水平协议"
    with translation.override("en"):
        assert "-title: 财务部 IT 支持服务水平协议" in agreement.versions.get(number=2).diff()
    assert lifecycle.daily(date(2026, 10, 23))["applied"] == 0


def test_an_amendment_noticed_long_ago_applies_at_once(agreement: Agreement) -> None:
    lifecycle.amend(
        agreement,
        changes={"reminder_days": 90},
        notice_given_on=MID_AUTUMN,
        today=date(2026, 11, 2),
    )
    agreement.refresh_from_db()
    assert agreement.reminder_days == 90


def test_an_amendment_that_changes_nothing_is_refused(agreement: Agreement) -> None:
    with pytest.raises(AgreementError) as refused:
        lifecycle.amend(
            agreement,
            changes={"title": agreement.title},
            notice_given_on=MID_AUTUMN,
            today=MID_AUTUMN,
        )
    assert refused.value.field == "changes"


def test_the_parties_cannot_be_amended(agreement: Agreement, desk: Desk) -> None:
    with pytest.raises(AgreementError) as refused:
        lifecycle.amend(
            agreement,
            changes={"customer": desk.operations},
            notice_given_on=MID_AUTUMN,
            today=MID_AUTUMN,
        )
    assert refused.value.field == "changes"


# -- objection, renewal, expiry ---------------------------------------------------------------


def test_the_objection_deadline_is_thirty_days_before_expiry(agreement: Agreement) -> None:
    assert agreement.objection_deadline == date(2026, 12, 1)
    lifecycle.record_objection(agreement, recorded_on=date(2026, 12, 1), today=date(2026, 12, 1))
    assert agreement.objections.get().expires_on == date(2026, 12, 31)


def test_an_objection_after_the_deadline_is_refused(agreement: Agreement) -> None:
    with pytest.raises(AgreementError) as refused:
        lifecycle.record_objection(agreement, today=date(2026, 12, 2))
    assert refused.value.field == "recorded_on"
    assert "2026-12-01" in refused.value.message
    assert not agreement.objections.exists()


def test_without_objection_the_agreement_renews_on_its_last_day(agreement: Agreement) -> None:
    assert lifecycle.daily(date(2026, 12, 30))["renewed"] == 0
    assert lifecycle.daily(date(2026, 12, 31))["renewed"] == 1
    agreement.refresh_from_db()
    assert agreement.expires_on == date(2027, 12, 31)
    assert agreement.status == Status.RENEWED
    assert agreement.current_status(date(2027, 1, 1)) == Status.RENEWED
    renewal = agreement.versions.get(kind=VersionKind.RENEWED)
    assert renewal.effective_on == date(2027, 1, 1)
    with translation.override("en"):
        assert "+expires on: 2027-12-31" in renewal.diff()
    assert lifecycle.daily(date(2026, 12, 31))["renewed"] == 0  # once


def test_a_term_ending_in_february_renews_to_the_end_of_february(desk: Desk) -> None:
    agreement = signed(desk, effective_from=date(2027, 3, 1), expires_on=date(2028, 2, 29))
    lifecycle.daily(date(2028, 2, 29))
    agreement.refresh_from_db()
    assert agreement.expires_on == date(2029, 2, 28)


def test_with_an_objection_the_agreement_expires(agreement: Agreement) -> None:
    lifecycle.record_objection(agreement, today=date(2026, 11, 20))
    assert lifecycle.daily(date(2026, 12, 31)) | {"reminded": 0} == {
        "applied": 0,
        "renewed": 0,
        "expired": 0,
        "reviews_scheduled": 0,
        "reminded": 0,
    }
    assert lifecycle.daily(date(2027, 1, 1))["expired"] == 1
    agreement.refresh_from_db()
    assert agreement.status == Status.EXPIRED
    assert agreement.expires_on == date(2026, 12, 31)
    assert not agreement.reviews.filter(held_on=None).exists()


def test_an_agreement_that_does_not_auto_renew_expires(desk: Desk) -> None:
    agreement = signed(desk, auto_renew=False)
    lifecycle.daily(date(2027, 1, 1))
    agreement.refresh_from_db()
    assert agreement.status == Status.EXPIRED


def test_termination_ends_the_agreement(agreement: Agreement) -> None:
    lifecycle.terminate(agreement, reason="连续 3 个月不达标", today=date(2026, 7, 1))
    assert agreement.status == Status.TERMINATED
    assert lifecycle.daily(date(2026, 12, 31))["renewed"] == 0


# -- reminders ------------------------------------------------------------------------------


@pytest.fixture
def told(agreement: Agreement, desk: Desk) -> Agreement:
    """The service manager has an e-mail address; the customer's contact a report channel."""
    desk.max.email = "max@it.example"
    desk.max.save()
    channel = Channel.objects.create(
        kind="email", name="E-mail", address="alice@finance.example", user=desk.alice
    )
    agreement.report_recipients.add(channel)
    return agreement


def keys() -> list[str]:
    return sorted(Notification.objects.values_list("key", flat=True))


def test_expiry_reminders_go_once_each_to_recipients_and_managers(told: Agreement) -> None:
    told.reviews.update(held_on=date(2026, 4, 1))  # no review reminder in the way
    first = lifecycle.daily(date(2026, 11, 1))
    again = lifecycle.daily(date(2026, 11, 1))
    assert (first["reminded"], again["reminded"]) == (1, 0)
    sent = Notification.objects.filter(kind="agreement_expiry")
    assert sent.count() == 2  # alice's report channel and max's e-mail
    assert all(f"agreement:{told.pk}:expiry:2026-12-31:60:" in k for k in keys())
    title = sent.first().title
    assert told.number in title and "2026-12-31" in title


def test_the_objection_deadline_is_announced_a_week_ahead(told: Agreement) -> None:
    lifecycle.daily(date(2026, 11, 1))
    assert lifecycle.daily(date(2026, 11, 24))["reminded"] == 1
    assert lifecycle.daily(date(2026, 11, 24))["reminded"] == 0
    assert Notification.objects.filter(kind="agreement_objection").count() == 2


def test_reminders_at_sixty_thirty_and_seven_days(told: Agreement) -> None:
    for day in (date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 24)):
        lifecycle.daily(day)
        lifecycle.daily(day)
    sent = AgreementEvent.objects.filter(key__contains=":expiry:").values_list("key", flat=True)
    assert sorted(k.rsplit(":", 1)[1] for k in sent) == ["30", "60", "7"]


def test_no_objection_reminder_once_an_objection_is_recorded(told: Agreement) -> None:
    lifecycle.record_objection(told, today=date(2026, 11, 20))
    lifecycle.daily(date(2026, 11, 24))
    assert not Notification.objects.filter(kind="agreement_objection").exists()


def test_a_missed_reminder_is_superseded_by_the_next(told: Agreement) -> None:
    lifecycle.daily(date(2026, 12, 2))  # the worker was stopped all November
    sent = AgreementEvent.objects.filter(key__contains=":expiry:").values_list("key", flat=True)
    assert [k.rsplit(":", 1)[1] for k in sent] == ["30"]


# -- reviews --------------------------------------------------------------------------------


def due_dates(agreement: Agreement) -> list[date]:
    return list(agreement.reviews.order_by("due_on").values_list("due_on", flat=True))


def test_reviews_are_scheduled_quarterly_from_the_effective_date(agreement: Agreement) -> None:
    assert due_dates(agreement) == [date(2026, 4, 1)]
    lifecycle.record_review(
        agreement,
        held_on=date(2026, 3, 30),
        notes="P1 达标率 100%",
        actions="增设备件库存",
        today=date(2026, 3, 30),
    )
    assert due_dates(agreement) == [date(2026, 4, 1), date(2026, 7, 1)]
    held = agreement.reviews.get(due_on=date(2026, 4, 1))
    assert (held.held_on, held.actions) == (date(2026, 3, 30), "增设备件库存")
    for day in (date(2026, 7, 2), date(2026, 10, 2)):
        lifecycle.record_review(agreement, held_on=day, notes="ok", today=day)
    # The next one, 1 Jan 2027, is after the term: it is set once the agreement renews.
    assert due_dates(agreement)[-1] == date(2026, 10, 1)
    lifecycle.daily(date(2026, 12, 31))
    assert due_dates(agreement)[-1] == date(2027, 1, 1)


def test_a_review_is_announced_a_week_before_it_is_due(told: Agreement) -> None:
    assert lifecycle.daily(date(2026, 3, 24))["reminded"] == 0
    assert lifecycle.daily(date(2026, 3, 25))["reminded"] == 1
    assert lifecycle.daily(date(2026, 3, 26))["reminded"] == 0
    assert Notification.objects.filter(kind="agreement_review").count() == 2


def test_a_review_needs_notes_or_actions(agreement: Agreement) -> None:
    with pytest.raises(AgreementError) as refused:
        lifecycle.record_review(
            agreement, held_on=date(2026, 3, 30), notes=" ", today=date(2026, 3, 30)
        )
    assert refused.value.field == "notes"

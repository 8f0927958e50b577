"""A monthly schedule keeps last month's report on its day and tells its recipients once."""

from __future__ import annotations

from datetime import date

from sladesk.notify.models import Channel, Notification
from sladesk.reports import schedule
from sladesk.reports.models import ReportSchedule, ServiceReport
from tests.desk.conftest import Desk
from tests.reports.test_figures import october

__all__ = ["october"]


def test_on_its_day_last_months_report_is_kept_and_sent_once(october: Desk) -> None:
    inbox = Channel.objects.create(user=october.max, kind="email", name="m", address="m@x.cn")
    monthly = ReportSchedule.objects.create(scope_kind="all", day=2)
    monthly.recipients.add(inbox)
    assert schedule.send_due(date(2026, 11, 1)) == 0  # not its day yet
    assert schedule.send_due(date(2026, 11, 2)) == 1
    report = ServiceReport.objects.get()
    assert (report.first, report.last) == (date(2026, 10, 1), date(2026, 10, 31))
    [sent] = Notification.objects.filter(kind="report")
    assert sent.channel == inbox and "2026-10" in sent.title
    assert f"/reports/kept/{report.pk}/" in sent.url
    assert "5" in sent.text  # the month's tickets
    assert schedule.send_due(date(2026, 11, 3)) == 0  # once a month
    assert schedule.send_due(date(2026, 12, 2)) == 1  # November's
    assert ServiceReport.objects.count() == 2


def test_a_disabled_schedule_sends_nothing(october: Desk) -> None:
    ReportSchedule.objects.create(scope_kind="all", day=1, enabled=False)
    assert schedule.send_due(date(2026, 11, 5)) == 0
    assert not ServiceReport.objects.exists()

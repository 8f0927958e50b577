"""A report per agreement: its customer's tickets on its services, judged by the goals of
the SLA version it binds, and sent to its report recipients."""

from __future__ import annotations

from datetime import date

from sladesk.desk import actions
from sladesk.notify.models import Channel, Notification
from sladesk.reports import figures, schedule
from sladesk.reports.models import ReportSchedule
from sladesk.reports.scope import month, scope_of
from tests.agreements.conftest import signed
from tests.desk.conftest import Desk
from tests.reports.test_figures import NOW, at, october

__all__ = ["october"]


def test_an_agreement_covers_its_customers_tickets_on_its_services(october: Desk) -> None:
    agreement = signed(october)
    # Another department's ticket on the same service, in the same month: not covered.
    actions.create_ticket(
        requester=october.olivia,
        subject="not covered",
        description="",
        service=october.erp,
        at=at("2026-10-26 10:00"),
    )
    report = figures.compute(scope_of("agreement", agreement.number), month(date(2026, 10, 1)), NOW)
    assert report.scope.label.startswith(agreement.number)
    assert report.tickets == 5  # finance's five, not operations' one
    assert report.versions == [agreement.sla_version.number]
    whole = figures.compute(scope_of("all"), month(date(2026, 10, 1)), NOW)
    assert whole.tickets == 6


def test_the_monthly_report_of_an_agreement_goes_to_its_recipients(october: Desk) -> None:
    agreement = signed(october)
    inbox = Channel.objects.create(user=october.max, kind="email", name="m", address="m@x.cn")
    agreement.report_recipients.add(inbox)
    ReportSchedule.objects.create(scope_kind="agreement", scope_code=agreement.number, day=1)
    assert schedule.send_due(date(2026, 11, 1)) == 1
    [sent] = Notification.objects.filter(kind="report")
    assert sent.channel == inbox and agreement.number in sent.title

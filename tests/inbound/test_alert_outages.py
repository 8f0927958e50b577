"""A source that records outages: each incident it opens records an unplanned outage of the
service from the first alert's start, ended when the group's alerts are resolved."""

from __future__ import annotations

from datetime import UTC, datetime

from sladesk.catalog.models import Outage
from sladesk.inbound.models import AlertSource
from tests.inbound.test_alerts import alert, bot, notification, post, source

__all__ = ["bot", "post", "source"]  # fixtures, used by name


def test_an_alerted_incident_records_the_outage_until_the_alerts_resolve(
    post, source: AlertSource
) -> None:
    AlertSource.objects.filter(pk=source.pk).update(record_outages=True)
    assert post(notification(alert("db1:9104"))).status_code in (200, 201)
    outage = Outage.objects.get()
    assert (outage.service, outage.source, outage.ended_at) == (source.service, "alert", None)
    assert outage.started_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    post(notification(alert("db1:9104", status="resolved"), status="resolved"))
    outage.refresh_from_db()
    assert outage.ended_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_without_the_setting_no_outage_is_recorded(post, source: AlertSource) -> None:
    post(notification(alert("db1:9104")))
    assert not Outage.objects.exists()

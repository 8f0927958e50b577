"""Prometheus Alertmanager's webhook: one open incident per alert group, idempotent."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

from sladesk.desk import actions
from sladesk.desk.models import EventKind, Status, Ticket
from sladesk.inbound.models import AlertGroup, AlertSource
from sladesk.people.models import ApiToken, Membership, Role, User
from sladesk.sla.models import SlaVersion

URL = "/api/alerts/alertmanager/prod"
GROUP_KEY = '{}/{severity=~"critical|warning"}:{alertname="MySQLDown"}'


def alert(instance: str, *, status: str = "firing", severity: str = "critical", **extra) -> dict:
    """One alert as Alertmanager posts it (a firing one ends at Go's zero time)."""
    return {
        "status": status,
        "labels": {
            "alertname": "MySQLDown",
            "instance": instance,
            "job": "mysql",
            "severity": severity,
        },
        "annotations": {"summary": f"MySQL on {instance} is down"},
        "startsAt": "2026-03-02T01:00:00.000Z",
        "endsAt": "2026-03-02T01:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=mysql_up+%3D%3D+0",
        "fingerprint": f"fp-{instance}",
        **extra,
    }


def notification(*alerts: dict, status: str = "firing") -> dict:
    """A version 4 webhook body for the MySQLDown group."""
    return {
        "version": "4",
        "groupKey": GROUP_KEY,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "sladesk",
        "groupLabels": {"alertname": "MySQLDown"},
        "commonLabels": {"alertname": "MySQLDown", "job": "mysql"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


@pytest.fixture
def bot(people) -> User:
    """The source's service account: an agent of first line who is never on duty."""
    account = User.objects.create_user(
        username="alertmanager", role=Role.AGENT, organisation=people.bob.organisation
    )
    Membership.objects.create(team=people.first_line, user=account, on_duty=False)
    return account


@pytest.fixture
def source(bot, people) -> AlertSource:
    return AlertSource.objects.create(
        name="Production", slug="prod", account=bot, service=people.erp
    )


def poster(client: Client, user: User):
    _token, secret = ApiToken.create(user=user, name="alertmanager")

    def post(body: Any, url: str = URL, token: str | None = secret):
        headers = {"accept-language": "en"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = body if isinstance(body, str | bytes) else copy.deepcopy(body)
        return client.post(url, data, content_type="application/json", headers=headers)

    return post


@pytest.fixture
def post(client, source):
    """Post as Alertmanager does, with the service account's token."""
    return poster(client, source.account)


def events(ticket: Ticket) -> list[tuple[str, bool]]:
    return [(e.kind, e.public) for e in ticket.events.order_by("seq")]


# -- a firing group opens one incident --------------------------------------------------


def test_a_firing_group_opens_an_incident_with_the_severitys_priority(post, people, bot):
    response = post(notification(alert("db1:9104"), alert("db2:9104", severity="warning")))
    assert response.status_code == 200, response.json()
    ticket = Ticket.objects.get()
    assert response.json() == {"outcome": "created", "ticket": ticket.number}
    assert (ticket.kind, ticket.priority, ticket.priority_overridden) == ("incident", "P1", True)
    assert (ticket.requester, ticket.service, ticket.assignee) == (bot, people.erp, people.bob)
    created = ticket.events.get(kind=EventKind.CREATED)
    assert "severity=critical" in created.data["reason"]
    assert 'instance="db1:9104"' in ticket.description
    assert 'instance="db2:9104"' in ticket.description
    assert GROUP_KEY in ticket.description
    assert ticket.subject == "MySQLDown: 2 alerts firing"
    group = AlertGroup.objects.get()
    assert (group.ticket, group.group_key, set(group.alerts)) == (
        ticket,
        GROUP_KEY,
        {"fp-db1:9104", "fp-db2:9104"},
    )


@pytest.mark.parametrize(
    ("severity", "priority"), [("warning", "P3"), ("info", "P4"), ("unheard-of", "P3")]
)
def test_the_priority_table_and_its_default(post, severity, priority):
    post(notification(alert("db1:9104", severity=severity)))
    ticket = Ticket.objects.get()
    assert ticket.priority == priority
    assert ticket.subject == "MySQLDown: MySQL on db1:9104 is down"


def test_without_a_default_the_slas_matrix_decides(post, source):
    AlertSource.objects.filter(pk=source.pk).update(default_priority="")
    post(notification(alert("db1:9104", severity="unheard-of")))
    assert not Ticket.objects.get().priority_overridden


def test_the_same_notification_twice_changes_nothing_more(post):
    body = notification(alert("db1:9104"))
    first = post(body).json()
    ticket = Ticket.objects.get()
    before = (ticket.revision, events(ticket))
    assert post(body).json() == {"outcome": "unchanged", "ticket": first["ticket"]}
    ticket.refresh_from_db()
    assert (ticket.revision, events(ticket)) == before


def test_new_alerts_of_the_group_are_noted_on_its_open_incident(post):
    post(notification(alert("db1:9104")))
    body = notification(alert("db1:9104"), alert("db3:9104"))
    assert post(body).json()["outcome"] == "updated"
    assert post(body).json()["outcome"] == "unchanged"  # a retry: no second note
    ticket = Ticket.objects.get()
    (note,) = ticket.events.filter(kind=EventKind.NOTE)
    assert not note.public
    assert 'instance="db3:9104"' in note.body and "db1:9104" not in note.body


# -- recovery ---------------------------------------------------------------------------


def test_resolved_alerts_are_recorded_and_the_ticket_stays_open(post):
    post(notification(alert("db1:9104"), alert("db2:9104")))
    post(notification(alert("db1:9104", status="resolved"), alert("db2:9104")))
    resolved = notification(
        alert("db1:9104", status="resolved"),
        alert("db2:9104", status="resolved"),
        status="resolved",
    )
    assert post(resolved).json()["outcome"] == "updated"
    assert post(resolved).json()["outcome"] == "unchanged"
    ticket = Ticket.objects.get()
    first, second = ticket.events.filter(kind=EventKind.NOTE).order_by("seq")
    assert "db1:9104" in first.body and "db2:9104" not in first.body
    assert "All alerts of this group are resolved." in second.body
    assert ticket.is_open
    assert not AlertGroup.objects.get().firing


def test_a_source_may_resolve_the_incident_when_its_alerts_resolve(post, source):
    AlertSource.objects.filter(pk=source.pk).update(resolve_tickets=True)
    post(notification(alert("db1:9104")))
    post(notification(alert("db1:9104", status="resolved"), status="resolved"))
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED
    assert "resolved" in ticket.resolution


def test_an_alert_that_fires_again_while_the_ticket_is_open_is_noted(post):
    post(notification(alert("db1:9104")))
    post(notification(alert("db1:9104", status="resolved"), status="resolved"))
    again = alert("db1:9104", startsAt="2026-03-02T03:00:00Z")
    assert post(notification(again)).json()["outcome"] == "updated"
    assert Ticket.objects.count() == 1
    assert AlertGroup.objects.get().firing


def test_a_group_whose_ticket_is_closed_opens_a_new_incident(post, people):
    post(notification(alert("db1:9104")))
    ticket = Ticket.objects.get()
    actions.resolve(ticket, actor=people.bob, resolution="重启了 MySQL")
    actions.close_resolved(ticket)
    again = post(notification(alert("db1:9104", startsAt="2026-03-03T01:00:00Z"))).json()
    assert again["outcome"] == "created" and again["ticket"] != ticket.number
    assert AlertGroup.objects.count() == 2


def test_resolved_alerts_of_a_group_without_an_open_ticket_are_ignored(post):
    body = notification(alert("db1:9104", status="resolved"), status="resolved")
    assert post(body).json() == {"outcome": "ignored", "ticket": None}
    assert not Ticket.objects.exists()


# -- who may post, and what -------------------------------------------------------------


def test_no_token_or_a_wrong_one_is_401(post):
    assert post(notification(alert("a")), token=None).status_code == 401
    assert post(notification(alert("a")), token="sld_not-a-token").status_code == 401
    assert not Ticket.objects.exists()


def test_the_token_of_anyone_but_the_service_account_is_403(client, source, people):
    response = poster(client, people.bob)(notification(alert("a")))
    assert response.status_code == 403
    assert "prod" in response.json()["detail"]


def test_an_unknown_source_is_404_and_a_disabled_one_403(post, source):
    assert post(notification(alert("a")), url="/api/alerts/alertmanager/nope").status_code == 404
    AlertSource.objects.filter(pk=source.pk).update(enabled=False)
    assert post(notification(alert("a"))).status_code == 403
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (lambda b: b.update(version="3"), ["body", "version"]),
        (lambda b: b.pop("groupKey"), ["body", "groupKey"]),
        (lambda b: b.update(groupKey=""), ["body", "groupKey"]),
        (lambda b: b.update(status="pending"), ["body", "status"]),
        (lambda b: b.update(alerts=[]), ["body", "alerts"]),
        (lambda b: b["alerts"][0].pop("labels"), ["body", "alerts", 0, "labels"]),
        (lambda b: b["alerts"][0].update(startsAt="yesterday"), ["body", "alerts", 0, "startsAt"]),
    ],
)
def test_a_payload_that_is_not_alertmanagers_is_422_naming_the_field(post, change, loc):
    body = notification(alert("db1:9104"))
    change(body)
    response = post(body)
    assert response.status_code == 422
    assert loc in [error["loc"] for error in response.json()["detail"]]
    assert not Ticket.objects.exists()


def test_a_body_that_is_not_json_is_400(post):
    assert post("{not json").status_code == 400


def test_when_the_desk_cannot_open_tickets_alertmanager_is_asked_to_retry(post):
    SlaVersion.objects.all().delete()
    response = post(notification(alert("db1:9104")))
    assert response.status_code == 503
    assert "SLA" in response.json()["detail"]
    assert not AlertGroup.objects.exists()

"""Rows of the fault test, written and read inside Django on the shared database.

Run through `Database.call` (tests/worker/support.py) in a process of its own on the
shared database, or called in-process on the test database.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from sladesk.notify import outbox
from sladesk.notify.messages import Content
from sladesk.notify.models import Attempt, Channel, ChannelKind, Notification
from sladesk.people.models import Team


def write(url: str, secret: str, count: int) -> list[str]:
    """An on-call team's webhook, and `count` breach notices to it waiting in the outbox."""
    team = Team.objects.create(name="运维值班", code="on-call")
    hook = Channel.objects.create(
        team=team, kind=ChannelKind.WEBHOOK, name="on-call hook", url=url, secret=secret
    )
    for n in range(1, count + 1):
        content = Content(
            title=f"[P1] INC-2026-{n:06d} response target missed (15m)",
            lead="The response target of 15m was not met.",
            facts=[("Ticket", f"INC-2026-{n:06d} 报表系统无法登录")],
            url=f"http://localhost:8000/queue/INC-2026-{n:06d}",
        )
        outbox.notify([hook], "breach", f"fault-test:{n}", lambda _lang, _zone, c=content: c)
    return list(Notification.objects.order_by("id").values_list("key", flat=True))


def read() -> dict[str, Any]:
    """Every notification with its attempts, and the worker's task runs by status."""
    from django_tasks_db.models import DBTaskResult

    attempts: dict[str, list[list[str]]] = {}
    for a in Attempt.objects.select_related("notification").order_by("at", "id"):
        attempts.setdefault(a.notification.key, []).append([a.outcome, a.worker])
    notifications = {
        n.key: {"state": n.state, "attempts": n.attempts, "log": attempts.get(n.key, [])}
        for n in Notification.objects.all()
    }
    tasks = DBTaskResult.objects.values("status").annotate(n=Count("id"))
    return {"notifications": notifications, "tasks": {t["status"]: t["n"] for t in tasks}}

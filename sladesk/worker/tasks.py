"""The work the worker does, as Django tasks (run by django-tasks-db's database backend)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

log = logging.getLogger("sladesk.worker")


@task()
def fire_timers() -> int:
    """Warnings, breach notices, escalations and reminders that fell due."""
    from sladesk.notify import timers

    fired = timers.fire_all_due(worker=worker_name())
    if fired:
        log.info("fired %d timers", fired)
    return fired


@task()
def deliver_notifications() -> int:
    """Send what is due in the outbox."""
    from sladesk.notify import outbox

    sent = outbox.deliver_all_due(worker=worker_name())
    if sent:
        log.info("sent %d notifications", sent)
    return sent


@task()
def close_unconfirmed() -> int:
    """Close resolved tickets their requesters neither confirmed nor rejected in time."""
    from sladesk.desk import actions

    return actions.close_unconfirmed()


@task()
def send_reports() -> int:
    """Monthly service reports whose day has come, kept and sent to their recipients."""
    from sladesk.reports import schedule

    return schedule.send_due()


@task()
def agreements_daily() -> dict[str, int]:
    """Agreements: amendments coming into force, renewal or expiry, reminders, reviews due."""
    from sladesk.agreements import lifecycle

    return lifecycle.daily()


@task()
def prune_task_results() -> int:
    """Forget finished task runs after a day (failed ones after a week).

    A run whose worker was killed stays RUNNING for ever; after an hour it is marked failed
    ("worker lost") so that it is visible as such and pruned with the other failures.
    """
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    DBTaskResult.objects.running().filter(started_at__lte=now - timedelta(hours=1)).update(
        status="FAILED",
        finished_at=now,
        exception_class_path="sladesk.worker.WorkerLost",
        traceback="The worker running this task stopped before it finished.",
    )
    done = DBTaskResult.objects.successful().filter(finished_at__lte=now - timedelta(days=1))
    failed = DBTaskResult.objects.failed().filter(finished_at__lte=now - timedelta(days=7))
    return done.delete()[0] + failed.delete()[0]


_NAME = {"worker": ""}


def worker_name() -> str:
    return _NAME["worker"]


def set_worker_name(name: str) -> None:
    _NAME["worker"] = name

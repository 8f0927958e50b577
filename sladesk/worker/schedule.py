"""The periodic jobs and how they are enqueued: each one once per period, whatever the
number of workers (the due job row is claimed with SELECT … FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import tasks
from .models import PeriodicJob


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    every: int  # seconds


def jobs() -> list[Job]:
    from sladesk.inbound.tasks import poll_mailboxes

    tick = settings.SLADESK_WORKER_TICK
    return [
        Job("fire_timers", tasks.fire_timers, tick),
        Job("deliver_notifications", tasks.deliver_notifications, tick),
        Job("poll_mailboxes", poll_mailboxes, 60),
        Job("close_unconfirmed", tasks.close_unconfirmed, 300),
        Job("send_reports", tasks.send_reports, 3600),
        Job("agreements_daily", tasks.agreements_daily, 3600),  # safe to repeat: catches up
        Job("prune_task_results", tasks.prune_task_results, 3600),
    ]


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns their names."""
    now = now or timezone.now()
    known = {job.name: job for job in jobs()}
    PeriodicJob.objects.bulk_create(
        [PeriodicJob(name=j.name, every=j.every, next_run_at=now) for j in known.values()],
        ignore_conflicts=True,
    )
    enqueued = []
    with transaction.atomic():
        due = PeriodicJob.objects.select_for_update(skip_locked=True).filter(
            name__in=known, next_run_at__lte=now
        )
        for row in due:
            job = known[row.name]
            row.every, row.next_run_at = job.every, now + timedelta(seconds=job.every)
            if not _still_waiting(row.last_task_id):  # a slow worker is not buried in copies
                row.last_task_id = str(job.task.enqueue().id)
                row.last_enqueued_at = now
                enqueued.append(row.name)
            row.save()
    return enqueued


def _still_waiting(task_id: str) -> bool:
    if not task_id:
        return False
    return DBTaskResult.objects.ready().filter(id=task_id).exists()


def run_all_now() -> dict[str, object]:
    """Run every job once, here and now, without the queue (`sladesk worker --once`)."""
    return {job.name: job.task.call() for job in jobs()}

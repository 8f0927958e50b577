"""Two workers on PostgreSQL over the same timers: no timer acted on twice.

Two real `sladesk worker` processes share the test database (pytest-django's, with
committed rows: a transactional test) while it holds two thousand due timers, with
`fire_timers` already queued twice (as after an outage) and small batches: both workers
fire at once, and SELECT … FOR UPDATE SKIP LOCKED must keep them off each other's timers.
A timer fired twice would also write its notifications twice, which the unique
notification key refuses with an IntegrityError: the task would fail.

Last, two races between workers found on the way and fixed: a person's default e-mail
channel created twice, and a batch that outlasts its lease sent again by the other worker.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sladesk.desk import actions
from sladesk.notify import outbox, recipients
from sladesk.notify.models import Channel, Notification, Timer, TimerState
from sladesk.worker import schedule, tasks
from sladesk.worker.models import PeriodicJob
from tests.desk.conftest import Desk
from tests.worker import outbox_rows
from tests.worker.support import Database, WorkerProcess, wait_until, workers
from tests.worker.webhooks import SlowReceiver, webhook_secret

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKETS = 200  # 2,000 timers: firing them outlasts a tick, so both workers get a share
OPENED = timedelta(hours=30)  # ago: every alarm of a P1 ticket is due, and two reminders
TICK = 1  # SLADESK_WORKER_TICK, seconds
# The timers a P1 ticket opened 30 h ago fires (default.yaml, P1 on the 24x7 calendar),
# and how many people each tells: bob the assignee, lena the team lead, max the service
# manager. The third reminder is due at 32 h: it stays pending.
TOLD = {
    "response:P1:warn:0.75": 1,  # bob
    "response:P1:warn:0.9": 1,  # bob
    "response:breach": 2,  # bob, lena
    "response:P1:escalate:0": 1,  # lena, after 10 minutes
    "response:P1:escalate:1": 1,  # max, at 150 %
    "resolution:P1:warn:0.75": 1,
    "resolution:P1:warn:0.9": 1,
    "resolution:breach": 3,  # bob, lena, max
    "resolution:update:0:1": 1,  # bob, after 4 h without an update
    "resolution:update:0:2": 1,  # bob, after 8 h: written when the first one fired
}
STILL_PENDING = "resolution:update:0:3"


def url_of(db: dict[str, Any]) -> str:
    """The DATABASE_URL of Django's connection settings (the test database)."""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"


def staff_on_paused_email(desk: Desk) -> None:
    """Everyone has an e-mail channel, held (paused): this test fires, it does not send."""
    for user in (desk.alice, desk.bob, desk.lena, desk.max):
        user.email = f"{user.username}@example.com"
        user.save()
        recipients.default_email(user)
    Channel.objects.update(paused_until=timezone.now() + timedelta(days=1))


def open_p1_tickets(desk: Desk, count: int, at: datetime) -> None:
    for n in range(count):
        actions.create_ticket(
            requester=desk.alice,
            subject=f"报表系统无法登录 ({n})",
            description="all of finance is locked out",
            service=desk.erp,
            impact="high",
            urgency="high",
            at=at,
        )


def due_timers() -> int:
    return Timer.objects.filter(state=TimerState.PENDING, due_at__lte=timezone.now()).count()


def timer_notification_keys() -> list[str]:
    return list(Notification.objects.filter(key__startswith="timer:").values_list("key", flat=True))


def runs(task_path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task_path))


def test_two_workers_fire_every_due_timer_exactly_once(desk: Desk, tmp_path: Path) -> None:
    staff_on_paused_email(desk)
    open_p1_tickets(desk, TICKETS, timezone.now() - OPENED)
    assert due_timers() == TICKETS * (len(TOLD) - 1)  # the second reminder comes later

    # Small batches, and the backlog already queued twice as after an outage, so that both
    # workers work through the same timers at the same time.
    env = Database(url_of(connection.settings_dict)).env(
        SLADESK_WORKER_TICK=str(TICK), SLADESK_TIMER_BATCH="20"
    )
    tasks.fire_timers.enqueue()
    tasks.fire_timers.enqueue()
    pair = WorkerProcess("w1", env, tmp_path), WorkerProcess("w2", env, tmp_path)
    started = time.monotonic()
    with workers(*pair):
        for worker in pair:
            worker.start()
        wait_until(lambda: due_timers() == 0, 90, "no due timer left")
        for worker in pair:
            assert worker.terminate() == 0
    elapsed = time.monotonic() - started

    fired = list(Timer.objects.filter(state=TimerState.FIRED))
    by_worker = Counter(t.fired_by for t in fired)
    print(f"\n{len(fired)} timers fired in {elapsed:.1f} s: {dict(sorted(by_worker.items()))}")
    # Each due timer fired once, by one of the two, and each worker took a share.
    assert Counter(t.key for t in fired) == dict.fromkeys(TOLD, TICKETS)
    assert set(by_worker) == {"w1", "w2"}
    assert not [t for t in fired if "skipped" in t.data]
    pending = Timer.objects.filter(state=TimerState.PENDING)
    assert set(pending.values_list("key", flat=True)) == {STILL_PENDING}
    # Their notifications, once per timer and person: a second firing would have failed
    # on the unique key, and the task with it.
    told = Counter(int(key.split(":")[1]) for key in timer_notification_keys())
    keys = {t.pk: t.key for t in fired}
    assert told == {pk: TOLD[key] for pk, key in keys.items()}
    assert DBTaskResult.objects.failed().count() == 0
    # What the fire_timers tasks say they took adds up to the same, worker by worker.
    done = [r for r in runs(tasks.fire_timers.module_path) if r.status == "SUCCESSFUL"]
    assert sum(r.return_value for r in done) == len(fired)
    for name, count in by_worker.items():
        assert sum(r.return_value for r in done if r.worker_ids == [name]) == count

    # Periodic jobs: enqueued once per period between the two workers, not once each (the
    # periods are the workers': `every` as they stored it; longer ones, once in this run).
    periods = dict(PeriodicJob.objects.values_list("name", "every"))
    paths = {job.name: job.task.module_path for job in schedule.jobs()}
    assert set(periods) == set(paths)
    enqueued = {name: len(runs(paths[name])) for name in periods}
    enqueued["fire_timers"] -= 2  # the two the test queued
    for name, every in periods.items():
        assert 1 <= enqueued[name] <= elapsed / every + 1, (name, enqueued[name], elapsed)


# Two races between workers found by this suite, and fixed: a person's default e-mail
# channel created twice (now a unique constraint), and a batch that outlived its lease sent
# again by the other worker (now each message is recorded as it goes and leases renewed).


def in_threads(*work: Callable[[], Any]) -> None:
    """Run each function in a thread of its own (its own connection); re-raise a failure."""
    failures: list[BaseException] = []

    def run(function: Callable[[], Any]) -> None:
        try:
            function()
        except BaseException as exc:  # handed to the test, which shows it
            failures.append(exc)
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=run, args=(function,)) for function in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs"
    if failures:
        raise failures[0]


def test_two_workers_telling_someone_new_give_them_one_email_channel(desk: Desk) -> None:
    desk.bob.email = "bob@example.com"
    desk.bob.save()
    created = threading.Event()

    def first() -> None:
        with transaction.atomic():  # as in fire_due: the channel is created mid-batch
            recipients.default_email(desk.bob)
            created.set()
            time.sleep(0.5)  # the rest of the batch; the other worker starts meanwhile

    def second() -> None:
        assert created.wait(10)
        with transaction.atomic():
            recipients.default_email(desk.bob)

    in_threads(first, second)
    assert Channel.objects.filter(user=desk.bob).count() == 1


def test_a_batch_slower_than_its_lease_is_not_sent_again_by_another_worker(settings: Any) -> None:
    settings.SLADESK_OUTBOX_LEASE = 1
    settings.SLADESK_ALLOW_PRIVATE_URLS = True
    secret = webhook_secret()
    with SlowReceiver(secret, delay=0.1) as receiver:  # 20 messages: 2 s, the lease 1 s
        keys = outbox_rows.write(url=receiver.url, secret=secret, count=20)
        started = time.monotonic()

        def second() -> None:  # starts when the first's lease has run out, mid-batch
            wait_until(lambda: time.monotonic() - started > 1.2, 10, "the lease to run out")
            outbox.deliver_due(worker="b")

        in_threads(lambda: outbox.deliver_due(worker="a"), second)
        arrived = receiver.counts()
    assert sorted(arrived) == sorted(keys)
    assert set(arrived.values()) == {1}

"""A worker killed with SIGKILL in the middle of sending, then restarted: every notification
arrives exactly once at the receiver, none lost, none doubled (after the receiver drops
repeats by `webhook-id`, as Standard Webhooks receivers do).

The outbox hands a channel's due notifications to the webhook transport as one batch, one
POST per message, and records the outcomes when the batch is done. A kill mid-batch leaves
messages that arrived but are not recorded as sent: the restarted worker sends them again
once their lease has expired, with the same idempotency key. So the receiver may see a
repeat, but only of what the killed worker had sent, and never a message twice from a
worker that lived; the database ends with each notification sent once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker.support import (
    Database,
    WorkerProcess,
    postgres_database,
    sqlite_database,
    wait_until,
    workers,
)
from tests.worker.webhooks import SlowReceiver, webhook_secret

NOTIFICATIONS = 40
ANSWER_AFTER = 0.1  # seconds the receiver takes to answer: time to kill a sender mid-POST
LEASE = 2  # SLADESK_OUTBOX_LEASE: how long the killed worker's leases block a resend


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of its own that worker processes can open: a file, or a server's."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as db:
            yield db
    else:
        server = os.environ["TEST_DATABASE_URL"]
        with postgres_database(server, f"sladesk_worker_fault_{os.getpid()}") as db:
            yield db


def sent(database: Database) -> int:
    return database.scalar("SELECT COUNT(*) FROM notify_notification WHERE state = 'sent'")


def test_a_worker_killed_mid_send_and_restarted_delivers_every_notification_once(
    database: Database, tmp_path: Path
) -> None:
    secret = webhook_secret()
    env = database.env(
        SLADESK_WORKER_TICK="1",
        SLADESK_OUTBOX_LEASE=str(LEASE),
        SLADESK_ALLOW_PRIVATE_URLS="1",  # the receiver is on 127.0.0.1
    )
    with SlowReceiver(secret, ANSWER_AFTER) as receiver:
        keys = database.call(
            "tests.worker.outbox_rows:write", url=receiver.url, secret=secret, count=NOTIFICATIONS
        )
        first, second = (
            WorkerProcess("first", env, tmp_path),
            WorkerProcess("second", env, tmp_path),
        )
        with workers(first, second):
            first.start()
            # Killed while the receiver holds a request: that one arrives, unanswered.
            wait_until(
                lambda: len(receiver.ids()) >= 3 and receiver.busy(), 30, "the first worker to send"
            )
            first.kill()
            wait_until(lambda: not receiver.busy(), 5, "the receiver to finish the last request")
            before_restart = receiver.counts()

            second.start()
            wait_until(lambda: sent(database) == NOTIFICATIONS, 30, "every notification sent")
            assert second.terminate() == 0
        arrived = receiver.counts()
    rows = database.call("tests.worker.outbox_rows:read")

    repeats = {key: times - 1 for key, times in arrived.items() if times > 1}
    print(
        f"\n{database.url.partition(':')[0]}: killed after {sum(before_restart.values())} of "
        f"{NOTIFICATIONS} POSTs had arrived; {sum(arrived.values())} POSTs in all, "
        f"{len(arrived)} distinct webhook-ids, {sum(repeats.values())} repeats; "
        f"task runs {rows['tasks']}"
    )
    # The kill came mid-batch: some messages had arrived, not all.
    assert 1 <= sum(before_restart.values()) < NOTIFICATIONS
    assert receiver.unsigned() == []  # every POST passed the receiver's signature check
    # None lost, nothing unknown: the distinct webhook-ids are the notifications' keys.
    assert sorted(arrived) == sorted(keys) and len(keys) == NOTIFICATIONS
    # Repeats only of what the killed worker had sent, once each: after deduplication by
    # webhook-id every notification arrived exactly once.
    assert set(repeats) <= set(before_restart)
    assert all(times == 1 for times in repeats.values())
    assert all(times == 1 for times in before_restart.values())
    # Each message is recorded as sent as soon as the receiver accepts it, so only the one
    # in flight at the kill (accepted, unrecorded) can arrive twice.
    assert sum(repeats.values()) <= 1

    # The database: each sent exactly once. What the killed worker had recorded stays its
    # own; the rest, including the message in flight, went out under the second worker.
    notifications = rows["notifications"]
    assert sorted(notifications) == sorted(keys)
    assert {n["state"] for n in notifications.values()} == {"sent"}
    logs = [n["log"] for n in notifications.values()]
    assert all(log in ([["sent", "first"]], [["sent", "second"]]) for log in logs)
    by_first = sum(log == [["sent", "first"]] for log in logs)
    assert by_first >= sum(before_restart.values()) - 1  # all but the one in flight
    # The killed worker's lease counts as an attempt on every notification it had taken.
    assert all(n["attempts"] in (1, 2) for n in notifications.values())
    assert rows["tasks"].get("FAILED", 0) == 0

"""`sladesk worker`: django-tasks-db's worker runs the tasks; a thread beside it enqueues
the periodic jobs when they are due."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker

from . import schedule
from .tasks import set_worker_name

log = logging.getLogger("sladesk.worker")


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(name: str, interval: float = 0.5) -> None:
    """Run until SIGTERM or Ctrl-C: periodic jobs enqueued, queued tasks executed."""
    set_worker_name(name)
    ticker = threading.Thread(target=_tick_forever, name="sladesk-schedule", daemon=True)
    ticker.start()
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # Django logs two lines per task run; with jobs every few seconds that drowns what
    # matters. Warnings and errors (a failed task) still show.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    log.info("sladesk worker %s started", name)
    worker.run()


def _tick_forever(every: float = 1.0) -> None:
    while True:
        try:
            close_old_connections()
            schedule.enqueue_due()
        except OperationalError as exc:  # a locked SQLite file, a restarting server: next time
            log.warning("could not enqueue periodic jobs: %s", exc)
        finally:
            connection.close()  # this thread's own connection; reopened on the next tick
        time.sleep(every)

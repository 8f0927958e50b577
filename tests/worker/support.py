"""Real `sladesk worker` processes on a database they share with the test.

The test and its workers are separate processes, so the database is one they can all open:
a SQLite file, or a PostgreSQL database. `python -m tests.worker.support MODULE:FUNCTION
JSON` runs one function of ours inside Django on such a database (its DATABASE_URL) and
prints what it returns as JSON: that is how a test writes and reads rows there with the ORM.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


def sladesk_command() -> list[str]:
    """The `sladesk` script next to the interpreter running the tests."""
    script = Path(sys.executable).parent / "sladesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sladesk.cli"]


@dataclass(frozen=True)
class Database:
    """A database the test and its subprocesses share, by URL."""

    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a subprocess on this database (sladesk's settings read it)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLADESK_", "DATABASE_"))}
        env.pop("TEST_DATABASE_URL", None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return (
            env | {"DJANGO_SETTINGS_MODULE": "sladesk.settings", "DATABASE_URL": self.url} | extra
        )

    def scalar(self, query: str) -> Any:
        """The first column of the first row of `query`: for polling, without Django."""
        if self.is_sqlite:
            with sqlite3.connect(urlsplit(self.url).path, timeout=20) as conn:
                return conn.execute(query).fetchone()[0]
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(query).fetchone()[0]  # type: ignore[index]

    def migrate(self) -> None:
        run([*sladesk_command(), "migrate", "--verbosity", "0"], self.env())

    def call(self, function: str, **kwargs: Any) -> Any:
        """`function` ("module:name") run in Django on this database; its JSON result."""
        command = [sys.executable, "-m", "tests.worker.support", function, json.dumps(kwargs)]
        return json.loads(run(command, self.env()))


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def sqlite_database(folder: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{folder / 'sladesk.sqlite3'}")
    database.migrate()
    yield database


@contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[Database]:
    """A new database on the server of `server_url`, migrated, and dropped afterwards."""
    server = psycopg.connect(server_url, autocommit=True)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        server.execute(drop)
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        database = Database(urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")))
        database.migrate()
        yield database
    finally:
        server.execute(drop)  # WITH (FORCE): a worker killed mid-query may still hold a session
        server.close()


class WorkerProcess:
    """`sladesk worker --id NAME` in a process of its own, its output in NAME.log."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.env = env
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*sladesk_command(), "worker", "--id", self.name],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no `finally`, no signal handler, no rollback but the database's own."""
        os.kill(self.pid, signal.SIGKILL)
        self.wait(10)

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM, as a service manager stops it: the task it is running finishes first."""
        assert self.process is not None
        self.process.terminate()
        return self.wait(timeout)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Whatever happened before: the process is gone afterwards (for `finally`)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.terminate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} ---\n" + "\n".join(text)


@contextmanager
def workers(*procs: WorkerProcess) -> Iterator[tuple[WorkerProcess, ...]]:
    """Stop every worker on the way out, and show their logs when the test failed."""
    try:
        yield procs
    except BaseException:
        for proc in procs:
            print(proc.tail(), file=sys.stderr)
        raise
    finally:
        for proc in procs:
            proc.stop()


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _main(function: str, arguments: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    django.setup()
    module, _, name = function.partition(":")
    result = getattr(import_module(module), name)(**json.loads(arguments))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])

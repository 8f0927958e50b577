"""The same hits on both databases, and PostgreSQL's plan for very common words.

The suite runs on one database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is
set, as in CI). When it runs on PostgreSQL, the search tests are run once more on SQLite
here, in a process of its own, so that both databases are checked in every CI run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from sladesk.search import postgres

from .conftest import FINANCE_REQUESTER, found, titled

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.mark.postgres
def test_the_search_tests_pass_on_sqlite_too():
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(HERE),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-m",
            "not postgres",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "[100%]" in done.stdout  # every test ran (the output is -q -q)


@pytest.mark.postgres
@pytest.mark.usefixtures("library")
def test_the_newest_plan_finds_what_the_exact_plan_finds(monkeypatch):
    """With statistics that call every word common, each query reads the newest
    documents instead of the GIN index: on a small index it must find the same."""
    queries = ("报表", "vpn", "无法登录", "表", "password reset")
    exact = {q: (titled(q), titled(q, FINANCE_REQUESTER)) for q in queries}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_document")
    postgres.forget_statistics()
    monkeypatch.setattr(postgres, "prefers_newest", lambda share, documents: True)
    used = []
    newest = postgres._newest
    monkeypatch.setattr(postgres, "_newest", lambda *a, **k: used.append(a) or newest(*a, **k))
    try:
        for q in queries:
            assert (titled(q), titled(q, FINANCE_REQUESTER)) == exact[q], q
        assert used, "the newest plan was never chosen"
        assert found("金流现") == []
    finally:
        postgres.forget_statistics()

"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Browsers are never downloaded: without /usr/bin/chromium (apt-get install chromium) every
test marked `browser` is skipped. The tests use pytest-django's `live_server`, so the
database is transactional, and under xdist each worker has its own server and browser.
The pytest-playwright plugin is not used; our fixtures avoid its names (browser, page,
context), which it would otherwise parametrize by browser.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.desk.conftest import desk  # noqa: F401  (the fixture, for these tests too)

CHROMIUM = Path("/usr/bin/chromium")
NEEDS_CHROMIUM = "needs Debian's chromium at /usr/bin/chromium: apt-get install chromium"
TIME_ZONE = "Asia/Shanghai"
WAIT_MS = 10_000  # generous: the whole suite runs on two busy workers

expect.set_options(timeout=WAIT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=NEEDS_CHROMIUM)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless chromium for the browser tests of a worker; each person gets a fresh
    context of it. It lives while this folder's tests run, and no longer: see below."""
    with pytest.MonkeyPatch.context() as env:
        # Playwright's sync API keeps an asyncio event loop running on the test thread (in a
        # greenlet) for as long as it is started. Django sees that running loop and refuses
        # ORM calls from the thread (SynchronousOnlyOperation): our set-up, our checks and
        # pytest-django's flush. Those calls are in fact synchronous, so the guard is off
        # while the browser runs. Only then: set for the whole process, the variable would
        # also reach other tests' subprocesses (`sladesk check --deploy` rejects it), and a
        # browser kept for the whole session would leave its loop running under them.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            yield browser
            browser.close()


@pytest.fixture(autouse=True)
def history_flushable_on_sqlite(transactional_db) -> Iterator[None]:
    """Let the live server's database be emptied after the test, on SQLite too.

    pytest-django empties it with DELETE on SQLite, which the append-only triggers of the
    ticket history refuse (PostgreSQL empties with TRUNCATE, which row triggers ignore). So
    on SQLite we empty it first with the triggers dropped, and put them back. Torn down
    before `transactional_db`, whose own flush then finds nothing to delete.
    """
    yield
    if connection.vendor != "sqlite":
        return
    append_only = importlib.import_module("sladesk.desk.migrations.0003_history_is_append_only")
    with connection.cursor() as cursor:
        for sql in append_only.SQLITE_UNDO:
            cursor.execute(sql)
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        with connection.cursor() as cursor:
            for sql in append_only.SQLITE:
                cursor.execute(sql)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> None:
    """Uploaded attachments go to the test's folder, not to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def log_in(chromium: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """log_in("alice", locale="zh-CN"): a page of a new browser context, logged in through
    the login page; the context speaks `locale` and lives in Asia/Shanghai."""
    contexts = []

    def open_as(username: str, *, locale: str) -> Page:
        context = chromium.new_context(
            base_url=live_server.url, locale=locale, timezone_id=TIME_ZONE
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill("pw")
        page.get_by_test_id("submit-login").click()
        expect(page.get_by_test_id("nav-profile")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()

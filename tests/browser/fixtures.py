"""Fixtures for the browser tests: one headless Chromium per session, one page per test.
A plugin of the root conftest.py, so every app's browser tests have them.

Playwright's own browser download does not work on our machines, so this drives
Debian's ``chromium`` (``apt-get install chromium``), or whatever ``CHROMIUM_PATH``
names. Never run ``playwright install``.

Without a Chromium binary the tests are skipped on a developer's machine, but
fail in CI (env ``CI`` set), where a missing browser is a broken set-up, not a
reason to go green.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an asyncio event loop in the test thread (under a
# greenlet). Django sees that running loop and refuses ORM calls from the same
# thread with SynchronousOnlyOperation: pytest-django's own database set-up and
# flush, and any ORM call a test makes. Nothing here shares a connection with
# async code (the live server answers in its own thread), so the check is a
# false alarm for these tests and is switched off.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = BASE_DIR / "test-artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Slow CI machines: give pages and assertions a bit more time than the defaults.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        reason = (
            f"no Chromium binary at {path!r}: install Debian's chromium "
            "(apt-get install chromium) or set CHROMIUM_PATH"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a browser for the browser tests: {reason}")
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class _ClosingWSGIServer(ThreadedWSGIServer):
    """Django's threaded test server, which also knows its open requests and can end them.

    A request thread lives as long as the browser keeps its connection alive, and when
    it ends it closes its database connections; with in-memory SQLite that is the test
    thread's connection, shared only while the live server runs. Threads still open
    when the server stopped (a context a test left open, closed with the browser at the
    end of the session) so failed with "DatabaseWrapper objects created in a thread can
    only be used in that same thread".
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open_lock = threading.Lock()
        self._open: dict[threading.Thread, socket.socket] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        # socketserver.ThreadingMixIn.process_request, keeping each thread with its socket.
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._open_lock:
            self._open[thread] = request
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(threading.current_thread(), None)

    def end_open_requests(self, timeout: float = 10) -> None:
        """Hang up on the kept-alive connections and wait until their threads are done."""
        with self._open_lock:
            open_now = list(self._open.items())
        for _, request in open_now:
            with contextlib.suppress(OSError):  # the client hung up already
                request.shutdown(socket.SHUT_RDWR)
        for thread, _ in open_now:
            thread.join(timeout)


class _ClosingLiveServerThread(LiveServerThread):
    server_class = _ClosingWSGIServer

    def terminate(self) -> None:
        if hasattr(self, "httpd"):
            self.httpd.shutdown()  # no new requests from here on
            self.httpd.end_open_requests()
        super().terminate()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Iterator[LiveServer]:
    """pytest-django's live server, started only once the test database exists, and
    stopped only after its request threads are done.

    pytest sets session-scoped fixtures up before function-scoped ones, so pytest-django's
    own ``live_server``, named by a test, could start before ``transactional_db`` had
    created the test database: the SQLite connection was not yet the in-memory test
    database, so the server thread was not handed it (nor allowed to share it), as Django's
    LiveServerTestCase does. Same server, same address option; its thread is
    ``_ClosingLiveServerThread``, so that no request thread outlives the sharing of the
    test thread's connection (see ``_ClosingWSGIServer``).
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    plain = server.thread
    server.thread = _ClosingLiveServerThread(
        plain.host,
        plain.static_handler,
        connections_override=plain.connections_override,
        port=plain.port,
    )
    server.thread.daemon = True
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _screenshot_name(node_name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", node_name).strip("_") or "test"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context (locale zh-CN) and page; a screenshot of the last screen is always kept.

    Saved as test-artifacts/screenshots/<test name>.png (also after a failure: that
    is when it is most useful).
    """
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"{_screenshot_name(request.node.name)}.png"),
                full_page=True,
            )
        except Exception as exc:  # a screenshot must never hide the test's own result
            warnings.warn(f"could not save a screenshot: {exc!r}", stacklevel=1)
        finally:
            context.close()

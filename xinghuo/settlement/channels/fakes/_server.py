"""A small threaded HTTP server on 127.0.0.1 that hosts fake channel apps under paths."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

FaultKind = Literal["timeout", "http_error", "tamper", "drop"]


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait after the request was processed and before answering: the
    # "paid, but the answer never came" case.
    delay: float = 0.0
    # Close the connection without any answer (the "drop" fault).
    drop: bool = False


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    seconds: float = 0.0
    status: int = 503
    # Only for calls of this name (see FakeApp.call_name); None: any API call.
    only: str | None = None


class FakeApp:
    """One fake outside system. Subclasses implement ``process`` and ``tamper``;
    faults injected with ``inject_fault`` apply to the next calls of ``api_paths``."""

    prefix = ""
    api_paths: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.base_url = ""
        self._lock = threading.RLock()
        self._faults: deque[Fault] = deque()

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        seconds: float = 2.0,
        status: int = 503,
        count: int = 1,
        only: str | None = None,
    ) -> None:
        """Make the next ``count`` API calls (with ``only``: the next calls of that name,
        e.g. only transfers, while queries go through) fail this way:

        - ``timeout``: process the call, then answer only after ``seconds``;
        - ``http_error``: answer HTTP ``status`` without processing anything;
        - ``tamper``: process and sign the answer, then change it after signing;
        - ``drop``: close the connection without processing or answering anything (the
          request was lost on its way: the channel never saw it).
        """
        with self._lock:
            self._faults.extend(Fault(kind, seconds, status, only) for _ in range(count))

    def call_name(self, path: str, body: bytes) -> str:
        """The name of an API call, as ``inject_fault(only=…)`` matches it: its path."""
        return path

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        fault = None
        if path in self.api_paths:
            name = self.call_name(path, body)
            with self._lock:
                fault = next((f for f in self._faults if f.only in (None, name)), None)
                if fault is not None:
                    self._faults.remove(fault)
        if fault is not None and fault.kind == "drop":
            return Response(0, b"", drop=True)
        if fault is not None and fault.kind == "http_error":
            text = f"<html><body>{fault.status} fake outage</body></html>"
            return Response(fault.status, text.encode(), {"Content-Type": "text/html"})
        response = self.process(method, path, query, headers, body)
        if fault is not None and fault.kind == "timeout":
            response.delay = fault.seconds
        if fault is not None and fault.kind == "tamper":
            response.body = self.tamper(response.body)
        return response

    def process(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        raise NotImplementedError

    def tamper(self, body: bytes) -> bytes:
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        app = next((a for p, a in self.server.apps.items() if url.path.startswith(p + "/")), None)
        if app is None:
            response = Response(404, b"not found")
        else:
            try:
                response = app.handle(
                    method,
                    url.path[len(app.prefix) :],
                    dict(parse_qsl(url.query)),
                    {k: v for k, v in self.headers.items()},
                    body,
                )
            except Exception:
                logger.exception("fake %s failed on %s", app.prefix, self.path)
                response = Response(500, b"fake server error")
        if response.drop:
            self.close_connection = True
            return
        if response.delay:
            time.sleep(response.delay)
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout fault)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("fake channel: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    apps: dict[str, FakeApp]


class FakeServer:
    """Serves ``apps`` (each under its ``prefix``) on ``host:port`` (port 0: any free)."""

    def __init__(self, apps: list[FakeApp], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = _Server((host, port), _Handler)
        self._httpd.apps = {app.prefix: app for app in apps}
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        for app in apps:
            app.base_url = self.url + app.prefix
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

"""A local HTTP stand-in for a remote API: records every call and answers with what a
subclass chooses. The Slack, Discord, OpenAI-compatible and Ollama stand-ins build on it."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: RecordingAPI

    def do_GET(self):  # noqa: N802 - a query string's parameters are the call's arguments
        self._reply({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

    def do_PUT(self):  # noqa: N802
        self.do_POST()

    def do_PATCH(self):  # noqa: N802 - Discord edits messages with PATCH
        self.do_POST()

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        self._reply(args)

    def _reply(self, args) -> None:
        answer = self.server.answer(self.command, urlsplit(self.path).path, args, self.headers)
        method, body, status, content_type, headers = (*answer, *(200, "application/json", {})[len(answer) - 2 :])
        if method:  # an empty name: answer() recorded the call itself
            self.server.record(method, args)
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class RecordingAPI(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def answer(self, verb: str, path: str, args, headers) -> tuple:
        """(name to record the call under, "" if recorded here; body: JSON-able, or a str sent
        as it is; optionally the status, 200; optionally the content type, JSON; optionally
        more headers, e.g. Retry-After)."""
        raise NotImplementedError

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()

    def record(self, method: str, args: dict) -> None:
        with self._lock:
            self.calls.append((method, args))

    def of(self, method: str) -> list[dict]:
        with self._lock:
            return [args for m, args in self.calls if m == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0, where=lambda a: True) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [a for a in self.of(method) if where(a)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} {method} calls, got {self.of(method)}")

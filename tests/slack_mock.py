"""A small local stand-in for the Slack Web API that records every call (like slack-bolt's
own tests/mock_web_api_server)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ADMINS = {"UADMIN"}


class _Handler(BaseHTTPRequestHandler):
    server: MockSlackAPI

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks",):
                if key in args:
                    args[key] = json.loads(args[key])
        method = self.path.rsplit("/", 1)[-1]
        self.server.record(method, args)
        body = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBOT", bot_id="BBOT", team_id="T1", team="Test", user="chatrec", url="https://test.slack.com/")
        elif method in ("chat.postMessage", "chat.update"):
            body.update(channel=args.get("channel"), ts=f"{time.time():.6f}", message={"text": args.get("text")})
        elif method == "users.info":
            user = args.get("user")
            body.update(user={"id": user, "is_admin": user in ADMINS, "is_owner": False})
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class MockSlackAPI(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def start(self) -> MockSlackAPI:
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

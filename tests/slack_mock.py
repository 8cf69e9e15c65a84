"""A local stand-in for the Slack Web API that records every call (like slack-bolt's own
tests/mock_web_api_server). Commands' response URLs point here too, under /respond/…, and
a test may script the next answers of a method: a 429, a 5xx, an error, a slow reply."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque

from .recording_api import RecordingAPI

ADMINS = {"UADMIN"}
# conversations.members of a channel the test gave no members: everyone the tests name.
ROSTER = ["UBOT", "U1", "U2", "U3", "U4", "W3", "UADMIN", "UCONFIGADMIN", "UCROWD", "UFLOOD", *(f"UP{n}" for n in range(40))]


class MockSlackAPI(RecordingAPI):
    def __init__(self):
        super().__init__()
        self._scripted: defaultdict[str, deque[dict]] = defaultdict(deque)
        self.members: dict[str, list[str]] = {}  # channel -> conversations.members
        self.tokens: list[tuple[str, str]] = []  # (method, the token it was called with)
        self.installs: dict[str, dict] = {}  # OAuth code -> what oauth.v2.access answers for it
        self._script_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.root}/api/"

    def script(self, method: str, status: int = 200, body=None, headers: dict | None = None, delay: float = 0.0) -> None:
        """The next call of `method` waits `delay` seconds, then gets this answer, recorded as
        "<method> (scripted)"; with neither status nor body, the usual answer, late."""
        with self._script_lock:
            self._scripted[method].append({"status": status, "body": body, "headers": headers or {}, "delay": delay})

    def _next_scripted(self, method: str) -> dict | None:
        with self._script_lock:
            queue = self._scripted.get(method)
            return queue.popleft() if queue else None

    def answer(self, verb: str, path: str, args, headers) -> tuple:
        for name in ("blocks", "chunks"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        method = path.lstrip("/") if path.startswith("/respond/") else path.rsplit("/", 1)[-1]
        with self._script_lock:
            self.tokens.append((method, (headers.get("Authorization") or "").removeprefix("Bearer ") or str(args.get("token", ""))))
        scripted = self._next_scripted(method)
        if scripted is not None:
            time.sleep(scripted["delay"])
            if scripted["status"] != 200 or scripted["body"] is not None:
                return f"{method} (scripted)", scripted["body"] or "", scripted["status"], "application/json", scripted["headers"]
        if method.startswith("respond/"):  # a command's response_url answers "ok" as text
            return method, "ok", 200, "text/plain"
        body = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBOT", bot_id="BBOT", team_id="T1", team="Test", user="chatrec", url="https://test.slack.com/")
        elif method == "oauth.v2.access":  # an install's code for the workspace's bot token (one use)
            granted = self.installs.pop(args.get("code", ""), None)
            if granted is None:
                return method, {"ok": False, "error": "invalid_code"}
            body.update(granted)
        elif method == "chat.startStream":  # a streamed message, in a thread
            body.update(channel=args.get("channel"), ts=f"{time.time():.6f}")
        elif method in ("chat.postMessage", "chat.update"):
            body.update(channel=args.get("channel"), ts=f"{time.time():.6f}", message={"text": args.get("text")})
        elif method == "conversations.members":
            body.update(members=self.members.get(args.get("channel"), ROSTER), response_metadata={"next_cursor": ""})
        elif method == "users.info":
            user = args.get("user")
            body.update(user={"id": user, "is_admin": user in ADMINS, "is_owner": False})
        return method, body

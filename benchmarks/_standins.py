"""Local stand-ins for the remote APIs a benchmark talks to: a slow OpenAI-compatible chat
endpoint and the Slack Web API. Self-contained (benchmarks do not import the tests), and
small: just enough for `chatrec serve slack` with `llm.provider: openai` to answer mentions.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

Answer = tuple[int, dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        status, body = self.server.answer(self.path, args)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


class StandIn(ThreadingHTTPServer):
    """A threading HTTP server on a free loopback port that answers each POST in its thread."""

    daemon_threads = True
    # socketserver's default backlog is 5: a burst of simultaneous calls would overflow it and
    # the kernel would delay the extra connections by a second or more, skewing the timings.
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def answer(self, path: str, args: dict[str, Any]) -> Answer:
        raise NotImplementedError

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client gone mid-call (server stopped)
            super().handle_error(request, client_address)


class SlowChatModel(StandIn):
    """POST /v1/chat/completions that takes `delay` seconds, like a remote model: the first
    call of a turn asks for the `recommend` tool (the person's words as the wish), the second
    answers with the titles the tool returned. Counts the calls in flight at once."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def answer(self, path: str, args: dict[str, Any]) -> Answer:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            return 200, self._completion(args)
        finally:
            with self._lock:
                self.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self.calls = self.max_in_flight = 0

    @staticmethod
    def _completion(body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if last["role"] == "user":
            wish = re.sub(r"^\[[^\]]*\]\s*", "", str(last["content"]))  # the agent labels the speaker
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "recommend", "arguments": json.dumps({"wish": wish, "k": 3})}}]}
            finish = "tool_calls"
        else:
            titles = [item["title"] for item in json.loads(last["content"]).get("items", [])]
            message, finish = {"role": "assistant", "content": "You might like: " + "; ".join(titles)}, "stop"
        return {"id": "cmpl-bench", "object": "chat.completion", "created": 0, "model": body.get("model", ""),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class SlackWebAPI(StandIn):
    """The Web API methods the bot calls while answering a mention, all "ok"; chat.postMessage
    is recorded with the time it arrived (perf_counter, comparable within this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.root}/api/"

    def answer(self, path: str, args: dict[str, Any]) -> Answer:
        method = path.rsplit("/", 1)[-1]
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBOT", bot_id="BBOT", team_id="T1", team="Bench", user="chatrec",
                        url="https://bench.slack.com/")
        elif method == "chat.postMessage":
            with self._lock:
                self.posts.append((time.perf_counter(), args))
            body.update(channel=args.get("channel"), ts=f"{time.time():.6f}")
        return 200, body

    def first_post_by_channel(self) -> dict[str, tuple[float, dict[str, Any]]]:
        with self._lock:
            first: dict[str, tuple[float, dict[str, Any]]] = {}
            for at, args in self.posts:
                first.setdefault(str(args.get("channel")), (at, args))
            return first

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

Answer = tuple[int, Any]  # a JSON body, or an iterator of (pause, text) to stream


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        status, body = self.server.answer(self.path, args)
        if not isinstance(body, dict):  # a stream of (pause in seconds, text): server-sent events, written as they come
            self.send_response(status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for pause, text in body:
                time.sleep(pause)
                self.wfile.write(text.encode())
                self.wfile.flush()
            self.close_connection = True
            return
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
    answers with the titles the tool returned. Counts the calls in flight at once. Asked to
    stream, it writes a tool call whole at the end, and text as a model does: the first words
    after a tenth of the delay, the rest spread over the remainder."""

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
        if args.get("stream"):
            return 200, self._streamed(args)
        try:
            time.sleep(self.delay)
            return 200, self._completion(args)
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _streamed(self, args: dict[str, Any]):
        try:
            message = self._completion(args)["choices"][0]
            model = args.get("model", "")

            def event(delta: dict[str, Any], finish: str | None = None) -> str:
                chunk = {"id": "cmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(chunk)}\n\n"

            reply = message["message"]
            if reply.get("tool_calls"):
                calls = [{"index": n, **call} for n, call in enumerate(reply["tool_calls"])]
                yield self.delay, event({"role": "assistant", "content": None, "tool_calls": calls})
            else:
                words = re.findall(r"\S+\s*", reply["content"])
                yield self.delay / 10, event({"role": "assistant", "content": words[0]})
                for word in words[1:]:
                    yield self.delay * 0.9 / max(1, len(words) - 1), event({"content": word})
            yield 0.0, event({}, message["finish_reason"]) + "data: [DONE]\n\n"
        finally:
            self._done()

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
    """The Web API methods the bot calls while answering a mention, all "ok"; the calls that
    show something (chat.postMessage, chat.update, the chat.*Stream methods) are recorded with
    the time they arrived (perf_counter, comparable within this process)."""

    SHOWS = ("chat.postMessage", "chat.update", "chat.startStream", "chat.appendStream", "chat.stopStream")

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[tuple[float, dict[str, Any]]] = []  # (when, args with "method")
        self._streams: dict[str, str] = {}  # a stream's ts -> its channel
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
        elif method in self.SHOWS:
            for name in ("blocks", "chunks"):
                if isinstance(args.get(name), str):
                    args[name] = json.loads(args[name])
            with self._lock:
                self.posts.append((time.perf_counter(), {**args, "method": method}))
            body.update(channel=args.get("channel"), ts=args.get("ts") or f"{time.time():.6f}")
        return 200, body

    def first_post_by_channel(self) -> dict[str, tuple[float, dict[str, Any]]]:
        """Per channel, the first call that showed text there (a post, or a stream's start)."""
        with self._lock:
            first: dict[str, tuple[float, dict[str, Any]]] = {}
            for at, args in self.posts:
                if args["method"] in ("chat.postMessage", "chat.startStream"):
                    first.setdefault(str(args.get("channel")), (at, args))
            return first

    def messages_by_channel(self) -> dict[str, list[dict[str, Any]]]:
        """Per channel, each message the bot finished there, as {"at": …, "text": …, "blocks": …}:
        a post, or a stream once stopped (its start, appends and stop: one message, the text its
        chunks carried)."""
        with self._lock:
            out: dict[str, list[dict[str, Any]]] = {}
            streams: dict[str, str] = {}  # channel -> the text of the stream being written
            for at, args in self.posts:
                channel = str(args.get("channel"))
                text = "".join(c.get("text", "") for c in args.get("chunks") or [] if c.get("type") == "markdown_text")
                if args["method"] == "chat.postMessage":
                    out.setdefault(channel, []).append({"at": at, "text": str(args.get("text")), "blocks": args.get("blocks") or []})
                elif args["method"] in ("chat.startStream", "chat.appendStream"):
                    streams[channel] = streams.get(channel, "") + text
                elif args["method"] == "chat.stopStream" and channel in streams:
                    out.setdefault(channel, []).append({"at": at, "text": streams.pop(channel) + text, "blocks": args.get("blocks") or []})
            return out

    def answers_by_channel(self) -> dict[str, tuple[float, str, list[dict[str, Any]]]]:
        """Per channel, the finished answer: (when, its text, its blocks), its first message with cards."""
        return {channel: next((m["at"], m["text"], m["blocks"]) for m in messages if m["blocks"])
                for channel, messages in self.messages_by_channel().items() if any(m["blocks"] for m in messages)}

"""The HTTP face of a serving process: Slack's events (Bolt's ASGI adapter) and /healthz and
/metrics in one ASGI app under uvicorn, with the limits a public port needs.

- A body over `http.max_body_kib` is refused (413) from its Content-Length, or as soon as the
  bytes read pass the limit, before Bolt (and its signature check) sees any of it: an unsigned
  64 MB POST costs nothing.
- A connection that has not sent its request head within `http.head_timeout_s` is closed, and a
  body that takes longer than `http.body_timeout_s` is answered 408: stalled clients (slow-loris)
  hold a socket for seconds, never a thread.
- Bolt's dispatch (signature check, acknowledgement) runs in a worker thread, so one request's
  database lookups never stall the event loop that reads the others.
- On SIGTERM or Ctrl-C uvicorn stops accepting, lets requests in flight finish, and the caller
  then drains the turns they queued (`TurnPool.drain`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures

import h11
import uvicorn
from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.request import BoltRequest
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.ops_server import OpsState, ops_response
from chatrec_agent.settings import HttpSettings

log = logging.getLogger(__name__)

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class _TooLarge(Exception):
    pass


async def _respond(send: Send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionAbortedError
        body += message.get("body", b"")
        if len(body) > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            return bytes(body)


class _ThreadedBolt(SlackRequestHandler):
    """Bolt's ASGI adapter, its (synchronous) dispatch and OAuth pages in a worker thread."""

    async def dispatch(self, request):  # type: ignore[override]
        return await asyncio.to_thread(self.app.dispatch, await self._bolt_request(request))

    async def handle_installation(self, request):  # type: ignore[override]
        return await asyncio.to_thread(self.app.oauth_flow.handle_installation, await self._bolt_request(request))

    async def handle_callback(self, request):  # type: ignore[override]
        return await asyncio.to_thread(self.app.oauth_flow.handle_callback, await self._bolt_request(request))

    @staticmethod
    async def _bolt_request(request) -> BoltRequest:
        return BoltRequest(body=await request.get_raw_body(), query=request.query_string, headers=request.get_headers())


def web_app(limits: HttpSettings, ops: OpsState | None = None, slack: App | None = None,
            slack_path: str = "/slack/events") -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """One ASGI app: /healthz and /metrics (when `ops`), Slack's events at `slack_path` (when
    `slack`), 404 for anything else. Every body is read here, within the limits, first."""
    bolt = _ThreadedBolt(slack, path=slack_path) if slack is not None else None
    limit = limits.max_body_kib * 1024

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # uvicorn runs without lifespan events, and no websockets are served
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > limit:
            await _respond(send, 413, b"chatrec: request body too large\n")
            return
        try:
            body = await asyncio.wait_for(_read_body(receive, limit), limits.body_timeout_s)
        except _TooLarge:
            await _respond(send, 413, b"chatrec: request body too large\n")
            return
        except TimeoutError:
            await _respond(send, 408, b"chatrec: request body too slow\n")
            return
        except ConnectionAbortedError:
            return
        path = scope["path"]
        if ops is not None and path in ("/healthz", "/metrics"):
            status, content_type, payload = await asyncio.to_thread(ops_response, ops, path)
            await _respond(send, status, payload, content_type)
            return
        oauth = getattr(slack, "oauth_flow", None)
        if bolt is not None and (path == slack_path or (oauth is not None and path in (oauth.install_path, oauth.redirect_uri_path))):
            await bolt(scope, _replay(body), send)  # events; and, installable in many workspaces, its install pages
            return
        await _respond(send, 404, b"chatrec: " + (slack_path.encode() + b", " if bolt else b"") + b"/healthz or /metrics\n")

    return app


def _replay(body: bytes) -> Receive:
    """The body already read, handed on as one message; then the wait for a disconnect."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # nothing more comes: the app has the whole body
        return {"type": "http.disconnect"}

    return receive


def _protocol(head_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's head. uvicorn's own
    keep-alive timer is cancelled by any byte received, so a client that sends its headers a
    byte every few seconds would hold the connection for ever."""

    class HeadDeadline(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(head_timeout_s, self._overdue)

        def _overdue(self) -> None:
            if self.conn.their_state in (h11.IDLE, h11.MUST_CLOSE) and not self.transport.is_closing():
                log.debug("closing a connection that sent no request head in %.0f s", head_timeout_s)
                self.transport.close()

    return HeadDeadline


class HttpServer:
    """An ASGI app under uvicorn on a socket bound at construction (port 0: any free one, see
    `server_port`). `run()` serves in this thread (signals handled when it is the main one);
    `start()` in a daemon thread, `shutdown()` stops it."""

    def __init__(self, app, host: str, port: int, limits: HttpSettings, name: str = "chatrec-http"):
        self.name = name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self._socket.listen(1024)  # a burst of events must not overflow the backlog
        self.server_port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, http=_protocol(limits.head_timeout_s), lifespan="off", log_config=None,
                                access_log=False, timeout_keep_alive=max(1, round(limits.keep_alive_s)),
                                limit_concurrency=limits.max_connections, ws="none",
                                timeout_graceful_shutdown=max(1, round(limits.shutdown_grace_s)))
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        # uvicorn takes SIGINT and SIGTERM while it runs, then raises the one that stopped it
        # again under the handlers it found. Those are no-ops here, so the caller goes on to
        # finish the turns in flight; a signal after that acts as usual (a second Ctrl-C quits).
        main = threading.current_thread() is threading.main_thread()
        found = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)} if main else {}
        try:
            self._server.run(sockets=[self._socket])
        finally:
            for sig, handler in found.items():
                signal.signal(sig, handler)

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._socket.close()


def start_ops_server(state: OpsState, host: str, port: int, limits: HttpSettings | None = None) -> HttpServer:
    """/healthz and /metrics in a daemon thread; port 0 takes a free one (see `server_port`)."""
    server = HttpServer(web_app(limits or HttpSettings(), ops=state), host, port, limits or HttpSettings(),
                        name="chatrec-ops").start()
    log.info("health and metrics at http://%s:%d/healthz and /metrics", host, server.server_port)
    return server


class TurnPool:
    """The threads that answer messages (a turn waits seconds on a remote model; Bolt's small
    listener pool must stay free to acknowledge within Slack's 3 seconds). Remembers what is
    queued, so a shutdown can let it finish (`drain`)."""

    def __init__(self, workers: int):
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chatrec-turn")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None]) -> None:
        future = self._executor.submit(work)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the turns queued and running; how many did not finish."""
        with self._lock:
            pending = set(self._pending)
        if pending:
            log.info("finishing %d turn(s) in flight (up to %.0f s)", len(pending), timeout)
        unfinished = wait_for_futures(pending, timeout).not_done
        self._executor.shutdown(wait=False, cancel_futures=True)
        return len(unfinished)

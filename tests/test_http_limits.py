"""The Slack HTTP port under abuse (issue 21, item 4): huge bodies are refused before they are
read, stalled clients are cut off, and none of it stops a signed mention from being answered."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from bot.core import ChatService
from bot.slack.app import build_app, http_server
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl
from .slack_mock import MockSlackAPI
from .test_slack_app import SECRET, SlackClient


@pytest.fixture
def served(tmp_path, embedder):
    api = MockSlackAPI().start()
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    settings = settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(path)}, "storage": {"dir": str(tmp_path / "store")},
        "slack": {"bot_token": "xoxb-test", "signing_secret": SECRET, "api_url": api.url},
        "http": {"max_body_kib": 64, "head_timeout_s": 1.0, "body_timeout_s": 1.0},
    }, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    server = http_server(build_app(ChatService(runtime), settings.slack), "127.0.0.1", 0, settings.http).start()
    yield server.server_port, SlackClient(f"http://127.0.0.1:{server.server_port}/slack/events", api), api
    server.shutdown()
    api.stop()


def raw(port: int, head: bytes, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Send bytes as they are; what comes back before the server closes or `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(head + body)
        got = b""
        try:
            while chunk := conn.recv(65536):
                got += chunk
                if b"\r\n\r\n" in got and b"content-length: 0" not in got.lower():
                    break
        except TimeoutError:
            pass
        return got


def post_head(length: int | None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{size}{extra}\r\n").encode()


def test_a_body_over_the_limit_is_refused_from_its_length_before_any_of_it_is_sent(served):
    port, client, api = served
    started = time.monotonic()
    answer = raw(port, post_head(64 * 1024 * 1024))  # announces 64 MB, sends none of it
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert time.monotonic() - started < 2  # not waiting for (or reading) the body


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(served):
    port, client, api = served
    chunk = b"x" * 16384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5))  # 80 KiB > 64 KiB
    assert raw(port, post_head(None), chunks).startswith(b"HTTP/1.1 413")
    assert client.mention("tell me about Fargo", ts="1.1") == 200  # a small signed body still goes through


def test_a_stalled_head_is_closed_and_a_slow_body_gets_408(served):
    port, client, api = served
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        started = time.monotonic()
        assert conn.recv(1024) == b""  # closed by the server
        assert 0.5 < time.monotonic() - started < 4
    answer = raw(port, post_head(100), b'{"type": ')  # 9 of 100 bytes, then nothing
    assert answer.startswith(b"HTTP/1.1 408"), answer


def test_fifty_slow_loris_connections_do_not_stop_a_mention(served):
    port, client, api = served
    stop = threading.Event()
    lorises = []
    for _ in range(50):
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sendall(b"POST /slack/events HTTP/1.1\r\n")
        lorises.append(conn)

    def trickle() -> None:  # a header byte every 0.2 s: uvicorn's keep-alive timer alone would never fire
        while not stop.wait(0.2):
            for conn in lorises:
                try:
                    conn.sendall(b"X")
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    try:
        started = time.monotonic()
        assert client.mention("tell me about Fargo", ts="2.1") == 200
        assert time.monotonic() - started < 2
        api.wait_for("chat.postMessage")
        time.sleep(1.5)  # past the head deadline: the server has closed them all
        closed = 0
        for conn in lorises:
            conn.settimeout(2)
            try:
                closed += conn.recv(1024) == b""
            except OSError:
                closed += 1
        assert closed == 50
    finally:
        stop.set()
        for conn in lorises:
            conn.close()


def test_a_bad_signature_is_refused_and_health_is_served_on_the_same_port(served):
    port, client, api = served
    assert client.post('{"type": "event_callback"}', "application/json", secret="wrong")[0] == 401
    assert raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 404")  # no ops state given
    assert raw(port, b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 404")

"""Operating a serving process: /healthz (ready only once index, model and store answer),
/metrics (Prometheus) and JSON logs."""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.core import ChatService, Command, Incoming
from bot.http_server import start_ops_server
from bot.ops_server import OpsState
from chatrec_agent.logs import JsonFormatter
from chatrec_agent.metrics import Metrics

from .test_bot_core import runtime  # noqa: F401 - a small jsonl catalog with two catalog users


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def samples(exposition: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(exposition) for s in family.samples}


@pytest.fixture
def ops():
    state = OpsState(Metrics("offline"))
    server = start_ops_server(state, "127.0.0.1", 0)
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_healthz_is_not_ready_while_starting_then_ready_then_names_a_failing_part(ops, runtime, monkeypatch):  # noqa: F811
    state, url = ops
    status, kind, body = get(f"{url}/healthz")
    assert status == 503 and kind == "application/json" and json.loads(body)["checks"]["runtime"].startswith("starting")
    state.service = ChatService(runtime, metrics=state.metrics)
    status, _, body = get(f"{url}/healthz")
    assert status == 200 and json.loads(body) == {"ready": True, "checks": {"index": "ok", "model": "ok", "store": "ok"},
                                                  "reindexing": False}

    def down(*args):
        raise OSError("could not connect to postgresql://chatrec:s3cret@db.internal/chatrec")

    monkeypatch.setattr(runtime.history, "get_meta", down)
    status, _, body = get(f"{url}/healthz")
    # The failing part is named, its exception's text (a DSN, a path) is not: that is in the log.
    assert status == 503 and json.loads(body)["checks"]["store"] == "failing (OSError; see the log)"
    assert "s3cret" not in body and "db.internal" not in body
    assert get(f"{url}/")[0] == 404


def test_the_ops_server_listens_on_loopback_unless_told_otherwise():
    from chatrec_agent.settings import settings_from_dict

    assert settings_from_dict({}, environ={}).ops.host == "127.0.0.1"
    assert settings_from_dict({"ops": {"host": "0.0.0.0"}}, environ={}).ops.host == "0.0.0.0"


def test_a_tool_the_model_made_up_is_counted_under_one_label(ops, runtime, monkeypatch):  # noqa: F811
    from chatrec_agent.conversation.agent import Reply

    state, url = ops
    service = ChatService(runtime, metrics=state.metrics)
    made_up = [{"name": f"tool_{n}", "args": {}, "id": str(n)} for n in range(50)] + [{"name": "recommend", "args": {}, "id": "r"}]
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **k: Reply("ok", [], made_up))
    service.handle(Incoming("slack", "T1", "C1", "U1", "hello", event_id="E9"))
    got = samples(get(f"{url}/metrics")[2])
    tools = {dict(labels)["tool"]: value for (name, labels), value in got.items() if name == "chatrec_tool_calls_total"}
    assert tools == {"unknown": 50, "recommend": 1}


def test_metrics_count_turns_tool_calls_clicks_commands_and_latency(ops, runtime):  # noqa: F811
    state, url = ops
    service = ChatService(runtime, metrics=state.metrics)
    state.service = service
    service.handle(Incoming("slack", "T1", "C1", "U1", "give me 2 westerns", event_id="E1"))
    service.handle(Incoming("slack", "T1", "C1", "U1", "give me 2 westerns", event_id="E1"))  # a redelivery
    service.feedback("discord", "G1", "42", "fargo", "liked")
    service.feedback("discord", "G1", "42", "fargo", "liked")
    service.command("slack", "T1", "C1", "U1", Command.parse("status"), is_admin=lambda: False)
    service.command("slack", "T1", "C1", "U1", Command.parse("<!here>"), is_admin=lambda: False)  # label values stay bounded
    status, kind, body = get(f"{url}/metrics")
    assert status == 200 and kind.startswith("text/plain")
    got = samples(body)
    assert got[("chatrec_turns_total", (("outcome", "answered"), ("platform", "slack")))] == 1
    assert got[("chatrec_turns_total", (("outcome", "duplicate"), ("platform", "slack")))] == 1
    assert got[("chatrec_tool_calls_total", (("tool", "recommend"),))] == 1
    assert got[("chatrec_turn_seconds_count", (("provider", "offline"),))] == 1
    assert got[("chatrec_feedback_clicks_total", (("outcome", "recorded"), ("platform", "discord")))] == 1
    assert got[("chatrec_feedback_clicks_total", (("outcome", "repeat"), ("platform", "discord")))] == 1
    assert got[("chatrec_commands_total", (("command", "status"), ("platform", "slack")))] == 1
    assert got[("chatrec_commands_total", (("command", "unknown"), ("platform", "slack")))] == 1
    assert got[("chatrec_turns_pending", ())] == 0


def test_pending_turns_are_the_queue_depth():
    metrics = Metrics("offline")
    waiting = [metrics.queued(lambda n=n: n) for n in range(3)]
    assert metrics.pending._value.get() == 3
    assert [work() for work in waiting] == [0, 1, 2] and metrics.pending._value.get() == 0


def test_json_logs_are_one_object_per_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("chatrec.x", logging.ERROR, __file__, 1, "turn failed in %s", ("C1",), sys.exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line and entry["message"] == "turn failed in C1" and entry["level"] == "error"
    assert "ValueError: boom" in entry["exception"]

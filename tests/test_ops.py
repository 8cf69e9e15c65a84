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

from bot.core import ChatService, Incoming
from bot.ops_server import OpsState, start_ops_server
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
        raise OSError("database is unreachable")

    monkeypatch.setattr(runtime.history, "get_meta", down)
    status, _, body = get(f"{url}/healthz")
    assert status == 503 and json.loads(body)["checks"]["store"] == "OSError: database is unreachable"
    assert get(f"{url}/")[0] == 404


def test_metrics_count_turns_tool_calls_clicks_commands_and_latency(ops, runtime):  # noqa: F811
    state, url = ops
    service = ChatService(runtime, metrics=state.metrics)
    state.service = service
    service.handle(Incoming("slack", "T1", "C1", "U1", "give me 2 westerns", event_id="E1"))
    service.handle(Incoming("slack", "T1", "C1", "U1", "give me 2 westerns", event_id="E1"))  # a redelivery
    service.feedback("discord", "G1", "42", "fargo", "liked")
    service.feedback("discord", "G1", "42", "fargo", "liked")
    service.command("slack", "T1", "C1", "U1", "status", is_admin=lambda: False)
    service.command("slack", "T1", "C1", "U1", "<!here>", is_admin=lambda: False)  # label values stay bounded
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

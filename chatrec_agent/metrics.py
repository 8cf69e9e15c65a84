"""What the bot counts, for Prometheus: turns, their latency by model provider, tool calls,
clicks, commands, errors and the turns waiting. One registry per service (passed down, not
prometheus_client's process-wide default), so tests and several services never share counts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

T = TypeVar("T")
# A turn takes ~20 ms with the offline planner and seconds with a remote model.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)


class Metrics:
    def __init__(self, provider: str, registry: CollectorRegistry | None = None):
        self.provider = provider
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.turns = Counter("chatrec_turns", "Chat turns answered, by platform and outcome.", ["platform", "outcome"], registry=r)
        self.turn_seconds = Histogram("chatrec_turn_seconds", "Time to answer a turn, by language-model provider.",
                                      ["provider"], buckets=LATENCY_BUCKETS, registry=r)
        self.tool_calls = Counter("chatrec_tool_calls", "Tool calls made by the agent.", ["tool"], registry=r)
        self.clicks = Counter("chatrec_feedback_clicks", "👍/👎 and vote clicks, by outcome.", ["platform", "outcome"], registry=r)
        self.commands = Counter("chatrec_commands", "Slash commands run.", ["platform", "command"], registry=r)
        self.errors = Counter("chatrec_errors", "Failures answered with an apology, by where they happened.", ["where"], registry=r)
        self.pending = Gauge("chatrec_turns_pending", "Turns handed to the turn pool and not yet answered (queue depth).",
                             registry=r)
        self.waiting = 0  # the same count, for the service's own backpressure
        self._lock = threading.Lock()

    def queued(self, work: Callable[..., T]) -> Callable[..., T]:
        """`work` counted as pending from now (when it is handed to a pool) until it ends."""
        with self._lock:
            self.waiting += 1
        self.pending.inc()

        @wraps(work)
        def run(*args, **kwargs) -> T:
            try:
                return work(*args, **kwargs)
            finally:
                with self._lock:
                    self.waiting -= 1
                self.pending.dec()

        return run

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

"""`/healthz` and `/metrics` for load balancers and monitoring: on their own port in every
serve mode (`ops.port`), and beside Slack's events on its port in HTTP mode (see
`bot/http_server.py`, which serves them).

The server starts before the runtime so a load balancer sees "starting" (503) while the index
and model load, then "ready" (200) once every part answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST

from bot.core import ChatService
from chatrec_agent.metrics import Metrics


@dataclass
class OpsState:
    metrics: Metrics
    service: ChatService | None = None  # set once the runtime is up

    def health(self) -> tuple[bool, dict]:
        if self.service is None:
            return False, {"ready": False, "checks": {"runtime": "starting: loading the catalog, index and model"}}
        checks = self.service.runtime.health()
        ready = all(v == "ok" for v in checks.values())
        try:  # on postgres a question to the database, which the store check may have found down
            reindexing: bool | None = self.service.runtime.reindexing
        except Exception:  # noqa: BLE001 - the probe answers; the store check says what is wrong
            reindexing = None
        return ready, {"ready": ready, "checks": checks, "reindexing": reindexing}


def ops_response(state: OpsState, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for /healthz or /metrics; blocking (a database probe)."""
    if path == "/healthz":
        ready, body = state.health()
        return (200 if ready else 503), "application/json", json.dumps(body).encode()
    return 200, CONTENT_TYPE_LATEST, state.metrics.exposition()

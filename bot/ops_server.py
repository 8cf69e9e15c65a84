"""`/healthz` and `/metrics` for load balancers and monitoring, on their own port in every
serve mode (Slack HTTP or Socket Mode, Discord, all).

The server starts before the runtime so a load balancer sees "starting" (503) while the index
and model load, then "ready" (200) once every part answers.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST

from bot.core import ChatService
from chatrec_agent.metrics import Metrics

log = logging.getLogger(__name__)


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


def ops_app(state: OpsState):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            ready, body = state.health()
            start_response("200 OK" if ready else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [state.metrics.exposition()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"chatrec: /healthz or /metrics\n"]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # probes and scrapes from many replicas' balancers at once


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # probes every few seconds would drown the log
        log.debug("ops: " + args[0], *args[1:])


def start_ops_server(state: OpsState, host: str, port: int) -> WSGIServer:
    """Serve in a daemon thread; port 0 takes a free one (see `server_port`)."""
    server = make_server(host, port, ops_app(state), server_class=_Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="chatrec-ops", daemon=True).start()
    log.info("health and metrics at http://%s:%d/healthz and /metrics", host, server.server_port)
    return server

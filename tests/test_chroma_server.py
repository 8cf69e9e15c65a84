"""A real Chroma server (`chroma run`, the `chroma_server` fixture of conftest.py) on a free
loopback port, used through HttpClient."""

from __future__ import annotations

import threading

import pytest

from chatrec_agent.errors import VectorIndexError
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import settings_from_dict

from .conftest import check_full_rebuilds_spare_the_neighbour, free_port


@pytest.mark.server
def test_index_and_search_through_a_chroma_server(chroma_server, tmp_path, embedder, catalog):
    settings = settings_from_dict(
        {"storage": {"dir": str(tmp_path / "store")},
         "vector_store": {"mode": "server", "host": "127.0.0.1", "port": chroma_server}},
        environ={},
    )
    index = ItemIndex(settings, embedder)
    report = index.sync(catalog)
    assert report.added == len(catalog)
    assert index.sync(catalog).embedded == 0
    assert [h.item_id for h in index.search("monster on a spaceship", k=1)] == ["alien"]
    from chatrec_agent.catalog.filters import SearchFilter

    westerns = index.search("gunfight", k=5, flt=SearchFilter(genres=("Western",), year_to=1970))
    assert {h.item_id for h in westerns} == {"good-bad-ugly", "rio-bravo"}
    # Nothing was written locally: the server holds the index.
    assert not (tmp_path / "store" / "chroma").exists()


@pytest.mark.server
def test_full_rebuild_spares_a_deployment_on_the_same_server(chroma_server, tmp_path, embedder, catalog):
    """`movies` and `movies-kids` share one server; each base is a prefix of the other's names one way."""
    def deployment(base):
        settings = settings_from_dict(
            {"storage": {"dir": str(tmp_path / "store")},
             "vector_store": {"mode": "server", "host": "127.0.0.1", "port": chroma_server, "collection": base}},
            environ={},
        )
        return ItemIndex(settings, embedder)

    check_full_rebuilds_spare_the_neighbour(deployment, catalog, ours="movies", theirs="movies-kids")
    check_full_rebuilds_spare_the_neighbour(deployment, catalog, ours="movies-kids", theirs="movies")


def test_unreachable_server_gives_a_clear_error(tmp_path, embedder):
    settings = settings_from_dict(
        {"vector_store": {"mode": "server", "host": "127.0.0.1", "port": free_port()}}, environ={}, base_dir=tmp_path
    )
    with pytest.raises(VectorIndexError, match=r"Cannot reach the Chroma server at 127\.0\.0\.1:\d+.*chroma run"):
        ItemIndex(settings, embedder).search("x")


class TokenGate:
    """An authenticating reverse proxy in front of the Chroma server (as a deployment puts
    one): requests without the right header get 401, the rest are forwarded."""

    def __init__(self, upstream: int, header: str, value: str):
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        gate = self
        self.seen: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gate.seen.append(self.headers.get(header))
                if self.headers.get(header) != value:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
                conn.request(self.command, self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "host"})
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, val in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, val)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _server_settings(tmp_path, port, **vector_store):
    return settings_from_dict({"storage": {"dir": str(tmp_path / "store")},
                               "vector_store": {"mode": "server", "host": "127.0.0.1", "port": port, **vector_store}},
                              environ={})


@pytest.mark.server
@pytest.mark.parametrize("header, value, token", [("Authorization", "Bearer s3cret", "s3cret"),
                                                  ("X-Chroma-Token", "s3cret", "s3cret")])
def test_a_server_behind_token_authentication(chroma_server, tmp_path, embedder, catalog, header, value, token):
    gate = TokenGate(chroma_server, header, value)
    with pytest.raises(VectorIndexError, match="refused chatrec's credentials"):
        ItemIndex(_server_settings(tmp_path, gate.port), embedder).sync(catalog)
    index = ItemIndex(_server_settings(tmp_path, gate.port, auth_token=token, auth_header=header,
                                       headers={"X-Deployment": "test"}), embedder)
    assert index.sync(catalog).added == len(catalog)
    assert [h.item_id for h in index.search("monster on a spaceship", k=1)] == ["alien"]
    assert gate.seen[-1] == value


@pytest.mark.server
def test_a_tenant_and_database_of_its_own(chroma_server, tmp_path, embedder, catalog):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    admin = chromadb.AdminClient(ChromaSettings(chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host="127.0.0.1",
                                                chroma_server_http_port=chroma_server, anonymized_telemetry=False))
    admin.create_tenant("acme")
    admin.create_database("bots", tenant="acme")
    index = ItemIndex(_server_settings(tmp_path, chroma_server, tenant="acme", database="bots"), embedder)
    assert index.sync(catalog).added == len(catalog)
    default = chromadb.HttpClient(host="127.0.0.1", port=chroma_server, settings=ChromaSettings(anonymized_telemetry=False))
    assert default.list_collections() == []  # everything went into acme/bots
    with pytest.raises(VectorIndexError, match="no tenant `acme` with database `nope`"):
        ItemIndex(_server_settings(tmp_path, chroma_server, tenant="acme", database="nope"), embedder).sync(catalog)

"""A real Chroma server (`chroma run`) on a free loopback port, used through HttpClient."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from chatrec_agent.errors import VectorIndexError
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import settings_from_dict

from .conftest import check_full_rebuilds_spare_the_neighbour


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma")
    assert exe, "the chromadb package installs the `chroma` command"
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited: {(tmp_path / 'chroma.log').read_text()}")
        time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


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

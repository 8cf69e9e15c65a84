"""Chroma clients: embedded (PersistentClient under storage.dir) or a server (HttpClient).

Telemetry is always off, and collections are always opened with `embedding_function=None`
so Chroma never loads (or downloads) its own default model: we embed everything ourselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatrec_agent.errors import VectorIndexError
from chatrec_agent.settings import VectorStoreSettings

# Chroma caps one request at get_max_batch_size() records; reads of many ids also hit
# SQLite's "too many SQL variables", so large reads and writes go in pages of this size.
PAGE = 5000


def make_client(settings: VectorStoreSettings, path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.mode == "server":
        try:
            client = chromadb.HttpClient(
                host=settings.host, port=settings.port, ssl=settings.ssl, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport errors here
            raise VectorIndexError(
                f"Cannot reach the Chroma server at {settings.host}:{settings.port} ({exc.__class__.__name__}); "
                f"start it with `chroma run --path DIR --host {settings.host} --port {settings.port}` "
                "or set vector_store.mode: embedded."
            ) from None
        return client
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def page_size(client: Any) -> int:
    try:
        return max(1, min(PAGE, int(client.get_max_batch_size())))
    except Exception:
        return PAGE

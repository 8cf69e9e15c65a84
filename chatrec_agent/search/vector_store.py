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


def server_headers(settings: VectorStoreSettings) -> dict[str, str]:
    headers = dict(settings.headers)
    if settings.auth_token is not None:
        token = settings.auth_token.get_secret_value()
        headers[settings.auth_header] = f"Bearer {token}" if settings.auth_header.lower() == "authorization" else token
    return headers


def _diagnose(settings: VectorStoreSettings, exc: Exception) -> str:
    """Why the server could not be used, asked of it directly (the client's errors often say nothing)."""
    import httpx

    where = f"{settings.host}:{settings.port}"
    base = f"{'https' if settings.ssl else 'http'}://{where}/api/v2/tenants/{settings.tenant}"
    try:
        with httpx.Client(headers=server_headers(settings), timeout=10) as http:
            tenant = http.get(base)
            database = http.get(f"{base}/databases/{settings.database}") if tenant.status_code == 200 else None
    except httpx.HTTPError:
        return (f"Cannot reach the Chroma server at {where} ({exc.__class__.__name__}); start it with "
                f"`chroma run --path DIR --host {settings.host} --port {settings.port}` or set vector_store.mode: embedded.")
    if tenant.status_code in (401, 403):
        return (f"The Chroma server at {where} refused chatrec's credentials (HTTP {tenant.status_code}); check "
                "vector_store.auth_token and vector_store.auth_header.")
    if tenant.status_code == 404 or (database is not None and database.status_code == 404):
        return (f"The Chroma server at {where} has no tenant `{settings.tenant}` with database `{settings.database}`; "
                "create them (chromadb.AdminClient) or fix vector_store.tenant and vector_store.database.")
    return f"The Chroma server at {where} could not be used ({exc.__class__.__name__}: {exc})."


def make_client(settings: VectorStoreSettings, path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.mode == "server":
        try:
            client = chromadb.HttpClient(
                host=settings.host, port=settings.port, ssl=settings.ssl, headers=server_headers(settings),
                settings=chroma_settings, tenant=settings.tenant, database=settings.database,
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport errors, some without a message
            raise VectorIndexError(_diagnose(settings, exc)) from None
        return client
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def page_size(client: Any) -> int:
    try:
        return max(1, min(PAGE, int(client.get_max_batch_size())))
    except Exception:
        return PAGE

"""Opens the history store, the model store and the coordination between replicas that
storage.backend names."""

from __future__ import annotations

from chatrec_agent.errors import ConfigError
from chatrec_agent.settings import StorageSettings
from chatrec_agent.store.coordination import Coordination, InProcessCoordination
from chatrec_agent.store.history import HistoryStore
from chatrec_agent.store.model_store import DirectoryModelStore, ModelStore
from chatrec_agent.store.sqlite_history import SqliteHistoryStore


def open_history(storage: StorageSettings) -> HistoryStore:
    if storage.backend == "sqlite":
        return SqliteHistoryStore.in_dir(storage.dir)
    url = _postgres_url(storage)
    from chatrec_agent.store.postgres_history import PostgresHistoryStore

    return PostgresHistoryStore(url)


def open_models(storage: StorageSettings) -> ModelStore:
    """Fitted models: files in storage.dir/models for one process (sqlite), the shared
    database for replicas (postgres), so that they load one fit instead of each refitting."""
    if storage.backend == "sqlite":
        return DirectoryModelStore(storage.dir / "models")
    url = _postgres_url(storage)
    from chatrec_agent.store.postgres_models import PostgresModelStore

    return PostgresModelStore(url)


def open_coordination(storage: StorageSettings) -> Coordination:
    """Seen events, rate limits and the reindex slot: in memory for one process (sqlite), in
    the shared database for replicas (postgres)."""
    if storage.backend == "sqlite":
        return InProcessCoordination()
    url = _postgres_url(storage)
    from chatrec_agent.store.postgres_coordination import PostgresCoordination

    return PostgresCoordination(url)


def _postgres_url(storage: StorageSettings) -> str:
    """storage.url, once the `postgres` extra (psycopg and its pool) is known to be installed."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"storage.backend postgres needs {exc.name}: pip install 'chatrec[postgres]'.") from None
    assert storage.url is not None  # StorageSettings refuses postgres without a url
    return storage.url.get_secret_value()

"""Opens the history store, and the coordination between replicas, that storage.backend names."""

from __future__ import annotations

from chatrec_agent.errors import ConfigError
from chatrec_agent.settings import StorageSettings
from chatrec_agent.store.coordination import Coordination, InProcessCoordination
from chatrec_agent.store.history import HistoryStore
from chatrec_agent.store.sqlite_history import SqliteHistoryStore


def open_history(storage: StorageSettings) -> HistoryStore:
    if storage.backend == "sqlite":
        return SqliteHistoryStore.in_dir(storage.dir)
    try:  # psycopg comes with the `postgres` extra only
        from chatrec_agent.store.postgres_history import PostgresHistoryStore
    except ImportError as exc:
        raise ConfigError(f"storage.backend postgres needs {exc.name}: pip install 'chatrec[postgres]'.") from None
    assert storage.url is not None  # StorageSettings refuses postgres without a url
    return PostgresHistoryStore(storage.url.get_secret_value())


def open_coordination(storage: StorageSettings) -> Coordination:
    """Seen events, rate limits and the reindex slot: in memory for one process (sqlite), in
    the shared database for replicas (postgres)."""
    if storage.backend == "sqlite":
        return InProcessCoordination()
    try:  # psycopg comes with the `postgres` extra only
        from chatrec_agent.store.postgres_coordination import PostgresCoordination
    except ImportError as exc:
        raise ConfigError(f"storage.backend postgres needs {exc.name}: pip install 'chatrec[postgres]'.") from None
    assert storage.url is not None
    return PostgresCoordination(storage.url.get_secret_value())

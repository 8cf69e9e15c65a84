"""Opens the history store that storage.backend names."""

from __future__ import annotations

from chatrec_agent.errors import ConfigError
from chatrec_agent.settings import StorageSettings
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

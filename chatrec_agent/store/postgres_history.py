"""The history in a PostgreSQL database that several bot replicas share (storage.backend
postgres). Needs the `postgres` extra: pip install 'chatrec[postgres]'."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from chatrec_agent.store.history import Executor, HistoryStore, Rows
from chatrec_agent.store.postgres_connection import where
from chatrec_agent.store.postgres_migrations import migrate


class _Placeholders:
    """Runs the store's `?`-style SQL on a psycopg connection, which takes `%s`."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Rows:
        return self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)


class PostgresHistoryStore(HistoryStore):
    """A pool of autocommit connections: a read sees every replica's committed writes at
    once, and a write is one transaction, committed before the method returns."""

    def __init__(self, url: str, max_connections: int = 10, connect_timeout_s: int = 10):
        self.location = where(url)
        # Migrate on a connection of its own, before any pool exists: a database from a
        # newer chatrec stops this replica here.
        migrate(url, "history database", connect_timeout_s)
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_connections, kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,  # a connection the server dropped is replaced, not used
            name="chatrec-history", open=True,
        )

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _read(self) -> Iterator[Executor]:
        with self._pool.connection() as conn:
            yield _Placeholders(conn)

    @contextmanager
    def _tx(self) -> Iterator[Executor]:
        with self._pool.connection() as conn, conn.transaction():
            yield _Placeholders(conn)

    def _serialise(self, db: Executor, scope: str, key: str = "") -> None:
        # A transaction-level advisory lock on the pair of hashes: held until commit, and
        # shared by every replica on this database. A hash collision only makes two
        # unrelated writers take turns.
        db.execute("SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))", (scope, key))

    def _load_interactions(self, db: Executor, rows: list[tuple[str, str, float | None, int]]) -> None:
        assert isinstance(db, _Placeholders)
        with db.conn.cursor().copy("COPY interactions (user_id, item_id, rating, timestamp) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

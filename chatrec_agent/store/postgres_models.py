"""Fitted models in the PostgreSQL database replicas share (migration 0005_models.sql), so
a model one replica fitted is loaded by the others instead of refitted by each.

A save replaces the header and every chunk in one transaction and a load reads them in one
statement, so a replica loading while another saves gets one whole version (MVCC).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg_pool import ConnectionPool

from chatrec_agent.store.model_store import ModelStore
from chatrec_agent.store.postgres_connection import connect, where
from chatrec_agent.store.postgres_migrations import migrate

CHUNK_BYTES = 64 * 1024 * 1024  # well under bytea's 1 GB, and few rows for a typical model
_FIT = "chatrec fit"  # advisory lock key, with the model's name


class PostgresModelStore(ModelStore):
    shared = True

    def __init__(self, url: str, max_connections: int = 3, connect_timeout_s: int = 10,
                 chunk_bytes: int = CHUNK_BYTES):
        self._url, self._connect_timeout_s, self.chunk_bytes = url, connect_timeout_s, chunk_bytes
        self.location = where(url)
        migrate(url, "model database", connect_timeout_s)
        self._pool = ConnectionPool(url, min_size=1, max_size=max_connections, kwargs={"autocommit": True},
                                    check=ConnectionPool.check_connection, name="chatrec-models", open=True)

    def close(self) -> None:
        self._pool.close()

    def put(self, name: str, header: bytes, arrays: bytes) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("INSERT INTO models (name, header) VALUES (%s, %s) ON CONFLICT (name)"
                         " DO UPDATE SET header = EXCLUDED.header, saved_at = now()", (name, header))
            conn.execute("DELETE FROM model_chunks WHERE name = %s", (name,))
            with conn.cursor().copy("COPY model_chunks (name, seq, data) FROM STDIN") as copy:
                for seq, start in enumerate(range(0, max(len(arrays), 1), self.chunk_bytes)):
                    copy.write_row((name, seq, arrays[start:start + self.chunk_bytes]))

    def header(self, name: str) -> bytes | None:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT header FROM models WHERE name = %s", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def get(self, name: str) -> tuple[bytes, bytes] | None:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT m.header, c.data FROM models m LEFT JOIN model_chunks c USING (name)"
                " WHERE m.name = %s ORDER BY c.seq", (name,)).fetchall()
        if not rows:
            return None
        return bytes(rows[0][0]), b"".join(bytes(data) for _, data in rows if data is not None)

    @contextmanager
    def fitting(self, name: str) -> Iterator[None]:
        """A session advisory lock on a connection of its own, held for the fit: a replica
        that dies mid-fit drops it with its connection, so nobody waits forever."""
        with connect(self._url, "model database", self._connect_timeout_s) as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s), hashtext(%s))", (_FIT, name))
            yield  # released when the connection closes

    def where(self, name: str) -> str:
        return f"PostgreSQL {self.location} (models/{name})"

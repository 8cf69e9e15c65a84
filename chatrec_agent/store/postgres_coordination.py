"""Coordination for bot replicas that share a PostgreSQL database (storage.backend
postgres): seen events, rate limits and the reindex slot live in the database
(migration 0003_coordination.sql), so every replica sees the same ones; so does the
catalog generation to serve (0004_generations.sql).

Times come from the database's clock, never a replica's, so replicas whose clocks
disagree still count the same window.
"""

from __future__ import annotations

import threading
import time

import psycopg
from psycopg_pool import ConnectionPool

from chatrec_agent.store.coordination import Coordination
from chatrec_agent.store.postgres_connection import connect
from chatrec_agent.store.postgres_migrations import migrate

# Advisory lock keys, as (hashtext(a), hashtext(b)) pairs; the history store's are
# ("import", ...) and ("feedback", ...). A hash collision only makes two users take turns.
_RATE = "chatrec rate limit"  # with the limited key
_PRUNE = ("chatrec", "prune coordination")
_REINDEX = ("chatrec", "reindex")

_HELD = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid = (hashtext(%s)::bigint & 4294967295)::oid
      AND objid = (hashtext(%s)::bigint & 4294967295)::oid
)"""  # a two-key advisory lock shows as (classid, objid) = its keys as unsigned, objsubid 2

# Counts and records one event for a key in one statement, under the key's advisory lock
# (taken just before, in the same transaction), so concurrent callers count in turn.
_COUNT_ONE = """
INSERT INTO rate_events (key, at, expires_at)
SELECT %(key)s, now.t, now.t + make_interval(secs => %(window)s)
FROM (SELECT clock_timestamp() AS t) AS now
WHERE (SELECT count(*) FROM rate_events
       WHERE key = %(key)s AND at >= now.t - make_interval(secs => %(window)s)) < %(limit)s"""


class PostgresReindexLock:
    """A session-level advisory lock, taken on a connection of its own and held for the
    reindex's duration. PostgreSQL releases it when that connection ends, so a replica
    that crashes mid-reindex never blocks the next one. (Session locks need direct
    connections or a session-pooling proxy: transaction pooling would share the session.)"""

    def __init__(self, url: str, pool: ConnectionPool, connect_timeout_s: int = 10):
        self._url, self._pool, self._connect_timeout_s = url, pool, connect_timeout_s
        self._conn: psycopg.Connection | None = None
        self._guard = threading.Lock()  # between this replica's threads

    def try_acquire(self) -> bool:
        with self._guard:
            if self._conn is not None:
                return False  # this replica holds it already
            conn = connect(self._url, "coordination database", self._connect_timeout_s)
            try:
                # A replica cut off by the network must lose the lock in a minute or two,
                # not after the kernel's default two hours of TCP keepalive.
                conn.execute("SET tcp_keepalives_idle = 30")
                conn.execute("SET tcp_keepalives_interval = 10")
                conn.execute("SET tcp_keepalives_count = 6")
                row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))", _REINDEX).fetchone()
            except BaseException:
                conn.close()
                raise
            if not (row and row[0]):
                conn.close()
                return False
            self._conn = conn
            return True

    def release(self) -> None:
        with self._guard:
            conn, self._conn = self._conn, None
        if conn is None:
            raise RuntimeError("release of a reindex lock this replica does not hold")
        try:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s), hashtext(%s))", _REINDEX)
        except psycopg.Error:
            pass  # the connection is gone, and the lock went with it
        finally:
            conn.close()

    def close(self) -> None:
        """Give the lock back if this replica holds it (closing its connection does)."""
        with self._guard:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @property
    def held(self) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute(_HELD, _REINDEX).fetchone()
        return bool(row and row[0])


class PostgresCoordination(Coordination):
    """A small pool of autocommit connections; old seen events and counted events are
    pruned every `prune_every_s` by whichever replica gets there first."""

    shared = True

    def __init__(self, url: str, max_connections: int = 5, connect_timeout_s: int = 10,
                 seen_for_s: float = 86_400, prune_every_s: float = 300):
        migrate(url, "coordination database", connect_timeout_s)  # its tables may be newer than a history store opened earlier
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_connections, kwargs={"autocommit": True},
            check=ConnectionPool.check_connection, name="chatrec-coordination", open=True,
        )
        self.reindex_lock = PostgresReindexLock(url, self._pool, connect_timeout_s)
        self.seen_for_s, self.prune_every_s = seen_for_s, prune_every_s
        self._next_prune = time.monotonic()
        self._pruning = threading.Lock()

    def close(self) -> None:
        self.reindex_lock.close()
        self._pool.close()

    def first_time(self, key: str) -> bool:
        self._prune_now_and_then()
        with self._pool.connection() as conn:
            cursor = conn.execute("INSERT INTO seen_events (key) VALUES (%s) ON CONFLICT DO NOTHING", (key,))
        return cursor.rowcount == 1

    def allow(self, key: str, limit: int, window_s: float) -> bool:
        self._prune_now_and_then()
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (_RATE, key))
            cursor = conn.execute(_COUNT_ONE, {"key": key, "window": window_s, "limit": limit})
        return cursor.rowcount == 1

    def publish_generation(self, value: str) -> None:
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO generations (key, value) VALUES ('catalog', %s)"
                         " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()", (value,))

    def generation(self) -> str | None:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT value FROM generations WHERE key = 'catalog'").fetchone()
        return row[0] if row else None

    def prune(self) -> None:
        """Delete seen events older than `seen_for_s` and counted events past their window.
        One replica at a time: the others skip rather than queue behind the same deletes."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s), hashtext(%s))", _PRUNE).fetchone()
            if not (row and row[0]):
                return
            conn.execute("DELETE FROM seen_events WHERE seen_at < now() - make_interval(secs => %s)", (self.seen_for_s,))
            conn.execute("DELETE FROM rate_events WHERE expires_at < now()")

    def _prune_now_and_then(self) -> None:
        if time.monotonic() < self._next_prune or not self._pruning.acquire(blocking=False):
            return
        try:
            self._next_prune = time.monotonic() + self.prune_every_s
            self.prune()
        finally:
            self._pruning.release()

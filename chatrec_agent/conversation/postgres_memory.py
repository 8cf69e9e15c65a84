"""Conversation memory in the PostgreSQL database of storage.url, shared by every replica:
a conversation begun on one continues on any other. Needs the `postgres` extra.

The checkpoints are LangGraph's PostgresSaver tables, which the saver creates and migrates
itself; the `conversations` bookkeeping table is chatrec's own, made by the versioned
migrations (0002_conversations.sql) like the history's tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chatrec_agent.errors import StoreError
from chatrec_agent.store.postgres_connection import connect
from chatrec_agent.store.postgres_migrations import migrate

log = logging.getLogger(__name__)

# Hashed to advisory lock keys; the turn lock takes a second key, the conversation's.
_SETUP_LOCK = "chatrec checkpointer setup"
_TURN_LOCK = "chatrec conversation turn"


class PostgresMemory:
    def __init__(self, url: str, concurrent_turns: int = 16, connect_timeout_s: int = 10, setup_wait_s: float = 120.0):
        """`concurrent_turns`: the turns this process may run at once; each holds a
        connection of its own for its conversation's lock while it runs."""
        migrate(url, "memory database", connect_timeout_s)  # the conversations table; nothing to do once the history store ran it
        with connect(url, "memory database", connect_timeout_s) as conn:
            # The saver wants autocommit dict-row connections, unprepared (it also runs behind
            # pgbouncer): not the history store's tuple rows, hence a pool of its own. The saver
            # holds one connection at a time (it serialises itself); the rest are for the
            # bookkeeping here.
            self._pool = ConnectionPool(
                url, min_size=1, max_size=4, kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
                check=ConnectionPool.check_connection, name="chatrec-memory", open=True,
            )
            self.checkpointer = PostgresSaver(self._pool)
            try:
                _setup_once(self.checkpointer, conn, setup_wait_s)
            except BaseException:
                self._pool.close()
                raise
        self._turns = ConnectionPool(
            url, min_size=1, max_size=max(1, concurrent_turns), kwargs={"autocommit": True},
            check=ConnectionPool.check_connection, name="chatrec-turns", open=True,
        )

    def conversations(self, conversation: str, *, threads: bool = False) -> list[str]:
        # The saver has no query by id prefix; its `checkpoints` table is keyed by thread_id.
        # starts_with needs no LIKE escaping; Python's sort is SQLite's (code point) order.
        sql = "SELECT DISTINCT thread_id FROM checkpoints WHERE thread_id = %s"
        params: tuple[str, ...] = (conversation,)
        if threads:
            sql, params = sql + " OR starts_with(thread_id, %s)", (conversation, f"{conversation}:")
        with self._pool.connection() as conn:
            return sorted(row["thread_id"] for row in conn.execute(sql, params))

    def keep_latest(self, conversation: str) -> None:
        # keep_latest keeps the head checkpoint with its pending writes and the blobs it still
        # references (create_agent's state has no DeltaChannel, which it would refuse).
        try:
            self.checkpointer.prune([conversation], strategy="keep_latest")
        except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
            # Something else wrote to the conversation meanwhile; the next turn prunes it.
            log.info("memory of %s not pruned this turn: %s", conversation, type(exc).__name__)

    def touch(self, conversation: str, at: float) -> None:
        # GREATEST: a replica whose clock lags never makes a conversation look older.
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO conversations (id, last_turn_at) VALUES (%s, %s) ON CONFLICT (id) "
                         "DO UPDATE SET last_turn_at = GREATEST(conversations.last_turn_at, EXCLUDED.last_turn_at)",
                         (conversation, at))

    def idle_since(self, cutoff: float) -> list[str]:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT id FROM conversations WHERE last_turn_at < %s ORDER BY id", (cutoff,))
            return [row["id"] for row in rows]

    def delete(self, conversation: str) -> None:
        # prune "delete": checkpoints, writes and blobs in one transaction.
        self.checkpointer.prune([conversation], strategy="delete")
        with self._pool.connection() as conn:
            conn.execute("DELETE FROM conversations WHERE id = %s", (conversation,))

    @contextmanager
    def exclusive(self, conversation: str) -> Iterator[None]:
        """An advisory lock on the conversation, held by a session of its own for the whole
        turn: two replicas answering the same conversation at once would both extend the
        same checkpoint, and the later would silently drop the other's turn."""
        key = (_TURN_LOCK, conversation)
        with self._turns.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s), hashtext(%s))", key)
            try:
                yield
            finally:
                # A connection that broke took its session, and the lock, with it.
                with suppress(psycopg.OperationalError):
                    conn.execute("SELECT pg_advisory_unlock(hashtext(%s), hashtext(%s))", key)

    def close(self) -> None:
        self._turns.close()
        self._pool.close()


def _setup_once(saver: PostgresSaver, conn: psycopg.Connection, wait_s: float) -> None:
    """PostgresSaver.setup, one replica at a time (two at once could both record the same
    migration and fail). The lock is tried, not waited on: a session waiting in
    pg_advisory_lock holds a snapshot, and setup's CREATE INDEX CONCURRENTLY waits for
    every older snapshot, so it would wait for a replica that waits for it."""
    deadline = time.monotonic() + wait_s
    while not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (_SETUP_LOCK,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise StoreError(f"Another replica has been setting up the conversation memory tables for over {wait_s:.0f} s; "
                             "check the database (pg_stat_activity) and start again.")
        time.sleep(0.2)
    try:
        saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (_SETUP_LOCK,))

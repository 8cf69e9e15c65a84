"""Conversation memory in one SQLite file, storage.dir/memory.sqlite3: for a single bot process."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver


class SqliteMemory:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(folder / "memory.sqlite3"), check_same_thread=False)
        # From the first statement, not the saver's lazy setup: a turn being saved never blocks
        # another conversation's read, and a crash mid-write leaves the file whole.
        self._conn.execute("PRAGMA journal_mode=WAL")
        # The saver serialises its own use of the connection; everything here goes through
        # its cursor() to share that lock.
        self.checkpointer = SqliteSaver(self._conn)
        self._conn.execute("CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, last_turn_at REAL NOT NULL)")
        self._conn.commit()

    def conversations(self, conversation: str, *, threads: bool = False) -> list[str]:
        # The saver has no query by id prefix; its `checkpoints` table is keyed by thread_id.
        where, params = "thread_id = ?", (conversation,)
        if threads:
            escaped = conversation.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where, params = "thread_id = ? OR thread_id LIKE ? ESCAPE '\\'", (conversation, f"{escaped}:%")
        with self.checkpointer.cursor(transaction=False) as cursor:
            cursor.execute(f"SELECT DISTINCT thread_id FROM checkpoints WHERE {where} ORDER BY 1", params)
            return [row[0] for row in cursor.fetchall()]

    def keep_latest(self, conversation: str) -> None:
        with self.checkpointer.cursor() as cursor:
            cursor.execute("SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
                           "ORDER BY checkpoint_id DESC LIMIT 1", (conversation,))
            latest = cursor.fetchone()
            if latest is not None:
                for table in ("checkpoints", "writes"):
                    cursor.execute(f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id != ?", (conversation, latest[0]))

    def touch(self, conversation: str, at: float) -> None:
        with self.checkpointer.cursor() as cursor:
            cursor.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?)", (conversation, at))

    def idle_since(self, cutoff: float) -> list[str]:
        with self.checkpointer.cursor(transaction=False) as cursor:
            cursor.execute("SELECT id FROM conversations WHERE last_turn_at < ? ORDER BY id", (cutoff,))
            return [row[0] for row in cursor.fetchall()]

    def delete(self, conversation: str) -> None:
        self.checkpointer.delete_thread(conversation)
        with self.checkpointer.cursor() as cursor:
            cursor.execute("DELETE FROM conversations WHERE id = ?", (conversation,))

    def exclusive(self, conversation: str) -> AbstractContextManager[None]:
        return nullcontext()  # one process: the agent's TurnOrder is enough

    def close(self) -> None:
        self._conn.close()
